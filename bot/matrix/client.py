"""Building the nio client: encryption store in the data dir, retries left to our own transport, and
every /keys/query answer handed whole to the key-sharing policy (nio keeps only the device keys)."""

from __future__ import annotations

from nio import AsyncClient, AsyncClientConfig, KeysQueryResponse, Response
from nio.crypto import Olm
from nio.events import ForwardedRoomKeyEvent
from nio.store import DefaultStore

from bot.matrix.keysharing import KeySharing, ShareWith
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


class _Store(DefaultStore):
    """nio saves the rooms a sync found encrypted after every sync, in a write transaction of the encryption
    store even when it found none; in a busy room that is a write per message. Only a sync that finds one writes."""

    def save_encrypted_rooms(self, rooms: set[str]) -> None:
        if rooms:
            super().save_encrypted_rooms(rooms)


class Client(AsyncClient):
    def __init__(self, homeserver: str, user_id: str, store_path: str, config: AsyncClientConfig, share_with: ShareWith):
        super().__init__(homeserver, user_id, store_path=store_path, config=config)
        self.key_sharing = KeySharing(self, share_with)

    def load_store(self) -> None:
        super().load_store()
        if self.olm is not None:
            self.olm.__class__ = _Olm  # same state, one decision more

    async def receive_response(self, response: Response) -> None:
        await super().receive_response(response)
        # Whoever asked (the sync upkeep or nio's own room_send), the policy decides before any key is shared.
        if isinstance(response, KeysQueryResponse):
            self.key_sharing.on_keys_query(await response.transport_response.json(content_type=None))


def make_client(settings: Settings) -> Client:
    store = settings.data_dir / CRYPTO_DIR
    store.mkdir(mode=0o700, exist_ok=True)
    config = AsyncClientConfig(
        encryption_enabled=True,
        store=_Store,
        store_sync_tokens=False,  # the sync position lives in our database, stored after a batch is handled
        max_limit_exceeded=0,  # rate limits and outages are handled by Transport, visibly
        max_timeouts=0,
        request_timeout=30,
    )
    return Client(settings.homeserver, settings.user_id, str(store), config, settings.share_keys_with)
