"""Backup and restore of five years of a busy group: time and size, plain and sealed (no homeserver needed).

The data dir is made here: the bot's database, migrated, holding per week of YEARS years one held meeting with its
minutes, MEETING_PEOPLE participants, 3 decisions, 8 agenda items discussed, 10 actions (each with 3 changes in its
history) and 30 observations; an encryption store of ROOM_KEYS inbound room keys (random bytes of a pickle's size,
as nio's store keeps them); a session and cross-signing keys. Figures: the data dir's size, then the time and size
of a backup (plain, then sealed with a passphrase) and of restoring each into an empty data dir.
"""

from __future__ import annotations

import dataclasses
import asyncio
import base64
import os
import sqlite3
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench.common import isolate_settings, machine, table
from bot.backup import restore, take
from bot.matrix.session import Session, save_session
from bot.settings import load_settings
from bot.store.db import DB_NAME, Database, utc_text

YEARS = 5
MEETING_PEOPLE = 10
ROOM_KEYS = 5000
PASSPHRASE = "Stadshuset sal 2, tisdagar"
ROOM = "!orat-mot-marken"
BOT = "@samverkan-bot:eslov.se"
START = datetime(2022, 1, 4, 8, 0, tzinfo=timezone.utc)


async def fill(data_dir: Path) -> dict[str, int]:
    """The database of YEARS years of weekly meetings; the number of rows of each kind."""
    db = await Database.open(data_dir)
    people = [f"@medlem{n}:eslov.se" for n in range(MEETING_PEOPLE)]
    rows = {"meetings": 0, "actions": 0, "observations": 0, "agenda items": 0}
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO rooms(room_id, joined_at) VALUES (?, ?)", (ROOM, utc_text(START)))
        for n in range(8):
            await tx.execute("INSERT INTO areas(room_id, name, key, created_at) VALUES (?, ?, ?, ?)", (ROOM, f"Område {n}", f"omrade {n}", utc_text(START)))
        for n in range(12):
            await tx.execute("INSERT INTO categories(room_id, name, key, created_at) VALUES (?, ?, ?, ?)", (ROOM, f"Kategori {n}", f"kategori {n}", utc_text(START)))
        for week in range(52 * YEARS):
            at = START + timedelta(weeks=week)
            minutes = "\n".join(f"- Punkt {i}: Polisen och kommunen går igenom läget vid torget, vecka {week}." for i in range(40))
            cursor = await tx.execute(
                "INSERT INTO meetings(room_id, name, timezone, scheduled_start, scheduled_end, started_at, started_by, "
                "ended_at, ended_by, minutes) VALUES (?, 'Örat mot marken', 'Europe/Stockholm', ?, ?, ?, ?, ?, ?, ?)",
                (ROOM, utc_text(at), utc_text(at + timedelta(minutes=30)), utc_text(at), people[0],
                 utc_text(at + timedelta(minutes=30)), people[0], minutes),
            )  # fmt: skip
            meeting = cursor.lastrowid
            rows["meetings"] += 1
            await tx.executemany(
                "INSERT INTO participants(meeting_id, user_id, name, how, first_at) VALUES (?, ?, ?, 'wrote', ?)",
                [(meeting, p, f"Medlem {i}", utc_text(at)) for i, p in enumerate(people)],
            )
            await tx.executemany(
                "INSERT INTO decisions(meeting_id, text, by, at) VALUES (?, ?, ?, ?)",
                [(meeting, f"Beslut {i}: kommunen sätter upp belysning vid gångtunneln", people[0], utc_text(at)) for i in range(3)],
            )
            await tx.executemany(
                "INSERT INTO agenda_items(room_id, text, author, created_at, status, closed_at, closed_by, meeting_id, note) "
                "VALUES (?, ?, ?, ?, 'discussed', ?, ?, ?, ?)",
                [(ROOM, f"Klotter vid busstationen ({week}.{i})", people[i], utc_text(at - timedelta(days=2)), utc_text(at),
                  people[0], meeting, "Polisen tar det") for i in range(8)],
            )  # fmt: skip
            rows["agenda items"] += 8
            for i in range(10):
                number = rows["actions"] + 1
                await tx.execute(
                    "INSERT INTO actions(room_id, number, text, organisation, due, status, created_by, created_at, meeting_id) "
                    "VALUES (?, ?, ?, 'Eslövs kommun', ?, 'done', ?, ?, ?)",
                    (ROOM, number, f"Byt lamporna i gångtunneln ({week}.{i})", (at + timedelta(days=7)).date().isoformat(),
                     people[i], utc_text(at), meeting),
                )  # fmt: skip
                await tx.execute("INSERT INTO action_owners(room_id, number, user_id) VALUES (?, ?, ?)", (ROOM, number, people[i]))
                await tx.executemany(
                    "INSERT INTO action_history(room_id, number, at, by, kind, detail) VALUES (?, ?, ?, ?, ?, ?)",
                    [(ROOM, number, utc_text(at + timedelta(days=d)), people[i], kind, '{"comment": "Klart"}')
                     for d, kind in ((0, "created"), (3, "due"), (6, "done"))],
                )  # fmt: skip
                rows["actions"] += 1
            await tx.executemany(
                "INSERT INTO observations(room_id, number, area_id, category_id, text, author, written_at, happened_on) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(ROOM, rows["observations"] + i + 1, 1 + i % 8, 1 + i % 12, "Nytt klotter på muren vid torget",
                  people[i % MEETING_PEOPLE], utc_text(at - timedelta(days=i % 7)), (at - timedelta(days=i % 7)).date().isoformat())
                 for i in range(30)],
            )  # fmt: skip
            rows["observations"] += 30
    await db.close()
    return rows


def encryption_store(data_dir: Path) -> None:
    crypto = data_dir / "crypto"
    crypto.mkdir(mode=0o700)
    conn = sqlite3.connect(crypto / f"{BOT}_BOTDEVICE.db")
    conn.execute("CREATE TABLE megolminboundsessions (session_id TEXT PRIMARY KEY, pickle BLOB, room_id TEXT)")
    conn.executemany(
        "INSERT INTO megolminboundsessions VALUES (?, ?, ?)",
        [(base64.b64encode(os.urandom(32)).decode(), os.urandom(600), ROOM) for _ in range(ROOM_KEYS)],
    )
    conn.commit()
    conn.close()
    save_session(data_dir, Session("https://matrix.eslov.se", BOT, "BOTDEVICE", "syt_not_a_real_token"))
    (data_dir / "cross-signing.json").write_text('{"master": "…", "self_signing": "…", "user_signing": "…"}')


def size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size


def main() -> None:
    isolate_settings()
    with tempfile.TemporaryDirectory(prefix="samverkan-backup-bench-") as tmp:
        work = Path(tmp)
        data_dir = work / "data"
        data_dir.mkdir(mode=0o700)
        rows = asyncio.run(fill(data_dir))
        encryption_store(data_dir)
        settings = load_settings(env_file=None, homeserver="https://matrix.eslov.se", user_id=BOT, password="x", data_dir=data_dir)
        results = []
        for label, passphrase in (("plain", None), ("sealed", PASSPHRASE)):
            target = work / f"backup-{label}"
            started = time.perf_counter()
            take(settings, target, passphrase)
            took = time.perf_counter() - started
            restored = work / f"restored-{label}"
            started = time.perf_counter()
            restore(dataclasses.replace(settings, data_dir=restored), target, passphrase)
            back = time.perf_counter() - started
            results.append([label, f"{size(target) / 1e6:.1f}", f"{took:.2f}", f"{back:.2f}"])
        print(
            "\n".join(
                [
                    "",
                    f"backup of {YEARS} years of a weekly group: "
                    + ", ".join(f"{n:,} {kind}" for kind, n in rows.items())
                    + f", {ROOM_KEYS:,} room keys",
                    f"data dir: {size(data_dir) / 1e6:.1f} MB (database {size(data_dir / DB_NAME) / 1e6:.1f} MB)",
                    table(["backup", "file, MB", "backup, s", "restore, s"], results),
                    f"{machine()}",
                ]
            )
        )


if __name__ == "__main__":
    main()
