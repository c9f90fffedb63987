"""Agenda items of a room: added for its next meeting, open until discussed or removed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.store.db import Connection, from_utc_text, utc_text


@dataclass(frozen=True)
class AgendaItem:
    id: int
    text: str
    author: str
    created_at: datetime
    meeting_start: datetime | None
    """The meeting it was added for; an item still open after that meeting is carried over."""
    discussed: bool = False
    note: str | None = None


class AgendaRepo:
    def __init__(self, conn: Connection):
        self.conn = conn

    async def _select(self, where: str, params: tuple) -> list[AgendaItem]:
        async with self.conn.execute(
            "SELECT id, text, author, created_at, meeting_start, status, note FROM agenda_items "
            f"WHERE {where} ORDER BY id",
            params,
        ) as cursor:
            rows = await cursor.fetchall()
        return [
            AgendaItem(
                r[0], r[1], r[2], from_utc_text(r[3]), from_utc_text(r[4]) if r[4] else None, r[5] == "discussed", r[6]
            )
            for r in rows
        ]

    async def with_ids(self, room_id: str, ids: list[int]) -> list[AgendaItem]:
        wanted = set(ids)
        return [item for item in await self._select("room_id = ?", (room_id,)) if item.id in wanted]

    async def open_items(self, room_id: str) -> list[AgendaItem]:
        """The agenda in order: oldest first, so carried-over items lead."""
        return await self._select("room_id = ? AND status = 'open'", (room_id,))

    async def open_at(self, room_id: str, moment: datetime) -> list[AgendaItem]:
        """The agenda as it stood at a moment: added by then and not yet closed."""
        moment_text = utc_text(moment)
        return await self._select(
            "room_id = ? AND created_at <= ? AND (status = 'open' OR closed_at > ?)", (room_id, moment_text, moment_text)
        )

    async def meeting_items(self, room_id: str, meeting_id: int) -> list[AgendaItem]:
        """During a meeting: its agenda with the items already discussed in it, so numbers stay put."""
        return await self._select(
            "room_id = ? AND (status = 'open' OR (status = 'discussed' AND meeting_id = ?))", (room_id, meeting_id)
        )

    async def discussed_in(self, meeting_id: int) -> list[AgendaItem]:
        return await self._select("status = 'discussed' AND meeting_id = ?", (meeting_id,))

    async def discuss(self, item_id: int, meeting_id: int, note: str | None, by: str, now: datetime) -> None:
        await self.conn.execute(
            "UPDATE agenda_items SET status = 'discussed', meeting_id = ?, note = ?, closed_at = ?, closed_by = ? "
            "WHERE id = ?",
            (meeting_id, note, utc_text(now), by, item_id),
        )

    async def add(self, room_id: str, text: str, author: str, meeting_start: datetime | None, now: datetime) -> int:
        cursor = await self.conn.execute(
            "INSERT INTO agenda_items(room_id, text, author, created_at, meeting_start) VALUES (?, ?, ?, ?, ?)",
            (room_id, text, author, utc_text(now), utc_text(meeting_start) if meeting_start else None),
        )
        return cursor.lastrowid

    async def retext(self, item_id: int, text: str) -> None:
        """An open item's text, as its author has just corrected it."""
        await self.conn.execute("UPDATE agenda_items SET text = ? WHERE id = ? AND status = 'open'", (text, item_id))

    async def close(self, item_id: int, status: str, by: str, now: datetime) -> None:
        await self.conn.execute(
            "UPDATE agenda_items SET status = ?, closed_at = ?, closed_by = ? WHERE id = ? AND status = 'open'",
            (status, utc_text(now), by, item_id),
        )
