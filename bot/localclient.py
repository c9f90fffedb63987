"""A person in a room, as a real matrix-nio client: used by the demo, the tests and the benchmarks."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Callable

from nio import (
    AsyncClient,
    AsyncClientConfig,
    JoinResponse,
    LoginResponse,
    MatrixRoom,
    RoomMessage,
    RoomRedactResponse,
    RoomSendResponse,
)


class UserClient:
    """Logs in, syncs in the background (with encryption upkeep), sends messages, waits for replies."""

    def __init__(self, homeserver: str, user_id: str, password: str, store_dir: Path):
        store_dir.mkdir(parents=True, exist_ok=True)
        self.password = password
        self.client = AsyncClient(
            homeserver,
            user_id,
            store_path=str(store_dir),
            config=AsyncClientConfig(encryption_enabled=True, store_sync_tokens=False),
        )
        self.events: list[tuple[str, RoomMessage]] = []
        self._changed = asyncio.Condition()
        self._task: asyncio.Task | None = None
        self.client.add_event_callback(self._on_message, RoomMessage)

    @property
    def user_id(self) -> str:
        return self.client.user_id

    async def _on_message(self, room: MatrixRoom, event: RoomMessage) -> None:
        async with self._changed:
            self.events.append((room.room_id, event))
            self._changed.notify_all()

    async def start(self) -> None:
        response = await self.client.login(self.password, device_name="test-user")
        if not isinstance(response, LoginResponse):
            raise RuntimeError(f"login failed: {response}")
        await self.client.sync(timeout=0, full_state=True)
        if self.client.should_upload_keys:
            await self.client.keys_upload()
        self._task = asyncio.create_task(self.client.sync_forever(timeout=1000))

    async def close(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
        await self.client.close()

    async def join(self, room_id: str) -> None:
        response = await self.client.join(room_id)
        if not isinstance(response, JoinResponse):
            raise RuntimeError(f"join failed: {response}")
        await self.wait_for(lambda: room_id in self.client.rooms, timeout=10)

    async def wait_for_member(self, room_id: str, user_id: str, timeout: float = 20) -> None:
        """Until `user_id` has joined the room and, in an encrypted room, its devices are known,
        so the next message is encrypted for them too."""

        def joined() -> bool:
            room = self.client.rooms.get(room_id)
            # nio lists invited users in `users` too; only a join counts.
            return room is not None and user_id in room.users and user_id not in room.invited_users

        await self.wait_for(joined, timeout)
        if self.client.rooms[room_id].encrypted:
            async def devices_known() -> None:
                while not list(self.client.device_store.active_user_devices(user_id)):
                    if self.client.should_query_keys:
                        await self.client.keys_query()
                    await asyncio.sleep(0.1)

            await asyncio.wait_for(devices_known(), timeout)

    async def send(self, room_id: str, body: str, **extra: Any) -> str:
        """Send a text message (extra content keys merged in) and return its event id."""
        content = {"msgtype": "m.text", "body": body, **extra}
        await self.wait_for(lambda: room_id in self.client.rooms)  # nio sends only into rooms it has synced
        response = await self.client.room_send(room_id, "m.room.message", content, ignore_unverified_devices=True)
        if not isinstance(response, RoomSendResponse):
            raise RuntimeError(f"send failed: {response}")
        return response.event_id

    async def edit(self, room_id: str, event_id: str, body: str) -> str:
        """Edit a message as Element does: the new content, a fallback body marked "* ", and the relation; returns
        the edit's event id."""
        new = {"msgtype": "m.text", "body": body}
        return await self.send(
            room_id,
            f"* {body}",
            **{"m.new_content": new, "m.relates_to": {"rel_type": "m.replace", "event_id": event_id}},
        )

    async def redact(self, room_id: str, event_id: str) -> None:
        response = await self.client.room_redact(room_id, event_id)
        if not isinstance(response, RoomRedactResponse):
            raise RuntimeError(f"redaction failed: {response}")

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 20) -> Any:
        async def wait() -> Any:
            async with self._changed:
                while not (result := predicate()):
                    try:
                        await asyncio.wait_for(self._changed.wait(), 0.2)
                    except TimeoutError:
                        pass
                return result

        return await asyncio.wait_for(wait(), timeout)

    def replies_to(self, room_id: str, event_id: str) -> list[RoomMessage]:
        return [
            event
            for room, event in self.events
            if room == room_id
            and (event.source.get("content", {}).get("m.relates_to") or {}).get("m.in_reply_to", {}).get("event_id")
            == event_id
        ]

    async def reply_to(self, room_id: str, event_id: str, timeout: float = 20) -> RoomMessage:
        """The bot's first reply to an event."""
        replies = await self.wait_for(lambda: self.replies_to(room_id, event_id), timeout)
        return replies[0]

    def edits_of(self, room_id: str, event_id: str) -> list[RoomMessage]:
        return [
            event
            for room, event in self.events
            if room == room_id
            and (event.source.get("content", {}).get("m.relates_to") or {})
            == {"rel_type": "m.replace", "event_id": event_id}
        ]

    def messages_from(self, room_id: str, sender: str) -> list[RoomMessage]:
        return [event for room, event in self.events if room == room_id and event.sender == sender]


def content_of(event: RoomMessage) -> dict[str, Any]:
    return event.source.get("content", {})

