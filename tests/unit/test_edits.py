"""Edits and redactions of commands through the dispatcher: what a command created changes within the window, once,
in order, through the same checks as a new command; later, the reply says how to change it instead."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta
from typing import Any

from bot.clock import FakeClock
from bot.commands.dispatcher import Outcome, txn_id
from bot.commands.message import IncomingMessage
from bot.commands.recognise import recognise
from bot.features import FEATURES
from bot.policy import EDIT_WINDOW, HANDLED_KEPT
from bot.store.created import CreatedRepo
from bot.store.db import Database
from bot.store.meetings import MeetingRepo
from bot.store.rooms import RoomRepo
from tests.unit.handlers import ANNA, KIM, LISA, OLLE, PNR, PRIVACY_SV, Chat, pill
from tests.unit.helpers import BOT

ADDED = "Punkt {n} på dagordningen för nästa möte."
_ids = itertools.count(1)




def _message(chat: Chat, body: str, sender: str, ts: int, **kw: Any) -> IncomingMessage:
    return IncomingMessage(chat.room_id, f"$event-e{next(_ids)}", sender, body, ts, **kw)


async def say(chat: Chat, body: str, sender: str = ANNA, ts: int = 1_000) -> str:
    """A message in the room (a command or not); its event id."""
    message = _message(chat, body, sender, ts)
    invocation = recognise(message, chat.dispatcher.settings.command_prefix, BOT, ("samverkan-bot",))
    if invocation is not None:
        await chat.dispatcher.dispatch(message, invocation, chat.room)
    return message.event_id


async def edit(
    chat: Chat, original: str, body: str, sender: str = ANNA, ts: int = 2_000, event_id: str | None = None, **kw: Any
) -> tuple[Outcome, str]:
    """An edit of `original` that reads `body` now, as Element sends it; the outcome and the edit's event id."""
    message = _message(chat, body, sender, ts, replaces=original, **kw)
    if event_id:
        message = IncomingMessage(**{**message.__dict__, "event_id": event_id})
    invocation = recognise(message, chat.dispatcher.settings.command_prefix, BOT, ("samverkan-bot",))
    return await chat.dispatcher.edit(message, invocation, chat.room), message.event_id


async def redact(chat: Chat, original: str, sender: str = ANNA) -> Outcome:
    redaction = IncomingMessage(chat.room_id, f"$redaction{next(_ids)}", sender, "", 3_000)
    return await chat.dispatcher.redaction(redaction, original, chat.room)


async def said_about(chat: Chat, event_id: str) -> list[tuple[dict[str, Any], str | None]]:
    """What the bot queued in answer to an event: each message's content, and which message it edits."""
    first = txn_id(event_id, 0)
    async with chat.db.reading() as conn:
        async with conn.execute(
            "SELECT content, replaces_txn FROM outbox WHERE txn_id LIKE ? ORDER BY id", (first[:-1] + "%",)
        ) as cursor:
            return [(json.loads(row[0]), row[1]) for row in await cursor.fetchall()]


async def the_edit(chat: Chat, edit_id: str, original: str) -> str:
    """The new text of the one edit of the bot's reply to `original` that answers `edit_id`."""
    [(content, replaces)] = await said_about(chat, edit_id)
    assert replaces == txn_id(original, 0)
    assert content["body"] == "* " + content["m.new_content"]["body"]
    assert content["m.mentions"] == {} and "m.relates_to" not in content  # the target is known once the reply is sent
    return content["m.new_content"]["body"]


async def the_reply(chat: Chat, event_id: str, to: str) -> str:
    [(content, replaces)] = await said_about(chat, event_id)
    assert replaces is None and content["m.relates_to"] == {"m.in_reply_to": {"event_id": to}}
    return content["body"]


async def texts(chat: Chat) -> list[str]:
    return [item.text for item in await chat.agenda()]


# Which commands follow edits.


def test_the_commands_that_create_something_follow_edits_and_only_an_agenda_item_follows_a_redaction() -> None:
    followed = {
        f"{command.name}.{form_id}": edits.redaction is not None
        for command in FEATURES.registry
        for form_id, edits in command.edits.items()
    }
    assert followed == {"agenda.add": True, "action.action": False, "decision.text": False}
    for kind in followed:
        name, form_id = kind.split(".")
        assert FEATURES.registry.find(name).form_by_id(form_id) is not None


# The agenda.


async def test_an_edited_agenda_item_reads_as_edited_and_the_reply_is_edited_to_match(chat: Chat) -> None:
    original = await say(chat, "!dagordning ny Klotter vid busstaton")

    outcome, edit_id = await edit(chat, original, "!dagordning ny Klotter vid busstationen")

    assert outcome.result == "ok"
    assert await texts(chat) == ["Klotter vid busstationen"]
    assert await the_edit(chat, edit_id, original) == (
        ADDED.format(n=1) + '\nÄndrat: punkt 1 heter nu "Klotter vid busstationen".'
    )


async def test_an_edit_handled_again_changes_nothing_twice(chat: Chat) -> None:
    original = await say(chat, "!dagordning ny Klotter")
    first, edit_id = await edit(chat, original, "!dagordning ny Klotter vid stationen")

    again, _ = await edit(chat, original, "!dagordning ny Klotter vid stationen", event_id=edit_id)

    assert (first.result, again.result) == ("ok", "duplicate")
    assert len(await said_about(chat, edit_id)) == 1
    assert await texts(chat) == ["Klotter vid stationen"]


async def test_successive_edits_apply_in_order_and_an_older_one_handled_late_does_not_win(chat: Chat) -> None:
    original = await say(chat, "!dagordning ny Ett")
    await edit(chat, original, "!dagordning ny Två", ts=2_000)
    await edit(chat, original, "!dagordning ny Tre", ts=3_000)
    assert await texts(chat) == ["Tre"]

    late, late_id = await edit(chat, original, "!dagordning ny Två och en halv", ts=2_500)

    assert late.result == "superseded"
    assert await texts(chat) == ["Tre"]
    assert await said_about(chat, late_id) == []


async def test_an_edit_after_the_window_says_how_to_change_the_item_and_changes_nothing(
    chat: Chat, clock: FakeClock
) -> None:
    await say(chat, "!dagordning ny Först")
    original = await say(chat, "!dagordning ny Belysning")
    clock.advance(EDIT_WINDOW + timedelta(seconds=1))

    outcome, edit_id = await edit(chat, original, "!dagordning ny Belysning i parken")

    assert outcome.result == "too_late"
    assert await texts(chat) == ["Först", "Belysning"]
    assert await the_reply(chat, edit_id, original) == (
        "Redigeringen ändrar ingenting: ett kommando kan bara redigeras inom 10 minuter. Vill du ändra punkt 2, ta "
        "bort den med `!dagordning ta bort 2` och lägg till den igen med `!dagordning ny <text>`."
    )


async def test_an_edit_just_within_the_window_applies(chat: Chat, clock: FakeClock) -> None:
    original = await say(chat, "!dagordning ny Belysning")
    clock.advance(EDIT_WINDOW)

    assert (await edit(chat, original, "!dagordning ny Belysning i parken"))[0].result == "ok"


async def test_bad_input_in_an_edit_gets_the_reply_a_new_command_gets_and_changes_nothing(chat: Chat) -> None:
    original = await say(chat, "!dagordning ny Trygghet i centrum")

    privacy, privacy_id = await edit(chat, original, f"!dagordning ny Gäller {PNR}")
    empty, empty_id = await edit(chat, original, "!dagordning ny", ts=2_100)

    assert (privacy.result, empty.result) == ("user_error", "user_error")
    assert await the_reply(chat, privacy_id, original) == PRIVACY_SV
    assert (await the_reply(chat, empty_id, original)).startswith("Skriv vad punkten gäller.\nAnvändning: ")
    assert await texts(chat) == ["Trygghet i centrum"]
    # A good edit after them still applies.
    assert (await edit(chat, original, "!dagordning ny Trygghet i centrum kvällstid", ts=2_200))[0].result == "ok"
    assert await texts(chat) == ["Trygghet i centrum kvällstid"]


async def test_an_edit_into_another_command_changes_nothing_and_says_what_an_edit_can_do(chat: Chat) -> None:
    original = await say(chat, "!dagordning ny Klotter")

    outcome, edit_id = await edit(chat, original, "!dagordning ta bort 1")
    chatter, chatter_id = await edit(chat, original, "Klotter vid stationen, förresten", ts=2_100)

    assert (outcome.result, chatter.result) == ("other_command", "other_command")
    assert (await the_reply(chat, edit_id, original)).startswith(
        "Redigeringen ändrar ingenting: en redigering kan bara ändra texten i samma kommando. Vill du ändra punkt 1"
    )
    assert len(await said_about(chat, chatter_id)) == 1
    assert await texts(chat) == ["Klotter"]


async def test_an_edit_of_a_discussed_item_says_so(chat: Chat) -> None:
    original = await say(chat, "!dagordning ny Klotter")
    await say(chat, "!möte start extra")
    await say(chat, "!dagordning klar 1")

    outcome, edit_id = await edit(chat, original, "!dagordning ny Klotter vid stationen")

    assert outcome.result == "user_error"
    assert await the_reply(chat, edit_id, original) == "Punkten är redan behandlad eller borttagen, så den ändras inte."


async def test_an_edit_by_someone_else_is_ignored(chat: Chat) -> None:
    original = await say(chat, "!dagordning ny Klotter", sender=OLLE)

    outcome, edit_id = await edit(chat, original, "!dagordning ny Något annat", sender=KIM)

    assert outcome.result == "ignored" and await said_about(chat, edit_id) == []
    assert await texts(chat) == ["Klotter"]


async def test_an_edit_of_a_chat_message_is_ignored_even_when_it_now_reads_as_a_command(chat: Chat) -> None:
    chatter = await say(chat, "Vi tar det på mötet")

    outcome, edit_id = await edit(chat, chatter, "!dagordning ny Vi tar det på mötet")

    assert outcome.result == "ignored" and await said_about(chat, edit_id) == []
    assert await texts(chat) == []


async def test_an_edit_of_a_command_that_created_nothing_says_to_send_it_again(chat: Chat) -> None:
    shown = await say(chat, "!dagordnig")  # a near miss, answered with a suggestion

    outcome, edit_id = await edit(chat, shown, "!dagordning")

    assert outcome.result == "not_followed"
    assert await the_reply(chat, edit_id, shown) == (
        "Jag följer inte redigeringar av det här kommandot. Skicka kommandot igen som ett nytt meddelande i stället."
    )


# Redactions.


async def test_a_redacted_agenda_item_is_removed_with_a_notice_that_repeats_nothing(chat: Chat) -> None:
    await say(chat, "!dagordning ny Först")
    original = await say(chat, "!dagordning ny Hemlig formulering", sender=OLLE)

    outcome = await redact(chat, original, sender=OLLE)

    assert outcome.result == "ok"
    assert await texts(chat) == ["Först"]
    async with chat.db.reading() as conn:
        async with conn.execute("SELECT content FROM outbox ORDER BY id DESC LIMIT 1") as cursor:
            content = json.loads((await cursor.fetchone())[0])
    assert content["body"] == "Punkt 2 är borttagen från dagordningen, eftersom meddelandet med kommandot togs bort."
    assert "m.relates_to" not in content and "Hemlig" not in json.dumps(content)


async def test_a_redaction_is_followed_once(chat: Chat) -> None:
    original = await say(chat, "!dagordning ny Klotter")
    redaction = IncomingMessage(chat.room_id, "$redaction-once", ANNA, "", 3_000)

    first = await chat.dispatcher.redaction(redaction, original, chat.room)
    again = await chat.dispatcher.redaction(redaction, original, chat.room)

    assert (first.result, again.result) == ("ok", "duplicate")
    assert len(await said_about(chat, "$redaction-once")) == 1


async def test_a_late_redaction_leaves_the_item_and_says_how_to_remove_it(chat: Chat, clock: FakeClock) -> None:
    original = await say(chat, "!dagordning ny Klotter")
    clock.advance(EDIT_WINDOW + timedelta(minutes=1))

    await redact(chat, original)

    assert await texts(chat) == ["Klotter"]
    async with chat.db.reading() as conn:
        async with conn.execute("SELECT content FROM outbox ORDER BY id DESC LIMIT 1") as cursor:
            body = json.loads((await cursor.fetchone())[0])["body"]
    assert body == "Punkt 1 står kvar på dagordningen. Ta bort den med `!dagordning ta bort 1`."


async def test_a_redaction_by_a_member_who_may_not_remove_the_item_changes_nothing(chat: Chat) -> None:
    original = await say(chat, "!dagordning ny Klotter", sender=OLLE)

    assert (await redact(chat, original, sender=LISA)).result == "ignored"
    assert await texts(chat) == ["Klotter"]
    # A moderator's redaction removes it.
    assert (await redact(chat, original, sender=ANNA)).result == "ok"
    assert await texts(chat) == []


async def test_a_redacted_discussed_item_stays_and_nothing_is_said(chat: Chat) -> None:
    original = await say(chat, "!dagordning ny Klotter")
    await say(chat, "!möte start extra")
    await say(chat, "!dagordning klar 1")
    redaction = IncomingMessage(chat.room_id, "$redaction-discussed", ANNA, "", 3_000)

    await chat.dispatcher.redaction(redaction, original, chat.room)

    assert await said_about(chat, "$redaction-discussed") == []


async def test_a_redacted_action_changes_nothing(chat: Chat) -> None:
    original = await say(chat, "!åtgärd Städa i parken")

    assert (await redact(chat, original)).result == "ignored"
    assert [a.status for a in await chat.actions()] == ["open"]


# Actions.


async def test_an_edited_action_takes_its_new_text_owners_and_due_date_each_in_its_history(chat: Chat) -> None:
    original = await say(chat, "!åtgärd Se över belysningen senast fredag")
    body = "!åtgärd Se över belysningen i tunneln Olle senast 10/12"
    formatted = f"!åtgärd Se över belysningen i tunneln {pill(OLLE, 'Olle')} senast 10/12"

    outcome, edit_id = await edit(chat, original, body, formatted_body=formatted, mentions=(OLLE,))

    assert outcome.result == "ok"
    [action] = await chat.actions()
    assert (action.text, action.owners, action.due.isoformat()) == (
        "Se över belysningen i tunneln", (OLLE,), "2026-12-10"
    )
    new = await the_edit(chat, edit_id, original)
    assert new.startswith("Åtgärd #1 är registrerad.\n#1 Se över belysningen i tunneln")
    history = (await chat.send("!åtgärd 1")).split("Historik:\n", 1)[1].splitlines()
    assert [line.split(": ", 1)[1] for line in history] == [
        "lade in åtgärden",
        'ändrade texten (tidigare: "Se över belysningen")',
        "satte ansvariga: Olle Olsson",
        "satte senast-datum torsdag 10 december 2026",
    ]


async def test_an_edit_that_changes_only_the_text_records_only_that(chat: Chat) -> None:
    original = await say(chat, "!åtgärd Städa i parken senast 10/12")

    await edit(chat, original, "!åtgärd Städa i parken och vid dammen senast 10/12")

    history = (await chat.send("!åtgärd 1")).split("Historik:\n", 1)[1].splitlines()
    assert len(history) == 2 and 'ändrade texten (tidigare: "Städa i parken")' in history[1]


async def test_an_edit_of_a_closed_action_says_how_to_change_it(chat: Chat) -> None:
    original = await say(chat, "!åtgärd Städa i parken")
    await say(chat, "!klar 1")

    outcome, edit_id = await edit(chat, original, "!åtgärd Städa i parken och vid dammen")

    assert outcome.result == "user_error"
    assert await the_reply(chat, edit_id, original) == (
        "Åtgärd #1 är redan avslutad, så redigeringen ändrar ingenting. Den kan ändå ändras med "
        "`!åtgärd ändra 1 <ny text>`."
    )
    assert [a.text for a in await chat.actions()] == ["Städa i parken"]


async def test_a_late_edit_of_an_action_names_the_command_that_changes_it(chat: Chat, clock: FakeClock) -> None:
    original = await say(chat, "!åtgärd Städa i parken")
    clock.advance(timedelta(hours=1))

    _, edit_id = await edit(chat, original, "!åtgärd Städa i parken och vid dammen")

    assert (await the_reply(chat, edit_id, original)).endswith("Ändra åtgärd #1 med `!åtgärd ändra 1 <ny text>`.")


async def test_an_edited_action_with_an_owner_not_in_the_room_is_refused_and_unchanged(chat: Chat) -> None:
    original = await say(chat, "!åtgärd Städa i parken")
    stranger = "@eva:eslov.se"

    outcome, _ = await edit(
        chat, original, "!åtgärd Städa i parken Eva", formatted_body=f"!åtgärd Städa i parken {pill(stranger, 'Eva')}",
        mentions=(stranger,),
    )  # fmt: skip

    assert outcome.result == "user_error"
    [action] = await chat.actions()
    assert (action.text, action.owners) == ("Städa i parken", ())


# Decisions.


async def test_a_decision_edited_during_its_meeting_is_corrected_and_after_it_stays(chat: Chat) -> None:
    await say(chat, "!möte start extra")
    await say(chat, "!beslut Först")
    original = await say(chat, "!beslut Fler kameror vid statonen")

    _, edit_id = await edit(chat, original, "!beslut Fler kameror vid stationen")

    assert await the_edit(chat, edit_id, original) == "Beslut 2: Fler kameror vid stationen"
    async with chat.db.reading() as conn:
        meeting = await MeetingRepo(conn).open_in(chat.room_id)
        assert [d.text for d in await MeetingRepo(conn).decisions(meeting.id)] == ["Först", "Fler kameror vid stationen"]

    await say(chat, "!möte slut")
    outcome, closed_id = await edit(chat, original, "!beslut Fler kameror", ts=2_500)

    assert outcome.result == "user_error"
    assert await the_reply(chat, closed_id, original) == (
        "Mötet där beslutet fattades är avslutat och protokollet skrivet, så beslutet ändras inte."
    )


async def test_a_late_edit_of_a_decision_says_plainly_that_no_command_changes_one(chat: Chat, clock: FakeClock) -> None:
    await say(chat, "!möte start extra")
    original = await say(chat, "!beslut Fler kameror")
    clock.advance(EDIT_WINDOW * 2)

    _, edit_id = await edit(chat, original, "!beslut Fler kameror vid stationen")

    assert (await the_reply(chat, edit_id, original)).endswith(
        "Ett beslut kan inte ändras med något kommando. Behövs en rättelse, för in ett nytt beslut med "
        "`!beslut <text>` medan mötet pågår."
    )


async def test_only_a_moderator_edits_a_decision_into_effect(chat: Chat) -> None:
    """The sender of an edit is the sender of the command; a moderator who has since lost the level is refused."""
    await say(chat, "!möte start extra")
    original = await say(chat, "!beslut Fler kameror")
    chat.room = chat.room.__class__(chat.room_id, users={ANNA: 0}, members=chat.room.members)

    outcome, _ = await edit(chat, original, "!beslut Färre kameror")

    assert outcome.result == "user_error"


# In English.


async def test_edit_replies_in_english(db: Database, clock: FakeClock) -> None:
    chat = Chat(db, clock, language="en")
    original = await say(chat, "!agenda add Graffiti")

    _, edit_id = await edit(chat, original, "!agenda add Graffiti at the station")
    clock.advance(timedelta(hours=1))
    _, late_id = await edit(chat, original, "!agenda add Graffiti at the bus station", ts=3_000)

    assert await the_edit(chat, edit_id, original) == (
        'Item 1 on the agenda for the next meeting.\nChanged: item 1 now reads "Graffiti at the station".'
    )
    assert await the_reply(chat, late_id, original) == (
        "The edit changes nothing: a command can only be edited within 10 minutes. To change item 1, remove it with "
        "`!agenda remove 1` and add it again with `!agenda add <text>`."
    )


async def test_what_a_command_created_is_forgotten_with_the_handled_events(chat: Chat, clock: FakeClock) -> None:
    """Kept as long as handled events are: an edit of an older command is not followed, and says nothing."""
    original = await say(chat, "!dagordning ny Klotter")
    clock.advance(HANDLED_KEPT + timedelta(days=1))
    async with chat.db.transaction() as tx:
        await RoomRepo(tx).forget_handled_before(clock.now() - HANDLED_KEPT)
        assert await CreatedRepo(tx).forget_before(clock.now() - HANDLED_KEPT) == 1

    outcome, edit_id = await edit(chat, original, "!dagordning ny Klotter vid stationen")

    assert outcome.result == "ignored" and await said_about(chat, edit_id) == []
    assert await texts(chat) == ["Klotter"]
