"""Meetings as held: who took part, what was decided, and the minutes kept when the meeting ended."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.store.db import Connection, Row, from_utc_text, utc_text


@dataclass(frozen=True)
class Meeting:
    id: int
    room_id: str
    series_id: int | None
    name: str
    zone: ZoneInfo
    scheduled_start: datetime | None
    scheduled_end: datetime
    started_at: datetime
    started_by: str
    ended_at: datetime | None
    ended_by: str | None
    auto_closed: bool
    minutes: str | None


@dataclass(frozen=True)
class Participant:
    user_id: str
    name: str
    how: str
    """wrote (said something during the meeting) or here (said `!here`)."""


@dataclass(frozen=True)
class Decision:
    id: int
    text: str
    by: str
    at: datetime


def _meeting(r: Row) -> Meeting:
    def when(value: str | None) -> datetime | None:
        return from_utc_text(value) if value else None

    return Meeting(
        id=r["id"],
        room_id=r["room_id"],
        series_id=r["series_id"],
        name=r["name"],
        zone=ZoneInfo(r["timezone"]),
        scheduled_start=when(r["scheduled_start"]),
        scheduled_end=from_utc_text(r["scheduled_end"]),
        started_at=from_utc_text(r["started_at"]),
        started_by=r["started_by"],
        ended_at=when(r["ended_at"]),
        ended_by=r["ended_by"],
        auto_closed=bool(r["auto_closed"]),
        minutes=r["minutes"],
    )


class MeetingRepo:
    def __init__(self, conn: Connection):
        self.conn = conn

    async def _select(self, where: str, params: tuple = ()) -> list[Meeting]:
        async with self.conn.execute(f"SELECT * FROM meetings WHERE {where}", params) as cursor:
            return [_meeting(row) for row in await cursor.fetchall()]

    async def get(self, meeting_id: int) -> Meeting | None:
        found = await self._select("id = ?", (meeting_id,))
        return found[0] if found else None

    async def open_in(self, room_id: str) -> Meeting | None:
        found = await self._select("room_id = ? AND ended_at IS NULL", (room_id,))
        return found[0] if found else None

    async def all_open(self) -> list[Meeting]:
        return await self._select("ended_at IS NULL ORDER BY id")

    async def ended_in(self, room_id: str, since: datetime | None = None, until: datetime | None = None) -> list[Meeting]:
        """Ended meetings of a room, oldest first, optionally those started in [since, until)."""
        where, params = "room_id = ? AND ended_at IS NOT NULL", [room_id]
        if since:
            where, params = where + " AND started_at >= ?", [*params, utc_text(since)]
        if until:
            where, params = where + " AND started_at < ?", [*params, utc_text(until)]
        return await self._select(where + " ORDER BY started_at, id", tuple(params))

    async def without_file(self) -> list[int]:
        """Closed meetings whose minutes file was never put in the outbox (a crash right after closing)."""
        async with self.conn.execute(
            "SELECT id FROM meetings m WHERE ended_at IS NOT NULL AND minutes IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM outbox o WHERE o.txn_id = 'sb-minutes-file-' || m.id) ORDER BY id"
        ) as cursor:
            return [row[0] for row in await cursor.fetchall()]

    async def start(
        self,
        room_id: str,
        series_id: int | None,
        name: str,
        zone: ZoneInfo,
        scheduled_start: datetime | None,
        scheduled_end: datetime,
        by: str,
        now: datetime,
    ) -> int:
        cursor = await self.conn.execute(
            "INSERT INTO meetings(room_id, series_id, name, timezone, scheduled_start, scheduled_end, started_at, "
            "started_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                room_id,
                series_id,
                name,
                zone.key,
                utc_text(scheduled_start) if scheduled_start else None,
                utc_text(scheduled_end),
                utc_text(now),
                by,
            ),
        )
        return cursor.lastrowid

    async def end(self, meeting_id: int, by: str, now: datetime, minutes: str, auto: bool) -> None:
        await self.conn.execute(
            "UPDATE meetings SET ended_at = ?, ended_by = ?, minutes = ?, auto_closed = ? "
            "WHERE id = ? AND ended_at IS NULL",
            (utc_text(now), by, minutes, int(auto), meeting_id),
        )

    async def note_participant(self, meeting_id: int, user_id: str, name: str, how: str, now: datetime) -> None:
        """The first sign of someone counts; `!here` after writing changes nothing, and the reverse neither."""
        await self.conn.execute(
            "INSERT OR IGNORE INTO participants(meeting_id, user_id, name, how, first_at) VALUES (?, ?, ?, ?, ?)",
            (meeting_id, user_id, name, how, utc_text(now)),
        )

    async def participants(self, meeting_id: int) -> list[Participant]:
        async with self.conn.execute(
            "SELECT user_id, name, how FROM participants WHERE meeting_id = ? ORDER BY first_at, user_id",
            (meeting_id,),
        ) as cursor:
            return [Participant(*row) for row in await cursor.fetchall()]

    async def decide(self, meeting_id: int, text: str, by: str, now: datetime) -> int:
        cursor = await self.conn.execute(
            "INSERT INTO decisions(meeting_id, text, by, at) VALUES (?, ?, ?, ?)", (meeting_id, text, by, utc_text(now))
        )
        return cursor.lastrowid

    async def redecide(self, decision_id: int, text: str) -> None:
        """A decision's text, as the one who recorded it has just corrected it."""
        await self.conn.execute("UPDATE decisions SET text = ? WHERE id = ?", (text, decision_id))

    async def decisions(self, meeting_id: int) -> list[Decision]:
        async with self.conn.execute(
            "SELECT id, text, by, at FROM decisions WHERE meeting_id = ? ORDER BY id", (meeting_id,)
        ) as cursor:
            return [Decision(r[0], r[1], r[2], from_utc_text(r[3])) for r in await cursor.fetchall()]
