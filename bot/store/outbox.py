"""Outgoing messages: recorded with their transaction id before they are sent, marked once the server has them.
A file waits with its bytes until it is uploaded; then the message pointing at the upload takes their place."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.store.db import Connection


@dataclass(frozen=True)
class OutgoingMessage:
    id: int
    room_id: str
    txn_id: str
    event_type: str
    content: dict[str, Any]
    file: bytes | None = None  # still to be uploaded
    replaces_txn: str | None = None
    """An edit of the message sent under this transaction id."""


class OutboxRepo:
    def __init__(self, conn: Connection):
        self.conn = conn

    async def add(
        self,
        room_id: str,
        txn_id: str,
        content: dict[str, Any],
        now: datetime,
        event_type: str = "m.room.message",
        file: bytes | None = None,
        replaces_txn: str | None = None,
    ) -> None:
        """A message to send; with `file`, an m.file message (render.file_message) whose file is uploaded first;
        with `replaces_txn`, an edit (render.edit) of the message sent under that transaction id, sent after it.
        A transaction id already recorded stays as it is: after a restore, what the bot sent after the backup was
        taken is recorded before the work that sent it is done again (bot/restored.py)."""
        # A message for a room the bot has left is settled at once: a bot that was kicked sends nothing there.
        await self.conn.execute(
            "INSERT INTO outbox(room_id, txn_id, event_type, content, created_at, file, replaces_txn, failed) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT 'left the room' FROM rooms WHERE room_id = ? AND left_at IS NOT NULL)) "
            "ON CONFLICT(txn_id) DO NOTHING",
            (
                room_id, txn_id, event_type, json.dumps(content, ensure_ascii=False), now.isoformat(), file,
                replaces_txn, room_id,
            ),  # fmt: skip
        )

    async def has(self, txn_id: str) -> bool:
        async with self.conn.execute("SELECT 1 FROM outbox WHERE txn_id = ?", (txn_id,)) as cursor:
            return await cursor.fetchone() is not None

    async def pending(self) -> list[OutgoingMessage]:
        """What is to be sent, in order."""
        async with self.conn.execute(
            "SELECT id, room_id, txn_id, event_type, content, file, replaces_txn FROM outbox "
            "WHERE sent_at IS NULL AND failed IS NULL ORDER BY id"
        ) as cursor:
            rows = await cursor.fetchall()
        return [
            OutgoingMessage(
                row["id"], row["room_id"], row["txn_id"], row["event_type"], json.loads(row["content"]), row["file"],
                row["replaces_txn"],
            )  # fmt: skip
            for row in rows
        ]

    async def sent_event(self, txn_id: str) -> str | None:
        """The event id of the message sent under this transaction id; None if it was not sent."""
        async with self.conn.execute("SELECT sent_event_id FROM outbox WHERE txn_id = ?", (txn_id,)) as cursor:
            row = await cursor.fetchone()
        return row[0] if row else None

    async def uploaded(self, message_id: int, content: dict[str, Any]) -> None:
        """The file is uploaded: the message now points at it, and the bytes are no longer kept."""
        await self.conn.execute(
            "UPDATE outbox SET content = ?, file = NULL WHERE id = ?",
            (json.dumps(content, ensure_ascii=False), message_id),
        )

    async def mark_sent(self, message_id: int, event_id: str, now: datetime) -> None:
        await self.conn.execute(
            "UPDATE outbox SET sent_at = ?, sent_event_id = ? WHERE id = ?", (now.isoformat(), event_id, message_id)
        )

    async def found_sent(self, room_id: str, txn_id: str, event_id: str, event_type: str, now: datetime) -> None:
        """A message the room shows the bot sent under this transaction id: recorded as sent, whether the outbox
        still had it pending or never had it."""
        await self.conn.execute(
            "INSERT INTO outbox(room_id, txn_id, event_type, content, created_at, sent_at, sent_event_id) "
            "VALUES (?, ?, ?, '{}', ?, ?, ?) "
            "ON CONFLICT(txn_id) DO UPDATE SET sent_at = excluded.sent_at, sent_event_id = excluded.sent_event_id, "
            "file = NULL WHERE sent_at IS NULL",
            (room_id, txn_id, event_type, now.isoformat(), now.isoformat(), event_id),
        )

    async def settle_left(self, room_id: str) -> None:
        """The bot left the room: what it had still to say there is not sent."""
        await self.conn.execute(
            "UPDATE outbox SET failed = 'left the room' WHERE room_id = ? AND sent_at IS NULL AND failed IS NULL",
            (room_id,),
        )

    async def mark_failed(self, message_id: int, reason: str) -> None:
        await self.conn.execute("UPDATE outbox SET failed = ? WHERE id = ?", (reason, message_id))
