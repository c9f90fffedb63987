"""The situation picture on five years of a busy group's observations: statistics, table and chart.

Data: 50,000 observations over 20 areas, 12 categories and five years of weekly meetings (a fixed seed, some
areas and categories far busier than others), in an in-memory SQLite table. The counts the picture needs come
from one GROUP BY over it, period by area by category, as the store will ask for them; that query is timed on
its own as the store's share.

Statistics and table: bot.situation.situation() on those counts, then the whole message (views.situation and
render.notice), timed over RUNS runs, with tracemalloc's peak for one. The same for the counts of every period of
the five years (the largest input the picture could be handed). The floor is one pass over the same counts
that adds them up.

Chart: bot.chart.draw() for the 20 areas and eight weeks: the first draw (which imports matplotlib) and the
median of the next RUNS, with the process's resident memory before and after; the floor is matplotlib saving an
empty figure of the same size.

Event loop: a ticker task sleeps 1 ms at a time and records the longest gap between ticks, (a) alone, for as
long as a chart takes (the floor), (b) while the chart is drawn with bot.chart.chart() (in a worker thread), and
(c) while the same chart is drawn on the loop itself, to show what the thread buys.

The bot's own database: the same 50,000 observations written into a real, migrated SQLite database (a room with
its areas, categories, organisations and a weekly Tuesday meeting series of five years, the observations in
bulk SQL), and then the work `!lägesbild` does there, in a transaction as the command runs: the round's periods,
the one grouped query, the statistics and the message (RUNS runs, peak memory of one); the work of the `charts`
job (its reads, then the drawing); and the longest event-loop stall while each runs. The floor is a transaction
that reads one row. Last, the resident memory of a fresh process that imports bot.app, with and without the
situation feature (its module imported or not), and whether matplotlib was loaded.
"""

from __future__ import annotations

import asyncio
import io
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time as clock_time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.common import machine, table
from bench.startup import rss_mb
from bot.chart import chart, draw, size
from bot.features.situation import chart_inputs as job_inputs
from bot.features.situation import periods
from bot.features.situation import picture as room_picture
from bot.i18n import Catalogue
from bot.periods import EARLIER, iso_week
from bot.render import notice
from bot.schedule import parse_schedule
from bot.situation import Count, situation
from bot.store.charts import ChartRequest
from bot.store.db import Database, utc_text
from bot.store.observation_lists import AREAS as AREA_TABLE
from bot.store.observation_lists import CATEGORIES as CATEGORY_TABLE
from bot.store.observation_lists import ObservationListRepo
from bot.store.organisations import OrganisationRepo
from bot.store.rooms import RoomRepo
from bot.store.series import SeriesRepo
from bot.views.situation import situation_text

STOCKHOLM = ZoneInfo("Europe/Stockholm")
OBSERVATIONS = 50_000
AREAS = [
    "Centrum", "Stationsområdet", "Berga", "Rönneberga", "Sallerup", "Marieholm", "Flyinge", "Löberöd", "Norrebo",
    "Västra Ljungen", "Östra Ljungen", "Kvarnbyn", "Stehag", "Billinge", "Harlösa", "Ellinge", "Trollsjön",
    "Området kring gamla busstationen", "Gamla staden", "Bruket",
]  # fmt: skip
CATEGORIES = [
    "Skadegörelse", "Klotter", "Nedskräpning", "Otrygg plats", "Samlingar", "Misstänkt narkotikahandel", "Brand",
    "Hot och våld", "Inbrott och stöld", "Trafik", "Belysning", "Övrigt",
]  # fmt: skip
ORGANISATIONS = ["Polisen", "Räddningstjänsten", "Eslövs kommun", "Securitas", "Eslövs Bostads AB", "Trafikverket"]
FIRST = date(2021, 12, 7)  # a Tuesday: five years of weekly meetings up to 1 December 2026
WEEKS = 5 * 52
RUNS = 20
CHART_RUNS = 5
HEAT_WEEKS = 8
TARGET_PICTURE_MS, TARGET_CHART_MS, TARGET_STALL_MS = 200, 2000, 50


def observations(seed: int = 1) -> sqlite3.Connection:
    """The table the store would hold: area, category and the day it happened, 50,000 rows."""
    rng = random.Random(seed)
    area_weights = [1 / (i + 1) for i in range(len(AREAS))]  # a few busy areas, a long tail
    category_weights = [1 / (i + 1) ** 0.7 for i in range(len(CATEGORIES))]
    days = WEEKS * 7
    rows = [
        (rng.choices(AREAS, area_weights)[0], rng.choices(CATEGORIES, category_weights)[0],
         (FIRST + timedelta(days=rng.randrange(days))).isoformat())
        for _ in range(OBSERVATIONS)
    ]  # fmt: skip
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE observations(area TEXT, category TEXT, happened TEXT)")
    conn.execute("CREATE INDEX observations_happened ON observations(happened)")
    conn.executemany("INSERT INTO observations VALUES (?, ?, ?)", rows)
    return conn


def grouped(conn: sqlite3.Connection, periods: int) -> list[Count]:
    """One GROUP BY: period (0 the last week, 1, 2, … the weeks before) by area by category."""
    last = FIRST + timedelta(weeks=WEEKS - 1)
    rows = conn.execute(
        "SELECT (julianday(?) + 7 - julianday(happened)) / 7 AS period, area, category, COUNT(*) FROM observations "
        "WHERE happened >= ? GROUP BY CAST(period AS INTEGER), area, category",
        (last.isoformat(), (last - timedelta(weeks=periods - 1)).isoformat()),
    ).fetchall()
    return [Count(int(period), area, category, n) for period, area, category, n in rows]


def timed(work: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return times


def peak_kib(work: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1] / 1024
    finally:
        tracemalloc.stop()


def picture(counts: list[Count], cat: Catalogue) -> dict:
    """What `!situation` does once it has the counts: the statistics, and the message with its table."""
    period = iso_week(48, date(2026, 12, 1), STOCKHOLM)[0]
    picture = situation(counts, EARLIER, ORGANISATIONS, ORGANISATIONS[:3], ORGANISATIONS[3:4])
    return notice(situation_text(picture, period, cat))


def floor(counts: list[Count]) -> int:
    return sum(c.n for c in counts)


async def longest_stall(work: Callable[[], Awaitable[object]]) -> tuple[float, float]:
    """The longest gap between ticks of a 1 ms ticker while `work` runs, and how long it ran, in ms."""
    stop = asyncio.Event()
    longest = 0.0

    async def ticker() -> None:
        nonlocal longest
        last = time.perf_counter()
        while not stop.is_set():
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            longest = max(longest, now - last)
            last = now

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0.01)
    start = time.perf_counter()
    await work()
    took = time.perf_counter() - start
    stop.set()
    await task
    return longest * 1000, took * 1000


def chart_inputs(conn: sqlite3.Connection) -> tuple:
    counts = grouped(conn, EARLIER + 1)
    places = situation(counts, EARLIER).places
    weekly = grouped(conn, HEAT_WEEKS)
    heat: dict[str, list[int]] = {}
    for count in weekly:
        heat.setdefault(count.area, [0] * HEAT_WEEKS)[HEAT_WEEKS - 1 - count.period] += count.n
    last = FIRST + timedelta(weeks=WEEKS - 1)
    weeks = [p.week[1] for p in reversed(iso_week(last.isocalendar().week, last, STOCKHOLM, earlier=HEAT_WEEKS - 1))]
    return places, EARLIER, weeks, dict(sorted(heat.items(), key=lambda kv: -sum(kv[1]))), Catalogue("sv")


def empty_figure() -> bytes:
    from matplotlib.figure import Figure

    width, height = size(len(AREAS))
    buffer = io.BytesIO()
    Figure(figsize=(width / 100, height / 100), dpi=100).savefig(buffer, format="png")
    return buffer.getvalue()


def ms(values: list[float]) -> list[str]:
    return [f"{statistics.median(values):.2f}", f"{max(values):.2f}"]


ROOM = "!samverkan:eslov.se"
NOW = datetime(2026, 11, 30, 10, tzinfo=timezone.utc)  # Monday 30 November, the day before a meeting
USER = "@samordnare:eslov.se"


async def real_database(directory: Path, seed: int = 1) -> Database:
    """The bot's database with a room of five years of weekly meetings and 50,000 observations in it."""
    rng = random.Random(seed)
    db = await Database.open(directory)
    first = FIRST - timedelta(days=1)
    async with db.transaction() as tx:
        await RoomRepo(tx).joined(ROOM, NOW)
        await ObservationListRepo(tx, AREA_TABLE).seed(ROOM, AREAS, CATEGORIES, NOW)
        areas = {n.name: n.id for n in await ObservationListRepo(tx, AREA_TABLE).in_room(ROOM)}
        categories = {n.name: n.id for n in await ObservationListRepo(tx, CATEGORY_TABLE).in_room(ROOM)}
        organisations = [(await OrganisationRepo(tx).named(ROOM, name, NOW)).id for name in ORGANISATIONS]
        weekly = parse_schedule("veckovis tisdag 09:00".split(), first, STOCKHOLM)
        await SeriesRepo(tx).create(
            room_id=ROOM, name="Örat mot marken", schedule=weekly, anchor=first, duration=timedelta(hours=1), location="", reminders=(), zone=STOCKHOLM, now=NOW,
        )  # fmt: skip
        area_weights = [1 / (i + 1) for i in range(len(AREAS))]
        category_weights = [1 / (i + 1) ** 0.7 for i in range(len(CATEGORIES))]
        rows = []
        for number in range(1, OBSERVATIONS + 1):
            happened = FIRST + timedelta(days=rng.randrange(WEEKS * 7 - 1))
            written = datetime.combine(happened, clock_time(rng.randrange(7, 20)), STOCKHOLM)
            rows.append((
                ROOM, number, areas[rng.choices(AREAS, area_weights)[0]],
                categories[rng.choices(CATEGORIES, category_weights)[0]], f"Iakttagelse {number}",
                rng.choice(organisations), USER, utc_text(written), happened.isoformat(),
            ))  # fmt: skip
        rows.sort(key=lambda r: r[7])  # numbered in the order written, as the bot numbers them
        rows = [(*r[:1], i, *r[2:]) for i, r in enumerate(rows, start=1)]
        await tx.executemany(
            "INSERT INTO observations(room_id, number, area_id, category_id, text, organisation_id, author, "
            "written_at, happened_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        await tx.execute("INSERT INTO observation_numbers(room_id, last) VALUES (?, ?)", (ROOM, OBSERVATIONS))
    await db.conn.execute("ANALYZE")
    return db


async def reply_work(db: Database, cat: Catalogue) -> dict:
    """What `!lägesbild` does in its transaction: the periods, the grouped query, the statistics, the message."""
    async with db.transaction() as tx:
        asked = await periods(tx, ROOM, None, NOW, STOCKHOLM)
        found = await room_picture(tx, ROOM, asked)
        return notice(situation_text(found.situation, found.period, cat))


async def floor_work(db: Database) -> None:
    async with db.transaction() as tx:
        async with tx.execute("SELECT written_at FROM observations WHERE room_id = ? LIMIT 1", (ROOM,)) as cursor:
            await cursor.fetchone()


async def chart_work(db: Database, cat: Catalogue) -> bytes:
    """What the `charts` job does for one request: its reads, then the drawing, outside any transaction."""
    request = ChartRequest("sb-chart-bench", ROOM, "$bench", None, None, NOW)
    async with db.reading() as conn:
        inputs = await job_inputs(conn, request, cat, STOCKHOLM)
    return await chart(*inputs)


async def atimed(work: Callable[[], Awaitable[object]], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        await work()
        times.append((time.perf_counter() - start) * 1000)
    return times


async def apeak_kib(work: Callable[[], Awaitable[object]]) -> float:
    tracemalloc.start()
    try:
        await work()
        return tracemalloc.get_traced_memory()[1] / 1024
    finally:
        tracemalloc.stop()


IDLE = """
import sys
{hide}
import bot.app
for line in open("/proc/self/status"):
    if line.startswith("VmRSS:"):
        print(int(line.split()[1]) / 1024, "matplotlib" in sys.modules)
"""


def idle_rss(with_feature: bool) -> tuple[float, bool]:
    """A fresh process's resident memory once it has imported bot.app; without the feature, its module is kept
    from importing (and so bot.features lists it not)."""
    hide = "" if with_feature else (
        "import types; sys.modules['bot.features.situation'] = types.SimpleNamespace(feature=None)"
    )  # fmt: skip
    if not with_feature:
        hide += "\nimport bot.feature as f; _Features = f.Features\n" + (
            "f.Features = lambda units, **kw: _Features([u for u in units if u is not None], **kw)"
        )
    out = subprocess.run([sys.executable, "-c", IDLE.format(hide=hide)], capture_output=True, text=True, check=True)
    rss, loaded = out.stdout.split()
    return float(rss), loaded == "True"


async def real(cat: Catalogue) -> str:
    with tempfile.TemporaryDirectory() as directory:
        start = time.perf_counter()
        db = await real_database(Path(directory))
        made = time.perf_counter() - start
        try:
            await reply_work(db, cat)  # warm: the statements are prepared once
            floored = await atimed(lambda: floor_work(db), RUNS)
            replied = await atimed(lambda: reply_work(db, cat), RUNS)
            peak = await apeak_kib(lambda: reply_work(db, cat))
            charted = await atimed(lambda: chart_work(db, cat), CHART_RUNS)
            reply_stall = [(await longest_stall(lambda: reply_work(db, cat)))[0] for _ in range(CHART_RUNS)]
            chart_stall = [(await longest_stall(lambda: chart_work(db, cat)))[0] for _ in range(CHART_RUNS)]
            idle_stall = [(await longest_stall(lambda: asyncio.sleep(statistics.median(charted) / 1000)))[0]
                          for _ in range(CHART_RUNS)]  # fmt: skip
        finally:
            await db.close()
    idle = [idle_rss(False), idle_rss(True)]
    worst_stall = max(reply_stall + chart_stall)
    return "\n".join([
        "",
        f"the bot's own database: {OBSERVATIONS:,} observations written in {made:.1f} s; ms over {RUNS} runs "
        f"({CHART_RUNS} for the chart)",
        table(["work", "median", "max", "peak KiB"], [
            ["floor: a transaction reading one row", *ms(floored), "-"],
            ["!lägesbild reply: periods + query + statistics + message", *ms(replied), f"{peak:.0f}"],
            ["charts job: reads + drawing (matplotlib loaded)", *ms(charted), "-"],
        ]),
        f"reply against the floor: {statistics.median(replied) / statistics.median(floored):.0f}×",
        f"target: the reply in under {TARGET_PICTURE_MS} ms of work: "
        f"{'met' if max(replied) < TARGET_PICTURE_MS else 'NOT met'} (slowest {max(replied):.1f} ms)",
        f"target: the chart in under {TARGET_CHART_MS} ms: "
        f"{'met' if max(charted) < TARGET_CHART_MS else 'NOT met'} (slowest {max(charted):.0f} ms)",
        table(["longest event-loop stall while", "median", "max"], [
            ["floor: ticker alone, as long as a chart", *ms(idle_stall)],
            ["the !lägesbild reply", *ms(reply_stall)],
            ["the charts job", *ms(chart_stall)],
        ]),
        f"target: the loop never blocked more than {TARGET_STALL_MS} ms: "
        f"{'met' if worst_stall < TARGET_STALL_MS else 'NOT met'} (longest {worst_stall:.1f} ms)",
        f"idle bot (a fresh process importing bot.app): {idle[0][0]:.1f} MB without the situation feature, "
        f"{idle[1][0]:.1f} MB with it ({idle[1][0] - idle[0][0]:+.1f} MB); matplotlib loaded: "
        f"{'yes' if idle[1][1] else 'no'}",
    ])  # fmt: skip


def main() -> None:
    print(f"generating {OBSERVATIONS:,} observations over {len(AREAS)} areas, {len(CATEGORIES)} categories, "
          f"{WEEKS} weeks …", flush=True)  # fmt: skip
    conn = observations()
    cat = Catalogue("sv")
    recent = grouped(conn, EARLIER + 1)
    everything = grouped(conn, WEEKS)
    assert sum(c.n for c in everything) == OBSERVATIONS

    query = timed(lambda: grouped(conn, EARLIER + 1), RUNS)
    floored = timed(lambda: floor(recent), RUNS)
    pictured = timed(lambda: picture(recent, cat), RUNS)
    rows = [
        ["floor: add up the counts", f"{len(recent):,}", *ms(floored), "-"],
        ["statistics + table + message", f"{len(recent):,}", *ms(pictured), f"{peak_kib(lambda: picture(recent, cat)):.0f}"],
        ["floor: add up the counts (all weeks)", f"{len(everything):,}", *ms(timed(lambda: floor(everything), RUNS)), "-"],
        ["statistics + table + message (all weeks)", f"{len(everything):,}",
         *ms(timed(lambda: picture(everything, cat), RUNS)), f"{peak_kib(lambda: picture(everything, cat)):.0f}"],
        ["store's share: the GROUP BY (SQLite, in memory)", f"{len(recent):,}", *ms(query), "-"],
    ]  # fmt: skip
    worst = max(pictured) + max(query)
    ratio = statistics.median(pictured) / statistics.median(floored)

    inputs = chart_inputs(conn)

    async def charts() -> dict[str, list[tuple[float, float]]]:
        """(longest stall, ms taken) per run: the floor, the first chart (which imports matplotlib), the next
        CHART_RUNS, and one drawn on the loop."""
        found: dict[str, list[tuple[float, float]]] = {"idle": [], "first": [], "next": [], "on loop": []}
        found["first"].append(await longest_stall(lambda: chart(*inputs)))
        found["rss"] = [(rss_mb(os.getpid()), 0.0)]
        for _ in range(CHART_RUNS):
            found["next"].append(await longest_stall(lambda: chart(*inputs)))
            found["idle"].append(await longest_stall(lambda: asyncio.sleep(found["next"][-1][1] / 1000)))

        async def on_loop() -> None:
            draw(*inputs)

        found["on loop"].append(await longest_stall(on_loop))
        return found

    rss_before = rss_mb(os.getpid())
    found = asyncio.run(charts())
    rss_after = found.pop("rss")[0][0]
    empty = timed(empty_figure, CHART_RUNS)
    warm = [took for _, took in found["next"]]
    cold = found["first"][0][1]
    stall_rows = [
        [label, *ms([stall for stall, _ in found[key]]), f"{statistics.median(t for _, t in found[key]):.0f}", str(len(found[key]))]
        for key, label in (
            ("idle", "floor: ticker alone, as long as a chart"),
            ("first", "first chart() (imports matplotlib)"),
            ("next", "next chart()s (worker thread)"),
            ("on loop", "draw() on the loop (for contrast)"),
        )
    ]
    threaded_stall = max(stall for key in ("first", "next") for stall, _ in found[key])
    print("\n".join([
        "",
        f"situation picture, ms over {RUNS} runs; peak memory (tracemalloc) of one run, KiB",
        table(["work", "count rows", "median", "max", "peak KiB"], rows),
        f"statistics + message against the floor: {ratio:.0f}×",
        f"target: the picture in under {TARGET_PICTURE_MS} ms of work: "
        f"{'met' if worst < TARGET_PICTURE_MS else 'NOT met'} (slowest query + slowest picture {worst:.1f} ms)",
        "",
        f"chart of {len(inputs[0])} areas and {HEAT_WEEKS} weeks, {size(len(AREAS))[0]}×{size(len(AREAS))[1]} px, ms",
        table(["drawing", "median", "max"], [
            ["first chart (imports matplotlib)", *ms([cold])],
            [f"next {CHART_RUNS} charts", *ms(warm)],
            ["floor: empty figure of that size", *ms(empty)],
        ]),
        f"chart against the floor: {statistics.median(warm) / statistics.median(empty):.1f}×; resident memory "
        f"{rss_before:.1f} MB before the first chart, {rss_after:.1f} MB after (matplotlib loaded)",
        f"target: a chart in under {TARGET_CHART_MS} ms: "
        f"{'met' if max(warm) < TARGET_CHART_MS else 'NOT met'} after the first (slowest {max(warm):.0f} ms); "
        f"{'met' if cold < TARGET_CHART_MS else 'NOT met'} by the first ({cold:.0f} ms)",
        "",
        "longest event-loop stall while a chart is drawn (1 ms ticker), ms",
        table(["while", "median", "max", "ran ms", "runs"], stall_rows),
        f"target: the loop never blocked more than {TARGET_STALL_MS} ms: "
        f"{'met' if threaded_stall < TARGET_STALL_MS else 'NOT met'} (longest {threaded_stall:.1f} ms); "
        "others' work on the machine shows in the floor",
    ]))  # fmt: skip
    print(asyncio.run(real(cat)))
    print(machine())


if __name__ == "__main__":
    main()
