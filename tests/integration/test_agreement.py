"""The yearly agreement in a real room: a moderator makes it and its priorities, actions are linked both ways, a link
to a priority that does not exist stores nothing; after its first quarter the bot posts the status once, and not
again after a restart; `!överenskommelse rapport` posts the follow-up and its Markdown file."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.agreement import add_months
from bot.i18n import Catalogue
from bot.i18n.dates import day as long_day
from bot.localclient import content_of
from tests.integration.helpers import (
    LEAD,
    SET_UP,
    JobWatch,
    ShiftedClock,
    ask,
    barrier,
    download,
    posted,
    room_with_bot,
)

pytestmark = pytest.mark.integration

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def statuses_in(user, room_id, bot_id):
    return [e for e in user.messages_from(room_id, bot_id) if content_of(e).get("body", "").startswith("Status för ")]


async def test_an_agreements_life(make_bot, make_user, make_room, homeserver):
    # The first quarter of the agreement ends yesterday, a week from now: its status is due at 09:00 that day.
    day = (datetime.now(timezone.utc) + timedelta(days=7)).astimezone(STOCKHOLM).date()
    due = datetime.combine(day, time(9), tzinfo=STOCKHOLM).astimezone(timezone.utc)
    starts, ends = add_months(day, -3), add_months(day, 9) - timedelta(days=1)
    clock = ShiftedClock(due - SET_UP)
    bot = make_bot(clock=clock)
    chair = await make_user("chair")
    per = await make_user("per")
    room_id = await room_with_bot(bot, chair, make_room, others=(per,))
    await ask(per, room_id, "!org set Polisen")

    made = await ask(
        chair, room_id, f"!överenskommelse ny Samverkan {starts.year} {starts.isoformat()} {ends.isoformat()}"
    )
    assert made["body"].startswith(f"Samverkan {starts.year} gäller ")
    added = await ask(
        chair,
        room_id,
        "!överenskommelse lägg till Minska klottret i centrum mål Halvera anmälningarna för Polis kategorier Klotter",
    )
    assert added["body"].splitlines()[:4] == [
        f"P1 är tillagd i Samverkan {starts.year}:",
        "P1 Minska klottret i centrum",
        "   Mål: Halvera anmälningarna",
        "   Ansvariga: Polisen",
    ]
    assert (await ask(per, room_id, "!överenskommelse lägg till Tryggare torg"))["body"].startswith(
        "Det här får bara moderatorer göra"
    )
    await ask(chair, room_id, "!överenskommelse lägg till Tryggare stationsområde")

    # Linked as it is logged, and later; a priority that does not exist is an error and stores nothing.
    logged = await ask(per, room_id, "!åtgärd Sanera klotter vid torget för Polisen prio 1")
    assert logged["body"].splitlines()[-1] == f"Hör till P1 i Samverkan {starts.year}: Minska klottret i centrum"
    refused = await ask(per, room_id, "!åtgärd Laga belysningen prioritet 9")
    assert refused["body"] == f"Samverkan {starts.year} har ingen prioritering P9; se `!överenskommelse`."
    await ask(per, room_id, "!åtgärd Laga belysningen")
    assert (await ask(per, room_id, "!åtgärd koppla 2 P2"))["body"].startswith("Åtgärd #2 är kopplad till P2")
    assert (await ask(per, room_id, "!åtgärder alla"))["body"].startswith("2 åtgärder i rummet:")

    shown = (await ask(per, room_id, "!överenskommelse"))["body"]
    assert "   Åtgärder: 1 öppen (#1)\n" in shown and "   Åtgärder: 1 öppen (#2)\n" in shown
    assert shown.endswith(f"nästa gång {long_day(day, Catalogue('sv'))}.")

    jobs = JobWatch(bot)
    clock.set(due - LEAD)
    await ask(chair, room_id, "!överenskommelse ändra P2 mål Färre otrygga platser")  # planned anew, on the clock now

    [status] = await chair.wait_for(lambda: statuses_in(chair, room_id, bot.user_id), timeout=30)
    body = content_of(status)["body"]
    assert body.startswith(f"Status för Samverkan {starts.year} efter kvartal 1 (")
    assert "   Mål: Färre otrygga platser\n" in body
    await jobs.idle()

    await bot.stop()
    await bot.start()  # a restart posts it no second time
    await JobWatch(bot).idle()
    await barrier(chair, room_id)
    assert len(statuses_in(chair, room_id, bot.user_id)) == 1

    await ask(per, room_id, "!klar 1 Sanerat och målat över")
    report = await ask(per, room_id, "!överenskommelse rapport")
    assert report["body"].splitlines()[1].startswith("P1 Minska klottret i centrum: 1 klar; Iakttagelser (Klotter) ")
    file = await posted(per, room_id, bot.user_id)
    assert file["body"] == f"uppfoljning-{starts.isoformat()}-{ends.isoformat()}.md"
    markdown = download(homeserver, per.client.access_token, file["url"])
    assert markdown.startswith(f"# Uppföljning: Samverkan {starts.year}\n")
    assert "- #1 Sanera klotter vid torget — Polisen — (klar) — kommentar: Sanerat och målat över\n" in markdown
    assert "### Inte gjort\n\n- #2 Laga belysningen — " in markdown
