"""Turning nio events into the command layer's IncomingMessage, and telling which ones to ignore."""

from __future__ import annotations

from typing import Any

from nio import AsyncClient, EncryptionError, Event, MegolmEvent, RoomMemberEvent, RoomMessageText

from bot.commands.message import IncomingMessage
from bot.commands.slash import COMMAND_BLOCK


def _content(event: Event) -> dict[str, Any]:
    content = event.source.get("content") if isinstance(event.source, dict) else None
    return content if isinstance(content, dict) else {}


def to_message(room_id: str, event: Event, own_user_id: str) -> IncomingMessage | None:
    """The text message a user sent, or None for anything the bot does not answer: its own events,
    notices (other bots speak in notices), emotes, edits and non-message events."""
    if not isinstance(event, RoomMessageText) or event.sender == own_user_id:
        return None
    content = _content(event)
    relates = content.get("m.relates_to") if isinstance(content.get("m.relates_to"), dict) else {}
    if relates.get("rel_type") == "m.replace":
        return None
    mentions = content.get("m.mentions") if isinstance(content.get("m.mentions"), dict) else {}
    user_ids = mentions.get("user_ids") if isinstance(mentions.get("user_ids"), list) else []
    block = content.get(COMMAND_BLOCK)
    return IncomingMessage(
        room_id=room_id,
        event_id=event.event_id,
        sender=event.sender,
        body=event.body or "",
        timestamp_ms=event.server_timestamp,
        formatted_body=event.formatted_body,
        mentions=tuple(u for u in user_ids if isinstance(u, str)),
        thread_root=relates.get("event_id") if relates.get("rel_type") == "m.thread" else None,
        command_block=block if isinstance(block, dict) else None,
    )


def decrypted(client: AsyncClient, room_id: str, event: MegolmEvent) -> Event | None:
    """An encrypted event decrypted with the keys the client holds now, or None while its key is missing."""
    event.room_id = room_id
    try:
        return client.decrypt_event(event)
    except EncryptionError:
        return None


def is_own_join(event: Event, own_user_id: str) -> bool:
    return isinstance(event, RoomMemberEvent) and event.state_key == own_user_id and event.membership == "join"
