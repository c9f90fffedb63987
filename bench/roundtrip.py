"""Round trip of `!help` through a real Synapse: the real bot against a bare matrix-nio echo bot.

Measured: the time from a user's `!help` (taken just before room_send) to the answer reaching the
user's matrix-nio client (bot.localclient.UserClient). The arrival is stamped in an event callback
of that client, as its sync response is parsed, so waking up a waiter adds nothing.

Subjects, each in its own plain room with the same user, on one Synapse on 127.0.0.1, and both in
this process and event loop together with the user client:

- floor: a bare matrix-nio AsyncClient that answers every m.text with a fixed m.notice;
- bot: bot.app.App, started as tests/conftest.py starts it, logging at INFO to a file.

Each gets 10 warm-up round trips, then 200 measured ones, alternating between the subjects at every
round trip (floor-bot, bot-floor, …) so that drift and bursts of load on the machine fall on both
alike. Round trips are sequential, with a short pause after each answer so that every command finds
its subject idle, as commands typed by people do.

The user's 1000 ms sync timeout adds no latency: a long poll returns as soon as an event arrives.
The "delivery" line shows this: from the answer's server timestamp to its arrival at the user, a
sync that had to wait out its timeout would show as up to 1000 ms.
"""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import AsyncExitStack
from pathlib import Path

from nio import MatrixRoom, RoomMessageNotice

from bench.common import PASSWORD, homeserver, isolate_settings, machine, percentile, table
from bench.floor import EchoBot
from bot.app import App
from bot.localclient import UserClient
from bot.localserver import LocalHomeserver, create_room
from bot.settings import Settings, load_settings

WARMUP = 10
ROUND_TRIPS = 200
PAUSE_S = 0.05  # so each command finds its subject idle, as commands typed by people do
TARGET_RATIO = 1.10


class Subject:
    def __init__(self, name: str, room_id: str, user_id: str):
        self.name, self.room_id, self.user_id = name, room_id, user_id
        self.round_trips: list[float] = []
        self.deliveries: list[float] = []


class Arrivals:
    """Answers stamped in the user's client's own event callback, keyed by room and sender."""

    def __init__(self, user: UserClient):
        self.user = user
        self.expected: dict[tuple[str, str], asyncio.Future] = {}
        user.client.add_event_callback(self._on_notice, RoomMessageNotice)

    async def _on_notice(self, room: MatrixRoom, event: RoomMessageNotice) -> None:
        waiter = self.expected.pop((room.room_id, event.sender), None)
        if waiter and not waiter.done():
            waiter.set_result((time.perf_counter(), time.time() * 1000 - event.server_timestamp))

    async def round_trip(self, subject: Subject) -> tuple[float, float]:
        """Milliseconds from send to arrival, and of that the delivery from the server to the user."""
        waiter = asyncio.get_running_loop().create_future()
        # Registered before sending: on loopback the answer may arrive before room_send returns.
        self.expected[(subject.room_id, subject.user_id)] = waiter
        sent = time.perf_counter()
        await self.user.send(subject.room_id, "!help")
        arrived, delivery = await asyncio.wait_for(waiter, 30)
        await asyncio.sleep(PAUSE_S)
        return (arrived - sent) * 1000, delivery


async def start_app(settings: Settings, stack: AsyncExitStack) -> App:
    app = App(settings)
    await app.start()
    task = asyncio.create_task(app.run())

    async def stop() -> None:
        app.request_stop()
        await asyncio.wait_for(task, 30)
        await app.stop()

    stack.push_async_callback(stop)
    return app


async def user_and_floor(
    server: LocalHomeserver, workdir: Path, stack: AsyncExitStack, encrypted: bool = False
) -> tuple[UserClient, Arrivals, Subject]:
    """The users "user", "echo" and "bot"; the user's client, logged in; the floor in a room of its own."""
    for localpart in ("user", "echo", "bot"):
        server.register(localpart, PASSWORD)
    user = UserClient(server.url, server.user_id("user"), PASSWORD, workdir / "user-store")
    await user.start()
    stack.push_async_callback(user.close)
    echo_id = server.user_id("echo")
    room_id = create_room(server, user.client.access_token, "floor", invite=[echo_id], encrypted=encrypted)
    floor = Subject("floor (nio echo)" + (", encrypted room" if encrypted else ""), room_id, echo_id)
    echo = EchoBot(server.url, echo_id, store=workdir / "echo-store" if encrypted else None)
    await echo.start(floor.room_id)
    stack.push_async_callback(echo.stop)
    return user, Arrivals(user), floor


async def measure(server: LocalHomeserver, workdir: Path) -> tuple[Subject, Subject]:
    async with AsyncExitStack() as stack:
        user, arrivals, floor = await user_and_floor(server, workdir, stack)
        token = user.client.access_token

        settings = load_settings(
            env_file=None, homeserver=server.url, user_id=server.user_id("bot"), password=PASSWORD, data_dir=workdir / "bot"
        )
        # Power level 50 lets the bot advertise its commands instead of saying it cannot.
        room_id = create_room(server, token, "bot", invite=[settings.user_id], power_users={settings.user_id: 50})
        bot = Subject("bot (bot.app.App)", room_id, settings.user_id)
        await start_app(settings, stack)

        for subject in (floor, bot):
            await user.wait_for_member(subject.room_id, subject.user_id)
            for _ in range(WARMUP):
                await arrivals.round_trip(subject)
        # In blocks of 20 a burst of load on the machine could fall on one subject only; pairs flip
        # their order so that neither always goes first.
        for i in range(ROUND_TRIPS):
            for subject in (floor, bot) if i % 2 == 0 else (bot, floor):
                round_trip, delivery = await arrivals.round_trip(subject)
                subject.round_trips.append(round_trip)
                subject.deliveries.append(delivery)
    return floor, bot


def report(floor: Subject, bot: Subject) -> str:
    def figures(values: list[float]) -> list[float]:
        return [percentile(values, 50), percentile(values, 95), max(values)]

    f, b = figures(floor.round_trips), figures(bot.round_trips)
    ratio = [b[0] / f[0], b[1] / f[1]]
    rows = [
        [floor.name, *(f"{v:.1f}" for v in f)],
        [bot.name, *(f"{v:.1f}" for v in b)],
        ["bot / floor", *(f"{r:.2f}x" for r in ratio), ""],
    ]
    delivery = ", ".join(
        f"{s.name.split()[0]} p50 {percentile(s.deliveries, 50):.0f} / max {max(s.deliveries):.0f} ms" for s in (floor, bot)
    )
    verdict = "met" if ratio[0] <= TARGET_RATIO else "NOT met"
    return "\n".join(
        [
            "",
            f"!help round trip: user's send to the answer at the user's client, ms "
            f"({ROUND_TRIPS} each after {WARMUP} warm-up, alternating every round trip, {PAUSE_S * 1000:.0f} ms pause after each)",
            table(["subject", "p50", "p95", "max"], rows),
            f"target: bot p50 at most {TARGET_RATIO:.2f}x the floor: {verdict} ({ratio[0]:.2f}x)",
            f"delivery (answer's server timestamp to the user's callback): {delivery}",
            "both subjects run in this process, in one event loop with the user client; one Synapse on 127.0.0.1; plain rooms",
            f"bot logs at INFO to a file, floor logs nothing; {machine()}",
        ]
    )


def main() -> None:
    isolate_settings()
    with homeserver() as (server, workdir):
        logging.basicConfig(
            filename=workdir / "bot.log", level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        # As `samverkan-bot run` does: nio and aiohttp stay at warnings.
        for name in ("nio", "aiohttp", "peewee"):
            logging.getLogger(name).setLevel(logging.WARNING)
        print(f"measuring {ROUND_TRIPS} round trips for each subject …", flush=True)
        floor, bot = asyncio.run(measure(server, workdir))
    print(report(floor, bot))


if __name__ == "__main__":
    main()
