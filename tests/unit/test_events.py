"""Reading Matrix events: an edit comes as its new content with the message it edits, a redaction as the event it
removes, a photo or a location as it was sent."""

from __future__ import annotations

from typing import Any

from nio import Event, RedactionEvent

from bot.matrix.events import redacted_by, to_message, to_share
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


def test_a_location_as_elements_mobile_app_sends_it_is_read_though_nio_knows_no_such_message_type() -> None:
    content = {
        "msgtype": "m.location",
        "body": "Plats delad",
        "geo_uri": "geo:55.8391,13.3034;u=35",
        "m.relates_to": {"m.in_reply_to": {"event_id": "$point"}},
    }
    shared = to_share(ROOM, event(content), BOT)
    assert (shared.kind, shared.geo_uri, shared.reply_to, shared.sender, shared.timestamp_ms) == (
        "location", "geo:55.8391,13.3034;u=35", "$point", ANNA, 5
    )


def test_a_photo_is_read_with_its_address_name_and_type_or_its_keys_and_one_without_an_address_too() -> None:
    info = {"mimetype": "image/jpeg", "size": 10}
    plain = to_share(ROOM, event({"msgtype": "m.image", "body": "Trasig lampa", "filename": "lampa.jpg",
                                  "url": "mxc://eslov.se/a", "info": info}), BOT)  # fmt: skip
    assert (plain.kind, plain.url, plain.body, plain.mimetype, plain.file) == (
        "photo", "mxc://eslov.se/a", "lampa.jpg", "image/jpeg", None
    )
    keys = {"url": "mxc://eslov.se/b", "key": {"k": "x"}, "iv": "y", "hashes": {"sha256": "z"}, "mimetype": "image/png"}
    encrypted = to_share(ROOM, event({"msgtype": "m.image", "body": "b.png", "file": keys}), BOT)
    assert (encrypted.url, encrypted.file, encrypted.mimetype) == (None, keys, "image/png")
    missing = to_share(ROOM, event({"msgtype": "m.image", "body": "c.png"}), BOT)  # nio's BadEvent
    assert (missing.kind, missing.url, missing.file) == ("photo", None, None)
    broken = to_share(ROOM, event({"msgtype": "m.image", "body": "d.png", "file": "not a dict"}), BOT)
    assert broken.file == {}


def test_text_the_bots_own_photos_and_edits_of_photos_are_no_shares() -> None:
    assert to_share(ROOM, event({"msgtype": "m.text", "body": "!punkt Torget: Mörkt"}), BOT) is None
    photo = {"msgtype": "m.image", "body": "a.png", "url": "mxc://eslov.se/a"}
    assert to_share(ROOM, event(photo, sender=BOT), BOT) is None
    edit = {**photo, "m.relates_to": {"rel_type": "m.replace", "event_id": "$photo"}}
    assert to_share(ROOM, event(edit), BOT) is None
    assert to_message(ROOM, event(photo), BOT) is None


def test_a_photo_in_a_thread_answers_the_message_the_thread_is_on_unless_it_replies_within_it() -> None:
    photo = {"msgtype": "m.image", "body": "a.png", "url": "mxc://eslov.se/a"}
    thread = {"rel_type": "m.thread", "event_id": "$confirmation", "is_falling_back": True,
              "m.in_reply_to": {"event_id": "$latest_in_thread"}}  # fmt: skip
    in_thread = to_share(ROOM, event({**photo, "m.relates_to": thread}), BOT)
    assert (in_thread.reply_to, in_thread.thread_root) == ("$confirmation", "$confirmation")
    replying = {**thread, "is_falling_back": False, "m.in_reply_to": {"event_id": "$point"}}
    assert to_share(ROOM, event({**photo, "m.relates_to": replying}), BOT).reply_to == "$point"
