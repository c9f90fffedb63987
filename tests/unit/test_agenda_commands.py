"""`!agenda` through the dispatcher: the numbered agenda of the next meeting, add, remove, carry-over, limits."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.clock import FakeClock
from bot.features import FEATURES
from bot.i18n import Catalogue
from bot.policy import MAX_BODY
from bot.store.agenda import AgendaRepo
from bot.store.db import Database
from tests.unit.handlers import ANNA, KIM, OLLE, OTHER_ROOM, START, Chat, view
from tests.unit.helpers import ROOM

EMPTY = "Dagordningen är tom. Lägg till en punkt med `!dagordning ny <text>`."
HEADER = "Dagordning för Örat mot marken tisdag 1 december 2026 kl. 09.00 (vecka 49):"
HEADER_NEXT_WEEK = "Dagordning för Örat mot marken tisdag 8 december 2026 kl. 09.00 (vecka 50):"
ADDED = "Punkt {n} på dagordningen för Örat mot marken tisdag 1 december 2026 kl. 09.00 (vecka 49)."
CARRIED = "(kvarstår från tisdag 1 december 2026)"
AFTER_THE_MEETING = timedelta(days=1)  # Tuesday 1 December, 11:00: the 09:00 meeting is over
USAGE = f"Användning: `{FEATURES.registry.find('agenda').usage(Catalogue('sv'), '!')}`"  # the args grow with the commands




async def weekly(chat: Chat) -> None:
    await chat.send("!schedule weekly tisdag 09:00")
    chat.committed.clear()


# Viewing


async def test_an_empty_agenda_without_a_meeting_says_how_to_add_one(chat: Chat) -> None:
    assert await chat.send("!agenda", sender=OLLE) == "Dagordning för nästa möte:\n" + EMPTY


async def test_an_empty_agenda_names_the_next_meeting(chat: Chat) -> None:
    await weekly(chat)

    assert await chat.send("!dagordning", sender=OLLE) == HEADER + "\n" + EMPTY


async def test_an_empty_agenda_in_english(db: Database, clock: FakeClock) -> None:
    chat = Chat(db, clock, language="en")
    await chat.send("!schedule weekly tuesday 09:00")

    assert await chat.send("!agenda") == (
        "Agenda for Örat mot marken on Tuesday 1 December 2026 at 09:00 (week 49):\n"
        "The agenda is empty. Add an item with `!agenda add <text>`."
    )


# Adding


async def test_add_answers_with_the_number_and_the_meeting(chat: Chat) -> None:
    await weekly(chat)

    assert await chat.send("!agenda add Klotter vid busstationen") == ADDED.format(n=1)
    assert await chat.send("!dagordning ny Belysningen i Stadsparken", sender=OLLE) == ADDED.format(n=2)
    assert await chat.send("!agenda") == (
        HEADER + "\n"
        "1. Klotter vid busstationen (Anna Andersson)\n"
        "2. Belysningen i Stadsparken (Olle Olsson)"
    )


async def test_a_member_without_a_display_name_is_shown_by_id(chat: Chat) -> None:
    await weekly(chat)
    await chat.send("!agenda add Nattbussarna", sender=KIM)

    assert await chat.send("!agenda") == HEADER + "\n1. Nattbussarna (@kim:eslov.se)"


async def test_add_without_a_meeting_collects_for_the_next_one(chat: Chat) -> None:
    assert await chat.send("!agenda add Klotter vid busstationen") == "Punkt 1 på dagordningen för nästa möte."
    assert await chat.send("!agenda") == "Dagordning för nästa möte:\n1. Klotter vid busstationen (Anna Andersson)"

    await chat.send("!schedule weekly tisdag 09:00")
    assert await chat.send("!agenda") == HEADER + "\n1. Klotter vid busstationen (Anna Andersson)"


async def test_add_in_english(db: Database, clock: FakeClock) -> None:
    chat = Chat(db, clock, language="en")
    await chat.send("!schedule weekly tuesday 09:00")

    assert await chat.send("!agenda add Graffiti at the bus station") == (
        "Item 1 on the agenda for Örat mot marken on Tuesday 1 December 2026 at 09:00 (week 49)."
    )


async def test_add_in_either_language(chat: Chat) -> None:
    for n, word in enumerate(["add", "ny", "nytt", "lägg", "ADD"], start=1):
        assert await chat.send(f"!agenda {word} Klotter {n}") == f"Punkt {n} på dagordningen för nästa möte.", word
    assert [item.text for item in await chat.agenda()] == [f"Klotter {n}" for n in range(1, 6)]


async def test_a_multi_line_item_is_kept_as_written(chat: Chat) -> None:
    await weekly(chat)

    await chat.send("!agenda add Klotter vid busstationen:\n- väntkuren\n- gångtunneln")

    [item] = await chat.agenda()
    assert item.text == "Klotter vid busstationen:\n- väntkuren\n- gångtunneln"
    shown = await chat.reply("!agenda")
    assert shown["body"] == (
        HEADER + "\n1. Klotter vid busstationen:\n   - väntkuren\n   - gångtunneln (Anna Andersson)"
    )
    assert "1. Klotter vid busstationen:<br/>&nbsp;&nbsp;&nbsp;- väntkuren<br/>&nbsp;&nbsp;&nbsp;- gångtunneln" in shown["formatted_body"]


async def test_a_multi_line_item_may_start_on_the_next_line(chat: Chat) -> None:
    await chat.send("!agenda add\nVäntkuren\nGångtunneln")

    assert [item.text for item in await chat.agenda()] == ["Väntkuren\nGångtunneln"]


async def test_an_item_cannot_inject_markup(chat: Chat) -> None:
    await chat.send("!agenda add <script>alert(1)</script> & <b>fet</b>")

    shown = await chat.reply("!agenda")
    assert "<script>" not in shown["formatted_body"] and "<b>" not in shown["formatted_body"]
    assert "1. &lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;fet&lt;/b&gt;" in shown["formatted_body"]
    assert shown["m.mentions"] == {}


async def test_an_empty_item_is_refused(chat: Chat) -> None:
    before = await chat.tables()

    for body in ["!agenda add", "!agenda add   ", "!dagordning ny \n "]:
        assert await chat.send(body) == "Skriv vad punkten gäller.\nAnvändning: `!dagordning ny <text>`", repr(body)
    assert await chat.tables() == before


async def test_an_item_over_2000_characters_is_refused(chat: Chat) -> None:
    before = await chat.tables()

    assert await chat.send("!agenda add " + "x" * 2001) == (
        "Texten får vara högst 2000 tecken.\nAnvändning: `!dagordning ny <text>`"
    )
    assert await chat.tables() == before
    assert (await chat.send("!agenda add " + "x" * 2000)) == "Punkt 1 på dagordningen för nästa möte."


async def test_an_unknown_word_after_agenda_is_refused(chat: Chat) -> None:
    before = await chat.tables()

    assert await chat.send("!agenda Klotter vid busstationen") == 'Jag förstår inte "Klotter".\n' + USAGE
    assert await chat.tables() == before


# Carried over


async def test_items_not_discussed_carry_over_in_order_marked(chat: Chat, clock: FakeClock) -> None:
    await weekly(chat)
    await chat.send("!agenda add Klotter vid busstationen")
    await chat.send("!agenda add Belysningen i Stadsparken", sender=OLLE)
    clock.advance(AFTER_THE_MEETING)

    assert await chat.send("!agenda add Nattbussarna", sender=KIM) == (
        "Punkt 3 på dagordningen för Örat mot marken tisdag 8 december 2026 kl. 09.00 (vecka 50)."
    )
    assert await chat.send("!agenda") == (
        HEADER_NEXT_WEEK + "\n"
        f"1. Klotter vid busstationen (Anna Andersson) {CARRIED}\n"
        f"2. Belysningen i Stadsparken (Olle Olsson) {CARRIED}\n"
        "3. Nattbussarna (@kim:eslov.se)"
    )


async def test_an_item_is_not_carried_over_before_its_meeting(chat: Chat, clock: FakeClock) -> None:
    await weekly(chat)
    await chat.send("!agenda add Klotter")
    clock.advance(timedelta(hours=21, minutes=59))  # Tuesday 08:59 in Stockholm, a minute before the meeting

    assert await chat.send("!agenda") == HEADER + "\n1. Klotter (Anna Andersson)"


async def test_carried_over_in_english(db: Database, clock: FakeClock) -> None:
    chat = Chat(db, clock, language="en")
    await chat.send("!schedule weekly tuesday 09:00")
    await chat.send("!agenda add Graffiti")
    clock.advance(AFTER_THE_MEETING)

    assert await chat.send("!agenda") == (
        "Agenda for Örat mot marken on Tuesday 8 December 2026 at 09:00 (week 50):\n"
        "1. Graffiti (Anna Andersson) (carried over from Tuesday 1 December 2026)"
    )


async def test_an_item_carried_over_twice_names_the_meeting_it_was_added_for(chat: Chat, clock: FakeClock) -> None:
    await weekly(chat)
    await chat.send("!agenda add Klotter")
    clock.advance(AFTER_THE_MEETING + timedelta(days=7))

    assert await chat.send("!agenda") == (
        "Dagordning för Örat mot marken tisdag 15 december 2026 kl. 09.00 (vecka 51):\n"
        f"1. Klotter (Anna Andersson) {CARRIED}"
    )


async def test_moving_the_meeting_does_not_carry_its_items_over(chat: Chat) -> None:
    await weekly(chat)
    await chat.send("!agenda add Klotter vid busstationen")

    await chat.send("!schedule move 1/12 3/12")

    assert await chat.send("!agenda") == (
        "Dagordning för Örat mot marken torsdag 3 december 2026 kl. 09.00 (vecka 49):\n"
        "1. Klotter vid busstationen (Anna Andersson)"
    )


# !next counts the items


async def test_next_counts_the_items_on_the_agenda(chat: Chat) -> None:
    await weekly(chat)
    first = "Nästa möte: Örat mot marken, tisdag 1 december 2026 kl. 09.00 (vecka 49)."

    assert await chat.send("!next") == first + " Inga punkter på dagordningen än."
    await chat.send("!agenda add Klotter")
    assert await chat.send("!next") == first + " 1 punkt på dagordningen."
    await chat.send("!agenda add Belysningen")
    assert await chat.send("!next") == first + " 2 punkter på dagordningen."
    await chat.send("!agenda remove 1")
    assert await chat.send("!next") == first + " 1 punkt på dagordningen."


async def test_next_counts_the_items_in_english(db: Database, clock: FakeClock) -> None:
    chat = Chat(db, clock, language="en")
    await chat.send("!schedule weekly tuesday 09:00")
    first = "Next meeting: Örat mot marken, Tuesday 1 December 2026 at 09:00 (week 49)."

    await chat.send("!agenda add Graffiti")
    assert await chat.send("!next") == first + " 1 item on the agenda."
    await chat.send("!agenda add Lighting")
    assert await chat.send("!next") == first + " 2 items on the agenda."


# Removing


async def three_items(chat: Chat) -> None:
    await weekly(chat)
    await chat.send("!agenda add Klotter vid busstationen")
    await chat.send("!agenda add Belysningen i Stadsparken", sender=OLLE)
    await chat.send("!agenda add Nattbussarna", sender=KIM)


async def test_the_author_removes_an_item_and_gets_the_renumbered_list(chat: Chat) -> None:
    await three_items(chat)

    assert await chat.send("!agenda remove 2", sender=OLLE) == (
        "Punkt 2 är borttagen: Belysningen i Stadsparken\n\n"
        + HEADER + "\n"
        "1. Klotter vid busstationen (Anna Andersson)\n"
        "2. Nattbussarna (@kim:eslov.se)"
    )
    assert [item.text for item in await chat.agenda()] == ["Klotter vid busstationen", "Nattbussarna"]


async def test_removing_the_last_item_leaves_the_empty_agenda(chat: Chat) -> None:
    await weekly(chat)
    await chat.send("!agenda add Klotter")

    assert await chat.send("!agenda remove #1") == "Punkt 1 är borttagen: Klotter\n\n" + HEADER + "\n" + EMPTY


async def test_another_member_may_not_remove_an_item(chat: Chat) -> None:
    await three_items(chat)
    before = await chat.tables()

    assert await chat.send("!agenda remove 1", sender=OLLE) == (
        "Punkt 1 får bara tas bort av den som lade till den eller av en moderator (behörighetsnivå 50)."
    )
    assert await chat.tables() == before


async def test_level_49_may_not_remove_anothers_item(chat: Chat) -> None:
    await three_items(chat)
    before = await chat.tables()

    reply = await chat.send("!agenda remove 1", sender=OLLE, room=view(users={ANNA: 50, OLLE: 49}))

    assert reply.startswith("Punkt 1 får bara tas bort av den som lade till den eller av en moderator")
    assert await chat.tables() == before


async def test_a_moderator_removes_anyones_item(chat: Chat) -> None:
    await three_items(chat)

    reply = await chat.send("!agenda remove 3")

    assert reply.startswith("Punkt 3 är borttagen: Nattbussarna\n\n")
    assert [item.text for item in await chat.agenda()] == ["Klotter vid busstationen", "Belysningen i Stadsparken"]


async def test_a_room_version_12_creator_removes_anyones_item(chat: Chat) -> None:
    await three_items(chat)
    created = view(users={ANNA: 50, OLLE: 0}, creators=frozenset({OLLE}))

    assert (await chat.send("!agenda remove 1", sender=OLLE, room=created)).startswith("Punkt 1 är borttagen")


async def test_the_configured_moderator_level_is_named(db: Database, clock: FakeClock) -> None:
    chat = Chat(db, clock, moderator_level=100)
    await three_items(chat)

    assert await chat.send("!agenda remove 2") == (
        "Punkt 2 får bara tas bort av den som lade till den eller av en moderator (behörighetsnivå 100)."
    )


async def test_remove_in_either_language(chat: Chat) -> None:
    await weekly(chat)
    for text in ("Ett", "Två", "Tre", "Fyra", "Fem"):
        await chat.send(f"!agenda add {text}")

    for body, text in [("!agenda ta bort 2", "Två"), ("!dagordning bort 2", "Tre"), ("!agenda delete 2", "Fyra"),
                       ("!agenda radera #2", "Fem")]:  # fmt: skip
        assert (await chat.send(body)).startswith(f"Punkt 2 är borttagen: {text}\n\n"), body
    assert [item.text for item in await chat.agenda()] == ["Ett"]


async def test_a_removed_item_in_english(db: Database, clock: FakeClock) -> None:
    chat = Chat(db, clock, language="en")
    await chat.send("!agenda add Graffiti")
    await chat.send("!agenda add Lighting")

    assert await chat.send("!agenda remove 1") == (
        "Item 1 is removed: Graffiti\n\nAgenda for the next meeting:\n1. Lighting (Anna Andersson)"
    )


REMOVE_USAGE = "Användning: `!dagordning ta bort <nummer>`"
NOT_AN_ITEM = [
    ("!agenda remove 4", "Det finns ingen punkt 4; dagordningen har 3 punkter."),
    ("!agenda remove #99", "Det finns ingen punkt 99; dagordningen har 3 punkter."),
    ("!agenda remove 0", '"0" är inget nummer jag kan läsa; skriv till exempel 3 eller #3.\n' + REMOVE_USAGE),
    ("!agenda remove två", '"två" är inget nummer jag kan läsa; skriv till exempel 3 eller #3.\n' + REMOVE_USAGE),
    ("!agenda remove", "Ange ett nummer.\n" + REMOVE_USAGE),
    ("!agenda remove 1 2", 'Jag förstår inte "2" här.\n' + REMOVE_USAGE),
]


async def test_a_number_that_is_not_an_item_is_refused(chat: Chat) -> None:
    await three_items(chat)
    before = await chat.tables()

    for body, reply in NOT_AN_ITEM:
        assert await chat.send(body) == reply, body
    assert await chat.tables() == before


async def test_an_item_of_another_room_cannot_be_removed(db: Database, clock: FakeClock, chat: Chat) -> None:
    other = await Chat(db, clock, room_id=OTHER_ROOM).joined()
    for text in ("Trygghetsvandring", "Gatubelysning", "Parkeringen"):
        await other.send(f"!agenda add {text}")
    await chat.send("!agenda add Klotter")
    before = await chat.tables()

    assert await chat.send("!agenda remove 3") == "Det finns ingen punkt 3; dagordningen har 1 punkt."
    assert await chat.tables() == before
    assert await chat.send("!agenda") == "Dagordning för nästa möte:\n1. Klotter (Anna Andersson)"
    assert [item.text for item in await other.agenda()] == ["Trygghetsvandring", "Gatubelysning", "Parkeringen"]


async def test_an_empty_agenda_says_it_has_no_items(chat: Chat) -> None:
    assert await chat.send("!agenda remove 1") == "Det finns ingen punkt 1; dagordningen har inga punkter."



# Actions to follow up


async def test_the_agenda_ends_with_the_actions_due_by_the_meeting(chat: Chat) -> None:
    """Due by the meeting, or without a date (followed up at every meeting until it is closed); not due later."""
    await weekly(chat)
    await chat.send("!agenda add Klotter")
    await chat.send("!action Byt lampor i gångtunneln @olle:eslov.se senast imorgon")
    await chat.send("!action Rapport till kommunstyrelsen senast 2026-12-10")  # after the meeting
    await chat.send("!action Fråga fastighetsägaren för Polisen")  # no date

    assert await chat.send("!agenda") == (
        HEADER + "\n1. Klotter (Anna Andersson)\n\n"
        "Åtgärder att följa upp:\n"
        "#1 Byt lampor i gångtunneln — Olle Olsson — senast tisdag 1 december 2026\n"
        "#3 Fråga fastighetsägaren — Polisen"
    )


async def test_overdue_actions_lead_the_follow_up_marked(chat: Chat, clock: FakeClock) -> None:
    await weekly(chat)
    await chat.send("!action Byt lampor senast imorgon")  # due 1 December
    await chat.send("!action Städa tunneln senast 2026-12-08")
    await chat.send("!action Kolla kamerorna senast 2026-12-07")
    clock.advance(timedelta(days=2))  # Wednesday 2 December

    assert await chat.send("!agenda") == (
        HEADER_NEXT_WEEK + "\n" + EMPTY + "\n\n"
        "Åtgärder att följa upp:\n"
        "#1 Byt lampor — ingen ansvarig — senast tisdag 1 december 2026 (försenad)\n"
        "#3 Kolla kamerorna — ingen ansvarig — senast måndag 7 december 2026\n"
        "#2 Städa tunneln — ingen ansvarig — senast tisdag 8 december 2026"
    )


async def test_without_a_meeting_every_open_action_is_followed_up(chat: Chat) -> None:
    await chat.send("!action Byt lampor senast 2027-03-01")
    await chat.send("!action Utan datum")
    await chat.send("!action Klar sedan länge senast fredag")
    await chat.send("!done 3")

    assert await chat.send("!agenda") == (
        "Dagordning för nästa möte:\n" + EMPTY + "\n\n"
        "Åtgärder att följa upp:\n"
        "#1 Byt lampor — ingen ansvarig — senast måndag 1 mars 2027\n"
        "#2 Utan datum — ingen ansvarig"
    )


# Long agendas


async def add_items(room_id: str, db: Database, count: int, text: str = "Punkt nummer {i}") -> None:
    async with db.transaction() as tx:
        for i in range(1, count + 1):
            await AgendaRepo(tx).add(room_id, text.format(i=i), ANNA, None, START)


async def test_a_long_agenda_is_trimmed_with_a_count(chat: Chat, db: Database) -> None:
    await add_items(ROOM, db, 120)

    body = await chat.send("!agenda")

    lines = body.split("\n")
    shown = len(lines) - 2  # the header and the count
    assert lines[0] == "Dagordning för nästa möte:"
    assert lines[1:-1] == [f"{i}. Punkt nummer {i} (Anna Andersson)" for i in range(1, shown + 1)]
    assert lines[-1] == f"… och {120 - shown} punkter till: `!dagordning från {shown + 1}`"  # not the command just given
    assert 20 < shown < 120
    assert len(body) <= MAX_BODY


async def test_a_long_agenda_with_many_actions_keeps_both_counts(chat: Chat, db: Database) -> None:
    # Agenda lines of 41 characters: the header (26) and 47 of them fill the agenda's half (2,000) exactly.
    async with db.transaction() as tx:
        for i in range(1, 101):
            await AgendaRepo(tx).add(ROOM, "P" * (41 - len(f"{i}. ") - len(" (Anna Andersson)")), ANNA, None, START)
    await chat.bulk_actions(100, text="Å", owner=None)  # lines of at most 57 characters

    body = await chat.send("!agenda")

    assert len(body) <= MAX_BODY
    assert re.search(r"\n… och \d+ punkter till: `!dagordning från \d+`\n\nÅtgärder att följa upp:\n", body)
    assert re.search(r"\n… och \d+ åtgärder till: `!åtgärder`$", body)


async def test_removing_from_a_long_agenda_keeps_the_count(chat: Chat, db: Database) -> None:
    await add_items(ROOM, db, 1, text="Lång punkt " + "x" * 1989)  # 2000 characters, the most an item may have
    await add_items(ROOM, db, 120)

    body = await chat.send("!agenda remove 1")

    assert len(body) <= MAX_BODY
    assert re.search(r"\n… och \d+ punkter till: `!dagordning från \d+`$", body)


async def test_the_agenda_of_another_room_is_not_shown(db: Database, clock: FakeClock, chat: Chat) -> None:
    other = await Chat(db, clock, room_id=OTHER_ROOM).joined()
    await other.send("!agenda add Trygghetsvandring")

    assert await chat.send("!agenda") == "Dagordning för nästa möte:\n" + EMPTY
    assert await chat.send("!agenda add Klotter") == "Punkt 1 på dagordningen för nästa möte."


async def test_the_next_meeting_of_the_room_not_of_another(db: Database, clock: FakeClock, chat: Chat) -> None:
    other = await Chat(db, clock, room_id=OTHER_ROOM, room=view(OTHER_ROOM, name="Trygghetsrådet")).joined()
    await other.send("!schedule weekly måndag 18:00")

    assert await chat.send("!agenda add Klotter") == "Punkt 1 på dagordningen för nästa möte."
    assert await chat.send("!agenda") == "Dagordning för nästa möte:\n1. Klotter (Anna Andersson)"
    [item] = await chat.agenda()
    assert item.meeting_start is None


async def test_a_meeting_opens_with_as_much_of_its_agenda_as_one_message_holds(chat: Chat, db: Database) -> None:
    await add_items(ROOM, db, 120)

    body = await chat.send("!möte start")

    assert 3 * MAX_BODY // 4 < len(body) <= MAX_BODY  # not a third of it, as a reminder's share
    assert re.search(r"\n… och \d+ punkter till: `!dagordning från \d+`$", body)
