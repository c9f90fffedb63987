"""An incoming message as the command layer sees it, free of any Matrix library type."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class IncomingMessage:
    room_id: str
    event_id: str
    sender: str
    body: str
    timestamp_ms: int
    formatted_body: str | None = None
    mentions: tuple[str, ...] = ()
    thread_root: str | None = None
    command_block: dict[str, Any] | None = field(default=None, hash=False)
    """The MSC4332 `org.matrix.msc4332.command` block, when a client sent the command that way."""
    replaces: str | None = None
    """An edit: the event id of the message it edits; `body` and the rest are the new content."""
    late: bool = False
    """Read only after its room key arrived: newer events of the room may have been handled before it."""
