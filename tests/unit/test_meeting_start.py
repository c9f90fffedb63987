"""`!möte start` means the meeting the user has in mind: the scheduled one near now, the next one started early
(`nu`), or an extra one (`extra`); well before the next meeting it asks which, and opens nothing."""

from __future__ import annotations

import pytest

from bot.clock import FakeClock
from bot.store.db import Database
from bot.store.meetings import MeetingRepo
from tests.unit.handlers import Chat
from tests.unit.helpers import ROOM



@pytest.fixture
async def chat(db: Database, clock: FakeClock) -> Chat:
    chat = Chat(db, clock)
    await chat.send("!schema veckovis tisdag 09:00")
    return chat


async def held(db: Database) -> list:
    async with db.reading() as conn:
        return [m for m in [await MeetingRepo(conn).open_in(ROOM)] if m]


async def test_well_before_the_next_meeting_it_asks_which_and_opens_nothing(chat: Chat, db: Database) -> None:
    assert await chat.send("!möte start") == (
        "Nästa möte, Örat mot marken, är tisdag 1 december 2026 kl. 09.00 (vecka 49). Öppna det redan nu med "
        "`!möte starta nu`, eller håll ett extra möte med `!möte starta extra`."
    )
    assert await held(db) == []


async def test_nu_opens_the_next_meeting_early(chat: Chat, db: Database) -> None:
    reply = await chat.send("!möte starta nu")

    assert reply.startswith("Mötet Örat mot marken har börjat, måndag 30 november 2026 kl. 11.00")
    [meeting] = await held(db)
    assert meeting.series_id is not None and meeting.scheduled_start.isoformat() == "2026-12-01T08:00:00+00:00"


async def test_extra_opens_a_meeting_besides_the_schedule_named_after_the_series(chat: Chat, db: Database) -> None:
    reply = await chat.send("!möte starta extra")

    assert reply.startswith("Mötet Örat mot marken (extramöte) har börjat")
    [meeting] = await held(db)
    assert meeting.series_id is None and meeting.scheduled_start is None


async def test_near_the_scheduled_time_it_opens_that_meeting(chat: Chat, db: Database, clock: FakeClock) -> None:
    clock.advance(clock.now().replace(day=1, month=12, hour=7, minute=50) - clock.now())  # 08:50 on Tuesday

    assert (await chat.send("!möte start")).startswith("Mötet Örat mot marken har börjat")


async def test_a_word_that_is_neither_is_refused_with_the_usage(chat: Chat, db: Database) -> None:
    assert await chat.send("!möte starta sen") == (
        'Jag förstår inte "sen"; skriv nu eller extra.\nAnvändning: `!möte starta [nu | extra]`'
    )
    assert await held(db) == []
