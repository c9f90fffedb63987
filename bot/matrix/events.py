"""Turning nio events into the command layer's IncomingMessage, and telling which ones to ignore."""

from __future__ import annotations

from typing import Any

from nio import AsyncClient, EncryptionError, Event, MegolmEvent, RoomMemberEvent, RoomMessageText

from bot.commands.message import IncomingMessage
from bot.commands.slash import COMMAND_BLOCK


def _content(event: Event) -> dict[str, Any]:
    content = event.source.get("content") if isinstance(event.source, dict) else None
    return content if isinstance(content, dict) else {}


def _dict(content: dict[str, Any], key: str) -> dict[str, Any]:
    value = content.get(key)
    return value if isinstance(value, dict) else {}


def to_message(room_id: str, event: Event, own_user_id: str) -> IncomingMessage | None:
    """The text message a user sent, or None for anything the bot does not answer: its own events,
    notices (other bots speak in notices), emotes and non-message events. An edit comes as its new content,
    with `replaces` naming the message it edits."""
    if not isinstance(event, RoomMessageText) or event.sender == own_user_id:
        return None
    content = _content(event)
    relates, replaces = _dict(content, "m.relates_to"), None
    if relates.get("rel_type") == "m.replace":
        replaces, content = relates.get("event_id"), _dict(content, "m.new_content")
        if not isinstance(replaces, str) or content.get("msgtype") != "m.text" or not isinstance(content.get("body"), str):
            return None
        relates = {}  # an edit keeps the relations of the message it edits
    mentions = _dict(content, "m.mentions")
    user_ids = mentions.get("user_ids") if isinstance(mentions.get("user_ids"), list) else []
    block = content.get(COMMAND_BLOCK)
    return IncomingMessage(
        room_id=room_id,
        event_id=event.event_id,
        sender=event.sender,
        body=content.get("body") or "",
        timestamp_ms=event.server_timestamp,
        formatted_body=content.get("formatted_body") if content.get("format") == "org.matrix.custom.html" else None,
        mentions=tuple(u for u in user_ids if isinstance(u, str)),
        thread_root=relates.get("event_id") if relates.get("rel_type") == "m.thread" else None,
        command_block=block if isinstance(block, dict) else None,
        replaces=replaces,
    )


def redacted_by(event: Event, own_user_id: str) -> str | None:
    """The event a redaction removes (room version 11 says it in the content, earlier ones beside it); None for
    anything else, and for the bot's own redactions."""
    source = event.source if isinstance(event.source, dict) else {}
    if source.get("type") != "m.room.redaction" or source.get("sender") == own_user_id:
        return None
    redacts = _content(event).get("redacts") or source.get("redacts")
    return redacts if isinstance(redacts, str) else None


def decrypted(client: AsyncClient, room_id: str, event: MegolmEvent) -> Event | None:
    """An encrypted event decrypted with the keys the client holds now, or None while its key is missing."""
    event.room_id = room_id
    try:
        return client.decrypt_event(event)
    except EncryptionError:
        return None


def is_own_join(event: Event, own_user_id: str) -> bool:
    return isinstance(event, RoomMemberEvent) and event.state_key == own_user_id and event.membership == "join"
