"""Claims of the posts before each meeting of a series (bot.premeeting): one row per meeting, written with its
outcome in the transaction that queues the message. Each kind of post has its own table."""

from __future__ import annotations

from datetime import datetime

from bot.store.db import Connection, from_utc_text, utc_text

NUDGE_CLAIMS = "report_nudges"
SITUATION_CLAIMS = "situation_posts"


class PremeetingRepo:
    def __init__(self, conn: Connection, table: str):
        if table not in (NUDGE_CLAIMS, SITUATION_CLAIMS):
            raise ValueError(table)
        self.conn = conn
        self.table = table

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
            f"INSERT OR IGNORE INTO {self.table}(series_id, meeting_original, meeting_start, due_at, outcome, txn_id, "
            "decided_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (series_id, utc_text(original), utc_text(start), utc_text(due_at), outcome, txn_id, utc_text(now)),
        )
        return cursor.rowcount == 1

    async def decided(self, series_id: int) -> tuple[datetime | None, set[datetime]]:
        """The start of the latest meeting decided, and the original starts of all decided."""
        async with self.conn.execute(
            f"SELECT meeting_original, meeting_start FROM {self.table} WHERE series_id = ?", (series_id,)
        ) as cursor:
            rows = await cursor.fetchall()
        return max((from_utc_text(r[1]) for r in rows), default=None), {from_utc_text(r[0]) for r in rows}

    async def outcomes(self, series_id: int) -> list[tuple[str, str]]:
        """(meeting start, outcome) of every decided post, oldest first."""
        async with self.conn.execute(
            f"SELECT meeting_start, outcome FROM {self.table} WHERE series_id = ? ORDER BY meeting_start", (series_id,)
        ) as cursor:
            return [tuple(row) for row in await cursor.fetchall()]
