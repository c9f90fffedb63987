"""Encrypted events waiting for their room key, and the keys senders said they will not share."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.store.db import Connection, from_utc_text, utc_text


@dataclass(frozen=True)
class ParkedEvent:
    event_id: str
    room_id: str
    sender: str
    session_id: str
    parked_at: datetime
    source: dict[str, Any] = field(hash=False)


class ParkedRepo:
    def __init__(self, conn: Connection):
        self.conn = conn

    async def park(self, room_id: str, event_id: str, sender: str, session_id: str, source: dict[str, Any], now: datetime) -> None:
        """Kept once: a replayed sync parks nothing twice, and the first arrival keeps its place and time."""
        await self.conn.execute(
            "INSERT INTO parked_events(event_id, room_id, sender, session_id, source, parked_at) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(event_id) DO NOTHING",
            (event_id, room_id, sender, session_id, json.dumps(source, ensure_ascii=False), utc_text(now)),
        )

    async def waiting(self, room_id: str | None = None) -> list[ParkedEvent]:
        """What is parked (in one room, or everywhere), in order of arrival."""
        where, args = ("WHERE room_id = ?", (room_id,)) if room_id else ("", ())
        async with self.conn.execute(
            f"SELECT event_id, room_id, sender, session_id, source, parked_at FROM parked_events {where} ORDER BY id", args
        ) as cursor:
            rows = await cursor.fetchall()
        return [
            ParkedEvent(r["event_id"], r["room_id"], r["sender"], r["session_id"], from_utc_text(r["parked_at"]), json.loads(r["source"]))
            for r in rows
        ]

    async def rooms(self) -> set[str]:
        async with self.conn.execute("SELECT DISTINCT room_id FROM parked_events") as cursor:
            return {row[0] for row in await cursor.fetchall()}

    async def oldest(self) -> datetime | None:
        async with self.conn.execute("SELECT MIN(parked_at) FROM parked_events") as cursor:
            row = await cursor.fetchone()
        return from_utc_text(row[0]) if row and row[0] else None

    async def release(self, event_id: str) -> None:
        await self.conn.execute("DELETE FROM parked_events WHERE event_id = ?", (event_id,))

    async def note_withheld(self, session_id: str, code: str, now: datetime) -> None:
        await self.conn.execute(
            "INSERT INTO withheld_keys(session_id, code, at) VALUES (?, ?, ?) "
            "ON CONFLICT(session_id) DO UPDATE SET code = excluded.code, at = excluded.at",
            (session_id, code, utc_text(now)),
        )

    async def withheld(self, session_id: str) -> str | None:
        async with self.conn.execute("SELECT code FROM withheld_keys WHERE session_id = ?", (session_id,)) as cursor:
            row = await cursor.fetchone()
        return row[0] if row else None

    async def forget_withheld_before(self, cutoff: datetime) -> None:
        """A note older than any parked event can be dropped: nothing waits for that key any more."""
        await self.conn.execute(
            "DELETE FROM withheld_keys WHERE at < ? AND at < COALESCE((SELECT MIN(parked_at) FROM parked_events), ?)",
            (utc_text(cutoff), utc_text(cutoff)),
        )
