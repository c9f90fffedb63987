"""`!action`, `!actions`, `!done` through the dispatcher: numbered per room, owners, due dates, history, lists."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from bot.clock import FakeClock
from bot.policy import MAX_BODY
from bot.store.actions import ActionRepo
from bot.store.db import Database
from tests.unit.handlers import (
    ACTION_USAGE,
    ANNA,
    EVA,
    KIM,
    LISA,
    MORE_ACTIONS,
    OLLE,
    OTHER_ROOM,
    START,
    Chat,
    pill,
    view,
)
from tests.unit.helpers import BOT, ROOM

FORBIDDEN = "Åtgärd #1 får bara ändras av de ansvariga, den som lade in den eller en moderator (behörighetsnivå 50)."
KOLLA = "#1 Kolla belysningen vid stationen — @kim:eslov.se — senast fredag 4 december 2026"




async def kolla(chat: Chat) -> None:
    """Olle logs #1, owned by Kim (the police), due Friday."""
    assert await chat.send("!action Kolla belysningen vid stationen @kim:eslov.se senast fredag", sender=OLLE) == (
        "Åtgärd #1 är registrerad.\n" + KOLLA
    )
    chat.committed.clear()


# Logging an action


async def test_an_action_with_owner_organisation_and_due_date(chat: Chat) -> None:
    reply = await chat.reply("!action Kolla belysningen vid stationen @olle:eslov.se för Polisen senast fredag")

    assert reply["body"] == (
        "Åtgärd #1 är registrerad.\n"
        "#1 Kolla belysningen vid stationen — Olle Olsson, Polisen — senast fredag 4 december 2026"
    )
    assert reply["m.mentions"] == {}
    [action] = await chat.actions()
    assert (action.number, action.text, action.owners, action.organisation, action.due, action.status) == (
        1, "Kolla belysningen vid stationen", (OLLE,), "Polisen", date(2026, 12, 4), "open"
    )  # fmt: skip
    assert (action.created_by, action.created_at) == (ANNA, START)
    assert chat.committed[-1].actions_changed


async def test_an_action_in_english(db: Database, clock: FakeClock) -> None:
    chat = Chat(db, clock, language="en")

    assert await chat.send("!action Check the lights @olle:eslov.se for Polisen due friday") == (
        "Action #1 is logged.\n#1 Check the lights — Olle Olsson, Polisen — due Friday 4 December 2026"
    )
    assert await chat.send("!action Call the landlord") == (
        "Action #2 is logged.\n#2 Call the landlord — nobody responsible"
    )


async def test_the_command_in_either_language(chat: Chat) -> None:
    for n, word in enumerate(["action", "åtgärd", "atgard", "ÅTGÄRD"], start=1):
        assert await chat.send(f"!{word} Ring fastighetsägaren") == (
            f"Åtgärd #{n} är registrerad.\n#{n} Ring fastighetsägaren — ingen ansvarig"
        ), word


async def test_a_multi_line_action_is_kept(chat: Chat) -> None:
    reply = await chat.reply("!action Städa gångtunneln:\n- klottret\n- glaset senast fredag")

    assert reply["body"] == (
        "Åtgärd #1 är registrerad.\n#1 Städa gångtunneln:\n   - klottret\n   - glaset — ingen ansvarig — "
        "senast fredag 4 december 2026"
    )
    assert "#1 Städa gångtunneln:<br/>&nbsp;&nbsp;&nbsp;- klottret<br/>&nbsp;&nbsp;&nbsp;- glaset" in reply["formatted_body"]
    assert [a.text for a in await chat.actions()] == ["Städa gångtunneln:\n- klottret\n- glaset"]


async def test_a_text_starting_with_a_number_is_logged_not_looked_up(chat: Chat) -> None:
    assert await chat.send("!action 2 kameror vid stationen") == (
        "Åtgärd #1 är registrerad.\n#1 2 kameror vid stationen — ingen ansvarig"
    )


async def test_an_action_cannot_inject_markup(chat: Chat) -> None:
    reply = await chat.reply("!action <img src=x onerror=alert(1)> för Polisen <b>Syd</b>")

    assert "<img" not in reply["formatted_body"] and "<b>" not in reply["formatted_body"]
    assert "#1 &lt;img src=x onerror=alert(1)&gt; — Polisen &lt;b&gt;Syd&lt;/b&gt;" in reply["formatted_body"]


# Owners


async def test_an_owner_from_a_pill_shows_once_and_is_out_of_the_text(chat: Chat) -> None:
    reply = await chat.send(
        "!action Se över skyltarna Olle Olsson senast 4 dec",
        formatted_body=f"!action Se över skyltarna {pill(OLLE, 'Olle Olsson')} senast 4 dec",
        mentions=(OLLE,),
    )

    assert reply == "Åtgärd #1 är registrerad.\n#1 Se över skyltarna — Olle Olsson — senast fredag 4 december 2026"
    assert [a.owners for a in await chat.actions()] == [(OLLE,)]


async def test_owners_from_m_mentions(chat: Chat) -> None:
    assert await chat.send("!action Ring fastighetsägaren", mentions=(KIM, OLLE)) == (
        "Åtgärd #1 är registrerad.\n#1 Ring fastighetsägaren — @kim:eslov.se, Olle Olsson"
    )


async def test_owners_from_plain_user_ids(chat: Chat) -> None:
    assert await chat.send("!action Ring @kim:eslov.se fastighetsägaren @olle:eslov.se") == (
        "Åtgärd #1 är registrerad.\n#1 Ring fastighetsägaren — @kim:eslov.se, Olle Olsson"
    )


async def test_the_bot_is_never_an_owner(chat: Chat) -> None:
    assert await chat.send(
        "!action Ring samverkan-bot fastighetsägaren @samverkan-bot:eslov.se",
        formatted_body=f"!action Ring {pill(BOT, 'samverkan-bot')} fastighetsägaren @samverkan-bot:eslov.se",
        mentions=(BOT,),
    ) == "Åtgärd #1 är registrerad.\n#1 Ring fastighetsägaren — ingen ansvarig"


async def test_addressing_the_bot_does_not_make_it_an_owner(chat: Chat) -> None:
    reply = await chat.send(
        "samverkan-bot: action Ring fastighetsägaren Olle Olsson",
        formatted_body=f"{pill(BOT, 'samverkan-bot')}: action Ring fastighetsägaren {pill(OLLE, 'Olle Olsson')}",
        mentions=(BOT, OLLE),
    )

    assert reply == "Åtgärd #1 är registrerad.\n#1 Ring fastighetsägaren — Olle Olsson"


async def test_an_owner_who_is_not_in_the_room_is_refused_and_nothing_stored(chat: Chat) -> None:
    await chat.send("!agenda add Klotter")
    before = await chat.tables()

    reply = await chat.send("!action Ring fastighetsägaren @olle:eslov.se @eva:eslov.se senast fredag")

    assert reply == "@eva:eslov.se är inte med i rummet och kan inte vara ansvarig.\n" + ACTION_USAGE
    assert await chat.tables() == before
    assert len(chat.committed) == 1  # only the agenda item's command committed
    assert (await chat.send("!action Ring fastighetsägaren")).startswith("Åtgärd #1 är registrerad.")


async def test_an_owner_from_m_mentions_who_left_is_refused(chat: Chat) -> None:
    before = await chat.tables()

    assert await chat.send("!action Ring fastighetsägaren", mentions=(EVA,)) == (
        "@eva:eslov.se är inte med i rummet och kan inte vara ansvarig.\n" + ACTION_USAGE
    )
    assert await chat.tables() == before


async def test_an_owner_at_the_end_of_a_sentence(chat: Chat) -> None:
    reply = await chat.send("!action Ring fastighetsägaren, ansvarig @olle:eslov.se.")

    assert reply.startswith("Åtgärd #1 är registrerad.\n")
    assert [a.owners for a in await chat.actions()] == [(OLLE,)]


# Organisation and "for" in running text


async def test_for_in_running_text_stays_text(db: Database, clock: FakeClock) -> None:
    chat = Chat(db, clock, language="en")

    assert await chat.send("!action Check for broken lights") == (
        "Action #1 is logged.\n#1 Check for broken lights — nobody responsible"
    )
    assert await chat.send("!action Check for broken lights for Polisen") == (
        "Action #2 is logged.\n#2 Check for broken lights — Polisen"
    )


async def test_an_organisation_over_100_characters_is_refused(chat: Chat) -> None:
    before = await chat.tables()

    assert await chat.send("!action Ring för P" + "o" * 100) == (
        "Texten får vara högst 100 tecken.\n"
        "Användning: `!åtgärd <text> [@ansvarig …] [för <Organisation>] [senast <datum>]`"
    )
    assert await chat.tables() == before


# Due dates


DUE_FORMS = [
    ("2026-12-04", "fredag 4 december 2026"),
    ("4/12", "fredag 4 december 2026"),
    ("4 dec", "fredag 4 december 2026"),
    ("4 december", "fredag 4 december 2026"),
    ("fredag", "fredag 4 december 2026"),
    ("friday", "fredag 4 december 2026"),
    ("tomorrow", "tisdag 1 december 2026"),
    ("imorgon", "tisdag 1 december 2026"),
    ("in 3 days", "torsdag 3 december 2026"),
    ("om 3 dagar", "torsdag 3 december 2026"),
    ("week 50", "fredag 11 december 2026"),
    ("vecka 50", "fredag 11 december 2026"),
    ("v50", "fredag 11 december 2026"),
    ("idag", "måndag 30 november 2026"),
]


async def test_a_due_date_in_every_form(chat: Chat) -> None:
    for n, (written, shown) in enumerate(DUE_FORMS, start=1):
        assert await chat.send(f"!action Byt lampor due {written}") == (
            f"Åtgärd #{n} är registrerad.\n#{n} Byt lampor — ingen ansvarig — senast {shown}"
        ), written


BAD_INPUT = [
    ("!action Byt lampor senast 2026-11-29", "2026-11-29 har redan varit; ange ett kommande datum."),
    ("!action Byt lampor due 4/12 2025", "2025-12-04 har redan varit; ange ett kommande datum."),
    (
        "!action Byt lampor senast blursday",
        'Jag kan inte läsa datumet "blursday". Skriv till exempel 2026-12-04, 4/12, 4 dec, fredag, nästa fredag, imorgon, '
        "igår, om 3 dagar eller vecka 50.",
    ),
    ("!action Byt lampor senast vecka 60", '"vecka 60": den veckan finns inte under det närmaste året.'),
    ("!action", "Skriv vad som ska göras."),
    ("!action @olle:eslov.se för Polisen senast fredag", "Skriv vad som ska göras."),
    ("!action " + "x" * 2001, "Texten får vara högst 2000 tecken."),
]


async def test_bad_input_is_refused_and_nothing_stored(chat: Chat) -> None:
    await kolla(chat)
    before = await chat.tables()

    for body, error in BAD_INPUT:
        first, usage = (await chat.send(body)).split("\n")
        assert first == error, body
        assert usage.startswith("Användning: `!åtgärd <text> [@ansvarig …] [för <Organisation>] [senast <datum>]"), body
        assert await chat.tables() == before, body
    assert chat.committed == []


# Numbers


async def test_numbers_are_per_room(db: Database, clock: FakeClock, chat: Chat) -> None:
    other = await Chat(db, clock, room_id=OTHER_ROOM).joined()

    assert (await chat.send("!action Ett")).startswith("Åtgärd #1 ")
    assert (await chat.send("!action Två")).startswith("Åtgärd #2 ")
    assert (await other.send("!action Trygghetsvandring")).startswith("Åtgärd #1 ")
    assert (await chat.send("!action Tre")).startswith("Åtgärd #3 ")


async def test_numbers_are_never_reused(chat: Chat) -> None:
    for text in ("Ett", "Två", "Tre"):
        await chat.send(f"!action {text}")
    await chat.send("!action cancel 3")
    await chat.send("!done 2")

    assert (await chat.send("!action Fyra")).startswith("Åtgärd #4 är registrerad.")
    assert [(a.number, a.status) for a in await chat.actions()] == [
        (1, "open"), (2, "done"), (3, "cancelled"), (4, "open")
    ]  # fmt: skip


async def test_an_unknown_number_is_not_found(chat: Chat) -> None:
    await kolla(chat)
    before = await chat.tables()

    for body in ["!action 9", "!action #9", "!done 9", "!klar 9 Klart", "!action edit 9 Ny text",
                 "!action due 9 fredag", "!action assign 9 @kim:eslov.se", "!action reopen 9",
                 "!action cancel 9"]:  # fmt: skip
        assert await chat.send(body) == "Det finns ingen åtgärd #9 i det här rummet; se `!åtgärder alla`.", body
    assert await chat.tables() == before


async def test_a_number_of_another_room_is_not_found(db: Database, clock: FakeClock, chat: Chat) -> None:
    other = await Chat(db, clock, room_id=OTHER_ROOM).joined()
    for text in ("Trygghetsvandring", "Gatubelysning", "Parkeringen vid Stadshuset"):
        await other.send(f"!action {text} senast fredag")
    await chat.send("!action Ring fastighetsägaren")
    before = await chat.tables()

    for body in ["!action 3", "!done 3", "!action edit 3 Ny text", "!action due 3 fredag", "!action cancel 3",
                 "!action assign 3 @kim:eslov.se", "!action reopen 3"]:  # fmt: skip
        assert await chat.send(body) == "Det finns ingen åtgärd #3 i det här rummet; se `!åtgärder alla`.", body
    assert await chat.tables() == before
    assert [(a.number, a.text, a.status) for a in await other.actions()][2] == (3, "Parkeringen vid Stadshuset", "open")


async def test_done_without_a_number(chat: Chat) -> None:
    await kolla(chat)
    before = await chat.tables()

    for body, first in [
        ("!done", "Ange ett nummer."),
        ("!done x", '"x" är inget nummer jag kan läsa; skriv till exempel 3 eller #3.'),
        ("!done 0", '"0" är inget nummer jag kan läsa; skriv till exempel 3 eller #3.'),
    ]:
        assert await chat.send(body) == first + "\nAnvändning: `!klar <nummer> [kommentar]`", body
    assert await chat.tables() == before


# Closing, changing, and who may


async def test_done_with_a_comment(chat: Chat) -> None:
    await kolla(chat)

    reply = await chat.send("!done 1 Lamporna bytta", sender=KIM)

    assert reply == "Åtgärd #1 är klar.\n" + KOLLA + " (klar)"
    assert chat.committed[-1].actions_changed
    assert await chat.send("!actions") == (
        "Inga öppna åtgärder. Lägg in en med `!åtgärd <text> [@ansvarig] [för <Organisation>] [senast <datum>]`."
    )


async def test_done_in_english(db: Database, clock: FakeClock) -> None:
    chat = Chat(db, clock, language="en")
    await chat.send("!action Check the lights due friday")

    assert await chat.send("!done 1") == (
        "Action #1 is done.\n#1 Check the lights — nobody responsible — due Friday 4 December 2026 (done)"
    )


def kolla_line(n: int, text: str = "Kolla belysningen vid stationen", who: str = "@kim:eslov.se",
               due: str = " — senast fredag 4 december 2026") -> str:  # fmt: skip
    return f"#{n} {text} — {who}{due}"


# A change, and what the room is told; {n} is the action's number.
CHANGES = [
    ("!done {n}", "Åtgärd #{n} är klar.\n" + kolla_line(0) + " (klar)"),
    ("!done {n} Lamporna bytta", "Åtgärd #{n} är klar.\n" + kolla_line(0) + " (klar)"),
    (
        "!action edit {n} Kolla belysningen i gångtunneln",
        "Åtgärd #{n} är ändrad.\n" + kolla_line(0, text="Kolla belysningen i gångtunneln"),
    ),
    ("!action due {n} vecka 50", "Åtgärd #{n} är ändrad.\n" + kolla_line(0, due=" — senast fredag 11 december 2026")),
    ("!action due {n} ingen", "Åtgärd #{n} är ändrad.\n" + kolla_line(0, due="")),
    (
        "!action assign {n} @lisa:eslov.se för Securitas",
        "Åtgärd #{n} är ändrad.\n" + kolla_line(0, who="@lisa:eslov.se, Securitas"),
    ),
    ("!action cancel {n}", "Åtgärd #{n} är struken.\n" + kolla_line(0) + " (struken)"),
    ("!åtgärd stryk {n}", "Åtgärd #{n} är struken.\n" + kolla_line(0) + " (struken)"),
]


@pytest.mark.parametrize("who", [KIM, OLLE, ANNA], ids=["owner", "creator", "moderator"])
async def test_owners_the_creator_and_moderators_may_change(chat: Chat, who: str) -> None:
    for n, (body, reply) in enumerate(CHANGES, start=1):
        await chat.send("!action Kolla belysningen vid stationen @kim:eslov.se senast fredag", sender=OLLE)
        chat.committed.clear()

        assert await chat.send(body.format(n=n), sender=who) == reply.format(n=n).replace("#0 ", f"#{n} "), body
        if "edit" not in body and "assign" not in body:  # a new due date or status: nudges are rescheduled
            assert chat.committed[-1].actions_changed, body

    # #1 was closed by the first change.
    assert await chat.send("!action reopen 1", sender=who) == "Åtgärd #1 är öppen igen.\n" + kolla_line(1)
    assert chat.committed[-1].actions_changed


async def test_another_member_may_not_change_and_nothing_is_stored(chat: Chat) -> None:
    await kolla(chat)
    await chat.send("!action Redan klar @kim:eslov.se", sender=OLLE)
    await chat.send("!done 2", sender=KIM)
    before = await chat.tables()
    chat.committed.clear()

    for body, _ in CHANGES:
        assert await chat.send(body.format(n=1), sender=LISA) == FORBIDDEN, body
    assert await chat.send("!action reopen 2", sender=LISA) == FORBIDDEN.replace("#1", "#2")
    assert await chat.tables() == before
    assert chat.committed == []


async def test_the_refusal_names_the_configured_level(db: Database, clock: FakeClock) -> None:
    chat = Chat(db, clock, moderator_level=75)
    await kolla(chat)

    assert await chat.send("!done 1", sender=LISA) == FORBIDDEN.replace("50", "75")
    assert await chat.send("!done 1") == FORBIDDEN.replace("50", "75")  # Anna has 50


async def test_a_room_version_12_creator_may_change(chat: Chat) -> None:
    await kolla(chat)
    created = view(creators=frozenset({LISA}))

    assert (await chat.send("!done 1", sender=LISA, room=created)).startswith("Åtgärd #1 är klar.")


async def test_an_owner_who_is_reassigned_loses_the_right(chat: Chat) -> None:
    await kolla(chat)
    await chat.send("!action assign 1 @lisa:eslov.se")

    assert await chat.send("!done 1", sender=KIM) == FORBIDDEN
    assert (await chat.send("!done 1", sender=LISA)).startswith("Åtgärd #1 är klar.")


REFUSED_CHANGES = [
    (
        "!done 2",
        "Åtgärd #2 är redan klar; öppna den igen med `!åtgärd öppna 2`.",
    ),
    (
        "!done 3",
        "Åtgärd #3 är struken; öppna den igen med `!åtgärd öppna 3`.",
    ),
    (
        "!action cancel 3",
        "Åtgärd #3 är struken; öppna den igen med `!åtgärd öppna 3`.",
    ),
    ("!action reopen 1", "Åtgärd #1 är redan öppen."),
    ("!action edit 1", "Skriv vad som ska göras.\nAnvändning: `!åtgärd ändra <nummer> <ny text>`"),
    ("!action edit 1   ", "Skriv vad som ska göras.\nAnvändning: `!åtgärd ändra <nummer> <ny text>`"),
    (
        "!action due 1",
        "Ange ett datum, till exempel 2026-12-04, 4 dec eller vecka 50.\n"
        "Användning: `!åtgärd senast <nummer> <datum | ingen>`",
    ),
    (
        "!action due 1 2026-11-01",
        "2026-11-01 har redan varit; ange ett kommande datum.\nAnvändning: `!åtgärd senast <nummer> <datum | ingen>`",
    ),
    (
        "!action due 1 blursday",
        'Jag kan inte läsa datumet "blursday". Skriv till exempel 2026-12-04, 4/12, 4 dec, fredag, nästa fredag, imorgon, '
        "igår, om 3 dagar eller vecka 50.\nAnvändning: `!åtgärd senast <nummer> <datum | ingen>`",
    ),
    (
        "!action assign 1",
        "Ange de ansvariga med @namn och/eller för <Organisation>.\n"
        "Användning: `!åtgärd ansvarig <nummer> @ansvarig … [för <Organisation>]`",
    ),
    (
        "!action assign 1 @kim:eslov.se och någon till",
        "Ange de ansvariga med @namn och/eller för <Organisation>.\n"
        "Användning: `!åtgärd ansvarig <nummer> @ansvarig … [för <Organisation>]`",
    ),
    (
        "!action assign 1 @kim:eslov.se @eva:eslov.se",
        "@eva:eslov.se är inte med i rummet och kan inte vara ansvarig.\n"
        "Användning: `!åtgärd ansvarig <nummer> @ansvarig … [för <Organisation>]`",
    ),
]


async def test_a_change_that_cannot_be_made_is_refused_and_nothing_stored(chat: Chat) -> None:
    await kolla(chat)
    await chat.send("!action Redan klar")
    await chat.send("!done 2")
    await chat.send("!action Redan struken")
    await chat.send("!action cancel 3")
    before = await chat.tables()
    chat.committed.clear()

    for body, reply in REFUSED_CHANGES:
        assert await chat.send(body) == reply, body
    assert await chat.tables() == before
    assert chat.committed == []


async def test_assign_by_pill_replaces_the_owners(chat: Chat) -> None:
    await kolla(chat)

    reply = await chat.send(
        "!action assign 1 Olle Olsson @lisa:eslov.se",
        formatted_body=f"!action assign 1 {pill(OLLE, 'Olle Olsson')} @lisa:eslov.se",
        mentions=(OLLE,),
    )

    assert reply == (
        "Åtgärd #1 är ändrad.\n"
        "#1 Kolla belysningen vid stationen — Olle Olsson, @lisa:eslov.se — senast fredag 4 december 2026"
    )
    assert [a.owners for a in await chat.actions()] == [(OLLE, LISA)]


# History


async def test_every_change_is_in_the_history_with_who_and_when(chat: Chat, clock: FakeClock) -> None:
    await kolla(chat)  # Monday 11.00
    steps = [
        (KIM, "!action edit 1 Kolla belysningen i gångtunneln"),
        (ANNA, "!action due 1 vecka 50"),
        (ANNA, "!action assign 1 @kim:eslov.se @olle:eslov.se för Polisen"),
        (KIM, "!done 1 Lamporna bytta"),
        (OLLE, "!action reopen 1"),
        (ANNA, "!action due 1 none"),
        (ANNA, "!action cancel 1 Dubblett"),
    ]
    for sender, body in steps:
        clock.advance(timedelta(hours=3, minutes=15))
        await chat.send(body, sender=sender)

    assert await chat.send("!action 1", sender=LISA) == (
        "#1 Kolla belysningen i gångtunneln — @kim:eslov.se, Olle Olsson, Polisen (struken)\n"
        "Historik:\n"
        "måndag 30 november 2026 kl. 11.00 Olle Olsson: lade in åtgärden\n"
        "måndag 30 november 2026 kl. 14.15 @kim:eslov.se: "
        'ändrade texten (tidigare: "Kolla belysningen vid stationen")\n'
        "måndag 30 november 2026 kl. 17.30 Anna Andersson: satte senast-datum fredag 11 december 2026\n"
        "måndag 30 november 2026 kl. 20.45 Anna Andersson: satte ansvariga: @kim:eslov.se, Olle Olsson, Polisen\n"
        "tisdag 1 december 2026 kl. 00.00 @kim:eslov.se: markerade den som klar: Lamporna bytta\n"
        "tisdag 1 december 2026 kl. 03.15 Olle Olsson: öppnade den igen\n"
        "tisdag 1 december 2026 kl. 06.30 Anna Andersson: tog bort senast-datumet\n"
        "tisdag 1 december 2026 kl. 09.45 Anna Andersson: strök den: Dubblett"
    )


async def test_a_new_action_has_its_creation_in_the_history(chat: Chat) -> None:
    await kolla(chat)

    assert await chat.send("!åtgärd #1") == (
        KOLLA + "\nHistorik:\nmåndag 30 november 2026 kl. 11.00 Olle Olsson: lade in åtgärden"
    )


async def test_history_in_english(db: Database, clock: FakeClock) -> None:
    chat = Chat(db, clock, language="en")
    await chat.send("!action Check the lights due friday")
    clock.advance(timedelta(days=1))
    await chat.send("!done 1 Fixed")

    assert await chat.send("!action 1") == (
        "#1 Check the lights — nobody responsible — due Friday 4 December 2026 (done)\n"
        "History:\n"
        "Monday 30 November 2026 at 11:00 Anna Andersson: logged the action\n"
        "Tuesday 1 December 2026 at 11:00 Anna Andersson: marked it done: Fixed"
    )


async def test_history_times_follow_daylight_saving(db: Database) -> None:
    clock = FakeClock(START.replace(month=3, day=27))  # Friday 27 March 2026, 11:00 CET
    chat = await Chat(db, clock).joined()
    await chat.send("!action Byt lampor")
    clock.advance(timedelta(days=3))  # Monday 30 March, 12:00 CEST

    await chat.send("!done 1")

    assert (await chat.send("!action 1")).split("\n")[2:] == [
        "fredag 27 mars 2026 kl. 11.00 Anna Andersson: lade in åtgärden",
        "måndag 30 mars 2026 kl. 12.00 Anna Andersson: markerade den som klar",
    ]


async def test_a_long_history_is_trimmed_with_whole_lines(chat: Chat) -> None:
    await kolla(chat)
    async with chat.db.transaction() as tx:  # 60 changes of the due date, as !action due would make them
        repo = ActionRepo(tx)
        for i in range(60):
            due, action = date(2026, 12, 11 if i % 2 else 18), await repo.get(ROOM, 1)
            detail = {"old": action.due.isoformat(), "new": due.isoformat()}
            await repo.change(action, ANNA, START, "due", detail, due=due)

    body = await chat.send("!action 1")

    whole = {
        "#1 Kolla belysningen vid stationen — @kim:eslov.se — senast fredag 11 december 2026",
        "Historik:",
        "måndag 30 november 2026 kl. 11.00 Olle Olsson: lade in åtgärden",
        "måndag 30 november 2026 kl. 11.00 Anna Andersson: satte senast-datum fredag 11 december 2026",
        "måndag 30 november 2026 kl. 11.00 Anna Andersson: satte senast-datum fredag 18 december 2026",
    }
    assert len(body) <= MAX_BODY
    lines = body.split("\n")
    assert all(line in whole or re.fullmatch(r"… \d+ äldre ändringar", line) for line in lines), body[-200:]
    # The newest change is kept, the oldest ones are counted.
    assert lines[-1].endswith("satte senast-datum fredag 11 december 2026")
    assert re.fullmatch(r"… \d+ äldre ändringar", lines[2])


# !actions


async def varied(chat: Chat, clock: FakeClock) -> None:
    """Eight actions logged on Monday, as `!action` would store them; then it is Thursday 3 December."""
    async with chat.db.transaction() as tx:
        repo = ActionRepo(tx)
        for text, owners, organisation, due in [
            ("Utan datum", (), None, None),
            ("Rapport till kommunstyrelsen", (KIM,), None, date(2026, 12, 10)),
            ("Byt lampor", (OLLE, KIM), None, date(2026, 12, 1)),
            ("Kolla kamerorna", (), "Polisen", date(2026, 12, 2)),
            ("Redan klar", (KIM,), None, date(2026, 12, 1)),
            ("Städa tunneln", (OLLE,), None, date(2026, 12, 3)),  # due on the day we look
            ("Strukens", (KIM,), None, None),
            ("Samma dag som 3", (), None, date(2026, 12, 1)),
        ]:
            await repo.create(ROOM, text, owners, organisation, due, ANNA, START)
        await repo.change(await repo.get(ROOM, 5), ANNA, START, "done", {"comment": ""}, status="done")
        await repo.change(await repo.get(ROOM, 7), ANNA, START, "cancelled", {"comment": ""}, status="cancelled")
    clock.advance(timedelta(days=3))


L1 = "#1 Utan datum — ingen ansvarig"
L2 = "#2 Rapport till kommunstyrelsen — @kim:eslov.se — senast torsdag 10 december 2026"
L3 = "#3 Byt lampor — Olle Olsson, @kim:eslov.se — senast tisdag 1 december 2026 (försenad)"
L4 = "#4 Kolla kamerorna — Polisen — senast onsdag 2 december 2026 (försenad)"
L5 = "#5 Redan klar — @kim:eslov.se — senast tisdag 1 december 2026 (klar)"
L6 = "#6 Städa tunneln — Olle Olsson — senast torsdag 3 december 2026"
L7 = "#7 Strukens — @kim:eslov.se (struken)"
L8 = "#8 Samma dag som 3 — ingen ansvarig — senast tisdag 1 december 2026 (försenad)"


async def test_actions_lists_open_ones_overdue_first_then_soonest_then_undated(chat: Chat, clock: FakeClock) -> None:
    await varied(chat, clock)

    assert await chat.send("!actions", sender=LISA) == "\n".join(["6 öppna åtgärder:", L3, L8, L4, L6, L2, L1])
    assert await chat.send("!åtgärder öppna") == "\n".join(["6 öppna åtgärder:", L3, L8, L4, L6, L2, L1])


async def test_actions_all_by_number_with_status(chat: Chat, clock: FakeClock) -> None:
    await varied(chat, clock)
    every = "\n".join(["8 åtgärder i rummet:", L1, L2, L3, L4, L5, L6, L7, L8])

    assert await chat.send("!actions all") == every
    assert await chat.send("!åtgärder alla") == every


async def test_actions_overdue(chat: Chat, clock: FakeClock) -> None:
    await varied(chat, clock)

    assert await chat.send("!actions overdue") == "\n".join(["3 åtgärder är försenade:", L3, L8, L4])
    assert await chat.send("!åtgärder försenade") == "\n".join(["3 åtgärder är försenade:", L3, L8, L4])


async def test_actions_mine(chat: Chat, clock: FakeClock) -> None:
    await varied(chat, clock)

    assert await chat.send("!actions mine", sender=KIM) == "\n".join(["Du har 2 öppna åtgärder:", L3, L2])
    assert await chat.send("!åtgärder mina", sender=OLLE) == "\n".join(["Du har 2 öppna åtgärder:", L3, L6])
    assert await chat.send("!actions mine", sender=LISA) == "Du har inga öppna åtgärder."


async def test_actions_of_a_user(chat: Chat, clock: FakeClock) -> None:
    await varied(chat, clock)

    assert await chat.send("!actions @kim:eslov.se") == "\n".join(["@kim:eslov.se har 2 öppna åtgärder:", L3, L2])
    assert await chat.send(
        "!actions Olle Olsson", formatted_body=f"!actions {pill(OLLE, 'Olle Olsson')}", mentions=(OLLE,)
    ) == "\n".join(["Olle Olsson har 2 öppna åtgärder:", L3, L6])
    assert await chat.send("!actions @lisa:eslov.se") == "@lisa:eslov.se har inga öppna åtgärder."


async def test_actions_when_there_are_none(chat: Chat) -> None:
    assert await chat.send("!actions") == (
        "Inga öppna åtgärder. Lägg in en med `!åtgärd <text> [@ansvarig] [för <Organisation>] [senast <datum>]`."
    )
    assert await chat.send("!actions all") == "Inga åtgärder ännu. Lägg in en med `!åtgärd <text>`."
    assert await chat.send("!actions overdue") == "Inga åtgärder är försenade."


async def test_actions_in_english(db: Database, clock: FakeClock) -> None:
    chat = Chat(db, clock, language="en")
    await chat.send("!action Check the lights @olle:eslov.se due tomorrow")
    clock.advance(timedelta(days=2))

    assert await chat.send("!actions") == (
        "1 open action:\n#1 Check the lights — Olle Olsson — due Tuesday 1 December 2026 (overdue)"
    )
    assert await chat.send("!actions mine") == "You have no open actions."


async def test_an_unknown_filter_is_refused(chat: Chat) -> None:
    for word in ["foo", "@kim:eslov.se @olle:eslov.se", "@kim:eslov.se och fler"]:
        assert await chat.send(f"!actions {word}") == (
            f'Jag förstår inte "{word}"; skriv öppna, mina, alla, försenade eller @namn.\n'
            "Användning: `!åtgärder [öppna | mina | alla | försenade | @namn] [från <nummer>]`"
        ), word


async def test_actions_of_another_room_are_not_listed(db: Database, clock: FakeClock, chat: Chat) -> None:
    other = await Chat(db, clock, room_id=OTHER_ROOM).joined()
    await other.send("!action Trygghetsvandring senast fredag")
    await chat.send("!action Ring fastighetsägaren")

    assert await chat.send("!actions") == "1 öppen åtgärd:\n#1 Ring fastighetsägaren — ingen ansvarig"
    assert await chat.send("!actions all") == "1 åtgärd i rummet:\n#1 Ring fastighetsägaren — ingen ansvarig"


# Long lists


async def test_300_actions_are_trimmed_with_a_count(chat: Chat, db: Database) -> None:
    await chat.bulk_actions(300)

    body = await chat.send("!actions")

    lines = body.split("\n")
    assert lines[0] == "300 öppna åtgärder:"
    shown = lines[1:-1]
    assert all(line.startswith("#") for line in shown)
    assert lines[-1] == MORE_ACTIONS.format(n=300 - len(shown), position=len(shown) + 1)
    assert 10 < len(shown) < 300
    assert len(body) <= MAX_BODY
    dues = [re.search(r"senast \w+ (\d+ \w+)", line).group(1) for line in shown]
    assert dues[0] == "30 november"  # soonest first (the 40th, 80th, … are due today)


async def test_every_filter_is_trimmed(chat: Chat, db: Database, clock: FakeClock) -> None:
    await chat.bulk_actions(100)
    clock.advance(timedelta(days=45))  # all overdue

    for filter_word in ("all", "mine", "overdue", "@kim:eslov.se"):
        body = await chat.send(f"!actions {filter_word}", sender=KIM)

        assert len(body) <= MAX_BODY, filter_word
        hint = re.fullmatch(r"… och (\d+) åtgärder till: `(!åtgärder [^`]+) från (\d+)`", body.split("\n")[-1])
        assert hint is not None, filter_word
        rest = await chat.send(f"{hint.group(2)} från {hint.group(3)}", sender=KIM)  # the hint shows the rest
        assert rest.split("\n")[1].startswith("#"), filter_word
        assert int(hint.group(1)) + int(hint.group(3)) - 1 == 100, filter_word


async def test_actions_of_the_longest_text_stay_under_the_limit(chat: Chat, db: Database) -> None:
    await chat.bulk_actions(50, text="{i} " + "x" * 1990)

    body = await chat.send("!actions")

    assert len(body) <= MAX_BODY
    assert body.split("\n")[-1] == MORE_ACTIONS.format(n=49, position=2)
