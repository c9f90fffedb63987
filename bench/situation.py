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
"""

from __future__ import annotations

import asyncio
import io
import os
import random
import sqlite3
import statistics
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from bench.common import machine, table
from bench.startup import rss_mb
from bot.chart import chart, draw, size
from bot.i18n import Catalogue
from bot.periods import EARLIER, iso_week
from bot.render import notice
from bot.situation import Count, situation
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
        machine(),
    ]))  # fmt: skip


if __name__ == "__main__":
    main()
