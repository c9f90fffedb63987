"""The floor the bot is measured against: the bare matrix-nio bot that answers every text message with a fixed
notice, and nothing more. Run in the benchmark's own process (bench.roundtrip) or as a process of its own, as the
bot runs (bench.budget): `python -m bench.floor <homeserver> <user id>`, in the rooms it is already in; it prints
"ready" once it has synced."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from nio import AsyncClient, AsyncClientConfig, LoginResponse, MatrixRoom, RoomMessageText

from bench.common import PASSWORD

SYNC_TIMEOUT_MS = 30_000  # the bot's long poll


class EchoBot:
    """The floor: what any matrix-nio bot has to do to answer a message, and nothing more."""

    def __init__(self, homeserver_url: str, user_id: str, store: Path | None = None):
        """With a `store` directory it has encryption too, for an encrypted room."""
        if store is None:
            self.client = AsyncClient(homeserver_url, user_id)
        else:
            store.mkdir(parents=True, exist_ok=True)
            config = AsyncClientConfig(encryption_enabled=True, store_sync_tokens=False)
            self.client = AsyncClient(homeserver_url, user_id, store_path=str(store), config=config)
        self.task: asyncio.Task | None = None

    async def start(self, room_id: str | None = None) -> None:
        """Log in, join the room (if given) and answer from now on."""
        response = await self.client.login(PASSWORD)
        if not isinstance(response, LoginResponse):
            raise RuntimeError(f"echo bot login failed: {response}")
        if room_id is not None:
            await self.client.join(room_id)
        await self.client.sync(timeout=0)  # what was said before is not answered
        self.client.add_event_callback(self._on_text, RoomMessageText)
        self.task = asyncio.create_task(self.client.sync_forever(timeout=SYNC_TIMEOUT_MS))

    async def _on_text(self, room: MatrixRoom, event: RoomMessageText) -> None:
        if event.sender != self.client.user_id:
            await self.client.room_send(
                room.room_id, "m.room.message", {"msgtype": "m.notice", "body": "pong"}, ignore_unverified_devices=True
            )

    async def stop(self) -> None:
        if self.task:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)
        await self.client.close()


async def _serve(homeserver_url: str, user_id: str) -> None:
    echo = EchoBot(homeserver_url, user_id)
    await echo.start()
    print("ready", flush=True)
    try:
        await echo.task
    finally:
        await echo.stop()


if __name__ == "__main__":
    asyncio.run(_serve(sys.argv[1], sys.argv[2]))
