"""Reports in real rooms: stored, listed and removed; a near miss only suggested; commands sent while the bot is away
answered once when it is back, with nothing lost and nothing doubled."""

from __future__ import annotations

import pytest

from bot.localclient import content_of
from tests.integration.helpers import ask, barrier, room_with_bot

pytestmark = pytest.mark.integration


async def test_a_report_stored_listed_and_removed(make_bot, make_user, make_room):
    bot = make_bot()
    anna = await make_user("anna")
    kim = await make_user("kim")
    room_id = await room_with_bot(bot, anna, make_room, encrypted=True, others=(kim,))

    assert (await ask(kim, room_id, "!org sätt Polisen"))["body"].endswith("företräder Polisen.")
    stored = await ask(kim, room_id, "!rapport stat otrygg plats Mörkt under <b>bron</b> datum igår")
    assert stored["body"].startswith("Rapport 1: Stationsområdet · Otrygg plats · ")
    assert stored["body"].endswith(" · Mörkt under <b>bron</b>")
    assert "&lt;b&gt;bron&lt;/b&gt;" in stored["formatted_body"]
    assert (await ask(anna, room_id, "!rapport Centrum Klotter på muren"))["body"].startswith("Rapport 2: Centrum · Klotter")

    listed = (await ask(anna, room_id, "!rapporter"))["body"].splitlines()
    assert listed[0].startswith("2 rapporter, ")
    assert listed[1].startswith("1. Stationsområdet · Otrygg plats · ") and listed[1].endswith("(Polisen)")
    assert listed[2].startswith("2. Centrum · Klotter · ")

    refused = await ask(kim, room_id, "!rapport ta bort 2")
    assert refused["body"].startswith("Rapport 2 får bara tas bort av den som skrev den eller av en moderator")
    removed = await ask(anna, room_id, "!rapport ta bort 2")
    assert removed["body"].startswith("Rapport 2 är borttagen: Centrum · Klotter · ")
    assert (await ask(kim, room_id, "!rapport 2"))["body"].startswith("Rapport 2 togs bort av ")
    assert len((await ask(kim, room_id, "!rapporter"))["body"].splitlines()) == 2  # the header and report 1


async def test_a_near_miss_is_only_suggested_and_stores_nothing(make_bot, make_user, make_room):
    bot = make_bot()
    anna = await make_user("anna")
    room_id = await room_with_bot(bot, anna, make_room)

    missed = await ask(anna, room_id, "!rapport Statoinsområdet Klotter på väggen")
    assert missed["body"].startswith('Menade du Stationsområdet? Det finns inget område som heter "Statoinsområdet".')
    assert (await ask(anna, room_id, "!rapporter"))["body"].startswith("Inga rapporter, ")
    # Nothing was stored, not even a number.
    assert (await ask(anna, room_id, "!rapport Stationsområdet Klotter på väggen"))["body"].startswith("Rapport 1: ")


async def test_reports_sent_while_the_bot_is_away_are_answered_once_and_kept(make_bot, make_user, make_room):
    bot = make_bot()
    anna = await make_user("anna")
    room_id = await room_with_bot(bot, anna, make_room)
    await ask(anna, room_id, "!org sätt Eslövs kommun")
    await ask(anna, room_id, "!rapport Centrum Klotter före omstarten")
    await bot.stop()
    sent = [
        await anna.send(room_id, "!rapport Berga Brand under omstarten"),
        await anna.send(room_id, "!rapport Brega Brand i en container"),  # a near miss: nothing stored
        await anna.send(room_id, "!rapport ta bort 1"),
    ]
    await bot.start()

    replies = [content_of(await anna.reply_to(room_id, event_id))["body"] for event_id in sent]
    assert replies[0].startswith("Rapport 2: Berga · Brand · ")
    assert replies[1].startswith("Menade du Berga?")
    assert replies[2].startswith("Rapport 1 är borttagen: Centrum · Klotter")
    await barrier(anna, room_id)
    assert [len(anna.replies_to(room_id, event_id)) for event_id in sent] == [1, 1, 1]

    await bot.stop()
    await bot.start()
    assert (await ask(anna, room_id, "!rapport Centrum Klotter efter omstarten"))["body"].startswith("Rapport 3: ")
    listed = (await ask(anna, room_id, "!rapporter"))["body"].splitlines()
    assert listed[0].startswith("2 rapporter, ")
    assert [line.split(" · ")[0] for line in listed[1:]] == ["2. Berga", "3. Centrum"]
    assert all(line.endswith("(Eslövs kommun)") for line in listed[1:])
