"""Reporting nudge claims: one row per meeting of a series, written before the nudge is sent."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.store.db import from_utc_text, utc_text


class ReportNudgeRepo:
    def __init__(self, conn: aiosqlite.Connection):
        self.conn = conn

    async def claim(
        self,
        series_id: int,
        original: datetime,
        start: datetime,
        due_at: datetime,
        outcome: str,
        txn_id: str | None,
        now: datetime,
    ) -> bool:
        """Record the decision for the meeting first scheduled at `original`; False when it was decided before."""
        cursor = await self.conn.execute(
            "INSERT OR IGNORE INTO report_nudges(series_id, meeting_original, meeting_start, due_at, outcome, txn_id, "
            "decided_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (series_id, utc_text(original), utc_text(start), utc_text(due_at), outcome, txn_id, utc_text(now)),
        )
        return cursor.rowcount == 1

    async def decided(self, series_id: int) -> tuple[datetime | None, set[datetime]]:
        """The start of the latest meeting decided, and the original starts of all decided."""
        async with self.conn.execute(
            "SELECT meeting_original, meeting_start FROM report_nudges WHERE series_id = ?", (series_id,)
        ) as cursor:
            rows = await cursor.fetchall()
        return max((from_utc_text(r[1]) for r in rows), default=None), {from_utc_text(r[0]) for r in rows}

    async def outcomes(self, series_id: int) -> list[tuple[str, str]]:
        """(meeting start, outcome) of every decided nudge, oldest first."""
        async with self.conn.execute(
            "SELECT meeting_start, outcome FROM report_nudges WHERE series_id = ? ORDER BY meeting_start", (series_id,)
        ) as cursor:
            return [tuple(row) for row in await cursor.fetchall()]
