"""Round trip of `!help` in an encrypted room: the bot there, beside the same bot in a plain room and
beside a bare matrix-nio echo bot in an encrypted room, in one run; and the time from the bot's first
start to its device being cross-signed.

Three subjects, each in its own room with the same user (a matrix-nio client with encryption), on one
Synapse on 127.0.0.1, all in this process and event loop:

- floor: a bare matrix-nio AsyncClient with encryption that answers every m.text with a fixed
  m.notice, in an encrypted room;
- bot, plain: bot.app.App in a plain room;
- bot, encrypted: the same App in an encrypted room.

Each gets 10 warm-up round trips, then 100 measured ones, rotating the order of the subjects at every
round so that drift and bursts of load on the machine fall on all alike (see bench/roundtrip.py for
how a round trip is stamped).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from contextlib import AsyncExitStack
from pathlib import Path

from bench.common import PASSWORD, homeserver, isolate_settings, machine, percentile, table
from bench.roundtrip import Subject, start_app, user_and_floor
from bot.localserver import LocalHomeserver, create_room
from bot.settings import load_settings

WARMUP = 10
ROUND_TRIPS = 100
CROSS_SIGNED = re.compile(r"device cross-signed \(master key \S+\) (\d+) ms after start")


async def measure(server: LocalHomeserver, workdir: Path) -> tuple[list[Subject], float]:
    async with AsyncExitStack() as stack:
        user, arrivals, floor = await user_and_floor(server, workdir, stack, encrypted=True)
        token = user.client.access_token

        settings = load_settings(
            env_file=None, homeserver=server.url, user_id=server.user_id("bot"), password=PASSWORD, data_dir=workdir / "bot"
        )
        power = {settings.user_id: 50}
        plain = Subject("bot, plain room", create_room(server, token, "plain", [settings.user_id], power_users=power), settings.user_id)
        encrypted = Subject(
            "bot, encrypted room",
            create_room(server, token, "encrypted", [settings.user_id], encrypted=True, power_users=power),
            settings.user_id,
        )
        started = time.perf_counter()
        await start_app(settings, stack)
        start_ms = (time.perf_counter() - started) * 1000

        subjects = [floor, plain, encrypted]
        for subject in subjects:
            await user.wait_for_member(subject.room_id, subject.user_id)
            for _ in range(WARMUP):
                await arrivals.round_trip(subject)
        for i in range(ROUND_TRIPS):
            for subject in subjects[i % 3 :] + subjects[: i % 3]:
                round_trip, delivery = await arrivals.round_trip(subject)
                subject.round_trips.append(round_trip)
                subject.deliveries.append(delivery)
    return subjects, start_ms


def cross_signing_ms(log: Path) -> str:
    match = CROSS_SIGNED.search(log.read_text(encoding="utf-8"))
    return f"{match.group(1)} ms" if match else "not found in the log"


def report(subjects: list[Subject], start_ms: float, signed: str) -> str:
    floor, plain, encrypted = subjects
    rows = [[s.name, f"{percentile(s.round_trips, 50):.1f}", f"{percentile(s.round_trips, 95):.1f}", f"{max(s.round_trips):.1f}"] for s in subjects]

    def ratio(a: Subject, b: Subject, p: float) -> str:
        return f"{percentile(a.round_trips, p) / percentile(b.round_trips, p):.2f}x"

    rows.append(["encrypted bot / encrypted floor", ratio(encrypted, floor, 50), ratio(encrypted, floor, 95), ""])
    rows.append(["encrypted bot / plain bot", ratio(encrypted, plain, 50), ratio(encrypted, plain, 95), ""])
    return "\n".join(
        [
            "",
            f"!help round trip, ms ({ROUND_TRIPS} each after {WARMUP} warm-up, order rotated every round)",
            table(["subject", "p50", "p95", "max"], rows),
            f"bot's first start (login, cross-signing, first sync): {start_ms:.0f} ms; start to device cross-signed: {signed}",
            f"all subjects in this process and event loop with the user client; one Synapse on 127.0.0.1; {machine()}",
        ]
    )


def main() -> None:
    isolate_settings()
    with homeserver() as (server, workdir):
        log = workdir / "bot.log"
        logging.basicConfig(filename=log, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        for name in ("nio", "aiohttp", "peewee"):
            logging.getLogger(name).setLevel(logging.WARNING)
        print(f"measuring {ROUND_TRIPS} round trips for each of three subjects …", flush=True)
        subjects, start_ms = asyncio.run(measure(server, workdir))
        signed = cross_signing_ms(log)
    print(report(subjects, start_ms, signed))


if __name__ == "__main__":
    main()
