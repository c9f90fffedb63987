"""A meeting held in a real room: agenda, decisions, actions, minutes posted and attached as a file."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from nio import ProfileSetDisplayNameResponse

from bot.i18n import Catalogue
from bot.i18n.dates import day
from bot.localclient import content_of
from tests.integration.helpers import ShiftedClock, ask, download, minutes_file, room_with_bot

STOCKHOLM = ZoneInfo("Europe/Stockholm")

pytestmark = pytest.mark.integration

HEADINGS = ["## Deltagare", "## Dagordning", "## Beslut", "## Nya åtgärder", "## Uppföljning", "## Kvarstående punkter"]


async def test_a_full_meeting_produces_minutes_and_a_downloadable_file(make_bot, make_user, make_room, homeserver):
    bot = make_bot()
    chair = await make_user("chair")
    per = await make_user("per")
    lisa = await make_user("lisa")
    room_id = await room_with_bot(bot, chair, make_room, others=(per, lisa))
    await ask(chair, room_id, "!dagordning ny Klotter vid busstationen")
    await ask(per, room_id, "!dagordning ny Belysning i parken")
    await ask(chair, room_id, "!åtgärd Kolla kamerorna för Polisen")
    await ask(chair, room_id, "!org set Polisen")
    await ask(per, room_id, "!org set polisen")

    started = await ask(chair, room_id, "!möte start")
    assert started["body"].startswith("Mötet ")
    assert "1. Klotter vid busstationen" in started["body"]
    assert "Uppföljning av åtgärder:\n#1 Kolla kamerorna — Polisen" in started["body"]

    await per.send(room_id, "Polisen har sett mer klotter i helgen.")  # taking part by writing
    await ask(lisa, room_id, "!närvarande")
    assert (await ask(chair, room_id, "!agenda done 1 Polisen ökar närvaron kvällstid"))["body"].startswith(
        "Punkt 1 är behandlad"
    )
    assert (await ask(chair, room_id, "!beslut Kommunen sätter upp ny belysning"))["body"] == (
        "Beslut 1: Kommunen sätter upp ny belysning"
    )
    await ask(chair, room_id, f"!åtgärd Sätt upp skyltar {per.user_id} senast om 7 dagar")
    await ask(chair, room_id, "!klar 1 Kamerorna fungerar")  # chair logged it, so may close it

    ended = await ask(chair, room_id, "!möte slut")
    body = ended["body"]
    assert body.startswith("Protokoll från ")
    assert "(vecka " in body and " kl. " in body
    # By organisation, those without one last.
    police, others = body.split("Deltagare:\n", 1)[1].splitlines()[:2]
    assert police.startswith("Polisen: ")
    for user in (chair, per):
        assert user.user_id.split(":")[0][1:] in police
    assert lisa.user_id.split(":")[0][1:] in others and others.endswith("(lyssnade)")
    # What was decided and agreed, not how many: the decision, and the new action with its owner and due date.
    due = day(datetime.now(STOCKHOLM).date() + timedelta(days=7), Catalogue("sv"))
    per_name = per.user_id.split(":")[0][1:]  # Synapse's display name for a new user
    assert "Behandlade punkter:\n• Klotter vid busstationen — Polisen ökar närvaron kvällstid\n" in body
    assert "\nBeslut:\n• Kommunen sätter upp ny belysning\n" in body
    assert f"\nNya åtgärder:\n#2 Sätt upp skyltar — {per_name} — senast {due}\n" in body
    assert body.endswith("\nKvarstår:\n• Belysning i parken")

    file_content = await minutes_file(chair, room_id, bot.user_id)
    assert file_content["info"]["mimetype"] == "text/markdown"
    text = download(homeserver, chair.client.access_token, file_content["url"])
    positions = [text.index(heading) for heading in HEADINGS]
    assert positions == sorted(positions)
    assert "Klotter vid busstationen  \n  Anteckning: Polisen ökar närvaron kvällstid" in text
    assert "- Kommunen sätter upp ny belysning" in text
    assert "#2 Sätt upp skyltar" in text.split("## Nya åtgärder")[1].split("##")[0]
    assert "#1 Kolla kamerorna — Polisen" in text.split("## Uppföljning")[1] and "(klar)" in text
    assert "- Belysning i parken" in text.split("## Kvarstående punkter")[1]
    listed = text.split("## Deltagare")[1].split("##")[0]
    assert "\n- Polisen: " in listed and f"{lisa.user_id}, lyssnade)" in listed.split("\n- Polisen: ")[1]

    # `!protokoll` shows that file rendered: headings and bullets, no Markdown markers.
    shown = await ask(per, room_id, "!protokoll")
    assert shown["body"].startswith("Protokoll: ") and "##" not in shown["body"] and "\\" not in shown["body"]
    assert f"\n\nNya åtgärder\n• #2 Sätt upp skyltar — {per_name} — senast {due}\n" in shown["body"]
    assert "<h2>Beslut</h2>\n<ul>\n<li>Kommunen sätter upp ny belysning</li>\n</ul>" in shown["formatted_body"]


async def test_meeting_commands_refuse_bad_input(make_bot, make_user, make_room):
    bot = make_bot()
    chair = await make_user("chair")
    per = await make_user("per")
    room_id = await room_with_bot(bot, chair, make_room, others=(per,))

    assert (await ask(chair, room_id, "!möte slut"))["body"].startswith("Inget möte pågår.")
    assert (await ask(chair, room_id, "!beslut Något"))["body"].startswith("Inget möte pågår.")
    assert (await ask(per, room_id, "!möte start"))["body"].startswith("Det här får bara moderatorer göra")
    assert (await ask(chair, room_id, "!möte start"))["body"].startswith("Mötet ")
    second = await ask(chair, room_id, "!möte start")
    assert "pågår redan" in second["body"]
    assert (await ask(per, room_id, "!möte slut"))["body"].startswith("Det här får bara moderatorer göra")
    assert (await ask(chair, room_id, "!protokoll"))["body"] == "Det finns inga protokoll än i det här rummet."


async def test_restart_in_the_middle_of_a_meeting_keeps_it_open(make_bot, make_user, make_room, homeserver):
    bot = make_bot()
    chair = await make_user("chair")
    room_id = await room_with_bot(bot, chair, make_room, encrypted=True)
    await ask(chair, room_id, "!möte start")
    await ask(chair, room_id, "!beslut Före omstarten")
    await bot.stop()
    await bot.start()

    assert (await ask(chair, room_id, "!beslut Efter omstarten"))["body"] == "Beslut 2: Efter omstarten"
    ended = (await ask(chair, room_id, "!möte slut"))["body"]
    assert "\nBeslut:\n• Före omstarten\n• Efter omstarten" in ended
    minutes = (await ask(chair, room_id, "!protokoll"))["body"]
    assert "\nBeslut\n• Före omstarten\n• Efter omstarten\n" in minutes
    file_content = await minutes_file(chair, room_id, bot.user_id)
    assert "file" in file_content and "url" not in file_content  # encrypted room: an encrypted attachment


async def test_a_meeting_left_open_is_closed_automatically(make_bot, make_user, make_room):
    clock = ShiftedClock(datetime.now(timezone.utc))
    bot = make_bot(clock=clock)
    chair = await make_user("chair")
    room_id = await room_with_bot(bot, chair, make_room)
    await ask(chair, room_id, "!möte start")  # ad hoc: planned to end an hour from now
    await ask(chair, room_id, "!beslut Glömde avsluta")
    await bot.stop()

    clock.advance(timedelta(hours=4, minutes=1))  # three hours past the planned end
    await bot.start()

    notices = await chair.wait_for(
        lambda: [
            e for e in chair.messages_from(room_id, bot.user_id)
            if content_of(e).get("body", "").startswith("Mötet stängdes automatiskt")
        ]
    )  # fmt: skip
    assert "Protokoll från " in content_of(notices[0])["body"]
    assert content_of(notices[0])["body"].endswith("\nBeslut:\n• Glömde avsluta")
    file_content = await minutes_file(chair, room_id, bot.user_id)
    assert file_content["msgtype"] == "m.file"
    assert (await ask(chair, room_id, "!möte slut"))["body"].startswith("Inget möte pågår.")
    minutes = (await ask(chair, room_id, "!protokoll"))["body"]
    assert "Mötet stängdes automatiskt 3 timmar efter den planerade sluttiden." in minutes
    assert "\nBeslut\n• Glömde avsluta\n" in minutes


async def test_the_minutes_name_people_by_their_display_names(make_bot, make_user, make_room, homeserver):
    bot = make_bot()
    chair = await make_user("chair")
    per = await make_user("per")
    response = await per.client.set_displayname("Per Persson")
    assert isinstance(response, ProfileSetDisplayNameResponse), response
    room_id = await room_with_bot(bot, chair, make_room, others=(per,))
    await ask(chair, room_id, "!möte start")
    await per.send(room_id, "Polisen har sett mer klotter i helgen.")  # taking part by writing
    await ask(chair, room_id, f"!åtgärd Kolla klottret {per.user_id} senast om 3 dagar")

    ended = (await ask(chair, room_id, "!möte slut"))["body"]

    participants = ended.split("Deltagare: ", 1)[1].splitlines()[0]
    assert participants.split(", ")[1:] == ["Per Persson"]
    assert "\n#1 Kolla klottret — Per Persson — senast " in ended
    text = download(homeserver, chair.client.access_token, (await minutes_file(chair, room_id, bot.user_id))["url"])
    assert f"- Per Persson ({per.user_id})\n" in text.split("## Deltagare")[1].split("##")[0]
    assert text.count(per.user_id) == 1  # elsewhere by name: the action's owner is Per Persson
    assert "- #1 Kolla klottret — Per Persson — senast " in text
    shown = (await ask(chair, room_id, "!protokoll"))["body"]
    assert f"\n• Per Persson ({per.user_id})\n" in shown
