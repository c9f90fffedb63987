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


@dataclass(frozen=True)
class IncomingShare:
    """A photo (`m.image`) or a location (`m.location`) a member posted, with its fields as sent: whether they can
    be read is for the feature that keeps them to judge."""

    room_id: str
    event_id: str
    sender: str
    timestamp_ms: int
    kind: str
    """photo or location."""
    body: str
    reply_to: str | None = None
    """The event it replies to, if any; in a thread, the thread's first message unless it replies to another."""
    thread_root: str | None = None
    url: str | None = None
    mimetype: str | None = None
    file: dict[str, Any] | None = field(default=None, hash=False)
    """In an encrypted room, the photo's `file`: its address and what opens it."""
    geo_uri: str | None = None
    late: bool = False
    """Read only after its room key arrived."""
