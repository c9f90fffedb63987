"""Purge (gallring): delete what has been kept as long as the retention settings say, never before it is exported.

In order: list what may go in each room; write it in the export's formats (JSON, the CSV tables, the minutes as
Markdown) into a new folder, each file fsynced; read the JSON and CSV back and check their row counts against
the list; only then delete, in one transaction, what still meets the rules. Killed before the delete commits,
everything is still there (and the export too); the next run exports again and finishes."""

from __future__ import annotations

import asyncio
import csv
import json
import logging
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.export import as_csv, as_json, as_markdown, due_archive
from bot.i18n import Catalogue
from bot.retention import KINDS
from bot.settings import Settings
from bot.store.db import DB_NAME, Database
from bot.store.retention import Due, RetentionRepo

log = logging.getLogger(__name__)

EXPORT_DIR = "purged"
"""The default place for what a purge exports: a folder in the data dir."""


class PurgeError(Exception):
    """The purge stopped before deleting anything; one line says why."""


@dataclass
class Outcome:
    """What a purge found (and, unless a dry run, exported and deleted): counts by room and kind."""

    dry_run: bool
    found: dict[str, dict[str, int]] = field(default_factory=dict)
    deleted: dict[str, dict[str, int]] = field(default_factory=dict)
    folder: Path | None = None
    kept_for_good: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        """One line per room for the operator (and the log)."""
        counts = self.found if self.dry_run else self.deleted
        verb = "would go" if self.dry_run else "deleted"
        order = (*KINDS, "nothing_reported")
        lines = [
            f"{room}: " + ", ".join(f"{kinds[k]} {k.replace('_', ' ')}" for k in order if kinds.get(k)) + f" {verb}"
            for room, kinds in counts.items()
            if any(kinds.values())
        ]
        if not lines:
            lines.append("nothing has been kept long enough to go")
        if self.folder is not None:
            lines.append(f"exported first to {self.folder}")
        if self.kept_for_good:
            lines.append("kept for good (no retention period set): " + ", ".join(k.replace("_", " ") for k in self.kept_for_good))
        return lines


def _counts(due: Due) -> dict[str, int]:
    counts = {kind: due.number_of(kind) for kind in KINDS if kind in due.keys}
    if due.nothing_before is not None:
        counts["nothing_reported"] = due.nothing
    return counts


def _file_name(room_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", room_id.lstrip("!"))


def _write(path: Path, text: str) -> None:
    with open(path, "x", encoding="utf-8", newline="") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def _new_folder(base: Path, now: datetime) -> Path:
    base.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = now.strftime("%Y-%m-%dT%H%M%SZ")
    for attempt in range(100):
        folder = base / (f"purge-{stamp}" if attempt == 0 else f"purge-{stamp}-{attempt}")
        try:
            folder.mkdir(mode=0o700)
            return folder
        except FileExistsError:
            continue
    raise PurgeError(f"cannot make a new folder in {base}")


def _csv_rows(path: Path) -> int:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def _check(folder: Path, name: str, due: Due) -> None:
    """The files as written hold every row that is to go: read back, not trusted from memory."""
    written = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
    expected = {
        "meetings": due.number_of("meetings"),
        "actions": due.number_of("actions"),
        "observations": due.number_of("observations"),
        "agenda_items": due.number_of("agenda_items"),
        "nothing_to_report": due.nothing,
        "walks": due.number_of("walks"),
    }
    found = {key: len(written.get(key, [])) for key in expected}
    found_csv = {
        "actions": _csv_rows(folder / f"{name}.actions.csv"),
        "observations": _csv_rows(folder / f"{name}.observations.csv"),
    }
    if found != expected or any(found_csv[key] != expected[key] for key in found_csv):
        raise PurgeError(f"the export of {due.room_id} does not hold what is to go ({found}, {found_csv}, expected {expected})")


def _export(folder: Path, due: Due, archive: dict[str, Any], cat: Catalogue) -> None:
    name = _file_name(due.room_id)
    _write(folder / f"{name}.json", as_json(archive))
    _write(folder / f"{name}.actions.csv", as_csv(archive, "actions"))
    _write(folder / f"{name}.observations.csv", as_csv(archive, "observations"))
    _write(folder / f"{name}.md", as_markdown(archive, cat))
    _check(folder, name, due)


def _sync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


async def purge(
    db: Database, settings: Settings, now: datetime, dry_run: bool = False, export_dir: Path | None = None
) -> Outcome:
    """Export and delete what has been kept long enough (a dry run only counts it); raises PurgeError, having
    deleted nothing, when the export cannot be written and checked."""
    retention = settings.retention
    periods = retention.periods()
    outcome = Outcome(dry_run, kept_for_good=tuple(kind for kind in KINDS if kind not in periods))
    if not periods:
        return outcome
    cutoffs = {kind: period.cutoff(now) for kind, period in periods.items()}
    going: list[tuple[Due, dict[str, Any]]] = []
    async with db.reading() as conn:
        await conn.execute("BEGIN")  # one snapshot: the list and its export agree, whatever the bot writes meanwhile
        try:
            repo = RetentionRepo(conn)
            for room_id in await repo.rooms():
                due = await repo.due(room_id, cutoffs)
                outcome.found[room_id] = _counts(due)
                if due and not dry_run:
                    going.append((due, await due_archive(conn, due, settings.zone, now)))
        finally:
            await conn.execute("ROLLBACK")
    if dry_run or not going:
        return outcome
    base = export_dir or retention.export_dir or settings.data_dir / EXPORT_DIR
    try:
        outcome.folder = _new_folder(base, now)
        cat = Catalogue(settings.language)
        for due, archive in going:  # in a thread: the bot purging on its schedule goes on answering meanwhile
            await asyncio.to_thread(_export, outcome.folder, due, archive, cat)
        _sync_dir(outcome.folder)
    except OSError as exc:
        raise PurgeError(f"the export could not be written to {base} ({exc.strerror or exc}); nothing was deleted") from None
    async with db.transaction() as tx:
        repo = RetentionRepo(tx)
        for due, _ in going:
            outcome.deleted[due.room_id] = await repo.delete(due, cutoffs)
    for line in outcome.lines():
        log.info("purge: %s", line)
    return outcome


async def run_purge(settings: Settings, now: datetime, dry_run: bool, export_dir: Path | None) -> Outcome:
    """`samverkan-bot purge`: the data dir's database, whether the bot runs or not."""
    path = settings.data_dir / DB_NAME
    if not path.exists():
        raise PurgeError(f"no database at {path}; check BOT_DATA_DIR")
    db = await Database.open(settings.data_dir)
    try:
        return await purge(db, settings, now, dry_run, export_dir)
    finally:
        await db.close()
