"""What a command created, by the command's event: so an edit of the command can change it and a redaction of
the command can remove it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.store.db import Connection, from_utc_text, utc_text


@dataclass(frozen=True)
class Created:
    event_id: str
    room_id: str
    kind: str
    """The command and its form, `agenda.add`: which edit and which redaction apply."""
    ref: int
    """What it created: an agenda item's or a decision's id, an action's number in the room."""
    sender: str
    at: datetime
    edited_ts: int
    """The server time (ms) of the last edit applied; 0 before the first."""


class CreatedRepo:
    def __init__(self, conn: Connection):
        self.conn = conn

    async def add(self, event_id: str, room_id: str, kind: str, ref: int, sender: str, now: datetime) -> None:
        await self.conn.execute(
            "INSERT INTO created(event_id, room_id, kind, ref, sender, at) VALUES (?, ?, ?, ?, ?, ?)",
            (event_id, room_id, kind, ref, sender, utc_text(now)),
        )

    async def get(self, room_id: str, event_id: str) -> Created | None:
        async with self.conn.execute(
            "SELECT event_id, room_id, kind, ref, sender, at, edited_ts FROM created WHERE event_id = ? AND room_id = ?",
            (event_id, room_id),
        ) as cursor:
            row = await cursor.fetchone()
        return Created(*row[:5], from_utc_text(row[5]), row[6]) if row else None

    async def edited(self, event_id: str, edit_ts: int) -> None:
        await self.conn.execute("UPDATE created SET edited_ts = ? WHERE event_id = ?", (edit_ts, event_id))

    async def forget_before(self, cutoff: datetime) -> int:
        """Long past any edit window: an edit of so old a command is answered, if at all, without knowing what it
        created."""
        cursor = await self.conn.execute("DELETE FROM created WHERE at < ?", (utc_text(cutoff),))
        return cursor.rowcount
