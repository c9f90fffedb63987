"""`!schedule situation` and `!schedule reportnudge` through the dispatcher: when the situation picture and the
reporting nudge go out before each meeting, what the room is told, what is stored and what is refused. The clock
stands at Monday 30 November 2026, 11:00 in Stockholm; the series meets on Tuesdays at 09:00."""

from __future__ import annotations

from datetime import time

import pytest

from bot.clock import FakeClock
from bot.store.db import Database
from bot.store.series import Series, SeriesRepo
from tests.unit.handlers import OLLE, Chat
from tests.unit.helpers import ROOM


async def body(chat: Chat, text: str, **values) -> str:
    return (await chat.reply(text, **values))["body"]


async def stored(db: Database) -> list[tuple]:
    async with db.reading() as conn:
        async with conn.execute("SELECT * FROM series ORDER BY id") as cursor:
            return [tuple(row) for row in await cursor.fetchall()]


async def the_series(db: Database) -> Series:
    async with db.reading() as conn:
        [found] = await SeriesRepo(conn).in_room(ROOM)
    return found


@pytest.fixture
async def tuesdays(chat: Chat) -> Chat:
    await chat.reply("!schema veckovis tisdag 09:00")
    chat.committed.clear()
    return chat


@pytest.fixture
async def english(db: Database, clock: FakeClock) -> Chat:
    chat = Chat(db, clock, language="en")
    await chat.reply("!schedule weekly tuesday 09:00")
    return chat


# The situation picture


async def test_the_picture_at_a_time_of_its_own(tuesdays: Chat, db: Database) -> None:
    reply = await body(tuesdays, "!schema lägesbild 15:30")

    assert reply == (
        "Lägesbilden för Örat mot marken läggs nu ut kl. 15.30 vardagen före mötet.\n"
        "Nästa lägesbild: måndag 30 november 2026 kl. 15.30 (vecka 49)."
    )
    series = await the_series(db)
    assert (series.situation_at, series.report_nudge_at) == (time(15, 30), None)
    assert tuesdays.committed[-1].changed_series == {series.id}  # the series is looked at again


async def test_a_time_already_passed_skips_the_coming_meeting_and_says_so(tuesdays: Chat, db: Database) -> None:
    reply = await body(tuesdays, "!schema lägesbild 08:00")

    assert reply == (
        "Lägesbilden för Örat mot marken läggs nu ut kl. 08.00 vardagen före mötet.\n"
        "Inför mötet tisdag 1 december 2026 har den tiden redan passerat, så då blir det ingen lägesbild.\n"
        "Nästa lägesbild: måndag 7 december 2026 kl. 08.00 (vecka 50)."
    )
    assert (await the_series(db)).situation_at == time(8, 0)


@pytest.mark.parametrize("word", ["påminnelse", "standard"])
async def test_back_with_the_first_reminder(tuesdays: Chat, db: Database, word: str) -> None:
    await tuesdays.reply("!schema lägesbild 15:30")

    reply = await body(tuesdays, f"!schema lägesbild {word}")

    assert reply.startswith("Lägesbilden för Örat mot marken läggs nu ut med första påminnelsen.\n")
    assert reply.endswith("Nästa lägesbild: måndag 7 december 2026 kl. 09.00 (vecka 50).")  # a day before: passed
    assert (await the_series(db)).situation_at is None


async def test_without_reminders_the_default_is_noon_the_working_day_before(tuesdays: Chat) -> None:
    await tuesdays.reply("!schema påminnelser av")

    assert await body(tuesdays, "!schema lägesbild påminnelse") == (
        "Lägesbilden för Örat mot marken läggs nu ut kl. 12.00 vardagen före mötet.\n"
        "Nästa lägesbild: måndag 30 november 2026 kl. 12.00 (vecka 49)."
    )


async def test_the_picture_in_english(english: Chat, db: Database) -> None:
    assert await body(english, "!schedule situation 16:00") == (
        "The situation picture for Örat mot marken is now posted at 16:00 on the working day before the meeting.\n"
        "Next situation picture: Monday 30 November 2026 at 16:00 (week 49)."
    )
    assert await body(english, "!schedule situation reminder") == (
        "The situation picture for Örat mot marken is now posted with the first reminder.\n"
        "For the meeting on Tuesday 1 December 2026 that time has already passed, so there is no situation picture "
        "before it.\n"
        "Next situation picture: Monday 7 December 2026 at 09:00 (week 50)."
    )
    assert (await the_series(db)).situation_at is None


# The reporting nudge


async def test_the_nudge_at_a_time_of_its_own_and_back(tuesdays: Chat, db: Database) -> None:
    assert await body(tuesdays, "!schema rapportpåminnelse 14:00") == (
        "Rapportpåminnelsen för Örat mot marken går nu ut kl. 14.00 vardagen före mötet.\n"
        "Nästa rapportpåminnelse: måndag 30 november 2026 kl. 14.00 (vecka 49)."
    )
    assert (await the_series(db)).report_nudge_at == time(14, 0)

    assert await body(tuesdays, "!schema rapportering standard") == (
        "Rapportpåminnelsen för Örat mot marken går nu ut kl. 12.00 vardagen före mötet.\n"
        "Nästa rapportpåminnelse: måndag 30 november 2026 kl. 12.00 (vecka 49)."
    )
    assert (await the_series(db)).report_nudge_at is None


async def test_a_nudge_time_already_passed_skips_the_coming_meeting(tuesdays: Chat) -> None:
    reply = await body(tuesdays, "!schema rapportpåminnelse 10:00")

    assert "Inför mötet tisdag 1 december 2026 har den tiden redan passerat, så då blir det ingen rapportpåminnelse." in reply
    assert reply.endswith("Nästa rapportpåminnelse: måndag 7 december 2026 kl. 10.00 (vecka 50).")


async def test_the_nudge_in_english(english: Chat, db: Database) -> None:
    assert await body(english, "!schedule reportnudge 13:15") == (
        "The reporting reminder for Örat mot marken now goes out at 13:15 on the working day before the meeting.\n"
        "Next reporting reminder: Monday 30 November 2026 at 13:15 (week 49)."
    )
    assert (await body(english, "!schedule reportnudge default")).startswith(
        "The reporting reminder for Örat mot marken now goes out at 12:00 on the working day before the meeting."
    )
    assert (await the_series(db)).report_nudge_at is None


# The listing


async def test_the_listing_shows_both_times(tuesdays: Chat) -> None:
    assert (
        "Lägesbilden läggs ut med första påminnelsen och rapportpåminnelsen går ut kl. 12.00 vardagen före mötet.\n"
        in await body(tuesdays, "!schema")
    )
    await tuesdays.reply("!schema lägesbild 08:00")
    await tuesdays.reply("!schema rapportpåminnelse 14:30")

    assert (
        "Lägesbilden läggs ut kl. 08.00 vardagen före mötet och rapportpåminnelsen går ut kl. 14.30 vardagen före "
        "mötet.\n" in await body(tuesdays, "!schema")
    )


async def test_the_listing_in_english(english: Chat) -> None:
    assert (
        "The situation picture is posted with the first reminder and the reporting reminder goes out at 12:00 on the "
        "working day before the meeting.\n" in await body(english, "!schedule")
    )


# Refused


@pytest.mark.parametrize(
    ("text", "error", "usage"),
    [
        ("!schema lägesbild 25:00", '"25:00" är inget klockslag jag kan läsa.', "`!schema lägesbild <TT:MM | påminnelse>`"),
        ("!schema lägesbild", "Ange ett klockslag, till exempel 08:00.", "`!schema lägesbild <TT:MM | påminnelse>`"),
        ("!schema lägesbild imorgon", '"imorgon" är inget klockslag', "`!schema lägesbild <TT:MM | påminnelse>`"),
        ("!schema rapportpåminnelse 12:60", '"12:60" är inget klockslag', "`!schema rapportpåminnelse <TT:MM | standard>`"),
        ("!schema rapportpåminnelse", "Ange ett klockslag, till exempel 08:00.", "`!schema rapportpåminnelse <TT:MM | standard>`"),
    ],
)
async def test_bad_input_is_refused_with_the_usage_and_nothing_is_stored(
    tuesdays: Chat, db: Database, text: str, error: str, usage: str
) -> None:
    before = await stored(db)

    reply = await body(tuesdays, text)

    assert reply.startswith(error)
    assert reply.endswith(f"\nAnvändning: {usage}")
    assert await stored(db) == before
    assert tuesdays.committed == []


async def test_bad_input_in_english(english: Chat, db: Database) -> None:
    before = await stored(db)

    reply = await body(english, "!schedule situation 24:00")

    assert reply.startswith('"24:00" is not a time I can read.')
    assert reply.endswith("\nUsage: `!schedule situation <HH:MM | reminder>`")
    assert await stored(db) == before


async def test_a_member_may_not_change_the_times(tuesdays: Chat, db: Database) -> None:
    before = await stored(db)

    for text in ("!schema lägesbild 08:00", "!schema rapportpåminnelse 08:00"):
        assert "moderator" in await body(tuesdays, text, sender=OLLE)
    assert await stored(db) == before


async def test_without_a_series_there_is_nothing_to_change(chat: Chat, db: Database) -> None:
    assert (await body(chat, "!schema lägesbild 08:00")).startswith("Inga möten är schemalagda i rummet.")
    assert await stored(db) == []


@pytest.mark.parametrize(
    ("language", "lines"),
    [
        (
            "sv",
            [
                "`!schema lägesbild <TT:MM | påminnelse>`, till exempel `!schema lägesbild 08:00`",
                "`!schema rapportpåminnelse <TT:MM | standard>`, till exempel `!schema rapportpåminnelse 14:00`",
            ],
        ),
        (
            "en",
            [
                "`!schedule situation <HH:MM | reminder>`, for example `!schedule situation 08:00`",
                "`!schedule reportnudge <HH:MM | default>`, for example `!schedule reportnudge 14:00`",
            ],
        ),
    ],
)
async def test_help_shows_the_new_forms(db: Database, clock: FakeClock, language: str, lines: list[str]) -> None:
    reply = await body(Chat(db, clock, language=language), "!help schedule")

    for line in lines:
        assert line in reply.split("\n")
