"""Charts asked for and not yet queued: a `!situation` asks for its chart in its own transaction; the chart is drawn
later, outside any, and queued in the outbox in the transaction that settles the request."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime

from bot.store.db import Connection, from_utc_text, utc_text


@dataclass(frozen=True)
class ChartRequest:
    txn_id: str
    """The chart message's transaction id, derived from the command's event."""
    room_id: str
    reply_to: str | None
    """The command it answers; None for the picture posted before a meeting."""
    thread_root: str | None
    week: int | None
    """The ISO week asked for; None for the round going on when it was asked."""
    asked_at: datetime
    series_id: int | None = None
    """The series whose round going on it shows (the picture before its meeting); None: the room's round."""


class ChartRepo:
    def __init__(self, conn: Connection):
        self.conn = conn

    async def add(self, request: ChartRequest) -> None:
        await self.conn.execute(
            "INSERT OR IGNORE INTO chart_requests(txn_id, room_id, reply_to, thread_root, week, asked_at, series_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (request.txn_id, request.room_id, request.reply_to, request.thread_root, request.week,
             utc_text(request.asked_at), request.series_id),
        )  # fmt: skip

    async def asked(self, txn_ids: frozenset[Hashable] | None = None) -> list[ChartRequest]:
        """These requests (every one when None) that are still to be settled, oldest first."""
        async with self.conn.execute(
            "SELECT txn_id, room_id, reply_to, thread_root, week, asked_at, series_id FROM chart_requests "
            "ORDER BY asked_at"
        ) as cursor:
            rows = await cursor.fetchall()
        found = [ChartRequest(r[0], r[1], r[2], r[3], r[4], from_utc_text(r[5]), r[6]) for r in rows]
        return [r for r in found if txn_ids is None or r.txn_id in txn_ids]

    async def settle(self, txn_id: str) -> bool:
        """Remove a request; False if it was settled already."""
        async with self.conn.execute("DELETE FROM chart_requests WHERE txn_id = ? RETURNING 1", (txn_id,)) as cursor:
            return await cursor.fetchone() is not None
