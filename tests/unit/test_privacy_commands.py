"""The privacy guard in every command that stores text: refused with the explanation, nothing stored, the number
never repeated back into the room."""

from __future__ import annotations

import pytest

from bot.clock import FakeClock
from bot.i18n import CATALOGUES
from bot.store.db import Database
from bot.store.series import SeriesRepo
from tests.unit.handlers import OLLE, PNR, PRIVACY_SV, Chat
from tests.unit.helpers import ROOM

SAMORDNINGSNUMMER = "701063-2391"



@pytest.fixture
async def chat(db: Database, clock: FakeClock) -> Chat:
    """A room with a weekly meeting at Stadshuset and action #1, owned by Olle."""
    chat = Chat(db, clock)
    await chat.send("!schedule weekly tisdag 09:00")
    await chat.send("!schedule place Stadshuset, sal 2")
    await chat.send("!action Kolla belysningen @olle:eslov.se senast fredag")
    return chat


async def series_rows(db: Database) -> list[tuple]:
    async with db.reading() as conn:
        async with conn.execute("SELECT * FROM series ORDER BY id") as cursor:
            return [tuple(row) for row in await cursor.fetchall()]


REFUSED = [
    f"!agenda add Personen {PNR} syns ofta vid busstationen",
    f"!agenda add Klotter vid busstationen\nanmält av {PNR}",
    f"!dagordning ny Samordningsnr {SAMORDNINGSNUMMER}, ingen fast adress",
    "!agenda add Anmälan gäller 198112189876",
    f"!action Kontakta {PNR} om klottret",
    f"!action Kontakta boende\n{PNR}\n@olle:eslov.se senast fredag",
    f"!action Kontakta boende för Polisen {PNR}",
    f"!action Kontakta boende för {PNR}",
    f"!action edit 1 Kolla belysningen hos {PNR}",
    f"!action assign 1 @olle:eslov.se för Polisen {PNR}",
    f"!done 1 Pratade med {PNR}",
    f"!klar 1 Pratade med 19{PNR}",
    f"!action cancel 1 Gäller {PNR}",
    f"!schedule place Hemma hos {PNR}",
    f"!schema plats {SAMORDNINGSNUMMER}s adress",
    f"!schedule name Möte om {PNR}",
]


async def test_every_command_that_stores_text_refuses_an_identity_number(chat: Chat, db: Database) -> None:
    before = (await chat.tables(), await series_rows(db))
    chat.committed.clear()

    for body in REFUSED:
        reply = await chat.reply(body, sender=OLLE if body.startswith(("!done", "!klar")) else "@anna:eslov.se")
        assert reply["body"] == PRIVACY_SV, body
        assert "9876" not in reply["formatted_body"] and "2391" not in reply["formatted_body"], body
        assert reply["m.mentions"] == {}, body
    assert (await chat.tables(), await series_rows(db)) == before
    assert chat.committed == []


async def test_the_refusal_in_english(db: Database, clock: FakeClock) -> None:
    chat = Chat(db, clock, language="en")

    assert await chat.send(f"!agenda add Person {PNR} seen at the station") == (
        "I have not saved this: it contains a Swedish personal identity number (personnummer or samordningsnummer). "
        "The room is no place for personal data, and what is written here can become a public record. Describe "
        "places and situations, not people, and send the command again without the number. "
        "Please delete your message too."
    )
    assert await chat.agenda() == []


async def test_a_place_and_a_name_with_an_identity_number_leave_the_series_as_it_was(chat: Chat, db: Database) -> None:
    await chat.send(f"!schedule place Hemma hos {PNR}")
    await chat.send(f"!schedule name Möte om {PNR}")

    async with db.reading() as conn:
        [series] = await SeriesRepo(conn).in_room(ROOM)
    assert (series.name, series.location) == ("Örat mot marken", "Stadshuset, sal 2")


async def test_numbers_that_are_not_identity_numbers_go_through(chat: Chat) -> None:
    for body in [
        "!agenda add Trasig belysning i gångtunneln; felanmält som ärende 2026-114532.",
        "!agenda add Polisen ökar närvaron under v.50, ring 114 14 eller kommunens växel 0413-620 00 vid frågor.",
        "!action Ring fastighetsbolaget 046-35 50 00 om porten senast 2026-12-04",
        "!schedule place Stadshuset, sal 2 (org.nr 212000-1124)",
    ]:
        assert (await chat.send(body)).startswith(("Punkt ", "Åtgärd #2 ", "Örat mot marken hålls nu här:")), body


async def test_an_error_never_repeats_an_identity_number(chat: Chat) -> None:
    echoed = []
    for body in [
        f"!action Kolla porten senast {PNR}",
        f"!action Kolla porten senast fredag\n{PNR}",
        f"!action due 1 {PNR}",
        f"!done {PNR}",
        f"!actions {PNR}",
        f"!agenda {PNR} syns vid stationen",
        f"!schedule skip {PNR}",
    ]:
        if "9876" in await chat.send(body):
            echoed.append(body)

    assert echoed == []


# E-mail addresses, phone numbers and registration numbers, each refused with its own explanation.

REFUSED_SV = "Jag sparar inte texten: den innehåller "
EMAIL = ("privacy.email", REFUSED_SV + "en e-postadress. ")
PHONE = ("privacy.phone_number", REFUSED_SV + "ett telefonnummer som kan gå till en person. ")
PLATE = ("privacy.registration_number", REFUSED_SV + "något som ser ut som ett registreringsnummer")
PERSONAL = [
    ("anna.andersson@eslov.se", *EMAIL),
    ("070-123 45 67", *PHONE),
    ("+46 70 123 45 67", *PHONE),
    ("ABC 123", *PLATE),
    ("ABC 12D", *PLATE),
]


async def decisions(db: Database) -> list[tuple]:
    async with db.reading() as conn:
        async with conn.execute("SELECT * FROM decisions ORDER BY id") as cursor:
            return [tuple(row) for row in await cursor.fetchall()]


@pytest.mark.parametrize(("found", "key", "beginning"), PERSONAL)
async def test_an_item_an_action_or_a_decision_pointing_at_a_person_is_refused_and_stores_nothing(
    chat: Chat, db: Database, found: str, key: str, beginning: str
) -> None:
    await chat.send("!möte start extra")
    await chat.send("!beslut Fler kameror vid stationen")
    before = (await chat.tables(), await decisions(db))
    chat.committed.clear()

    for body in [
        f"!dagordning ny Oro vid skolan, kontakt {found}",
        f"!agenda add Klotter vid stationen\nanmält av {found}",
        f"!åtgärd Ring {found} om porten @olle:eslov.se senast fredag",
        f"!action Follow up {found}",
        f"!åtgärd ändra 1 Kolla belysningen, {found}",
        f"!klar 1 Pratade med {found}",
        f"!beslut Polisen följer upp {found}",
    ]:
        reply = await chat.reply(body, sender=OLLE if body.startswith("!klar") else "@anna:eslov.se")
        assert reply["body"].startswith(beginning) and reply["body"] == CATALOGUES["sv"][key], body
        assert found not in reply["body"] and found not in reply["formatted_body"], body
        assert reply["m.mentions"] == {}, body
    assert (await chat.tables(), await decisions(db)) == before
    assert chat.committed == []


async def test_the_new_refusals_in_english(db: Database, clock: FakeClock) -> None:
    chat = Chat(db, clock, language="en")

    assert (await chat.send("!agenda add Mail anna@eslov.se about it")).startswith(
        "I have not saved this: it contains an e-mail address. "
    )
    assert (await chat.send("!agenda add Call 0701234567")).startswith(
        "I have not saved this: it contains a phone number that may reach a person. "
    )
    assert (await chat.send("!agenda add Car ABC 123 seen again")).startswith(
        "I have not saved this: it contains what looks like a vehicle registration number "
    )
    assert await chat.agenda() == []


async def test_public_numbers_and_switchboards_go_through_and_are_stored_as_written(chat: Chat) -> None:
    text = "Ring 112, 114 14 eller Eslövs kommun 0413-620 00; Kvinnofridslinjen 020-50 50 50"

    assert (await chat.send(f"!dagordning ny {text}")).startswith("Punkt 1 ")
    assert [item.text for item in await chat.agenda()] == [text]
