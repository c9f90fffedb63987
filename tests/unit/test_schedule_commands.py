"""`!schedule` and `!next` through the dispatcher: what the room sees, what is stored, and what is refused."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.features import FEATURES
from bot.commands.context import Context
from bot.commands.dispatcher import Dispatcher
from bot.commands.message import IncomingMessage
from bot.commands.recognise import recognise
from bot.i18n import Catalogue
from bot.permissions import RoomView
from bot.schedule import parse_schedule
from bot.seeds import apply_seeds
from bot.store.db import Database
from bot.store.outbox import OutboxRepo
from bot.store.rooms import RoomRepo
from bot.store.series import SeriesRepo
from tests.unit.helpers import BOT, ROOM, STOCKHOLM, make_settings

ANNA = "@anna:eslov.se"  # the safety coordinator, a moderator
OLLE = "@olle:eslov.se"  # a member from the housing company
NAME = "Örat mot marken"
MODERATORS = RoomView(ROOM, name=NAME, users={ANNA: 50, OLLE: 0})
USAGE = "Användning: `!schema veckovis <veckodag> <TT:MM> [<längd>] [bekräfta]`"  # the form that sets the schedule
JULAFTON_WARNING = (
    "Obs! Den dagen är det julafton. Flytta mötet med `!schema flytta 2026-12-24 <nytt datum>` "
    "eller ställ in det med `!schema inställt 2026-12-24`."
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)



class Room:
    """The room as a member sees it: send a command, read the bot's answer; after_commit is recorded."""

    def __init__(self, db: Database, clock: FakeClock, **settings: Any):
        self.db = db
        self.clock = clock
        self.committed: list[set[int]] = []
        self.dispatcher = Dispatcher(db, make_settings(**settings), FEATURES.registry, clock, self._after_commit)
        self._events = itertools.count(1)

    async def _after_commit(self, ctx: Context) -> None:
        self.committed.append(set(ctx.effects.wakes.get("reminders", ())))

    async def send(self, body: str, sender: str = ANNA, room: RoomView = MODERATORS) -> str:
        """Dispatch a command as the app does; returns the one reply the room gets."""
        event_id = f"$event{next(self._events)}"
        message = IncomingMessage(ROOM, event_id, sender, body, 0)
        invocation = recognise(message, self.dispatcher.settings.command_prefix, BOT, ("samverkan-bot",))
        assert invocation is not None, f"{body!r} was not recognised as a command"
        await self.dispatcher.dispatch(message, invocation, room)
        async with self.db.reading() as conn:
            pending = await OutboxRepo(conn).pending()
        [reply] = [m for m in pending if m.content["m.relates_to"]["m.in_reply_to"]["event_id"] == event_id]
        assert reply.content["msgtype"] == "m.notice"
        return reply.content["body"]

    async def tables(self) -> tuple[list[tuple], ...]:
        """Everything the schedule feature stores."""
        found = []
        async with self.db.reading() as conn:
            for table in ("series", "meeting_changes", "reminders"):
                async with conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2") as cursor:
                    found.append([tuple(row) for row in await cursor.fetchall()])
        return tuple(found)

    async def series(self) -> list:
        async with self.db.reading() as conn:
            return await SeriesRepo(conn).in_room(ROOM)


@pytest.fixture
def room(db: Database, clock: FakeClock) -> Room:
    return Room(db, clock)


async def weekly_on_tuesdays(room: Room, place: str = "Stadshuset, sal 2") -> None:
    await room.send("!schedule weekly tisdag 09:00")
    if place:
        await room.send(f"!schedule place {place}")
    room.committed.clear()


# Viewing, with no series yet


@pytest.mark.parametrize("body", ["!schedule", "!schema"])
async def test_schedule_without_a_series(room: Room, body: str) -> None:
    assert await room.send(body, sender=OLLE) == (
        "Inga möten är schemalagda i rummet. En moderator kan lägga till ett, till exempel: `!schema veckovis tisdag 09:00`"
    )


async def test_schedule_without_a_series_in_english(db: Database, clock: FakeClock) -> None:
    assert await Room(db, clock, language="en").send("!schedule") == (
        "No meetings are scheduled in this room. A moderator can add one, for example: "
        "`!schedule weekly tuesday 09:00`"
    )


@pytest.mark.parametrize("body", ["!nästa", "!next", "!nasta"])
async def test_next_without_a_series_gives_the_hint(room: Room, body: str) -> None:
    assert await room.send(body, sender=OLLE) == (
        "Inget möte är inplanerat. En moderator kan lägga in ett, till exempel: `!schema veckovis tisdag 09:00`"
    )


async def test_a_change_without_a_series_says_there_is_none(room: Room) -> None:
    reply = await room.send("!schedule skip 1/12")

    assert reply.startswith("Inga möten är schemalagda i rummet.")
    assert await room.tables() == ([], [], [])


# Creating a series


async def test_a_moderator_creates_a_weekly_series(room: Room) -> None:
    reply = await room.send("!schedule weekly tisdag 09:00")

    assert reply == (
        "Schemat för Örat mot marken är nu: varje tisdag kl. 09.00.\n"
        "Nästa möte: Örat mot marken, tisdag 1 december 2026 kl. 09.00 (vecka 49)."
    )
    [series] = await room.series()
    assert (series.name, series.schedule.spec, series.zone.key) == (NAME, "weekly tuesday 09:00", "Europe/Stockholm")
    assert series.duration == timedelta(minutes=30)
    assert series.reminders == (timedelta(days=1), timedelta(hours=1))
    assert room.committed == [{series.id}]


async def test_a_series_in_english(db: Database, clock: FakeClock) -> None:
    reply = await Room(db, clock, language="en").send("!schedule weekly tuesday 09:00")

    assert reply == (
        "The schedule of Örat mot marken is now: every Tuesday at 09:00.\n"
        "Next meeting: Örat mot marken, Tuesday 1 December 2026 at 09:00 (week 49)."
    )


async def test_a_series_with_a_duration_and_no_room_name(room: Room) -> None:
    await room.send("!schedule weekly fredag 13.30 45m", room=RoomView(ROOM, users={ANNA: 50}))

    assert await room.send("!schedule") == (
        "Mötesserier i rummet:\n\n"
        "1. Mötet: varje fredag kl. 13.30, 45 minuter.\n"
        "Påminnelser 1 dag och 1 timme före.\n"
        "Lägesbilden läggs ut med första påminnelsen och rapportpåminnelsen går ut kl. 12.00 vardagen före mötet.\n"
        "Nästa möte: fredag 4 december 2026 kl. 13.30 (vecka 49)"
    )


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        ("!schedule every 2 weeks tisdag 09:00", "varannan tisdag kl. 09.00"),
        ("!schedule månadsvis sista tisdag 09:00", "sista tisdag i månaden kl. 09.00"),
        ("!schedule RRULE:FREQ=WEEKLY;BYDAY=TU;BYHOUR=9;BYMINUTE=0", "enligt regeln FREQ=WEEKLY;BYDAY=TU;BYHOUR=9;BYMINUTE=0"),
    ],
)  # fmt: skip
async def test_other_schedules_are_described(room: Room, body: str, shown: str) -> None:
    reply = await room.send(body)

    assert reply.startswith(f"Schemat för Örat mot marken är nu: {shown}.\nNästa möte: Örat mot marken, ")


async def test_the_configured_zone_is_the_series_zone(db: Database, clock: FakeClock) -> None:
    room = Room(db, clock, timezone="Europe/Helsinki")

    reply = await room.send("!schedule weekly tisdag 09:00")

    [series] = await room.series()
    assert series.zone.key == "Europe/Helsinki"
    assert "tisdag 1 december 2026 kl. 09.00 (vecka 49)" in reply


async def test_a_new_schedule_replaces_the_old_one(room: Room) -> None:
    await weekly_on_tuesdays(room)

    reply = await room.send("!schedule weekly onsdag 10:00")

    assert reply == (
        "Schemat för Örat mot marken är nu: varje onsdag kl. 10.00.\n"
        "Nästa möte: Örat mot marken, onsdag 2 december 2026 kl. 10.00 (vecka 49), Stadshuset, sal 2."
    )
    [series] = await room.series()
    assert series.location == "Stadshuset, sal 2"
    assert room.committed == [{series.id}]


# Who may change it


async def test_a_member_is_refused_naming_the_level_needed(room: Room) -> None:
    reply = await room.send("!schedule weekly tisdag 09:00", sender=OLLE)

    assert reply == "Det här får bara moderatorer göra: det krävs behörighetsnivå 50 i rummet, och du har 0."
    assert await room.tables() == ([], [], [])
    assert room.committed == []


async def test_the_refusal_names_the_configured_level(db: Database, clock: FakeClock) -> None:
    room = Room(db, clock, moderator_level=100)

    reply = await room.send("!schedule weekly tisdag 09:00")

    assert reply == "Det här får bara moderatorer göra: det krävs behörighetsnivå 100 i rummet, och du har 50."
    assert await room.tables() == ([], [], [])


async def test_the_refusal_in_english(db: Database, clock: FakeClock) -> None:
    reply = await Room(db, clock, language="en").send("!schedule weekly tuesday 09:00", sender=OLLE)

    assert reply == "Only moderators may do this: it needs power level 50 in this room, and you have 0."


@pytest.mark.parametrize(
    "body",
    [
        "!schedule reminders 1h",
        "!schedule skip 1/12",
        "!schedule move 1/12 2/12",
        "!schedule place Polishuset",
        "!schedule weekly onsdag 10:00",
    ],
)
async def test_a_member_may_not_change_an_existing_series(room: Room, body: str) -> None:
    await weekly_on_tuesdays(room)
    before = await room.tables()

    reply = await room.send(body, sender=OLLE)

    assert reply.startswith("Det här får bara moderatorer göra: det krävs behörighetsnivå 50")
    assert await room.tables() == before
    assert room.committed == []


async def test_a_member_may_view(room: Room) -> None:
    await weekly_on_tuesdays(room)

    assert (await room.send("!schedule", sender=OLLE)).startswith("Mötesserier i rummet:")
    assert (await room.send("!next", sender=OLLE)).startswith("Nästa möte: Örat mot marken")


async def test_level_49_is_not_enough_and_50_is(room: Room) -> None:
    almost = RoomView(ROOM, name=NAME, users={OLLE: 49})
    enough = RoomView(ROOM, name=NAME, users={OLLE: 50})

    assert (await room.send("!schedule weekly tisdag 09:00", sender=OLLE, room=almost)).endswith("och du har 49.")
    assert (await room.send("!schedule weekly tisdag 09:00", sender=OLLE, room=enough)).startswith("Schemat för")


async def test_a_room_version_12_creator_is_a_moderator(room: Room) -> None:
    # Creators are not in the power levels in room version 12, and outrank everyone.
    created = RoomView(ROOM, name=NAME, users={}, creators=frozenset({OLLE}), room_version="12")

    reply = await room.send("!schedule weekly tisdag 09:00", sender=OLLE, room=created)

    assert reply.startswith("Schemat för Örat mot marken är nu: varje tisdag kl. 09.00.")
    assert len(await room.series()) == 1


async def test_an_additional_creator_is_a_moderator_too(room: Room) -> None:
    created = RoomView(ROOM, name=NAME, users={ANNA: 100}, creators=frozenset({ANNA, OLLE}))

    assert (await room.send("!schedule weekly tisdag 09:00", sender=OLLE, room=created)).startswith("Schemat för")


async def test_a_creator_in_an_older_room_version_needs_the_level(room: Room) -> None:
    created = RoomView(ROOM, name=NAME, users={OLLE: 0}, creators=frozenset({OLLE}), room_version="11")

    reply = await room.send("!schedule weekly tisdag 09:00", sender=OLLE, room=created)

    assert reply == "Det här får bara moderatorer göra: det krävs behörighetsnivå 50 i rummet, och du har 0."
    assert await room.tables() == ([], [], [])


# Bad input: a clear error with the usage line, nothing changed


BAD_INPUT = [
    ("!schedule weekly fredag 25:00", Catalogue("sv")("parse.time", value="25:00"), USAGE),
    ("!schedule weekly blursday 09:00", Catalogue("sv")("parse.weekday", value="blursday"), USAGE),
    ("!schedule weekly fredag 25:00 45m", Catalogue("sv")("parse.time", value="25:00"), USAGE),
    ("!schedule monthly femte tisdag 09:00", Catalogue("sv")("parse.ordinal", value="femte"), USAGE),
    (  # ended before today (30 February, the other kind of never, is in test_schedule.py: it costs 0.2 s)
        "!schedule RRULE:FREQ=WEEKLY;BYDAY=TU;BYHOUR=9;UNTIL=20200101T000000",
        'Regeln "RRULE:FREQ=WEEKLY;BYDAY=TU;BYHOUR=9;UNTIL=20200101T000000" ger inget möte under de kommande fem åren.',
        USAGE,
    ),
    ("!schedule RRULE:FREQ=HOURLY;BYHOUR=9", "måste ha FREQ=DAILY, WEEKLY, MONTHLY eller YEARLY", USAGE),
    ("!schedule RRULE:FREQ=WEEKLY;BYDAY=TU", "måste ange mötets klockslag med BYHOUR", USAGE),
    (
        "!schedule reminders 1x",
        '"1x" är ingen tidslängd jag kan läsa. Skriv till exempel 30 min, 1 timme, 2 dagar eller 1 vecka (kort: 30m, 1h, 2d, 1w).',
        "Användning: `!schema påminnelser <tid före> …`",
    ),
    (
        "!schedule reminders 1d 1x",
        '"1x" är ingen tidslängd jag kan läsa.',
        "Användning: `!schema påminnelser <tid före> …`",
    ),
    (
        "!schedule reminders",
        "Ange minst en tid före mötet, till exempel 1 dag 1 timme eller 1d 1h.",
        "Användning: `!schema påminnelser <tid före> …`",
    ),
    (
        "!schedule reminders 5w",
        "En påminnelse kan skickas högst fyra veckor före mötet.",
        "Användning: `!schema påminnelser <tid före> …`",
    ),
    (
        "!schedule skip 2026-11-24",
        "2026-11-24 har redan varit; ange ett kommande datum.",
        "Användning: `!schema inställt <datum>`",
    ),
    (
        "!schedule skip 31/2",
        'Datumet "31/2" finns inte: den månaden har inte så många dagar.',
        "Användning: `!schema inställt <datum>`",
    ),
    (
        "!schedule skip",
        "Ange ett datum, till exempel 2026-12-04, 4 dec eller vecka 50.",
        "Användning: `!schema inställt <datum>`",
    ),
    (
        "!schedule move 2026-11-24 2026-12-10",
        "2026-11-24 har redan varit; ange ett kommande datum.",
        "Användning: `!schema flytta <datum> <nytt datum> [<TT:MM>]`",
    ),
    (
        "!schedule move 1/12 2026-11-20 10:00",
        "2026-11-20 har redan varit; ange ett kommande datum.",
        "Användning: `!schema flytta <datum> <nytt datum> [<TT:MM>]`",
    ),
    (
        "!schedule move 1/12 blursday",
        'Jag kan inte läsa datumet "blursday".',
        "Användning: `!schema flytta <datum> <nytt datum> [<TT:MM>]`",
    ),
    (
        "!schedule move 1/12",
        "Ange ett datum, till exempel 2026-12-04, 4 dec eller vecka 50.",
        "Användning: `!schema flytta <datum> <nytt datum> [<TT:MM>]`",
    ),
]


@pytest.mark.parametrize(("body", "error", "usage"), BAD_INPUT, ids=[b for b, _, _ in BAD_INPUT])
async def test_bad_input_is_refused_with_the_usage_line_and_nothing_changes(
    room: Room, body: str, error: str, usage: str
) -> None:
    await weekly_on_tuesdays(room)
    before = await room.tables()

    reply = await room.send(body)

    first, *_, last = reply.split("\n")
    assert error in first
    assert last == usage
    assert len(reply.split("\n")) == 2
    assert await room.tables() == before
    assert room.committed == []


async def test_bad_input_on_an_empty_room_stores_no_series(room: Room) -> None:
    for body in ("!schedule weekly fredag 25:00", "!schedule weekly blursday 09:00", "!schedule RRULE:FREQ=HOURLY;BYHOUR=9"):
        assert (await room.send(body)).endswith(USAGE)

    assert await room.tables() == ([], [], [])
    assert room.committed == []


@pytest.mark.parametrize(
    ("body", "key", "value"),
    [
        ("!schedule weekly fredag 25:00", "parse.time", "25:00"),
        ("!schedule weekly blursday 09:00", "parse.weekday", "blursday"),
        ("!schedule monthly femte tisdag 09:00", "parse.ordinal", "femte"),
    ],
)
async def test_bad_input_names_what_is_wrong(room: Room, body: str, key: str, value: str) -> None:
    reply = await room.send(body)

    assert reply == Catalogue("sv")(key, value=value) + "\n" + USAGE


async def test_a_day_without_a_meeting_cannot_be_skipped(room: Room) -> None:
    await weekly_on_tuesdays(room)
    before = await room.tables()

    reply = await room.send("!schedule skip 2/12")

    assert reply == "Örat mot marken har inget möte onsdag 2 december 2026."
    assert await room.tables() == before
    assert room.committed == []


async def test_a_meeting_that_has_begun_cannot_be_skipped(room: Room, clock: FakeClock) -> None:
    await weekly_on_tuesdays(room)
    clock.advance(timedelta(hours=22, minutes=10))  # Tuesday 09:10 in Stockholm
    before = await room.tables()

    reply = await room.send("!schedule skip idag")

    assert reply == "2026-12-01 har redan varit; ange ett kommande datum.\nAnvändning: `!schema inställt <datum>`"
    assert await room.tables() == before


async def test_a_series_number_that_does_not_exist(room: Room) -> None:
    await weekly_on_tuesdays(room)
    before = await room.tables()

    assert await room.send("!schedule 2 skip 8/12") == "Det finns ingen mötesserie nummer 2; se `!schema`."
    assert await room.tables() == before


# Skip and move


async def test_skip_a_meeting(room: Room) -> None:
    await weekly_on_tuesdays(room)

    reply = await room.send("!schedule skip 8/12")

    assert reply == "Mötet Örat mot marken tisdag 8 december 2026 kl. 09.00 (vecka 50) är inställt."
    [series] = await room.series()
    assert room.committed == [{series.id}]
    assert "\nInställt: tisdag 8 december 2026" in await room.send("!schedule")


async def test_a_skipped_meeting_is_passed_over_by_next(room: Room) -> None:
    await weekly_on_tuesdays(room)
    await room.send("!schedule skip 1/12")

    assert await room.send("!next") == (
        "Nästa möte: Örat mot marken, tisdag 8 december 2026 kl. 09.00 (vecka 50), Stadshuset, sal 2."
        " Inga punkter på dagordningen än."
    )


async def test_skip_by_weekday_name_is_the_next_one(room: Room) -> None:
    await weekly_on_tuesdays(room)

    assert await room.send("!schema ställin tisdag") == (
        "Mötet Örat mot marken tisdag 1 december 2026 kl. 09.00 (vecka 49) är inställt."
    )


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        ("!schema ställ in 15 dec", "tisdag 15 december 2026 kl. 09.00 (vecka 51)"),
        ("!schema Ställ  in 15/12", "tisdag 15 december 2026 kl. 09.00 (vecka 51)"),
        ("!schema ställ in på tisdag", "tisdag 1 december 2026 kl. 09.00 (vecka 49)"),
        ("!schema ställ in nästa tisdag", "tisdag 8 december 2026 kl. 09.00 (vecka 50)"),
        ("!schema 1 ställ in 15 dec", "tisdag 15 december 2026 kl. 09.00 (vecka 51)"),
    ],
)
async def test_skip_as_stall_in(room: Room, body: str, shown: str) -> None:
    await weekly_on_tuesdays(room)

    reply = await room.send(body)

    assert reply == f"Mötet Örat mot marken {shown} är inställt."
    [series] = await room.series()
    assert room.committed == [{series.id}]


async def test_stall_in_names_a_date_that_does_not_exist(room: Room) -> None:
    await weekly_on_tuesdays(room)
    before = await room.tables()

    reply = await room.send("!schema ställ in 31/2")

    assert reply == (
        'Datumet "31/2" finns inte: den månaden har inte så många dagar.\nAnvändning: `!schema inställt <datum>`'
    )
    assert await room.tables() == before


async def test_move_a_meeting_to_another_day_and_time(room: Room) -> None:
    await weekly_on_tuesdays(room)

    reply = await room.send("!schedule move 15 dec 16 dec 10:00")

    assert reply == (
        "Mötet Örat mot marken är flyttat från tisdag 15 december 2026 kl. 09.00 (vecka 51) "
        "till onsdag 16 december 2026 kl. 10.00 (vecka 51)."
    )
    [series] = await room.series()
    assert room.committed == [{series.id}]
    assert await room.send("!schedule") == (
        "Mötesserier i rummet:\n\n"
        "1. Örat mot marken: varje tisdag kl. 09.00, 30 minuter.\n"
        "Påminnelser 1 dag och 1 timme före.\n"
        "Lägesbilden läggs ut med första påminnelsen och rapportpåminnelsen går ut kl. 12.00 vardagen före mötet.\n"
        "Plats: Stadshuset, sal 2\n"
        "Nästa möte: tisdag 1 december 2026 kl. 09.00 (vecka 49)\n"
        "Flyttat: tisdag 15 december 2026 → onsdag 16 december 2026 kl. 10.00 (vecka 51)"
    )


async def test_a_move_keeps_the_time_when_none_is_given(room: Room) -> None:
    await weekly_on_tuesdays(room)

    reply = await room.send("!schema flytta 2026-12-08 2026-12-07")

    assert reply.endswith("till måndag 7 december 2026 kl. 09.00 (vecka 50).")


async def test_a_move_between_dates_of_several_words_with_a_time(room: Room) -> None:
    await room.send("!schedule weekly fredag 09:00")

    reply = await room.send("!schema move 4 dec 11 dec 13:00")

    assert reply == (
        "Mötet Örat mot marken är flyttat från fredag 4 december 2026 kl. 09.00 (vecka 49) "
        "till fredag 11 december 2026 kl. 13.00 (vecka 50)."
    )


async def test_a_move_in_everyday_words(room: Room) -> None:
    await weekly_on_tuesdays(room)

    # Monday 30 November: "på tisdag" is tomorrow, "nästa onsdag" the Wednesday of week 50.
    reply = await room.send("!schema flytta på tisdag nästa onsdag 10:00")

    assert reply == (
        "Mötet Örat mot marken är flyttat från tisdag 1 december 2026 kl. 09.00 (vecka 49) "
        "till onsdag 9 december 2026 kl. 10.00 (vecka 50)."
    )


MOVE_USAGE = "Användning: `!schema flytta <datum> <nytt datum> [<TT:MM>]`"


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ("!schema flytta 31/2 3/3", 'Datumet "31/2" finns inte: den månaden har inte så många dagar.'),
        ("!schema flytta 15/12 31/2", 'Datumet "31/2" finns inte: den månaden har inte så många dagar.'),
        ("!schema flytta 31/2 3/3 10:00", 'Datumet "31/2" finns inte: den månaden har inte så många dagar.'),
        ("!schema move 15 dec 31 feb 13:00", 'Datumet "31 feb" finns inte: den månaden har inte så många dagar.'),
        ("!schema move 31 feb 15 dec", 'Datumet "31 feb" finns inte: den månaden har inte så många dagar.'),
        ("!schema flytta 2026-02-31 16 dec", 'Datumet "2026-02-31" finns inte: den månaden har inte så många dagar.'),
        ("!schema flytta 15 dec vecka 54", '"vecka 54": den veckan finns inte under det närmaste året.'),
        ("!schema flytta blursday 16 dec", 'Jag kan inte läsa datumet "blursday".'),
        ("!schema flytta 31/2 30/2", 'Datumet "31/2" finns inte: den månaden har inte så många dagar.'),
        ("!schema flytta blursday snart", 'Jag kan inte läsa datumet "blursday snart".'),
        # Both dates read: what is not understood is the word after them.
        ("!schema flytta 1/12 2/12 blursday", 'Jag förstår inte "blursday" här.'),
        ("!schema flytta 1/12 2/12 10:00 blursday", 'Jag förstår inte "blursday" här.'),
        ("!schema flytta 15 dec 16 dec 10:00 i stadshuset", 'Jag förstår inte "i stadshuset" här.'),
    ],
)
async def test_a_move_names_the_date_that_is_wrong(room: Room, body: str, named: str) -> None:
    await weekly_on_tuesdays(room)
    before = await room.tables()

    reply = await room.send(body)

    first, last = reply.split("\n")
    assert first.startswith(named)
    assert last == MOVE_USAGE
    assert await room.tables() == before


async def test_a_move_from_yesterday_is_refused_as_past(room: Room) -> None:
    await weekly_on_tuesdays(room)

    reply = await room.send("!schema flytta igår imorgon")

    assert reply == "2026-11-29 har redan varit; ange ett kommande datum.\n" + MOVE_USAGE


async def test_a_move_of_very_many_words_names_the_words_after_the_two_dates(room: Room) -> None:
    await weekly_on_tuesdays(room)
    words = " ".join(["15/12"] * 5000)

    reply = await room.send(f"!schema flytta {words}")

    assert reply.startswith('Jag förstår inte "15/12 15/12 ')  # the long text itself is cut short


async def test_a_moved_meeting_is_next_and_says_where_it_came_from(room: Room) -> None:
    await weekly_on_tuesdays(room)
    await room.send("!schedule move 1/12 2/12 13:00")

    assert await room.send("!next") == (
        "Nästa möte: Örat mot marken, onsdag 2 december 2026 kl. 13.00 (vecka 49), Stadshuset, sal 2, "
        "flyttat från tisdag 1 december 2026. Inga punkter på dagordningen än."
    )


async def test_moving_a_moved_meeting_again_replaces_the_move(room: Room) -> None:
    await weekly_on_tuesdays(room)
    await room.send("!schedule move 15 dec 16 dec 10:00")

    reply = await room.send("!schedule move 16 dec 17 dec")

    assert reply == (
        "Mötet Örat mot marken är flyttat från onsdag 16 december 2026 kl. 10.00 (vecka 51) "
        "till torsdag 17 december 2026 kl. 10.00 (vecka 51)."
    )
    shown = await room.send("!schedule")
    assert shown.endswith("\nFlyttat: tisdag 15 december 2026 → torsdag 17 december 2026 kl. 10.00 (vecka 51)")
    assert shown.count("Flyttat:") == 1


async def test_skip_and_move_across_the_turn_of_the_year(room: Room, clock: FakeClock) -> None:
    await weekly_on_tuesdays(room)
    clock.advance(timedelta(days=30))  # Wednesday 30 December 2026, week 53

    assert await room.send("!schedule skip 5/1") == (
        "Mötet Örat mot marken tisdag 5 januari 2027 kl. 09.00 (vecka 1) är inställt."
    )
    assert await room.send("!next") == (
        "Nästa möte: Örat mot marken, tisdag 12 januari 2027 kl. 09.00 (vecka 2), Stadshuset, sal 2."
        " Inga punkter på dagordningen än."
    )


# A new schedule and the skips and moves already made


async def tuesdays_with_changes(room: Room) -> None:
    """Tuesdays at 09:00 from Monday 30 November; 8 December cancelled, 15 December moved to Wednesday 16 December
    10:00, 22 December cancelled."""
    await weekly_on_tuesdays(room)
    for body in ("!schema inställt 8/12", "!schema flytta 15/12 16/12 10:00", "!schema inställt 22/12"):
        await room.send(body)
    room.committed.clear()


SHOWN_CHANGES = (
    "Inställt: tisdag 8 december 2026\n"
    "Flyttat: tisdag 15 december 2026 → onsdag 16 december 2026 kl. 10.00 (vecka 51)\n"
    "Inställt: tisdag 22 december 2026"
)


@pytest.mark.parametrize("body", ["!schema veckovis tisdag 09:00", "!schema veckovis tisdag 09:00 bekräfta"])
async def test_the_same_schedule_again_keeps_its_skips_and_moves(room: Room, body: str) -> None:
    await tuesdays_with_changes(room)
    [_, changes_before, _] = await room.tables()

    reply = await room.send(body)

    assert reply == (
        "Schemat för Örat mot marken är nu: varje tisdag kl. 09.00. 3 inställda eller flyttade möten gäller fortfarande.\n"
        "Nästa möte: Örat mot marken, tisdag 1 december 2026 kl. 09.00 (vecka 49), Stadshuset, sal 2."
    )
    assert (await room.tables())[1] == changes_before
    assert (await room.send("!schema")).endswith(SHOWN_CHANGES)


async def test_every_other_week_set_again_keeps_its_weeks(room: Room, clock: FakeClock) -> None:
    await room.send("!schema varannan tisdag 09:00")  # Monday 30 November: weeks 49, 51, 53, …
    await room.send("!schema inställt 29/12")
    clock.advance(timedelta(days=7))  # Monday 7 December, week 50

    reply = await room.send("!schema varannan tisdag 09:00 45 min")

    assert reply == (
        "Schemat för Örat mot marken är nu: varannan tisdag kl. 09.00. Ett inställt eller flyttat möte gäller fortfarande.\n"
        "Nästa möte: Örat mot marken, tisdag 15 december 2026 kl. 09.00 (vecka 51)."
    )


async def test_a_new_length_keeps_the_skips_and_moves(room: Room) -> None:
    await tuesdays_with_changes(room)

    reply = await room.send("!schema veckovis tisdag 09:00 45 min")

    assert "3 inställda eller flyttade möten gäller fortfarande." in reply
    [series] = await room.series()
    assert series.duration == timedelta(minutes=45)
    assert (await room.send("!schema")).endswith(SHOWN_CHANGES)


async def test_one_kept_change_is_said_in_the_singular(room: Room) -> None:
    await weekly_on_tuesdays(room)
    await room.send("!schema inställt 8/12")

    reply = await room.send("!schema veckovis tisdag 09:00")

    assert reply.startswith("Schemat för Örat mot marken är nu: varje tisdag kl. 09.00. Ett inställt eller flyttat möte gäller fortfarande.\n")


async def test_a_schedule_that_drops_changes_lists_them_and_changes_nothing(room: Room, clock: FakeClock) -> None:
    await weekly_on_tuesdays(room)
    await room.send("!schema inställt 1/12")
    await tuesdays_with_changes(room)
    clock.advance(timedelta(days=2))  # Wednesday 2 December: the cancelled 1 December is history
    before = await room.tables()

    # Every other Tuesday from week 49 meets on 15 and 29 December: the move of 15 December stays, the others go.
    reply = await room.send("!schema varannan tisdag 09:00")

    assert reply == (
        "Med det nya schemat skulle 2 inställda eller flyttade möten i Örat mot marken inte längre gälla:\n"
        "Inställt: tisdag 8 december 2026\n"
        "Inställt: tisdag 22 december 2026\n"
        "Schemat är inte ändrat. Skriv `!schema varannan tisdag 09:00 bekräfta` om du vill ändra det ändå."
    )
    assert await room.tables() == before
    assert room.committed == [set()]  # the reply is stored; nothing is scheduled anew
    assert (await room.send("!schema")).startswith(
        "Mötesserier i rummet:\n\n1. Örat mot marken: varje tisdag kl. 09.00, 30 minuter."
    )


async def test_with_the_confirmation_the_schedule_changes_and_drops_them(room: Room, clock: FakeClock) -> None:
    await weekly_on_tuesdays(room)
    await room.send("!schema inställt 1/12")
    await tuesdays_with_changes(room)
    clock.advance(timedelta(days=2))
    await room.send("!schema varannan tisdag 09:00")
    room.committed.clear()

    reply = await room.send("!schema varannan tisdag 09:00 bekräfta")

    assert reply == (
        "Schemat för Örat mot marken är nu: varannan tisdag kl. 09.00. "
        "2 inställda eller flyttade möten i det gamla schemat gäller inte längre. "
        "Ett inställt eller flyttat möte gäller fortfarande.\n"
        "Nästa möte: Örat mot marken, onsdag 16 december 2026 kl. 10.00 (vecka 51), Stadshuset, sal 2, "
        "flyttat från tisdag 15 december 2026."
    )
    [series] = await room.series()
    assert series.schedule.spec == "every 2 weeks tuesday 09:00"
    assert room.committed == [{series.id}]
    [_, changes, _] = await room.tables()
    assert [(original, new) for _, original, new, *_ in changes] == [
        ("2026-12-01T08:00:00+00:00", None),  # history stays
        ("2026-12-15T08:00:00+00:00", "2026-12-16T09:00:00+00:00"),
    ]
    assert (await room.send("!schema")).endswith(
        "\nFlyttat: tisdag 15 december 2026 → onsdag 16 december 2026 kl. 10.00 (vecka 51)"
    )


async def test_the_confirmation_with_a_length(room: Room) -> None:
    await tuesdays_with_changes(room)

    reply = await room.send("!schema veckovis onsdag 10:00 45 min bekräfta")

    assert reply.startswith(
        "Schemat för Örat mot marken är nu: varje onsdag kl. 10.00. "
        "3 inställda eller flyttade möten i det gamla schemat gäller inte längre.\n"
    )
    [series] = await room.series()
    assert (series.schedule.spec, series.duration) == ("weekly wednesday 10:00", timedelta(minutes=45))
    assert (await room.tables())[1] == []


async def test_a_long_listing_is_cut_and_names_the_command_that_shows_them_all(room: Room) -> None:
    await weekly_on_tuesdays(room)
    first = date(2026, 12, 1)
    for week in range(60):
        await room.send(f"!schema inställt {(first + timedelta(weeks=week)).isoformat()}")
    before = await room.tables()

    reply = await room.send("!schema veckovis onsdag 10:00")

    lines = reply.split("\n")
    assert lines[0] == "Med det nya schemat skulle 60 inställda eller flyttade möten i Örat mot marken inte längre gälla:"
    assert lines[1] == "Inställt: tisdag 1 december 2026"
    shown = sum(line.startswith("Inställt: ") for line in lines)
    assert 10 < shown < 60
    assert lines[-2] == f"… och {60 - shown} till; `!schema` visar alla."
    assert lines[-1].startswith("Schemat är inte ändrat.")
    assert await room.tables() == before


async def test_the_listing_repeats_the_series_number_and_the_length(room: Room) -> None:
    await tuesdays_with_changes(room)
    before = await room.tables()

    reply = await room.send("!schema 1 veckovis onsdag 10:00  45 min")

    assert reply.endswith("Skriv `!schema 1 veckovis onsdag 10:00 45 min bekräfta` om du vill ändra det ändå.")
    assert await room.tables() == before


async def test_a_meeting_moved_from_the_past_is_kept(room: Room, clock: FakeClock) -> None:
    await weekly_on_tuesdays(room)
    await room.send("!schema flytta 1/12 3/12")
    clock.advance(timedelta(days=2))  # Wednesday 2 December: postponed from yesterday to tomorrow

    reply = await room.send("!schema veckovis fredag 09:00")

    assert reply.startswith("Schemat för Örat mot marken är nu: varje fredag kl. 09.00. Ett inställt eller flyttat möte gäller fortfarande.\n")
    assert "Nästa möte: Örat mot marken, torsdag 3 december 2026 kl. 09.00 (vecka 49)" in reply


async def test_a_changed_config_entry_keeps_the_changes_that_fit_and_drops_the_others(
    room: Room, db: Database, clock: FakeClock
) -> None:
    await tuesdays_with_changes(room)
    async with db.transaction() as tx:
        await RoomRepo(tx).joined(ROOM, clock.now())
    seed = {"room": ROOM, "name": NAME, "schedule": "every 2 weeks tuesday 09:00", "location": "Stadshuset, sal 2"}

    changed = await apply_seeds(db, None, make_settings(series=[seed]), clock)  # type: ignore[arg-type]

    [series] = await room.series()
    assert changed == {series.id}
    assert (await room.send("!schema")).endswith(
        "Nästa möte: tisdag 1 december 2026 kl. 09.00 (vecka 49)\n"
        "Flyttat: tisdag 15 december 2026 → onsdag 16 december 2026 kl. 10.00 (vecka 51)"
    )


@pytest.mark.parametrize("word", ["bekräfta", "confirm", "Bekräfta", "bekrafta"])
async def test_either_confirmation_word_in_a_swedish_room(room: Room, word: str) -> None:
    await tuesdays_with_changes(room)

    reply = await room.send(f"!schema veckovis onsdag 10:00 {word}")

    assert reply.startswith("Schemat för Örat mot marken är nu: varje onsdag kl. 10.00.")
    assert (await room.tables())[1] == []


@pytest.mark.parametrize("word", ["confirm", "bekräfta"])
async def test_either_confirmation_word_in_an_english_room(db: Database, clock: FakeClock, word: str) -> None:
    room = Room(db, clock, language="en")
    await tuesdays_with_changes(room)
    before = await room.tables()

    asked = await room.send("!schedule weekly wednesday 10:00")
    assert asked == (
        "With the new schedule, 3 cancelled or moved meetings of Örat mot marken would no longer apply:\n"
        "Cancelled: Tuesday 8 December 2026\n"
        "Moved: Tuesday 15 December 2026 → Wednesday 16 December 2026 at 10:00 (week 51)\n"
        "Cancelled: Tuesday 22 December 2026\n"
        "The schedule is not changed. Send `!schedule weekly wednesday 10:00 confirm` to change it anyway."
    )
    assert await room.tables() == before

    reply = await room.send(f"!schedule weekly wednesday 10:00 {word}")

    assert reply.startswith(
        "The schedule of Örat mot marken is now: every Wednesday at 10:00. "
        "3 cancelled or moved meetings of the old schedule no longer apply.\n"
    )
    assert (await room.tables())[1] == []


async def test_the_confirmation_is_just_the_command_again_after_a_restart(db: Database, clock: FakeClock) -> None:
    room = Room(db, clock)
    await tuesdays_with_changes(room)
    await room.send("!schema veckovis onsdag 10:00")

    restarted = Room(db, clock)  # a new dispatcher on the same database: nothing was kept in memory
    restarted._events = room._events  # and the room's next event
    reply = await restarted.send("!schema veckovis onsdag 10:00 bekräfta")

    assert reply.startswith("Schemat för Örat mot marken är nu: varje onsdag kl. 10.00.")
    assert (await restarted.tables())[1] == []


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("!schema veckovis blursday 09:00 bekräfta", Catalogue("sv")("parse.weekday", value="blursday")),
        ("!schema veckovis onsdag 25:00 45 min bekräfta", Catalogue("sv")("parse.time", value="25:00")),
        ("!schema bekräfta", "Ange vad som ska ändras."),
        ("!schema bekräfta veckovis onsdag 10:00", 'Jag förstår inte schemat "bekräfta veckovis onsdag 10:00".'),
    ],
)
async def test_bad_input_with_the_confirmation_stores_nothing(room: Room, body: str, error: str) -> None:
    await tuesdays_with_changes(room)
    before = await room.tables()

    reply = await room.send(body)

    assert reply.startswith(error)
    assert reply.endswith("\n" + USAGE)
    assert await room.tables() == before
    assert room.committed == []


@pytest.mark.parametrize(
    ("language", "usage", "example"),
    [
        ("sv", "`!schema veckovis <veckodag> <TT:MM> [<längd>] [bekräfta]`", "`!schema veckovis tisdag 09:00 45 min`"),
        ("en", "`!schedule weekly <weekday> <HH:MM> [<length>] [confirm]`", "`!schedule weekly tuesday 09:00 45 min`"),
    ],
)
async def test_help_shows_the_confirmation_word(db: Database, clock: FakeClock, language: str, usage: str, example: str) -> None:
    reply = await Room(db, clock, language=language).send("!help schedule")

    [line] = [line for line in reply.split("\n") if usage in line]
    assert example in line


# Reminders


async def test_set_reminders(room: Room) -> None:
    await weekly_on_tuesdays(room)

    reply = await room.send("!schedule reminders 1d 2h 15m")

    assert reply == "Örat mot marken: Påminnelser 1 dag, 2 timmar och 15 minuter före."
    [series] = await room.series()
    assert series.reminders == (timedelta(days=1), timedelta(hours=2), timedelta(minutes=15))
    assert room.committed == [{series.id}]


async def test_turn_reminders_off(room: Room) -> None:
    await weekly_on_tuesdays(room)

    assert await room.send("!schema påminnelser av") == "Örat mot marken: Inga påminnelser."
    [series] = await room.series()
    assert series.reminders == ()


# !next


async def test_next_names_weekday_date_time_week_and_place(room: Room) -> None:
    await weekly_on_tuesdays(room)

    reply = await room.send("!next", sender=OLLE)

    assert reply == (
        "Nästa möte: Örat mot marken, tisdag 1 december 2026 kl. 09.00 (vecka 49), Stadshuset, sal 2."
        " Inga punkter på dagordningen än."
    )
    assert room.committed == [set()]


async def test_next_in_english(db: Database, clock: FakeClock) -> None:
    room = Room(db, clock, language="en")
    await weekly_on_tuesdays(room)

    assert await room.send("!next") == (
        "Next meeting: Örat mot marken, Tuesday 1 December 2026 at 09:00 (week 49), Stadshuset, sal 2."
        " No items on the agenda yet."
    )


async def test_next_after_the_meeting_has_begun_is_the_following_week(room: Room, clock: FakeClock) -> None:
    await weekly_on_tuesdays(room)
    clock.advance(timedelta(hours=22, minutes=1))

    assert "tisdag 8 december 2026 kl. 09.00 (vecka 50)" in await room.send("!next")


async def test_next_in_week_53(room: Room, clock: FakeClock) -> None:
    await room.send("!schedule weekly fredag 09:00")
    clock.advance(timedelta(days=28))  # Monday 28 December

    reply = await room.send("!nästa")

    assert reply == (
        "Nästa möte: Örat mot marken, fredag 1 januari 2027 kl. 09.00 (vecka 53). Inga punkter på dagordningen än.\n"
        "Obs! Den dagen är det nyårsdagen. Flytta mötet med `!schema flytta 2027-01-01 <nytt datum>` "
        "eller ställ in det med `!schema inställt 2027-01-01`."
    )


async def test_next_flags_julafton_and_suggests_moving_it(room: Room, clock: FakeClock) -> None:
    clock.advance(timedelta(days=22, hours=2))  # Tuesday 22 December, 13:00
    await room.send("!schedule weekly torsdag 09:00")
    await room.send("!schedule place Stadshuset, sal 2")

    reply = await room.send("!nästa", sender=OLLE)

    assert reply == (
        "Nästa möte: Örat mot marken, torsdag 24 december 2026 kl. 09.00 (vecka 52), Stadshuset, sal 2."
        " Inga punkter på dagordningen än.\n"
        + JULAFTON_WARNING
    )


async def test_setting_a_schedule_that_falls_on_julafton_flags_it(room: Room, clock: FakeClock) -> None:
    clock.advance(timedelta(days=22, hours=2))

    reply = await room.send("!schedule weekly torsdag 09:00")

    assert reply.endswith("torsdag 24 december 2026 kl. 09.00 (vecka 52).\n" + JULAFTON_WARNING)


async def test_the_suggested_move_works(room: Room, clock: FakeClock) -> None:
    clock.advance(timedelta(days=22, hours=2))
    await room.send("!schedule weekly torsdag 09:00")

    await room.send("!schema move 2026-12-24 2026-12-23")

    reply = await room.send("!nästa")
    assert reply == (
        "Nästa möte: Örat mot marken, onsdag 23 december 2026 kl. 09.00 (vecka 52), "
        "flyttat från torsdag 24 december 2026. Inga punkter på dagordningen än."
    )


async def test_next_flags_midsommarafton_in_english(db: Database) -> None:
    room = Room(db, FakeClock(utc(2026, 6, 15, 10)), language="en")  # Monday 15 June 2026
    await room.send("!schedule weekly friday 09:00")

    reply = await room.send("!next")

    assert reply == (
        "Next meeting: Örat mot marken, Friday 19 June 2026 at 09:00 (week 25). No items on the agenda yet.\n"
        "Note: that day is Midsummer Eve. Move the meeting with `!schedule move 2026-06-19 <new date>` "
        "or cancel it with `!schedule skip 2026-06-19`."
    )


async def test_next_is_the_soonest_of_the_rooms_series(room: Room, clock: FakeClock) -> None:
    await weekly_on_tuesdays(room)
    async with room.db.transaction() as tx:
        await SeriesRepo(tx).create(
            room_id=ROOM,
            name="Trygghetsrådet",
            schedule=parse_schedule("monthly first monday 18:00".split(), date(2026, 11, 30)),
            anchor=date(2026, 11, 30),
            duration=timedelta(hours=1),
            location="Kommunhuset",
            reminders=(),
            zone=STOCKHOLM,
            now=clock.now(),
        )

    assert (await room.send("!next")).startswith("Nästa möte: Örat mot marken, tisdag 1 december 2026")
    clock.advance(timedelta(days=7))  # Monday 7 December: the council meets that evening
    assert await room.send("!next") == (
        "Nästa möte: Trygghetsrådet, måndag 7 december 2026 kl. 18.00 (vecka 50), Kommunhuset."
        " Inga punkter på dagordningen än."
    )


async def test_next_formatted_body_shows_the_suggested_commands_as_code(room: Room, clock: FakeClock) -> None:
    clock.advance(timedelta(days=22, hours=2))
    await room.send("!schedule weekly torsdag 09:00")
    await room.send("!next", sender=OLLE)

    async with room.db.reading() as conn:
        last = (await OutboxRepo(conn).pending())[-1]
    assert "<code>!schema flytta 2026-12-24 &lt;nytt datum&gt;</code>" in last.content["formatted_body"]


async def test_a_place_cannot_inject_markup(room: Room) -> None:
    await weekly_on_tuesdays(room, place="<b>Sal 2</b>")
    await room.send("!next")

    async with room.db.reading() as conn:
        last = (await OutboxRepo(conn).pending())[-1]
    assert "<b>" not in last.content["formatted_body"]
    assert "&lt;b&gt;Sal 2&lt;/b&gt;" in last.content["formatted_body"]
