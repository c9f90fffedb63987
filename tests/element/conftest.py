"""Element-like users for the tests: the driver (matrix-js-sdk with its Rust crypto) run by the pinned Node."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.localserver import LocalHomeserver
from tests.conftest import PASSWORD, unique

HERE = Path(__file__).parent
NODE = HERE / "node_modules" / "node" / "bin" / "node"  # Node 22 from the npm package `node`, not the machine's
DRIVER = HERE / "driver.mjs"


class ElementUser:
    """One driver process: a request per line on its stdin, the answer on its stdout, its log in a file."""

    def __init__(self, process: asyncio.subprocess.Process, log: Path):
        self.process = process
        self.log = log
        self.user_id = ""

    @classmethod
    async def start(cls, log: Path) -> ElementUser:
        if not NODE.exists():
            raise RuntimeError(f"{NODE} is missing: `make test` installs it (npm ci in {HERE})")
        with open(log, "wb") as stderr:
            process = await asyncio.create_subprocess_exec(
                str(NODE), str(DRIVER), cwd=HERE, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                stderr=stderr, limit=2**24,
            )  # fmt: skip
        return cls(process, log)

    async def login(self, homeserver: str, user_id: str, password: str) -> None:
        """Password login, her own cross-signing, "exclude insecure devices", then the first sync."""
        self.user_id = user_id
        await self.call("login", homeserver=homeserver, user_id=user_id, password=password)

    async def stop(self) -> None:
        """End of input ends the driver; one that does not stop is ended by its pid."""
        self.process.stdin.close()
        try:
            await asyncio.wait_for(self.process.wait(), 10)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()

    async def call(self, op: str, timeout: float = 60, **args: Any) -> dict[str, Any]:
        self.process.stdin.write(json.dumps({"op": op, **args}).encode() + b"\n")
        await self.process.stdin.drain()
        line = await asyncio.wait_for(self.process.stdout.readline(), timeout)
        if not line:
            raise RuntimeError(f"the driver of {self.user_id} exited; see {self.log}")
        answer = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"{answer['error']} (driver log: {self.log})")
        return answer

    async def create_room(self, encrypted: bool, invite: list[str]) -> str:
        return (await self.call("create_room", encrypted=encrypted, invite=invite))["room_id"]

    async def join(self, room_id: str) -> None:
        await self.call("join", room_id=room_id)

    async def wait_joined(self, room_id: str, user_id: str) -> None:
        await self.call("wait_joined", room_id=room_id, user_id=user_id)

    async def wait_signed(self, user_id: str, device_id: str) -> None:
        """Until her client sees the device cross-signed by its owner: only then does she share room keys with it."""
        await self.call("wait_signed", user_id=user_id, device_id=device_id)

    async def send(self, room_id: str, body: str) -> str:
        return (await self.call("send", room_id=room_id, body=body))["event_id"]

    async def events(self, room_id: str) -> list[dict[str, Any]]:
        """The room's messages as she sees them: `type` and `content` decrypted, or `decryption_failure` set."""
        return (await self.call("events", room_id=room_id))["events"]

    async def wait_for(
        self, room_id: str, select: Callable[[dict[str, Any]], bool], timeout: float = 30
    ) -> list[dict[str, Any]]:
        """The room's messages that `select` picks, once there is at least one that is not still being decrypted."""

        async def poll() -> list[dict[str, Any]]:
            while not (found := [e for e in await self.events(room_id) if select(e) and not e["decrypting"]]):
                await asyncio.sleep(0.2)
            return found

        return await asyncio.wait_for(poll(), timeout)

    async def replies(self, room_id: str, event_id: str, timeout: float = 30) -> list[dict[str, Any]]:
        """Every reply to an event, decrypted: waits for the first, then for the bot's answers to two `!ping`s she
        sends after it (the barrier of tests/integration/helpers.py: the bot answers a room's messages in order, so
        a second reply would be in the room before them)."""
        await self.wait_for(room_id, lambda e: e["in_reply_to"] == event_id, timeout)
        for _ in range(2):
            ping = await self.send(room_id, "!ping")
            await self.wait_for(room_id, lambda e: e["in_reply_to"] == ping, timeout)

        async def decrypted() -> list[dict[str, Any]]:
            while True:
                replies = [e for e in await self.events(room_id) if e["in_reply_to"] == event_id]
                if not any(e["decrypting"] for e in replies):
                    return replies
                await asyncio.sleep(0.2)

        return await asyncio.wait_for(decrypted(), timeout)

    async def download(self, content: dict[str, Any]) -> str:
        """The text of an m.file attachment, fetched and (in an encrypted room) decrypted as Element does."""
        return (await self.call("download", content=content))["text"]


@pytest.fixture
async def element_user(homeserver: LocalHomeserver, tmp_path: Path) -> AsyncIterator[Callable[..., Any]]:
    users: list[ElementUser] = []

    async def factory(prefix: str = "element") -> ElementUser:
        localpart = unique(prefix)
        homeserver.register(localpart, PASSWORD)
        user = await ElementUser.start(tmp_path / f"{localpart}.log")
        users.append(user)
        await user.login(homeserver.url, homeserver.user_id(localpart), PASSWORD)
        return user

    yield factory
    for user in users:
        await user.stop()
