"""A sender who decides when the bot gets a message's room key: held back, shared late, withheld, or sent
only when the bot asks for it. Built on the test user's own nio olm machine."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from nio import RoomKeyRequest, SyncResponse, ToDeviceMessage

from bot.localclient import UserClient

MEGOLM = "m.megolm.v1.aes-sha2"


@dataclass(frozen=True)
class HeldKey:
    room_id: str
    session_id: str
    session_key: str
    """Exported before the first message, so it decrypts every message sent with the session."""


class KeyHolder:
    def __init__(self, user: UserClient, bot_user_id: str):
        self.user = user
        self.bot_user_id = bot_user_id
        self.requests: list[RoomKeyRequest] = []
        # nio keeps key requests from other users away from its to-device callbacks; the sync has them.
        user.client.add_response_callback(self._on_sync, SyncResponse)

    async def _on_sync(self, response: SyncResponse) -> None:
        self.requests.extend(e for e in response.to_device_events if isinstance(e, RoomKeyRequest))

    def _bot_devices(self) -> list[Any]:
        return list(self.user.client.device_store.active_user_devices(self.bot_user_id))

    async def hold(self, room_id: str) -> HeldKey:
        """Start a new room key that everyone but the bot gets; what the user sends next uses it."""
        client = self.user.client
        for device in self._bot_devices():
            client.blacklist_device(device)
        client.olm.outbound_group_sessions.pop(room_id, None)
        await client.share_group_session(room_id, ignore_unverified_devices=True)
        session = client.olm.outbound_group_sessions[room_id]
        return HeldKey(room_id, session.id, session.session_key)

    async def stop_holding(self, room_id: str) -> None:
        """The bot's devices are trusted again; the next message starts a key the bot gets as usual."""
        client = self.user.client
        for device in self._bot_devices():
            client.unblacklist_device(device)
        client.olm.outbound_group_sessions.pop(room_id, None)

    async def _olm_sessions(self) -> list[tuple[Any, Any]]:
        client = self.user.client
        devices = self._bot_devices()
        missing = [d.id for d in devices if not client.olm.session_store.get(d.curve25519)]
        if missing:
            await client.keys_claim({self.bot_user_id: missing})
        return [(d, client.olm.session_store.get(d.curve25519)) for d in devices]

    async def _send(self, device: Any, message_type: str, content: dict[str, Any], session: Any) -> None:
        olm_dict = self.user.client.olm._olm_encrypt(session, device, message_type, content)
        await self.user.client.to_device(ToDeviceMessage("m.room.encrypted", device.user_id, device.id, olm_dict))

    async def share(self, held: HeldKey) -> None:
        """Send the held key to the bot's devices as the room key it would have got at once."""
        content = {"algorithm": MEGOLM, "room_id": held.room_id, "session_id": held.session_id, "session_key": held.session_key}
        for device, session in await self._olm_sessions():
            await self._send(device, "m.room_key", content, session)

    async def withhold(self, held: HeldKey, code: str) -> None:
        """Tell the bot's devices, as Element does, that this key will not be shared with them."""
        client = self.user.client
        content = {
            "algorithm": MEGOLM,
            "room_id": held.room_id,
            "session_id": held.session_id,
            "sender_key": client.olm.account.identity_keys["curve25519"],
            "code": code,
            "reason": "test",
        }
        for device in self._bot_devices():
            await client.to_device(ToDeviceMessage("m.room_key.withheld", device.user_id, device.id, content))

    async def answer_request(self, held: HeldKey, timeout: float = 20) -> None:
        """Wait for the bot's room key request for the held key and answer it with a forwarded key."""
        client = self.user.client

        async def asked() -> None:
            while not any(r.session_id == held.session_id for r in self.requests):
                await asyncio.sleep(0.1)

        await asyncio.wait_for(asked(), timeout)
        sender_key = client.olm.account.identity_keys["curve25519"]
        group_session = client.olm.inbound_group_store.get(held.room_id, sender_key, held.session_id)
        for device, session in await self._olm_sessions():
            message = client.olm._encrypt_forwarding_key(held.room_id, group_session, session, device)
            await client.to_device(message)
