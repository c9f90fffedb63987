"""Two meetings held on one day: their minutes files have distinct names, and `!protokoll <datum> [<nummer>]`
picks between them."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from bot.feature import Services
from bot.features import FEATURES
from bot.features.meetings import post_minutes_file
from bot.i18n import Catalogue
from bot.store.db import Database
from bot.store.meetings import MeetingRepo
from bot.store.outbox import OutboxRepo
from tests.unit.handlers import Chat
from tests.unit.helpers import ROOM, make_settings



async def two_meetings(chat: Chat, clock: FakeClock) -> None:
    await chat.send("!möte start")
    await chat.send("!beslut Förmiddagens beslut")
    await chat.send("!möte slut")
    clock.advance(timedelta(hours=4))
    await chat.send("!möte start")
    await chat.send("!beslut Eftermiddagens beslut")
    await chat.send("!möte slut")


async def test_the_day_shows_its_last_meeting_and_how_to_see_the_other(db: Database, clock: FakeClock) -> None:
    chat = Chat(db, clock)
    await two_meetings(chat, clock)

    reply = await chat.send("!protokoll 30/11")

    first_line, rest = reply.split("\n\n", 1)
    assert first_line == "Den dagen hölls 2 möten; det här är möte 2. De andra: `!protokoll 2026-11-30 1`"
    assert "Eftermiddagens beslut" in rest and "Förmiddagens beslut" not in rest


async def test_a_number_picks_the_meeting_of_the_day(db: Database, clock: FakeClock) -> None:
    chat = Chat(db, clock)
    await two_meetings(chat, clock)

    assert "Förmiddagens beslut" in await chat.send("!protokoll 30/11 1")
    assert "Förmiddagens beslut" in await chat.send("!protokoll 30 nov 1")
    assert await chat.send("!protokoll 30/11 3") == "Den 2026-11-30 hölls 2 möten; det finns inget möte 3."


async def test_the_minutes_files_of_one_day_have_distinct_names(db: Database, clock: FakeClock) -> None:
    chat = Chat(db, clock)
    await two_meetings(chat, clock)
    services = Services(db, clock, Catalogue("sv"), make_settings(), FEATURES.sections)
    async with db.reading() as conn:
        held = await MeetingRepo(conn).ended_in(ROOM)

    for meeting in held:
        await post_minutes_file(services, meeting.id)
    async with db.reading() as conn:
        names = [m.content["body"] for m in await OutboxRepo(conn).pending() if m.content["msgtype"] == "m.file"]

    assert names == ["protokoll-2026-11-30.md", "protokoll-2026-11-30-2.md"]
