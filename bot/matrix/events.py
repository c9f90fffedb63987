"""Turning nio events into the command layer's IncomingMessage and IncomingShare, and telling which ones to ignore."""

from __future__ import annotations

from typing import Any

from nio import AsyncClient, EncryptionError, Event, MegolmEvent, RoomMemberEvent, RoomMessageText

from bot.commands.message import IncomingMessage, IncomingShare
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


SHARED = {"m.image": "photo", "m.location": "location"}


def to_share(room_id: str, event: Event, own_user_id: str) -> IncomingShare | None:
    """A photo or a location a user posted, read from the event as sent (nio makes one without a `url` a BadEvent,
    and a location an unknown message type); None for anything else, for edits, and for the bot's own."""
    source = event.source if isinstance(event.source, dict) else {}
    content = _content(event)
    kind = SHARED.get(content.get("msgtype"))
    if source.get("type") != "m.room.message" or kind is None or source.get("sender") == own_user_id:
        return None
    relates = _dict(content, "m.relates_to")
    if relates.get("rel_type") == "m.replace":
        return None
    reply_to = _dict(relates, "m.in_reply_to").get("event_id")
    if relates.get("rel_type") == "m.thread" and (relates.get("is_falling_back") or not reply_to):
        reply_to = relates.get("event_id")  # posted in a thread, not as a reply: it answers what the thread is on
    info, file = _dict(content, "info"), content.get("file")
    url, geo_uri = content.get("url"), content.get("geo_uri")
    mimetype = info.get("mimetype") or (file.get("mimetype") if isinstance(file, dict) else None)
    # The file's name, when the body is a caption (Matrix 1.10); else the body, which names it.
    name = next((v for v in (content.get("filename"), content.get("body")) if isinstance(v, str) and v), "")
    stamp = source.get("origin_server_ts")
    return IncomingShare(
        room_id=room_id,
        event_id=str(source.get("event_id")),
        sender=str(source.get("sender")),
        timestamp_ms=stamp if isinstance(stamp, int) else 0,
        kind=kind,
        body=name,
        reply_to=reply_to if isinstance(reply_to, str) else None,
        thread_root=relates.get("event_id") if relates.get("rel_type") == "m.thread" else None,
        url=url if isinstance(url, str) else None,
        mimetype=mimetype if isinstance(mimetype, str) else None,
        file=file if isinstance(file, dict) else ({} if "file" in content else None),
        geo_uri=geo_uri if isinstance(geo_uri, str) else None,
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
