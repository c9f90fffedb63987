"""Rooms the bot serves, what it last handled in each, and events already acted on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.store.db import Connection


@dataclass(frozen=True)
class Room:
    room_id: str
    joined_at: str
    left_at: str | None
    last_event_id: str | None
    commands_advertised: str | None
    commands_refusal_told: bool


class RoomRepo:
    def __init__(self, conn: Connection):
        self.conn = conn

    async def get(self, room_id: str) -> Room | None:
        async with self.conn.execute("SELECT * FROM rooms WHERE room_id = ?", (room_id,)) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        return Room(**{**dict(row), "commands_refusal_told": bool(row["commands_refusal_told"])})

    async def serving(self) -> list[str]:
        """The rooms the bot is in."""
        async with self.conn.execute("SELECT room_id FROM rooms WHERE left_at IS NULL ORDER BY room_id") as cursor:
            return [row[0] for row in await cursor.fetchall()]

    async def joined(self, room_id: str, now: datetime) -> None:
        await self.conn.execute(
            "INSERT INTO rooms(room_id, joined_at) VALUES (?, ?) "
            "ON CONFLICT(room_id) DO UPDATE SET left_at = NULL",
            (room_id, now.isoformat()),
        )

    async def left(self, room_id: str, now: datetime) -> None:
        await self.conn.execute("UPDATE rooms SET left_at = ? WHERE room_id = ?", (now.isoformat(), room_id))

    async def set_last_event(self, room_id: str, event_id: str) -> None:
        await self.conn.execute("UPDATE rooms SET last_event_id = ? WHERE room_id = ?", (event_id, room_id))

    async def set_commands_advertised(self, room_id: str, digest: str) -> None:
        await self.conn.execute("UPDATE rooms SET commands_advertised = ? WHERE room_id = ?", (digest, room_id))

    async def set_refusal_told(self, room_id: str) -> None:
        await self.conn.execute("UPDATE rooms SET commands_refusal_told = 1 WHERE room_id = ?", (room_id,))

    async def is_handled(self, event_id: str) -> bool:
        async with self.conn.execute("SELECT 1 FROM handled_events WHERE event_id = ?", (event_id,)) as cursor:
            return await cursor.fetchone() is not None

    async def mark_handled(self, room_id: str, event_id: str, now: datetime, latest: bool = True) -> None:
        """`latest` is False for an event handled after newer ones (its room key came late): the room's
        position stays where it is."""
        await self.conn.execute(
            "INSERT INTO handled_events(event_id, room_id, handled_at) VALUES (?, ?, ?)",
            (event_id, room_id, now.isoformat()),
        )
        if latest:
            await self.set_last_event(room_id, event_id)

    async def forget_handled_before(self, cutoff: datetime) -> int:
        """Old marks can go: the stored sync position never reaches that far back."""
        cursor = await self.conn.execute("DELETE FROM handled_events WHERE handled_at < ?", (cutoff.isoformat(),))
        return cursor.rowcount

