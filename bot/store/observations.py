"""Observations (iakttagelser): what a partner has seen or heard, by area and category, numbered per room; a removed
one is kept, marked with who removed it and when. And `!report nothing`: an organisation had nothing to report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import aiosqlite

from bot.store.db import from_utc_text, utc_text


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


_SELECT = (
    "SELECT b.room_id, b.number, a.name, c.name, b.text, o.name, b.author, b.written_at, b.happened_on, "
    "b.area_id, b.category_id, b.removed_at, b.removed_by FROM observations b "
    "JOIN areas a ON a.id = b.area_id JOIN categories c ON c.id = b.category_id "
    "LEFT JOIN organisations o ON o.id = b.organisation_id "
)


class ObservationRepo:
    def __init__(self, conn: aiosqlite.Connection):
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

    async def between(self, room_id: str, first: date, last: date) -> list[Observation]:
        """The observations not removed that happened from `first` to `last`, both days included, in order."""
        return await self._select(
            "b.room_id = ? AND b.removed_at IS NULL AND b.happened_on BETWEEN ? AND ? ORDER BY b.number",
            (room_id, first.isoformat(), last.isoformat()),
        )

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

    async def heard_from(self, room_id: str, start: datetime, end: datetime) -> set[str]:
        """The organisations that wrote a report (not removed) or said they had nothing from `start` to `end`."""
        async with self.conn.execute(
            "SELECT name FROM organisations WHERE id IN ("
            "SELECT organisation_id FROM observations "
            "WHERE room_id = ? AND removed_at IS NULL AND written_at >= ? AND written_at < ? "
            "UNION SELECT organisation_id FROM nothing_reported WHERE room_id = ? AND at >= ? AND at < ?)",
            (room_id, utc_text(start), utc_text(end), room_id, utc_text(start), utc_text(end)),
        ) as cursor:
            return {row[0] for row in await cursor.fetchall()}

    async def in_room(self, room_id: str) -> list[Observation]:
        """Every observation in the room, removed ones too, by number: what an export carries."""
        return await self._select("b.room_id = ? ORDER BY b.number", (room_id,))
