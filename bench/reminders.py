"""Reminders: how punctually they reach the room, and how the scheduler starts with 1,000 rooms.

Punctuality: one Synapse on 127.0.0.1, the real bot (bot.app.App, in this process, system clock) and a
real user (bot.localclient.UserClient) in a plain room. The bot joins once and is stopped; then one
series is written into its database with 20 meetings moved to second-precision times, so that their 1h
reminders fall due 2 s apart from about 10 s after the bot starts again. For each reminder, against its
due time: (server) the event's origin_server_ts, (user) its arrival in the user's client, stamped in an
event callback as the sync response is parsed. Which reminder an event is comes from the bot's outbox
(transaction id, which holds the meeting's start, to the sent event id). The floor, in its own plain
room at the same time, is a bare asyncio timer: asyncio.sleep until the due time, then room_send of a
fixed m.notice with a bare matrix-nio client; its due times fall between the bot's (1 s after each).

Start-up: a data dir with 1,000 rooms, each with one series (different weekdays and times, meetings
within the next day, reminders 1d and 1h) last checked two days ago, so that the catch-up finds a
reminder that fell due "while the bot was down" in every series and puts 1,000 reminders in the outbox
(marked late, but for the few that fell due within ON_TIME of the start). The timed jobs' Runner.start()
(system clock, Swedish, no-op flush) is timed in a fresh process that logs at INFO to a file as the bot
does: the catch-up start on a fresh copy, then a second start on the same, now caught-up, data dir (the
common restart). Each process reports jobs, outbox rows written and its VmRSS after start; the floor is
a process that imports the same modules and opens the same database. Everything is run RUNS times.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone
from itertools import islice
from pathlib import Path
from zoneinfo import ZoneInfo

from nio import AsyncClient, LoginResponse, MatrixRoom, RoomMessageNotice

from bench.common import PASSWORD, homeserver, isolate_settings, machine, percentile, table
from bench.startup import rss_mb
from bot.app import App
from bot.clock import SystemClock
from bot.feature import Services
from bot.features import FEATURES
from bot.i18n import Catalogue
from bot.localclient import UserClient
from bot.localserver import LocalHomeserver, create_room
from bot.policy import ON_TIME
from bot.runner import Runner
from bot.schedule import Schedule, occurrences, parse_schedule
from bot.settings import Settings, load_settings
from bot.store.db import DB_NAME, Database
from bot.store.rooms import RoomRepo
from bot.store.series import SeriesRepo

STOCKHOLM = ZoneInfo("Europe/Stockholm")
REMINDERS = 20
LEAD_S = 10
SPACING_S = 2
OFFSET = timedelta(hours=1)
TARGET_LATE_MS = 1000  # no one in the room can tell a reminder a second late from one on time

ROOMS = 1000
RUNS = 3
TARGET_START_MS = 2000
CATCH_UP, CAUGHT_UP = "catch-up (1,000 reminders due)", "restart (caught up, nothing due)"


def log_to_file(path: Path) -> None:
    """As `samverkan-bot run` logs at INFO: nio and aiohttp stay at warnings."""
    logging.basicConfig(filename=path, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in ("nio", "aiohttp", "peewee"):
        logging.getLogger(name).setLevel(logging.WARNING)


class Arrivals:
    """Notices per room, each with the wall-clock ms at which the user's client parsed it."""

    def __init__(self, user: UserClient):
        self.seen: dict[str, list[tuple[float, RoomMessageNotice]]] = {}
        user.client.add_event_callback(self._on_notice, RoomMessageNotice)

    async def _on_notice(self, room: MatrixRoom, event: RoomMessageNotice) -> None:
        self.seen.setdefault(room.room_id, []).append((time.time() * 1000, event))

    async def wait(self, room_id: str, sender: str, count: int, timeout: float) -> list[tuple[float, RoomMessageNotice]]:
        deadline = time.monotonic() + timeout
        while len(found := [(t, e) for t, e in self.seen.get(room_id, []) if e.sender == sender]) < count:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{len(found)} of {count} notices from {sender} in {timeout:.0f} s")
            await asyncio.sleep(0.1)
        return found


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[App]:
    """The bot as bench/roundtrip.py runs it: start, then the sync loop in a task."""
    app = App(settings)
    await app.start()
    task = asyncio.create_task(app.run())
    try:
        yield app
    finally:
        app.request_stop()
        await asyncio.wait_for(task, 30)
        await app.stop()


async def plant_series(data_dir: Path, room_id: str, dues: list[float]) -> None:
    """One series whose first meetings are moved so that their 1h reminders fall due at `dues` (epoch s)."""
    now = datetime.now(timezone.utc)
    schedule = parse_schedule(["weekly", "tuesday", "09:00"], now.date())
    db = await Database.open(data_dir)
    try:
        async with db.transaction() as tx:
            repo = SeriesRepo(tx)
            series_id = await repo.create(
                room_id=room_id, name="Örat mot marken", schedule=schedule, anchor=now.date(),
                duration=timedelta(minutes=30), location="Stadshuset", reminders=(OFFSET,), zone=STOCKHOLM, now=now,
            )  # fmt: skip
            originals = islice(occurrences(schedule, now.date(), STOCKHOLM, now), len(dues))
            for occurrence, due in zip(originals, dues, strict=True):
                moved = datetime.fromtimestamp(due, timezone.utc) + OFFSET
                await repo.change_meeting(series_id, occurrence.original, moved, "@bench:localhost", now)
    finally:
        await db.close()


def sent_reminders(data_dir: Path) -> tuple[dict[str, float], str]:
    """Event id to due time (epoch s), from the outbox: the transaction id `sb-rem-<series>-<start>-<min>`
    says which meeting and offset a sent event was for. And the outcomes the bot decided (sent or late)."""
    with sqlite3.connect(data_dir / DB_NAME) as conn:
        rows = conn.execute("SELECT txn_id, sent_event_id FROM outbox WHERE txn_id LIKE 'sb-rem-%'").fetchall()
        outcomes = conn.execute("SELECT COUNT(*), outcome FROM reminders GROUP BY outcome").fetchall()
    dues = {}
    for txn_id, event_id in rows:
        _, _, _, start, minutes = txn_id.split("-")
        dues[event_id] = int(start) - int(minutes) * 60
    return dues, ", ".join(f"{count} {outcome}" for count, outcome in outcomes)


async def timer_floor(client: AsyncClient, room_id: str, dues: list[float]) -> None:
    async def one(index: int, due: float) -> None:
        await asyncio.sleep(due - time.time())
        await client.room_send(room_id, "m.room.message", {"msgtype": "m.notice", "body": f"timer {index}"})

    await asyncio.gather(*(one(i, due) for i, due in enumerate(dues)))


Lateness = dict[str, tuple[list[float], list[float]]]


async def punctuality(server: LocalHomeserver, workdir: Path) -> tuple[Lateness, str]:
    """Per subject: (server timestamp - due, arrival at the user - due), ms, one pair per reminder;
    and the bot's own outcomes."""
    for localpart in ("user", "timer", "bot"):
        server.register(localpart, PASSWORD)
    user = UserClient(server.url, server.user_id("user"), PASSWORD, workdir / "user-store")
    await user.start()
    timer = AsyncClient(server.url, server.user_id("timer"))
    try:
        arrivals = Arrivals(user)
        token = user.client.access_token
        settings = load_settings(
            env_file=None, homeserver=server.url, user_id=server.user_id("bot"), password=PASSWORD, data_dir=workdir / "bot"
        )
        bot_room = create_room(server, token, "bot", invite=[settings.user_id], power_users={settings.user_id: 50})
        floor_room = create_room(server, token, "floor", invite=[timer.user])
        if not isinstance(response := await timer.login(PASSWORD), LoginResponse):
            raise RuntimeError(f"timer login failed: {response}")
        await timer.join(floor_room)
        await timer.sync(timeout=0)
        async with running(settings):  # the first start joins on the invite
            await user.wait_for_member(bot_room, settings.user_id)

        base = int(time.time()) + 1 + LEAD_S  # whole seconds: the database keeps meeting times to the second
        bot_dues = [base + i * SPACING_S for i in range(REMINDERS)]
        floor_dues = [due + SPACING_S / 2 for due in bot_dues]
        await plant_series(settings.data_dir, bot_room, bot_dues)
        floor = asyncio.create_task(timer_floor(timer, floor_room, floor_dues))
        timeout = LEAD_S + REMINDERS * SPACING_S + 30
        async with running(settings):
            bot_seen = await arrivals.wait(bot_room, settings.user_id, REMINDERS, timeout)
            await floor
            floor_seen = await arrivals.wait(floor_room, timer.user_id, REMINDERS, 30)
    finally:
        await timer.close()
        await user.close()

    due_of, outcomes = sent_reminders(settings.data_dir)
    floor_due = {f"timer {i}": due for i, due in enumerate(floor_dues)}
    results = {
        "floor (asyncio timer + nio)": lateness(floor_seen, lambda e: floor_due[e.body]),
        "bot (bot.app.App)": lateness(bot_seen, lambda e: due_of[e.event_id]),
    }
    return results, outcomes


def lateness(
    seen: list[tuple[float, RoomMessageNotice]], due_of: Callable[[RoomMessageNotice], float]
) -> tuple[list[float], list[float]]:
    dues = [due_of(event) * 1000 for _, event in seen]
    return (
        [event.server_timestamp - due for (_, event), due in zip(seen, dues)],
        [arrived - due for (arrived, _), due in zip(seen, dues)],
    )


def punctuality_report(results: Lateness, outcomes: str) -> str:
    rows = [
        [name, f"{percentile(server, 50):.0f}", f"{max(server):.0f}", f"{percentile(user, 50):.0f}", f"{max(user):.0f}"]
        for name, (server, user) in results.items()
    ]
    worst = max(results["bot (bot.app.App)"][1])
    return "\n".join(
        [
            "",
            f"reminder punctuality: due time to the reminder, ms ({REMINDERS} reminders {SPACING_S} s apart, "
            f"the first about {LEAD_S} s after the bot's start)",
            "  server: the event's origin_server_ts; user: its arrival in the user's client callback",
            table(["subject", "server p50", "server max", "user p50", "user max"], rows),
            f"target: bot at the user at most {TARGET_LATE_MS} ms after the due time: "
            f"{'met' if worst <= TARGET_LATE_MS else 'NOT met'} (max {worst:.0f} ms)",
            f"the bot's own outcomes: {outcomes} (late: sent over {ON_TIME.total_seconds() / 60:.0f} min after the due time)",
            "both in this process and event loop with the user client; one Synapse on 127.0.0.1; plain rooms; "
            "bot logs at INFO to a file",
        ]
    )


async def build_pending(data_dir: Path) -> None:
    """ROOMS rooms, each a series checked two days ago with a meeting within the next day: its 1d (or, for
    a meeting within the hour, its 1h) reminder fell due while the bot was down, and is still worth sending."""
    now = datetime.now(timezone.utc)
    checked = now - timedelta(days=2)
    db = await Database.open(data_dir)
    try:
        async with db.transaction() as tx:
            for i in range(ROOMS):
                room_id = f"!bench{i:04d}:localhost"
                await RoomRepo(tx).joined(room_id, checked)
                meeting = (now + timedelta(minutes=30) + i * timedelta(hours=23) / ROOMS).astimezone(STOCKHOLM)
                schedule = Schedule("weekly", meeting.time().replace(second=0, microsecond=0), weekday=meeting.weekday())
                await SeriesRepo(tx).create(
                    room_id=room_id, name=f"Möte {i}", schedule=schedule,
                    anchor=checked.astimezone(STOCKHOLM).date(), duration=timedelta(minutes=45), location="Stadshuset",
                    reminders=(timedelta(days=1), OFFSET), zone=STOCKHOLM, now=checked,
                )  # fmt: skip
    finally:
        await db.close()


async def outbox_rows(db: Database) -> int:
    async with db.reading() as conn, conn.execute("SELECT COUNT(*) FROM outbox") as cursor:
        return (await cursor.fetchone())[0]


async def startup_child(data_dir: Path) -> dict[str, float]:
    log_to_file(data_dir / "scheduler.log")
    db = await Database.open(data_dir)
    before = await outbox_rows(db)

    async def flush() -> None:
        pass

    settings = load_settings(env_file=None, homeserver="http://127.0.0.1", user_id="@bench:localhost", password="unused")
    runner = Runner(FEATURES, Services(db, SystemClock(), Catalogue("sv"), settings, FEATURES.sections), flush)
    started = time.perf_counter()
    jobs = await runner.start()
    elapsed_ms = (time.perf_counter() - started) * 1000
    result = {"ms": elapsed_ms, "jobs": jobs, "written": await outbox_rows(db) - before, "rss": rss_mb(os.getpid())}
    await runner.stop()
    await db.close()
    return result


async def floor_child(data_dir: Path) -> dict[str, float]:
    db = await Database.open(data_dir)
    await outbox_rows(db)
    result = {"rss": rss_mb(os.getpid())}
    await db.close()
    return result


def child(kind: str, data_dir: Path, env: dict[str, str]) -> dict[str, float]:
    """A fresh process, so that its memory is that of this one start alone."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.reminders", kind, str(data_dir)],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout)


def startup(env: dict[str, str]) -> dict[str, list[dict[str, float]]]:
    results: dict[str, list[dict[str, float]]] = {CATCH_UP: [], CAUGHT_UP: [], "floor": []}
    with tempfile.TemporaryDirectory(prefix="samverkan-bench-") as tmp:
        template = Path(tmp) / "pending"
        template.mkdir()
        asyncio.run(build_pending(template))
        for run in range(RUNS):
            data_dir = Path(tmp) / f"run-{run}"
            shutil.copytree(template, data_dir)
            results[CATCH_UP].append(child("--startup-child", data_dir, env))
            results[CAUGHT_UP].append(child("--startup-child", data_dir, env))
            results["floor"].append(child("--floor-child", data_dir, env))
    return results


def startup_report(results: dict[str, list[dict[str, float]]]) -> str:
    def spread(runs: list[dict[str, float]], key: str, digits: int = 0) -> list[str]:
        values = [r[key] for r in runs]
        return [f"{statistics.median(values):.{digits}f}", f"{max(values):.{digits}f}"]

    def counts(runs: list[dict[str, float]], key: str) -> str:
        return "/".join(sorted({f"{r[key]:.0f}" for r in runs}))

    time_rows = [
        [kind, *spread(results[kind], "ms"), counts(results[kind], "jobs"), counts(results[kind], "written")]
        for kind in (CATCH_UP, CAUGHT_UP)
    ]
    rss_rows = [[kind, *spread(results[kind], "rss", 1)] for kind in (CATCH_UP, CAUGHT_UP)] + [
        ["floor: imports and the database opened", *spread(results["floor"], "rss", 1)]
    ]
    slowest = max(r["ms"] for kind in (CATCH_UP, CAUGHT_UP) for r in results[kind])
    return "\n".join(
        [
            "",
            f"Runner.start() with {ROOMS:,} rooms, one series each, in a fresh process, ms ({RUNS} runs)",
            table(["start", "median", "max", "jobs", "outbox rows written"], time_rows),
            f"target: all jobs scheduled in under {TARGET_START_MS} ms: "
            f"{'met' if slowest < TARGET_START_MS else 'NOT met'} (slowest {slowest:.0f} ms)",
            "",
            "resident memory (VmRSS) after start, MB",
            table(["process", "median", "max"], rss_rows),
            f"logs at INFO to a file; flush is a no-op (nothing is sent); {machine()}",
        ]
    )


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] in ("--startup-child", "--floor-child"):
        run = startup_child if sys.argv[1] == "--startup-child" else floor_child
        print(json.dumps(asyncio.run(run(Path(sys.argv[2])))))
        return
    env = isolate_settings()
    with homeserver() as (server, workdir):
        log_to_file(workdir / "bot.log")
        print(f"measuring {REMINDERS} reminders and {REMINDERS} timer notices …", flush=True)
        results, outcomes = asyncio.run(punctuality(server, workdir))
    print(punctuality_report(results, outcomes), flush=True)
    print(f"measuring scheduler start-up with {ROOMS:,} rooms, {RUNS} runs …", flush=True)
    print(startup_report(startup(env)))


if __name__ == "__main__":
    main()
