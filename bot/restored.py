"""The first start after a restore: what the bot said after the backup was taken is learnt from the rooms.

The restored database knows the sync position of the moment the backup was taken, so the bot goes through what
came after it once more: commands are run again (what they stored after the backup comes back) and timed jobs
catch up. What they would say again is already in the rooms, sent by this same device under the same
transaction ids (every reply's and post's id is derived from what caused it), and the homeserver shows a
device its own transaction ids. Each such id is recorded as sent before anything is handled, so the outbox
sends none of it twice."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from pathlib import Path

from nio import MessageDirection, RoomMessagesResponse

from bot.clock import Clock
from bot.matrix.transport import SendError, Transport
from bot.store.db import Database
from bot.store.outbox import OutboxRepo
from bot.store.rooms import RoomRepo

log = logging.getLogger(__name__)

RESTORED = "restored.json"
"""Left in the data dir by a restore for the first start: when the backup was taken."""
RESTORING = ".restoring"
"""In the data dir while a restore puts files in place; the bot does not start while it is there."""

SKEW = timedelta(minutes=10)
"""How far before the backup's time the rooms are read: the homeserver's clock and this machine's may differ."""
PAGE = 100


async def _sent_since(transport: Transport, room_id: str, user_id: str, since: datetime) -> list[tuple[str, str, str]]:
    """(transaction id, event id, type) of what this device sent in the room from `since` on, newest first."""
    found: list[tuple[str, str, str]] = []
    start: str | None = None
    since_ms = since.timestamp() * 1000
    while True:
        try:
            response = await transport.request(
                f"messages of {room_id}",
                lambda start=start: transport.client.room_messages(
                    room_id, start=start, direction=MessageDirection.back, limit=PAGE,
                    message_filter={"senders": [user_id], "lazy_load_members": True},
                ),
                RoomMessagesResponse,
            )  # fmt: skip
        except SendError as exc:  # the room cannot be read: nothing to learn there
            log.warning("restored: %s could not be read (%s)", room_id, exc)
            return found
        for event in response.chunk:
            if event.server_timestamp < since_ms:
                return found
            source = event.source if isinstance(event.source, dict) else {}
            txn = (source.get("unsigned") or {}).get("transaction_id")
            if event.sender == user_id and isinstance(txn, str):
                found.append((txn, event.event_id, source.get("type", "m.room.message")))
        if not response.chunk or not response.end or response.end == start:
            return found
        start = response.end


async def settle_restored(data_dir: Path, transport: Transport, db: Database, clock: Clock) -> None:
    """After a restore, record as sent what the rooms show the bot sent after the backup was taken; then forget
    the restore. Killed halfway, the next start does it again: recording is idempotent."""
    mark = data_dir / RESTORED
    if not mark.exists():
        return
    taken_at = datetime.fromisoformat(json.loads(mark.read_text(encoding="utf-8"))["taken_at"])
    user_id = transport.client.user_id
    async with db.reading() as conn:
        rooms = await RoomRepo(conn).serving()
    total = 0
    for room_id in rooms:
        sent = await _sent_since(transport, room_id, user_id, taken_at - SKEW)
        async with db.transaction() as tx:
            outbox = OutboxRepo(tx)
            for txn, event_id, event_type in sent:
                await outbox.found_sent(room_id, txn, event_id, event_type, clock.now())
        total += len(sent)
    mark.unlink()
    log.info("restored from a backup taken %s: %d messages sent since then found in %d rooms", taken_at, total, len(rooms))
