"""Meeting series and their single-meeting changes (skips and moves)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.schedule import Schedule, load_schedule
from bot.store.db import Connection, Row, from_utc_text, utc_text


@dataclass(frozen=True)
class Series:
    id: int
    room_id: str
    name: str
    schedule: Schedule
    anchor: date
    duration: timedelta
    location: str
    reminders: tuple[timedelta, ...]
    zone: ZoneInfo
    checked_until: datetime
    seed_digest: str | None
    changed_at: datetime | None = None
    """When the series was made or last changed (a single meeting's skip or move aside)."""
    report_nudge_at: time | None = None
    """The local time on the working day before a meeting that the organisations that have not reported are nudged;
    None: the default (policy.REPORT_NUDGE_AT)."""
    situation_at: time | None = None
    """The local time on the working day before a meeting that the situation picture is posted; None: with the first
    reminder (see bot.situation_post)."""


def _series(row: Row) -> Series:
    return Series(
        id=row["id"],
        room_id=row["room_id"],
        name=row["name"],
        schedule=load_schedule(row["schedule"]),
        anchor=date.fromisoformat(row["anchor"]),
        duration=timedelta(minutes=row["duration_minutes"]),
        location=row["location"],
        reminders=tuple(timedelta(minutes=m) for m in json.loads(row["reminders"])),
        zone=ZoneInfo(row["timezone"]),
        checked_until=from_utc_text(row["checked_until"]),
        seed_digest=row["seed_digest"],
        changed_at=from_utc_text(row["updated_at"]),
        report_nudge_at=time.fromisoformat(row["report_nudge_at"]) if row["report_nudge_at"] else None,
        situation_at=time.fromisoformat(row["situation_at"]) if row["situation_at"] else None,
    )


def _minutes(span: timedelta) -> int:
    return int(span.total_seconds() // 60)


Changes = dict[datetime, datetime | None]


class SeriesRepo:
    def __init__(self, conn: Connection):
        self.conn = conn

    async def _select(self, where: str = "", params: tuple = ()) -> list[Series]:
        async with self.conn.execute(f"SELECT * FROM series {where} ORDER BY id", params) as cursor:
            return [_series(row) for row in await cursor.fetchall()]

    async def get(self, series_id: int) -> Series | None:
        found = await self._select("WHERE id = ?", (series_id,))
        return found[0] if found else None

    async def in_room(self, room_id: str) -> list[Series]:
        return await self._select("WHERE room_id = ?", (room_id,))

    async def find(self, room_id: str, name: str) -> Series | None:
        found = await self._select("WHERE room_id = ? AND name = ?", (room_id, name))
        return found[0] if found else None

    async def zone_of(self, room_id: str) -> ZoneInfo | None:
        """The zone a room's meetings are held in: that of its first series; None for a room without one."""
        async with self.conn.execute("SELECT timezone FROM series WHERE room_id = ? ORDER BY id LIMIT 1", (room_id,)) as cursor:
            row = await cursor.fetchone()
        return ZoneInfo(row[0]) if row else None

    async def all(self) -> list[Series]:
        return await self._select()

    async def create(
        self,
        *,
        room_id: str,
        name: str,
        schedule: Schedule,
        anchor: date,
        duration: timedelta,
        location: str,
        reminders: tuple[timedelta, ...],
        zone: ZoneInfo,
        now: datetime,
        seed_digest: str | None = None,
    ) -> int:
        cursor = await self.conn.execute(
            "INSERT INTO series(room_id, name, schedule, anchor, duration_minutes, location, reminders, timezone, "
            "checked_until, seed_digest, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                room_id,
                name,
                schedule.spec,
                anchor.isoformat(),
                _minutes(duration),
                location,
                json.dumps([_minutes(r) for r in reminders]),
                zone.key,
                utc_text(now),
                seed_digest,
                utc_text(now),
                utc_text(now),
            ),
        )
        return cursor.lastrowid

    async def update(self, series_id: int, now: datetime, **fields: object) -> None:
        """Change fields. A change of when meetings are (schedule, anchor, reminders, zone) restarts the reminder
        window at `now`, so it never sends reminders for the past; a new place, name or time of the posts before a
        meeting leaves it alone (those posts skip what fell due before the change, see bot.premeeting)."""
        columns: dict[str, object] = {"updated_at": utc_text(now)}
        if fields.keys() & {"schedule", "anchor", "reminders", "zone"}:
            columns["checked_until"] = utc_text(now)
        for key, value in fields.items():
            if key == "schedule":
                columns["schedule"] = value.spec  # type: ignore[attr-defined]
            elif key == "anchor":
                columns["anchor"] = value.isoformat()  # type: ignore[attr-defined]
            elif key == "duration":
                columns["duration_minutes"] = _minutes(value)  # type: ignore[arg-type]
            elif key == "reminders":
                columns["reminders"] = json.dumps([_minutes(r) for r in value])  # type: ignore[attr-defined]
            elif key == "zone":
                columns["timezone"] = value.key  # type: ignore[attr-defined]
            elif key in ("name", "location", "seed_digest"):
                columns[key] = value
            elif key in ("situation_at", "report_nudge_at"):
                columns[key] = value.isoformat("minutes") if value else None  # type: ignore[attr-defined]
            else:
                raise ValueError(f"unknown series field {key}")
        assignments = ", ".join(f"{column} = ?" for column in columns)
        await self.conn.execute(f"UPDATE series SET {assignments} WHERE id = ?", (*columns.values(), series_id))

    async def set_checked_until(self, series_id: int, moment: datetime) -> None:
        await self.conn.execute("UPDATE series SET checked_until = ? WHERE id = ?", (utc_text(moment), series_id))

    async def changes(self, series_id: int) -> Changes:
        async with self.conn.execute(
            "SELECT original_start, new_start FROM meeting_changes WHERE series_id = ?", (series_id,)
        ) as cursor:
            rows = await cursor.fetchall()
        return {from_utc_text(r[0]): from_utc_text(r[1]) if r[1] else None for r in rows}

    async def all_changes(self) -> dict[int, Changes]:
        result: dict[int, Changes] = {}
        async with self.conn.execute("SELECT series_id, original_start, new_start FROM meeting_changes") as cursor:
            for series_id, original, new in await cursor.fetchall():
                result.setdefault(series_id, {})[from_utc_text(original)] = from_utc_text(new) if new else None
        return result

    async def drop_changes(self, series_id: int, originals: Iterable[datetime]) -> None:
        """Forget the skips and moves of these meetings (by their original start)."""
        await self.conn.executemany(
            "DELETE FROM meeting_changes WHERE series_id = ? AND original_start = ?",
            [(series_id, utc_text(original)) for original in originals],
        )

    async def change_meeting(
        self, series_id: int, original: datetime, new_start: datetime | None, by: str, now: datetime
    ) -> None:
        """Skip (new_start None) or move one meeting; a later change of the same meeting replaces it."""
        await self.conn.execute(
            "INSERT INTO meeting_changes(series_id, original_start, new_start, changed_by, changed_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(series_id, original_start) DO UPDATE SET "
            "new_start = excluded.new_start, changed_by = excluded.changed_by, changed_at = excluded.changed_at",
            (series_id, utc_text(original), utc_text(new_start) if new_start else None, by, utc_text(now)),
        )
