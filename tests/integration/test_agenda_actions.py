"""Agenda items and actions in real rooms: their whole life, room isolation, and the nudge before a due date."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.nudges import working_day_before
from bot.localclient import content_of
from tests.integration.helpers import LEAD, SET_UP, JobWatch, ShiftedClock, ask, barrier, room_with_bot

pytestmark = pytest.mark.integration

STOCKHOLM = ZoneInfo("Europe/Stockholm")


async def test_agenda_items_added_listed_and_removed(make_bot, make_user, make_room):
    bot = make_bot()
    anna = await make_user("anna")
    room_id = await room_with_bot(bot, anna, make_room)

    assert (await ask(anna, room_id, "!dagordning ny Klotter vid busstationen"))["body"] == (
        "Punkt 1 på dagordningen för nästa möte."
    )
    await ask(anna, room_id, "!agenda add Belysning i parken\nsärskilt vid lekplatsen")
    await ask(anna, room_id, "!agenda add Nattvandring <b>helg</b>")

    listed = await ask(anna, room_id, "!dagordning")
    lines = listed["body"].splitlines()
    assert lines[0] == "Dagordning för nästa möte:"
    assert lines[1].startswith("1. Klotter vid busstationen")
    assert lines[2:4] == ["2. Belysning i parken", "   särskilt vid lekplatsen" + lines[3][len("   särskilt vid lekplatsen"):]]
    assert "&lt;b&gt;helg&lt;/b&gt;" in listed["formatted_body"]

    removed = await ask(anna, room_id, "!agenda remove 1")
    assert removed["body"].startswith("Punkt 1 är borttagen: Klotter vid busstationen")
    assert "\n1. Belysning i parken" in removed["body"] and "\n2. Nattvandring" in removed["body"]

    refused = await ask(anna, room_id, "!agenda remove 7")
    assert refused["body"].startswith("Det finns ingen punkt 7; dagordningen har 2 punkter.")


async def test_an_agenda_item_with_a_mobile_number_is_refused_without_repeating_it_and_not_listed(
    make_bot, make_user, make_room
):
    bot = make_bot()
    anna = await make_user("anna")
    room_id = await room_with_bot(bot, anna, make_room, encrypted=True)

    refused = await ask(anna, room_id, "!dagordning ny Boende på Storgatan 12 vill bli uppringda på 070-123 45 67")

    assert refused["body"].startswith("Jag sparar inte texten: den innehåller ett telefonnummer som kan gå till en")
    assert "45 67" not in refused["body"] and "45 67" not in refused["formatted_body"]
    assert (await ask(anna, room_id, "!dagordning"))["body"].splitlines() == [
        "Dagordning för nästa möte:",
        "Dagordningen är tom. Lägg till en punkt med `!dagordning ny <text>`.",
    ]


async def test_a_long_agenda_shows_every_item_through_its_hint(make_bot, make_user, make_room):
    """30 long items do not fit one message: the hint is a command that shows items 29 and 30 (and all the others
    left out), never the command just given."""
    bot = make_bot()
    anna = await make_user("anna")
    room_id = await room_with_bot(bot, anna, make_room)
    for i in range(1, 31):
        await ask(anna, room_id, f"!dagordning ny Punkt {i}: " + "belysning och klotter vid stationen " * 4)

    first = (await ask(anna, room_id, "!dagordning"))["body"]
    hint = re.search(r"\n… och (\d+) punkter till: `(!dagordning från (\d+))`$", first)
    assert hint is not None, first[-200:]
    assert len(first) <= 4000 and hint.group(2) != "!dagordning"

    rest = (await ask(anna, room_id, hint.group(2)))["body"]
    numbers = [int(line.split(".")[0]) for line in rest.splitlines()[1:] if line[:1].isdigit()]
    assert numbers[0] == int(hint.group(3)) and numbers[-1] == 30
    assert len(numbers) == int(hint.group(1))
    assert "29. Punkt 29:" in rest and "30. Punkt 30:" in rest


async def test_an_action_from_logging_to_done_with_its_history(make_bot, make_user, make_room):
    bot = make_bot()
    anna = await make_user("anna")
    per = await make_user("per")
    room_id = await room_with_bot(bot, anna, make_room, encrypted=True, others=(per,))

    logged = await ask(
        anna, room_id, f"!åtgärd Se över belysningen vid stationen {per.user_id} för Polisen senast om 3 dagar",
    )
    assert logged["body"].startswith("Åtgärd #1 är registrerad.")
    assert "Polisen" in logged["body"] and "senast" in logged["body"]

    stranger_done = await ask(anna, room_id, "!klar 2")
    assert stranger_done["body"].startswith("Det finns ingen åtgärd #2")

    await ask(per, room_id, "!action due 1 om 5 dagar")
    await ask(per, room_id, "!action edit 1 Se över belysningen vid stationen och i tunneln")
    done = await ask(per, room_id, "!done 1 Nya lampor på plats")
    assert done["body"].startswith("Åtgärd #1 är klar.")

    shown = await ask(anna, room_id, "!action 1")
    history = shown["body"].split("Historik:\n", 1)[1].splitlines()
    assert [line.split(": ", 1)[1] for line in history] == [
        "lade in åtgärden",
        history[1].split(": ", 1)[1],  # the new due date, checked below
        'ändrade texten (tidigare: "Se över belysningen vid stationen")',
        "markerade den som klar: Nya lampor på plats",
    ]
    assert history[1].split(": ", 1)[1].startswith("satte senast-datum ")
    assert (await ask(anna, room_id, "!åtgärder"))["body"].startswith("Inga öppna åtgärder.")


async def test_rooms_are_isolated(make_bot, make_user, make_room):
    bot = make_bot()
    anna = await make_user("anna")
    room_a = await room_with_bot(bot, anna, make_room)
    room_b = await room_with_bot(bot, anna, make_room)

    await ask(anna, room_a, "!action Städa i parken")
    await ask(anna, room_a, "!agenda add Bara i rum A")

    assert (await ask(anna, room_b, "!actions"))["body"].startswith("Inga öppna åtgärder.")
    assert "Bara i rum A" not in (await ask(anna, room_b, "!agenda"))["body"]
    assert (await ask(anna, room_b, "!done 1"))["body"].startswith("Det finns ingen åtgärd #1 i det här rummet")
    assert (await ask(anna, room_a, "!actions"))["body"].startswith("1 öppen åtgärd:")
    assert (await ask(anna, room_b, "!action Första i rum B"))["body"].startswith("Åtgärd #1 är registrerad.")


async def test_nudge_the_working_day_before_mentions_the_owner_once(make_bot, make_user, make_room):
    # A due date whose nudge (08:00 on the working day before) is seconds ahead of the bot's clock once set up.
    start = datetime.now(timezone.utc).astimezone(STOCKHOLM).date() + timedelta(days=10)
    due = next(start + timedelta(days=n) for n in range(14) if (start + timedelta(days=n)).weekday() == 2)
    nudge_at = datetime.combine(working_day_before(due), time(8, 0), tzinfo=STOCKHOLM)
    clock = ShiftedClock(nudge_at - SET_UP)
    bot = make_bot(clock=clock)
    anna = await make_user("anna")
    room_id = await room_with_bot(bot, anna, make_room)
    jobs = JobWatch(bot)
    clock.set(nudge_at - LEAD)

    await ask(anna, room_id, f"!action Kolla skyltningen {anna.user_id} due {due.isoformat()}")

    def nudges():
        return [
            e for e in anna.messages_from(room_id, bot.user_id)
            if content_of(e)["body"].startswith("Påminnelse om åtgärd #1")
        ]  # fmt: skip

    await anna.wait_for(nudges, timeout=30)
    await jobs.idle()  # a second nudge would come from a job that runs again
    await barrier(anna, room_id)
    [nudge] = nudges()
    content = content_of(nudge)
    assert content["m.mentions"] == {"user_ids": [anna.user_id]}
    assert f'href="https://matrix.to/#/{anna.user_id}"' in content["formatted_body"]
    assert "Kolla skyltningen" in content["body"]

    await bot.stop()
    await bot.start()  # a restart sends it again never
    await JobWatch(bot).idle()
    await barrier(anna, room_id)
    assert len(nudges()) == 1
