"""Building the nio client: encryption store in the data dir, retries left to our own transport."""

from __future__ import annotations

from nio import AsyncClient, AsyncClientConfig
from nio.crypto import Olm
from nio.events import ForwardedRoomKeyEvent

from bot.settings import Settings

CRYPTO_DIR = "crypto"


class _Olm(Olm):
    """nio takes a forwarded room key only from the bot's own verified devices. A key sent back by the very
    device that made the session, answering the bot's own request for it, is as good as the room key that
    device would have sent in the first place, so it is taken too."""

    def _should_accept_forward(self, sender: str, sender_key: str, event: ForwardedRoomKeyEvent) -> bool:
        content = event.source.get("content", {})
        request = self.outgoing_key_requests.get(event.session_id)
        if (
            request is not None
            and request.room_id == event.room_id
            and request.algorithm == event.algorithm
            and content.get("sender_key") == sender_key
            and not content.get("forwarding_curve25519_key_chain")
        ):
            return True
        return super()._should_accept_forward(sender, sender_key, event)


class BotClient(AsyncClient):
    def load_store(self) -> None:
        super().load_store()
        if self.olm is not None:
            self.olm.__class__ = _Olm  # same state, one decision more


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
    return BotClient(settings.homeserver, settings.user_id, store_path=str(store), config=config)
