"""Building the nio client: encryption store in the data dir, retries left to our own transport."""

from __future__ import annotations

from nio import AsyncClient, AsyncClientConfig

from bot.settings import Settings

CRYPTO_DIR = "crypto"


def make_client(settings: Settings) -> AsyncClient:
    store = settings.data_dir / CRYPTO_DIR
    store.mkdir(mode=0o700, exist_ok=True)
    config = AsyncClientConfig(
        encryption_enabled=True,
        store_sync_tokens=False,  # the sync position lives in our database, stored after a batch is handled
        max_limit_exceeded=0,  # rate limits and outages are handled by Transport, visibly
        max_timeouts=0,
        request_timeout=30,
    )
    return AsyncClient(settings.homeserver, settings.user_id, store_path=str(store), config=config)
