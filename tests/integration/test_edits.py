"""Edits and redactions of commands in real rooms, as Element sends them: the agenda item and the bot's reply change
once, across a restart too; a deleted command takes its item with it; a late or bad edit changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.app import App
from bot.localclient import UserClient, content_of
from bot.matrix.transport import Transport
from bot.policy import EDIT_WINDOW
from tests.integration.helpers import ShiftedClock, ask, barrier, room_with_bot
from tests.integration.test_crash import Crash

pytestmark = pytest.mark.integration

ADDED = "Punkt 1 på dagordningen för nästa möte."
PNR = "811218-9876"


async def agenda_lines(user: UserClient, room_id: str) -> list[str]:
    return (await ask(user, room_id, "!dagordning"))["body"].splitlines()[1:]


async def edited_reply(user: UserClient, room_id: str, reply_id: str) -> dict:
    """The new content of the bot's one edit of its reply."""
    [edit] = await user.wait_for(lambda: user.edits_of(room_id, reply_id))
    content = content_of(edit)
    assert content["body"] == "* " + content["m.new_content"]["body"]
    return content["m.new_content"]


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
async def test_an_edited_agenda_item_and_its_reply_change_once_also_across_a_restart(
    make_bot, make_user, make_room, encrypted
):
    bot = make_bot()
    anna = await make_user("anna")
    room_id = await room_with_bot(bot, anna, make_room, encrypted=encrypted)
    command = await anna.send(room_id, "!dagordning ny Klotter vid busstaton")
    reply = await anna.reply_to(room_id, command)
    assert content_of(reply)["body"] == ADDED

    await anna.edit(room_id, command, "!dagordning ny Klotter vid busstationen")

    new = await edited_reply(anna, room_id, reply.event_id)
    assert new["body"] == ADDED + '\nÄndrat: punkt 1 heter nu "Klotter vid busstationen".'
    assert "m.relates_to" not in new
    assert (await agenda_lines(anna, room_id))[0].startswith("1. Klotter vid busstationen")

    await bot.stop()
    await bot.start()
    await barrier(anna, room_id)
    assert len(anna.edits_of(room_id, reply.event_id)) == 1
    assert len(anna.replies_to(room_id, command)) == 1
    lines = await agenda_lines(anna, room_id)
    assert lines[0].startswith("1. Klotter vid busstationen") and not any(line.startswith("2.") for line in lines)


async def test_a_command_and_its_edit_sent_while_the_bot_is_away_and_a_crash_before_the_edit_is_sent(
    make_bot, make_user, make_room, monkeypatch
):
    """Both come in one batch: the edit is decided before the reply it edits is sent. The bot dies before it sends
    the edit (or anything); restarted, it sends the reply and then one edit of it."""
    bot = make_bot()
    anna = await make_user("anna")
    room_id = await room_with_bot(bot, anna, make_room)
    await ask(anna, room_id, "!ping")
    await bot.stop()
    command = await anna.send(room_id, "!dagordning ny Belysnig i parken")
    await anna.edit(room_id, command, "!dagordning ny Belysning i parken")

    original = Transport.send

    async def dying(*args, **kwargs):
        monkeypatch.setattr(Transport, "send", original)
        raise Crash

    monkeypatch.setattr(Transport, "send", dying)
    app = App(bot.settings)
    with pytest.raises(Crash):
        await app.start()
    await app.stop()
    await bot.start()

    reply = await anna.reply_to(room_id, command)
    assert content_of(reply)["body"] == ADDED
    new = await edited_reply(anna, room_id, reply.event_id)
    assert new["body"].endswith('punkt 1 heter nu "Belysning i parken".')
    await barrier(anna, room_id)
    assert len(anna.edits_of(room_id, reply.event_id)) == 1 and len(anna.replies_to(room_id, command)) == 1
    assert (await agenda_lines(anna, room_id))[0].startswith("1. Belysning i parken (")


async def test_an_edit_after_the_window_says_how_to_change_the_item_and_changes_nothing(make_bot, make_user, make_room):
    clock = ShiftedClock(datetime.now(timezone.utc))
    bot = make_bot(clock=clock)
    anna = await make_user("anna")
    room_id = await room_with_bot(bot, anna, make_room)
    command = await anna.send(room_id, "!dagordning ny Nattvandring")
    reply = await anna.reply_to(room_id, command)
    clock.advance(EDIT_WINDOW + timedelta(minutes=1))

    await anna.edit(room_id, command, "!dagordning ny Nattvandring i helgen")

    replies = await anna.wait_for(lambda: anna.replies_to(room_id, command)[1:])
    assert content_of(replies[0])["body"] == (
        "Redigeringen ändrar ingenting: ett kommando kan bara redigeras inom 10 minuter. Vill du ändra punkt 1, ta "
        "bort den med `!dagordning ta bort 1` och lägg till den igen med `!dagordning ny <text>`."
    )
    assert (await agenda_lines(anna, room_id))[0].startswith("1. Nattvandring (")
    assert anna.edits_of(room_id, reply.event_id) == []


async def test_bad_input_in_an_edit_gets_the_usual_reply_and_changes_nothing(make_bot, make_user, make_room):
    bot = make_bot()
    anna = await make_user("anna")
    room_id = await room_with_bot(bot, anna, make_room)
    command = await anna.send(room_id, "!dagordning ny Trygghet i centrum")
    reply = await anna.reply_to(room_id, command)

    await anna.edit(room_id, command, f"!dagordning ny Gäller {PNR}")

    replies = await anna.wait_for(lambda: anna.replies_to(room_id, command)[1:])
    assert content_of(replies[0])["body"].startswith("Jag sparar inte texten: den innehåller ett personnummer")
    assert PNR not in content_of(replies[0])["body"]
    await barrier(anna, room_id)
    assert anna.edits_of(room_id, reply.event_id) == []
    assert (await agenda_lines(anna, room_id))[0].startswith("1. Trygghet i centrum (")


async def test_a_deleted_agenda_command_removes_its_item_with_a_notice(make_bot, make_user, make_room):
    bot = make_bot()
    anna = await make_user("anna")
    room_id = await room_with_bot(bot, anna, make_room, encrypted=True)
    await ask(anna, room_id, "!dagordning ny Blir kvar")
    command = await anna.send(room_id, "!dagordning ny Ska bort")
    await anna.reply_to(room_id, command)

    await anna.redact(room_id, command)

    def notices():
        return [
            e for e in anna.messages_from(room_id, bot.user_id)
            if content_of(e)["body"].startswith("Punkt 2 är borttagen från dagordningen")
        ]  # fmt: skip

    [notice] = await anna.wait_for(notices)
    assert "Ska bort" not in content_of(notice)["body"] and "m.relates_to" not in content_of(notice)
    lines = await agenda_lines(anna, room_id)
    assert lines[0].startswith("1. Blir kvar") and not any("Ska bort" in line for line in lines)
