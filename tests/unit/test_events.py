"""Reading Matrix events: an edit comes as its new content with the message it edits, a redaction as the event it
removes."""

from __future__ import annotations

from typing import Any

from nio import Event, RedactionEvent

from bot.matrix.events import redacted_by, to_message
from tests.unit.helpers import BOT, ROOM

ANNA = "@anna:eslov.se"


def event(content: dict[str, Any], kind: str = "m.room.message", **extra: Any) -> Event:
    return Event.parse_event(
        {"type": kind, "event_id": "$edit", "sender": ANNA, "origin_server_ts": 5, "content": content, **extra}
    )


def element_edit(new_body: str, of: str = "$original", **new: Any) -> dict[str, Any]:
    """An edit as Element sends it: a fallback body marked "* ", the new content, and the relation."""
    return {
        "msgtype": "m.text",
        "body": f"* {new_body}",
        "m.new_content": {"msgtype": "m.text", "body": new_body, **new},
        "m.relates_to": {"rel_type": "m.replace", "event_id": of},
    }


def test_an_edit_is_read_as_its_new_content_naming_the_message_it_edits() -> None:
    pill = f'<a href="https://matrix.to/#/{ANNA}">Anna</a>'
    content = element_edit(
        "!åtgärd Städa Anna",
        format="org.matrix.custom.html",
        formatted_body=f"!åtgärd Städa {pill}",
        **{"m.mentions": {"user_ids": [ANNA]}},
    )
    message = to_message(ROOM, event(content), BOT)

    assert message is not None
    assert (message.event_id, message.replaces, message.body) == ("$edit", "$original", "!åtgärd Städa Anna")
    assert message.formatted_body == f"!åtgärd Städa {pill}" and message.mentions == (ANNA,)
    assert message.thread_root is None


def test_a_message_that_is_no_edit_replaces_nothing() -> None:
    message = to_message(ROOM, event({"msgtype": "m.text", "body": "!dagordning"}), BOT)

    assert message is not None and message.replaces is None and message.body == "!dagordning"


def test_an_edit_without_new_text_content_is_not_read() -> None:
    broken = element_edit("x")
    del broken["m.new_content"]
    notice = element_edit("x")
    notice["m.new_content"]["msgtype"] = "m.notice"

    assert to_message(ROOM, event(broken), BOT) is None
    assert to_message(ROOM, event(notice), BOT) is None


def test_a_redaction_names_the_event_it_removes_in_either_room_version() -> None:
    older = event({}, "m.room.redaction", redacts="$command")
    v11 = event({"redacts": "$command"}, "m.room.redaction")  # nio does not read it: a BadEvent

    assert isinstance(older, RedactionEvent)
    assert redacted_by(older, BOT) == "$command" and redacted_by(v11, BOT) == "$command"
    assert redacted_by(event({"msgtype": "m.text", "body": "hej"}), BOT) is None


def test_the_bots_own_redaction_is_not_followed() -> None:
    own = Event.parse_event(
        {"type": "m.room.redaction", "event_id": "$r", "sender": BOT, "origin_server_ts": 5, "content": {}, "redacts": "$x"}
    )

    assert redacted_by(own, BOT) is None
