"""Reminder claims: one row per meeting and offset, written before the reminder is sent."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.store.db import Connection, utc_text


class ReminderRepo:
    def __init__(self, conn: Connection):
        self.conn = conn

    async def claim(
        self,
        series_id: int,
        meeting_start: datetime,
        offset: timedelta,
        due_at: datetime,
        outcome: str,
        txn_id: str | None,
        now: datetime,
    ) -> bool:
        """Record the decision; False when this meeting and offset were decided before (nothing to do)."""
        cursor = await self.conn.execute(
            "INSERT OR IGNORE INTO reminders(series_id, meeting_start, offset_minutes, due_at, outcome, txn_id, "
            "decided_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                series_id,
                utc_text(meeting_start),
                int(offset.total_seconds() // 60),
                utc_text(due_at),
                outcome,
                txn_id,
                utc_text(now),
            ),
        )
        return cursor.rowcount == 1

    async def outcomes(self, series_id: int) -> list[tuple[str, int, str]]:
        """(meeting start, offset minutes, outcome) of every decided reminder, oldest first."""
        async with self.conn.execute(
            "SELECT meeting_start, offset_minutes, outcome FROM reminders WHERE series_id = ? "
            "ORDER BY meeting_start, offset_minutes DESC",
            (series_id,),
        ) as cursor:
            return [tuple(row) for row in await cursor.fetchall()]
