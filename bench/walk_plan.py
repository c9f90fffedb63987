"""The action plan of a large safety walk: how big its Markdown file gets, and what rendering it costs.

Data: a walk of 40 points in a real, migrated SQLite database, each point with a place, a what, a proposal and a
responsible organisation as a council writes them, two photos (an `mxc://` address, a phone's file name, and in the
encrypted case the `file` keys) and one location with its uncertainty; every other point made an action. Three
walks: the typical one in a plain room, the same in an encrypted room (each photo then says where its key is), and
one whose texts are as long as people write them at most (a what of 300 characters and a proposal of 200).

For each: the file's size in bytes (as uploaded, before encryption), its lines, how many messages `!vandring <n>`
takes to show it all, and the time to read the walk and render the plan (the walks job's work), median of RUNS.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.common import machine, table
from bot.features.walks import plan_of
from bot.i18n import Catalogue, Text
from bot.render import markdown_blocks, markdown_page
from bot.store.db import Database
from bot.store.rooms import RoomRepo
from bot.store.walks import LOCATION, PHOTO, Attachment, WalkRepo

RUNS = 20
POINTS = 40
ROOM = "!radet:eslov.se"
ZONE_NAME = "Europe/Stockholm"
START = datetime(2026, 11, 30, 17, tzinfo=timezone.utc)
KEYS = {
    "key": {"kty": "oct", "key_ops": ["encrypt", "decrypt"], "alg": "A256CTR", "k": "q8zUXGi5NnM5bBw0w4W4nTCr6ZPTlRRvz2Ms9xTjN6U", "ext": True},
    "iv": "w+sE15fzSc0AAAAAAAAAAA",
    "hashes": {"sha256": "fdSLu/YkRx3Wyh3KQabP3rd6+SFiKg5l/0xjrbgEcvg"},
    "v": "v2",
}
PLACES = ["Parkvägen 3", "Gångtunneln under Västra Ringvägen", "Busstationen", "Lekplatsen vid Berga skola", "Torget"]
RESPONSIBLE = ["Eslövs kommun", "Eslövs Bostads AB", "Polisen", "Räddningstjänsten Syd", "Trafikverket"]


async def fill(db: Database, encrypted: bool, long: bool) -> int:
    async with db.transaction() as tx:
        await RoomRepo(tx).joined(ROOM, START)
        repo = WalkRepo(tx)
        walk = await repo.start(ROOM, "Berga", "Kvällsvandring med fritidsgården och föreningarna", "@anna:eslov.se", START)
        for n in range(1, POINTS + 1):
            sent = int((START + timedelta(minutes=2 * n)).timestamp() * 1000)
            what = ("Trasig belysning längs gångvägen, mörkt och buskigt på båda sidor " * 5)[:300] if long else (
                "Trasig belysning längs gångvägen, mörkt och buskigt"
            )
            proposal = ("Byt armaturer, röj buskarna och sätt upp en skylt om var man anmäler fel " * 3)[:200] if long else (
                "Byt armaturer och röj buskarna"
            )
            await repo.add_point(walk.id, f"{PLACES[n % 5]} ({n})", what, proposal, RESPONSIBLE[n % 5], "@per:eslov.se",
                                 f"$point{n}", f"sb-point-{n}", sent, START)  # fmt: skip
            point = (await repo.points(walk.id))[-1]
            for photo in (1, 2):
                url = f"mxc://eslov.se/{'Ab3dE' * 5}{n:03d}{photo}"
                await repo.attach(point.id, Attachment(PHOTO, f"$photo{n}-{photo}", "@per:eslov.se", sent + photo,
                                                       f"IMG_20261130_1{n:03d}{photo}.jpg", url, "image/jpeg",
                                                       KEYS if encrypted else None))  # fmt: skip
            await repo.attach(point.id, Attachment(LOCATION, f"$place{n}", "@per:eslov.se", sent + 3, "Plats",
                                                   geo_uri=f"geo:55.83{n:02d},13.30{n:02d};u=35",
                                                   latitude=55.83 + n / 10000, longitude=13.30 + n / 10000,
                                                   uncertainty=35.0))  # fmt: skip
            if n % 2:
                await repo.made_action(point.id, n)
        await repo.end(walk.id, "@anna:eslov.se", START + timedelta(hours=2), START + timedelta(days=182))
        return walk.id


async def measure(encrypted: bool, long: bool) -> list[str]:
    cat, zone = Catalogue("sv"), ZoneInfo(ZONE_NAME)
    with tempfile.TemporaryDirectory(prefix="samverkan-walk-") as tmp:
        db = await Database.open(Path(tmp))
        try:
            walk_id = await fill(db, encrypted, long)
            times = []
            for _ in range(RUNS):
                began = time.perf_counter()
                async with db.reading() as conn:
                    walk = await WalkRepo(conn).get(walk_id)
                    _, plan = await plan_of(conn, walk, cat, zone)
                times.append((time.perf_counter() - began) * 1000)
        finally:
            await db.close()
    blocks = markdown_blocks(plan)
    pages, first = 0, 1
    while first:  # as `!vandring 1 från <n>` pages through it
        following: list[int] = []
        markdown_page(blocks, lambda n, position: following.append(position) or Text.of(f"… {n}"), first=first)
        pages, first = pages + 1, (following[0] if following else 0)
    data = plan.encode()
    name = ("encrypted room" if encrypted else "plain room") + (", longest texts" if long else "")
    return [name, f"{len(data):,}", f"{len(data) / POINTS:,.0f}", str(plan.count(chr(10))), str(pages),
            f"{statistics.median(times):.1f}"]  # fmt: skip


async def main() -> None:
    print(f"Action plan of a {POINTS}-point safety walk, 2 photos and 1 location a point ({machine()})")
    rows = [await measure(False, False), await measure(True, False), await measure(False, True)]
    print(table(["walk", "file bytes", "bytes/point", "lines", "messages to show", "render ms"], rows))


if __name__ == "__main__":
    asyncio.run(main())
