"""The yearly agreement's follow-up report for a busy year: 20 priorities and 300 actions.

Data: a real, migrated SQLite database in a temporary directory, with a room, its areas and categories, an
agreement for the calendar year with 20 priorities (each with a goal, two organisations and two categories), 300
actions linked to them, 15 each (a third done with a closing comment, a sixth cancelled with one, the rest open, a
fifth of those overdue; each with a due date set after it was logged, so three or four changes of history), and
5,000 observations over two years (the trend's two windows). The clock stands on 1 October of the agreement's year.

Timed over RUNS runs, as the commands do it in their transaction: `!överenskommelse rapport` (reading the follow-up
with every action's last comment, the Markdown file and the message), `!överenskommelse` (the follow-up and its
message), and the status the job posts after a quarter; with tracemalloc's peak for one report and the size of its
file. The floor is a transaction that reads one row.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.common import machine, table
from bot.agreement import quarters
from bot.features.agreement import followup
from bot.i18n import Catalogue
from bot.names import MemberNames
from bot.policy import AGREEMENT_STATUS_MONTHS
from bot.render import notice
from bot.store.actions import CANCELLED, DONE, ActionRepo
from bot.store.agreements import AgreementRepo
from bot.store.db import Database
from bot.store.observation_lists import AREAS, CATEGORIES, ObservationListRepo
from bot.store.observations import ObservationRepo
from bot.store.rooms import RoomRepo
from bot.views.agreement import agreement_text, report_markdown, report_text, status_text

ROOM = "!orat:eslov.se"
ZONE = ZoneInfo("Europe/Stockholm")
YEAR = 2027
PRIORITIES = 20
ACTIONS = 300
OBSERVATIONS = 5_000
RUNS = 20
NOW = datetime(YEAR, 10, 1, 10, tzinfo=timezone.utc)
ANNA = "@anna:eslov.se"
TARGET_REPORT_MS = 250
"""A command's work stays well under the quarter of a second people notice."""


async def database(directory: Path) -> Database:
    """The data above, written through the store as the commands write it."""
    rng = random.Random(13)
    db = await Database.open(directory)
    logged = datetime(YEAR, 1, 10, 9, tzinfo=timezone.utc)
    async with db.transaction() as tx:
        await RoomRepo(tx).joined(ROOM, logged)
        areas = [await ObservationListRepo(tx, AREAS).add(ROOM, f"Område {n}", logged) for n in range(20)]
        categories = [await ObservationListRepo(tx, CATEGORIES).add(ROOM, f"Kategori {n}", logged) for n in range(12)]
        observations = ObservationRepo(tx)
        first = date(YEAR - 1, 1, 1)
        for _ in range(OBSERVATIONS):
            day = first + timedelta(days=rng.randrange((NOW.date() - first).days))
            written = datetime.combine(day, datetime.min.time(), tzinfo=timezone.utc) + timedelta(hours=12)
            await observations.create(
                ROOM, rng.choice(areas).id, rng.choice(categories).id, "Klotter på muren", None, ANNA, written, day
            )
        agreements, actions = AgreementRepo(tx), ActionRepo(tx)
        made = await agreements.create(ROOM, f"Samverkan {YEAR}", date(YEAR, 1, 1), date(YEAR, 12, 31), ANNA, logged)
        for p in range(PRIORITIES):
            named = (categories[p % 12].id, categories[(p + 5) % 12].id)
            number = await agreements.add_priority(
                made.id, f"Prioritering {p + 1}: minska otryggheten vid plats {p}", "Halvera anmälningarna",
                ("Polisen", "Eslövs kommun"), named, ANNA, logged,
            )  # fmt: skip
            for a in range(ACTIONS // PRIORITIES):
                when = logged + timedelta(days=a * 10)
                action = await actions.create(
                    ROOM, f"Åtgärd {a} för prioritering {number}", (), "Polisen", None, ANNA, when
                )
                found = await actions.get(ROOM, action)
                due = (when + timedelta(days=30)).date()
                await actions.change(found, ANNA, when, "due", {"old": None, "new": due.isoformat()}, due=due)
                if a % 3 == 0:
                    await actions.change(
                        found, ANNA, when, "done", {"comment": "Klart, uppföljt på plats"}, status=DONE
                    )
                elif a % 6 == 1:
                    await actions.change(
                        found, ANNA, when, "cancelled", {"comment": "Fastighetsägaren gör det"}, status=CANCELLED
                    )
                elif a % 5 == 2:  # still open, due long ago
                    pass
                else:
                    later = NOW.date() + timedelta(days=30)
                    await actions.change(
                        found, ANNA, when, "due", {"old": due.isoformat(), "new": later.isoformat()}, due=later
                    )
                await agreements.link(ROOM, action, made.id, number)
    return db


async def report_work(db: Database, cat: Catalogue) -> int:
    """What `!överenskommelse rapport` does; the size of the file in bytes."""
    async with db.transaction() as tx:
        found = await AgreementRepo(tx).current(ROOM)
        shown = await followup(tx, found, NOW, ZONE, with_notes=True)
        data = report_markdown(shown, cat, MemberNames()).encode()
        notice(report_text(shown, cat, "uppfoljning.md"))
    return len(data)


async def show_work(db: Database, cat: Catalogue) -> None:
    async with db.transaction() as tx:
        found = await AgreementRepo(tx).current(ROOM)
        notice(
            agreement_text(
                await followup(tx, found, NOW, ZONE), cat, "!överenskommelse rapport", "!överenskommelse lägg till"
            )
        )


async def status_work(db: Database, cat: Catalogue) -> None:
    async with db.transaction() as tx:
        found = await AgreementRepo(tx).current(ROOM)
        quarter = quarters(found.starts, found.ends, AGREEMENT_STATUS_MONTHS)[2]
        notice(status_text(await followup(tx, found, NOW, ZONE), quarter, cat, "!överenskommelse rapport"))


async def floor_work(db: Database) -> None:
    async with db.transaction() as tx:
        async with tx.execute("SELECT name FROM agreements LIMIT 1") as cursor:
            await cursor.fetchone()


async def atimed(work: Callable[[], Awaitable[object]], runs: int) -> list[float]:
    found = []
    for _ in range(runs):
        start = time.perf_counter()
        await work()
        found.append((time.perf_counter() - start) * 1000)
    return found


def ms(values: list[float]) -> list[str]:
    return [f"{statistics.median(values):.1f}", f"{max(values):.1f}"]


async def run() -> str:
    cat = Catalogue("sv")
    with tempfile.TemporaryDirectory() as directory:
        start = time.perf_counter()
        db = await database(Path(directory))
        made = time.perf_counter() - start
        try:
            size = await report_work(db, cat)  # warm: the statements are prepared once
            floored = await atimed(lambda: floor_work(db), RUNS)
            reported = await atimed(lambda: report_work(db, cat), RUNS)
            shown = await atimed(lambda: show_work(db, cat), RUNS)
            posted = await atimed(lambda: status_work(db, cat), RUNS)
            tracemalloc.start()
            await report_work(db, cat)
            peak = tracemalloc.get_traced_memory()[1] / 1024
            tracemalloc.stop()
        finally:
            await db.close()
    return "\n".join([
        machine(),
        f"{PRIORITIES} priorities, {ACTIONS} actions, {OBSERVATIONS:,} observations written in {made:.1f} s; "
        f"ms over {RUNS} runs",
        table(["work", "median", "max"], [
            ["floor: a transaction reading one row", *ms(floored)],
            ["!överenskommelse rapport: follow-up + Markdown file + message", *ms(reported)],
            ["!överenskommelse: follow-up + message", *ms(shown)],
            ["status after a quarter (the job's message)", *ms(posted)],
        ]),
        f"report: file {size / 1024:.1f} KiB, peak memory {peak:.0f} KiB",
        f"target: the report in under {TARGET_REPORT_MS} ms of work: "
        f"{'met' if max(reported) < TARGET_REPORT_MS else 'NOT met'} (slowest {max(reported):.1f} ms)",
    ])  # fmt: skip


def main() -> None:
    print(asyncio.run(run()))


if __name__ == "__main__":
    main()
