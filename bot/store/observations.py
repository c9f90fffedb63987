"""Observations (iakttagelser): what a partner has seen or heard, by area and category, numbered per room; a removed
one is kept, marked with who removed it and when. And `!report nothing`: an organisation had nothing to report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from bot.store.db import Connection, from_utc_text, utc_text

if TYPE_CHECKING:
    from bot.periods import Period


@dataclass(frozen=True)
class Observation:
    room_id: str
    number: int
    area: str
    category: str
    text: str
    organisation: str | None
    author: str
    written_at: datetime
    happened_on: date
    area_id: int
    category_id: int
    removed_at: datetime | None = None
    removed_by: str | None = None


@dataclass(frozen=True)
class NothingReported:
    """An organisation said it had nothing to report."""

    organisation: str
    by: str
    at: datetime


@dataclass(frozen=True)
class Tally:
    """How many observations of an area and category there are in a period: 0 the period asked about, 1, 2, … the
    periods before it."""

    period: int
    area: str
    category: str
    n: int


def _from(moment: datetime, zone: Any) -> tuple[str, tuple[str, ...]]:
    """SQL that is true of an observation that counts from `moment` on.

    An observation counts on the day it happened (`happened_on`, a day in the room's zone): in the period that
    day falls in. A period that begins in the middle of a day (at a meeting) shares that day with the one before
    it; an observation of that very day counts in the one it was written in, so what is reported before a
    meeting is in the round the meeting discusses, and what is reported after it is in the next."""
    day = moment.astimezone(zone).date().isoformat()
    return "(b.happened_on > ? OR (b.happened_on = ? AND b.written_at >= ?))", (day, day, utc_text(moment))


def _counts_in(period: Period) -> tuple[str, tuple[str, ...]]:
    """SQL that is true of an observation that counts in `period` (see `_from`)."""
    (starts, start), (ends, end) = _from(period.start, period.zone), _from(period.end, period.zone)
    return f"({starts} AND NOT {ends})", (*start, *end)


_SELECT = (
    "SELECT b.room_id, b.number, a.name, c.name, b.text, o.name, b.author, b.written_at, b.happened_on, "
    "b.area_id, b.category_id, b.removed_at, b.removed_by FROM observations b "
    "JOIN areas a ON a.id = b.area_id JOIN categories c ON c.id = b.category_id "
    "LEFT JOIN organisations o ON o.id = b.organisation_id "
)


class ObservationRepo:
    def __init__(self, conn: Connection):
        self.conn = conn

    async def _select(self, where: str, params: tuple[Any, ...]) -> list[Observation]:
        async with self.conn.execute(_SELECT + "WHERE " + where, params) as cursor:
            rows = await cursor.fetchall()
        return [
            Observation(
                r[0], r[1], r[2], r[3], r[4], r[5], r[6], from_utc_text(r[7]), date.fromisoformat(r[8]), r[9], r[10],
                from_utc_text(r[11]) if r[11] else None, r[12],
            )
            for r in rows
        ]  # fmt: skip

    async def create(
        self,
        room_id: str,
        area_id: int,
        category_id: int,
        text: str,
        organisation_id: int | None,
        author: str,
        now: datetime,
        happened_on: date,
    ) -> int:
        async with self.conn.execute(
            "INSERT INTO observation_numbers(room_id, last) VALUES (?, 1) "
            "ON CONFLICT(room_id) DO UPDATE SET last = last + 1 RETURNING last",
            (room_id,),
        ) as cursor:
            number = (await cursor.fetchone())[0]
        await self.conn.execute(
            "INSERT INTO observations(room_id, number, area_id, category_id, text, organisation_id, author, "
            "written_at, happened_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (room_id, number, area_id, category_id, text, organisation_id, author, utc_text(now), happened_on.isoformat()),
        )
        return number

    async def get(self, room_id: str, number: int) -> Observation | None:
        found = await self._select("b.room_id = ? AND b.number = ?", (room_id, number))
        return found[0] if found else None

    async def in_period(self, room_id: str, period: Period) -> list[Observation]:
        """The observations not removed that count in `period`, in order."""
        counts, params = _counts_in(period)
        return await self._select(
            f"b.room_id = ? AND b.removed_at IS NULL AND b.happened_on BETWEEN ? AND ? AND {counts} ORDER BY b.number",
            (room_id, period.first_day.isoformat(), period.last_day.isoformat(), *params),
        )

    async def tallies(self, room_id: str, periods: Sequence[Period]) -> list[Tally]:
        """The observations not removed of each period (the first the one asked about, then those before it),
        counted by area and category in one grouped query."""
        which, params = [], []
        for k, period in enumerate(periods):
            counts, values = _counts_in(period)
            which.append(f"WHEN {counts} THEN {k}")
            params.extend(values)
        first, last = min(p.first_day for p in periods), max(p.last_day for p in periods)
        async with self.conn.execute(
            f"SELECT period, a.name, c.name, n FROM ("
            f"  SELECT CASE {' '.join(which)} END AS period, b.area_id, b.category_id, count(*) AS n"
            f"  FROM observations b WHERE b.room_id = ? AND b.removed_at IS NULL AND b.happened_on BETWEEN ? AND ?"
            f"  GROUP BY 1, 2, 3"
            f") JOIN areas a ON a.id = area_id JOIN categories c ON c.id = category_id WHERE period IS NOT NULL",
            (*params, room_id, first.isoformat(), last.isoformat()),
        ) as cursor:
            return [Tally(*row) for row in await cursor.fetchall()]

    async def first_written(self, room_id: str) -> datetime | None:
        """When the room's first observation was written (removed or not); None for a room without any."""
        async with self.conn.execute(
            "SELECT written_at FROM observations WHERE room_id = ? ORDER BY number LIMIT 1", (room_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return from_utc_text(row[0]) if row else None

    async def first_day(self, room_id: str) -> date | None:
        """The earliest day an observation (not removed) in the room happened on: what it has data from."""
        async with self.conn.execute(
            "SELECT min(happened_on) FROM observations WHERE room_id = ? AND removed_at IS NULL", (room_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return date.fromisoformat(row[0]) if row and row[0] else None

    async def remove(self, room_id: str, number: int, by: str, now: datetime) -> None:
        await self.conn.execute(
            "UPDATE observations SET removed_at = ?, removed_by = ? WHERE room_id = ? AND number = ?",
            (utc_text(now), by, room_id, number),
        )

    async def without_organisation(self, room_id: str, author: str) -> int:
        """How many reports the author has written in the room without an organisation, removed ones too."""
        async with self.conn.execute(
            "SELECT count(*) FROM observations WHERE room_id = ? AND author = ? AND organisation_id IS NULL",
            (room_id, author),
        ) as cursor:
            return (await cursor.fetchone())[0]

    async def nothing_to_report(self, room_id: str, organisation_id: int, by: str, now: datetime) -> None:
        await self.conn.execute(
            "INSERT INTO nothing_reported(room_id, organisation_id, by, at) VALUES (?, ?, ?, ?)",
            (room_id, organisation_id, by, utc_text(now)),
        )

    async def nothing_reported(self, room_id: str) -> list[NothingReported]:
        """Every `!report nothing` in the room, oldest first."""
        async with self.conn.execute(
            "SELECT o.name, n.by, n.at FROM nothing_reported n JOIN organisations o ON o.id = n.organisation_id "
            "WHERE n.room_id = ? ORDER BY n.id",
            (room_id,),
        ) as cursor:
            return [NothingReported(r[0], r[1], from_utc_text(r[2])) for r in await cursor.fetchall()]

    async def nothing_in(self, room_id: str, period: Period) -> list[NothingReported]:
        """The `!report nothing`s said during `period`, oldest first."""
        async with self.conn.execute(
            "SELECT o.name, n.by, n.at FROM nothing_reported n JOIN organisations o ON o.id = n.organisation_id "
            "WHERE n.room_id = ? AND n.at >= ? AND n.at < ? ORDER BY n.id",
            (room_id, utc_text(period.start), utc_text(period.end)),
        ) as cursor:
            return [NothingReported(r[0], r[1], from_utc_text(r[2])) for r in await cursor.fetchall()]

    async def reporters(self, room_id: str, period: Period) -> set[str]:
        """The organisations that wrote a report (not removed) during `period`: who has reported in a round is who
        wrote in it, whenever what they report happened."""
        async with self.conn.execute(
            "SELECT DISTINCT o.name FROM observations b JOIN organisations o ON o.id = b.organisation_id "
            "WHERE b.room_id = ? AND b.removed_at IS NULL AND b.written_at >= ? AND b.written_at < ?",
            (room_id, utc_text(period.start), utc_text(period.end)),
        ) as cursor:
            return {row[0] for row in await cursor.fetchall()}

    async def heard_from(self, room_id: str, period: Period) -> set[str]:
        """The organisations that reported during `period` or said they had nothing to report."""
        return await self.reporters(room_id, period) | {n.organisation for n in await self.nothing_in(room_id, period)}

    async def in_room(self, room_id: str) -> list[Observation]:
        """Every observation in the room, removed ones too, by number: what an export carries."""
        return await self._select("b.room_id = ? ORDER BY b.number", (room_id,))
