"""Nudges at 08:00 on the working day before an action is due, exactly once, and the actions a meeting reminder
lists. Decided from explicit times on a FakeClock; the timers are never started."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FakeClock
from bot.feature import Services
from bot.features import FEATURES
from bot.features.actions import NUDGES
from bot.features.series import REMINDERS
from bot.nudges import Nudge, decide_nudges, next_nudge, nudge_time, working_day_before
from bot.i18n import Catalogue
from bot.names import MemberNames, NameLookup, no_names
from bot.reminders import ReminderContext
from bot.policy import MAX_BODY
from bot.render import notice
from bot.schedule import Occurrence
from bot.runner import Runner, job_id
from bot.views.reminder import reminder_text
from bot.store.actions import Action, ActionRepo
from bot.store.agenda import AgendaRepo
from bot.store.db import Database
from bot.store.outbox import OutboxRepo, OutgoingMessage
from bot.store.rooms import RoomRepo
from bot.store.series import SeriesRepo
from tests.unit.handlers import ANNA, KIM, NAMES, OLLE, OTHER_ROOM, START, Chat, member_names, pill, utc
from tests.unit.helpers import ROOM, STOCKHOLM, make_series, make_settings

FRIDAY = date(2026, 12, 4)
NUDGE = utc(2026, 12, 3, 7)  # Thursday 3 December, 08:00 in Stockholm



def action(number: int = 1, due: date | None = FRIDAY, set_at: datetime | None = START, **values) -> Action:
    values.setdefault("room_id", ROOM)
    values.setdefault("text", "Kolla belysningen")
    values.setdefault("organisation", None)
    values.setdefault("status", "open")
    values.setdefault("created_by", ANNA)
    values.setdefault("created_at", START)
    values.setdefault("owners", (KIM, OLLE))
    return Action(number=number, due=due, due_set_at=set_at if due else None, **values)


def decided(now: datetime, *actions: Action, nudged: set | None = None) -> list[tuple[int, str]]:
    return [(n.action.number, n.outcome) for n in decide_nudges(actions or [action()], nudged or set(), now, STOCKHOLM)]


# The working day before


@pytest.mark.parametrize(
    ("due", "nudged_on"),
    [
        (date(2026, 12, 1), date(2026, 11, 30)),  # Tuesday: Monday
        (date(2026, 12, 4), date(2026, 12, 3)),  # Friday: Thursday
        (date(2026, 12, 7), date(2026, 12, 4)),  # Monday: the Friday before
        (date(2026, 12, 6), date(2026, 12, 4)),  # Sunday: Friday
        (date(2026, 12, 5), date(2026, 12, 4)),  # Saturday: Friday
        (date(2026, 12, 28), date(2026, 12, 23)),  # Monday after Christmas: annandag, juldagen, julafton passed over
        (date(2026, 12, 25), date(2026, 12, 23)),  # juldagen itself: julafton is no working day
        (date(2027, 1, 2), date(2026, 12, 30)),  # Saturday after nyårsdagen and nyårsafton
        (date(2027, 1, 7), date(2027, 1, 5)),  # Thursday after trettondedag jul
        (date(2027, 3, 30), date(2027, 3, 25)),  # Tuesday after Easter: annandag påsk and långfredag passed over
        (date(2026, 6, 22), date(2026, 6, 18)),  # Monday after midsommar: Thursday
        (date(2026, 5, 15), date(2026, 5, 13)),  # Friday after Kristi himmelsfärd
        (date(2026, 5, 4), date(2026, 4, 30)),  # Monday after 1 May (a Friday); valborgsmässoafton is a working day
    ],
)
def test_the_working_day_before(due: date, nudged_on: date) -> None:
    assert working_day_before(due) == nudged_on


@pytest.mark.parametrize(
    ("due", "at"),
    [
        (date(2026, 12, 7), utc(2026, 12, 4, 7)),  # 08:00 CET
        (date(2026, 6, 2), utc(2026, 6, 1, 6)),  # 08:00 CEST
        (date(2026, 3, 30), utc(2026, 3, 27, 7)),  # the Friday before the clocks go forward: CET
        (date(2026, 3, 31), utc(2026, 3, 30, 6)),  # the Monday after: CEST
        (date(2026, 10, 26), utc(2026, 10, 23, 6)),  # the Friday before they go back: CEST
    ],
)
def test_the_nudge_is_at_08_00_local_time(due: date, at: datetime) -> None:
    assert nudge_time(due, STOCKHOLM) == at


# What is decided when


def test_nothing_before_the_nudge_time() -> None:
    assert decided(NUDGE - timedelta(seconds=1)) == []


def test_at_the_nudge_time_it_is_sent() -> None:
    assert decided(NUDGE) == [(1, "sent")]


def test_within_two_minutes_it_is_on_time_and_after_that_late() -> None:
    assert decided(NUDGE + timedelta(minutes=2)) == [(1, "sent")]
    assert decided(NUDGE + timedelta(minutes=2, seconds=1)) == [(1, "late")]


def test_away_until_the_due_date_it_is_sent_late() -> None:
    assert decided(utc(2026, 12, 4, 22, 59)) == [(1, "late")]  # Friday 23:59 in Stockholm


def test_away_past_the_due_date_it_is_skipped() -> None:
    assert decided(utc(2026, 12, 4, 23)) == [(1, "skipped")]  # Saturday 00:00 in Stockholm


def test_once_decided_never_again() -> None:
    assert decided(NUDGE + timedelta(hours=1), nudged={(ROOM, 1, FRIDAY)}) == []


def test_a_new_due_date_is_nudged_for_again() -> None:
    moved = action(due=date(2026, 12, 11), set_at=NUDGE + timedelta(hours=1))

    assert decided(utc(2026, 12, 10, 7), moved, nudged={(ROOM, 1, FRIDAY)}) == [(1, "sent")]


def test_the_same_number_in_another_room_is_another_action() -> None:
    other = action(room_id=OTHER_ROOM)

    assert decided(NUDGE, action(), other, nudged={(ROOM, 1, FRIDAY)}) == [(1, "sent")]
    [nudge] = decide_nudges([action(), other], {(ROOM, 1, FRIDAY)}, NUDGE, STOCKHOLM)
    assert nudge.action.room_id == OTHER_ROOM


@pytest.mark.parametrize(
    "set_at",
    [NUDGE, NUDGE + timedelta(minutes=1), utc(2026, 12, 3, 15)],
    ids=["at-the-nudge-time", "a-minute-after", "that-afternoon"],
)
def test_no_nudge_for_a_due_date_set_after_its_nudge_time(set_at: datetime) -> None:
    late = action(set_at=set_at)

    assert decided(set_at + timedelta(minutes=5), late) == []
    assert decided(utc(2026, 12, 4, 12), late) == []
    assert next_nudge([late], set(), set_at, STOCKHOLM) is None


def test_a_due_date_set_just_before_its_nudge_time_is_nudged() -> None:
    assert decided(NUDGE, action(set_at=NUDGE - timedelta(seconds=1))) == [(1, "sent")]


def test_an_action_without_a_due_date_is_never_nudged() -> None:
    undated = action(due=None)

    assert decided(utc(2027, 1, 1), undated) == []
    assert next_nudge([undated], set(), START, STOCKHOLM) is None


def test_several_actions_in_one_check() -> None:
    monday = action(2, due=date(2026, 12, 7))  # nudged on Friday
    tuesday = action(3, due=date(2026, 12, 1))  # nudged on Monday 30 November 08:00, before it was set
    wednesday = action(4, due=date(2026, 12, 2), set_at=utc(2026, 11, 27))  # nudged Tuesday 08:00

    assert decided(utc(2026, 12, 4, 7), action(), monday, tuesday, wednesday) == [
        (1, "late"), (2, "sent"), (4, "skipped")
    ]  # fmt: skip


def test_next_nudge_is_the_soonest_not_yet_decided() -> None:
    monday = action(2, due=date(2026, 12, 7))
    week_50 = action(3, due=date(2026, 12, 11))

    assert next_nudge([week_50, monday, action()], set(), START, STOCKHOLM) == NUDGE
    assert next_nudge([week_50, monday, action()], {(ROOM, 1, FRIDAY)}, START, STOCKHOLM) == utc(2026, 12, 4, 7)
    assert next_nudge([week_50, monday, action()], set(), NUDGE, STOCKHOLM) == utc(2026, 12, 4, 7)  # strictly after
    assert next_nudge([action()], set(), NUDGE, STOCKHOLM) is None


def test_txn_ids_are_deterministic_per_room_number_and_due_date() -> None:
    first = Nudge(action(), "sent").txn_id

    assert first == Nudge(action(), "late").txn_id
    assert re.fullmatch(r"sb-nudge-[0-9a-f]{16}-1-2026-12-04", first)
    others = {Nudge(a, "sent").txn_id for a in (action(2), action(room_id=OTHER_ROOM), action(due=date(2026, 12, 11)))}
    assert len(others | {first}) == 4


# Exactly once, through the scheduler


class Flush:
    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self) -> None:
        self.calls += 1


class Nudger:
    """The nudges job as the runner runs it."""

    def __init__(self, db: Database, clock: FakeClock, language: str, flush: Flush, names: NameLookup, **settings):
        settings = make_settings(language=language, **settings)
        services = Services(db, clock, Catalogue(language), settings, FEATURES.sections, names)
        self.runner = Runner(FEATURES, services, flush)
        self.timers = self.runner.timers

    async def check_nudges(self) -> None:
        await self.runner.check(NUDGES)


def scheduler(
    db: Database, clock: FakeClock, language: str = "sv", flush: Flush | None = None, names: NameLookup = no_names, **settings
) -> Nudger:
    return Nudger(db, clock, language, flush or Flush(), names, **settings)


async def nudges(db: Database) -> list[OutgoingMessage]:
    async with db.reading() as conn:
        return [m for m in await OutboxRepo(conn).pending() if m.txn_id.startswith("sb-nudge-")]


async def claimed(db: Database) -> list[tuple]:
    async with db.reading() as conn:
        async with conn.execute("SELECT room_id, number, due, outcome FROM nudges ORDER BY 1, 2") as cursor:
            return [tuple(row) for row in await cursor.fetchall()]


async def log_action(db: Database, clock: FakeClock, body: str, sender: str = ANNA, room_id: str = ROOM) -> None:
    chat = Chat(db, clock, room_id=room_id)
    if room_id != ROOM:
        await chat.joined()
    assert (await chat.send(body, sender=sender)).startswith("Åtgärd #")


async def test_two_checks_at_the_nudge_time_queue_one_nudge_mentioning_the_owners_by_name(
    db: Database, clock: FakeClock
) -> None:
    await log_action(db, clock, "!action Kolla belysningen @kim:eslov.se @olle:eslov.se för Polisen senast fredag")
    clock.advance(NUDGE - clock.now())
    flush = Flush()
    nudger = scheduler(db, clock, flush=flush, names=member_names(db))

    await nudger.check_nudges()
    await nudger.check_nudges()

    [row] = await nudges(db)
    assert row.room_id == ROOM
    assert row.txn_id == Nudge(action(), "sent").txn_id
    assert row.content["msgtype"] == "m.notice"
    assert "m.relates_to" not in row.content
    assert row.content["body"] == (
        "Påminnelse om åtgärd #1, som ska vara klar i morgon eller nästa arbetsdag: "
        "#1 Kolla belysningen — @kim:eslov.se, Olle Olsson, Polisen — senast fredag 4 december 2026"
    )  # Kim has no display name
    assert row.content["m.mentions"] == {"user_ids": [KIM, OLLE]}
    assert f"— {pill(KIM, '@kim:eslov.se')}, {pill(OLLE, 'Olle Olsson')}, Polisen —" in row.content["formatted_body"]
    assert await claimed(db) == [(ROOM, 1, "2026-12-04", "sent")]
    assert flush.calls == 2


async def test_a_restarted_scheduler_does_not_nudge_again(db: Database, clock: FakeClock) -> None:
    await log_action(db, clock, "!action Kolla belysningen @kim:eslov.se senast fredag")
    clock.advance(NUDGE - clock.now())
    await scheduler(db, clock).check_nudges()
    clock.advance(timedelta(minutes=30))

    await scheduler(db, clock).check_nudges()

    assert len(await nudges(db)) == 1


async def test_only_the_owners_are_mentioned(db: Database, clock: FakeClock) -> None:
    await log_action(db, clock, "!action Kolla belysningen @kim:eslov.se senast fredag", sender=OLLE)
    clock.advance(NUDGE - clock.now())

    await scheduler(db, clock).check_nudges()

    [row] = await nudges(db)
    assert row.content["m.mentions"] == {"user_ids": [KIM]}  # not Olle, who logged it
    assert re.findall(r'href="https://matrix\.to/#/([^"]+)"', row.content["formatted_body"]) == [KIM]


async def test_an_action_of_an_organisation_alone_pings_nobody(db: Database, clock: FakeClock) -> None:
    await log_action(db, clock, "!action Kolla belysningen för Polisen senast fredag")
    clock.advance(NUDGE - clock.now())

    await scheduler(db, clock).check_nudges()

    [row] = await nudges(db)
    assert row.content["body"] == (
        "Påminnelse om åtgärd #1, som ska vara klar i morgon eller nästa arbetsdag: "
        "#1 Kolla belysningen — Polisen — senast fredag 4 december 2026"
    )
    assert row.content["m.mentions"] == {}
    assert "<a " not in row.content["formatted_body"]


async def test_a_nudge_in_english(db: Database, clock: FakeClock) -> None:
    await log_action(db, clock, "!action Check the lights @kim:eslov.se due friday")
    clock.advance(NUDGE - clock.now())

    await scheduler(db, clock, language="en").check_nudges()

    [row] = await nudges(db)
    assert row.content["body"] == (
        "Reminder of action #1, due tomorrow or the next working day: "
        "#1 Check the lights — @kim:eslov.se — due Friday 4 December 2026"
    )


async def test_a_nudge_after_downtime_is_sent_once_marked_late(db: Database, clock: FakeClock) -> None:
    await log_action(db, clock, "!action Kolla belysningen @kim:eslov.se senast fredag")
    clock.advance(utc(2026, 12, 4, 6) - clock.now())  # back on Friday morning
    nudger = scheduler(db, clock)

    await nudger.check_nudges()
    await nudger.check_nudges()

    [row] = await nudges(db)
    assert row.content["body"].startswith("Försenad påminnelse om åtgärd #1: #1 Kolla belysningen — @kim:eslov.se")
    assert row.content["m.mentions"] == {"user_ids": [KIM]}
    assert await claimed(db) == [(ROOM, 1, "2026-12-04", "late")]


async def test_a_nudge_missed_past_the_due_date_is_skipped_and_not_sent(db: Database, clock: FakeClock) -> None:
    await log_action(db, clock, "!action Kolla belysningen @kim:eslov.se senast fredag")
    clock.advance(utc(2026, 12, 5, 9) - clock.now())  # back on Saturday

    await scheduler(db, clock).check_nudges()

    assert await nudges(db) == []
    assert await claimed(db) == [(ROOM, 1, "2026-12-04", "skipped")]


async def test_a_closed_action_is_not_nudged(db: Database, clock: FakeClock) -> None:
    await log_action(db, clock, "!action Kolla belysningen @kim:eslov.se senast fredag")
    await log_action(db, clock, "!action Byt lampor @kim:eslov.se senast fredag")
    chat = Chat(db, clock)
    await chat.send("!done 1")
    await chat.send("!action cancel 2")
    clock.advance(NUDGE - clock.now())

    await scheduler(db, clock).check_nudges()

    assert await nudges(db) == []
    assert await claimed(db) == []


async def test_a_due_date_set_after_its_nudge_time_gets_no_nudge(db: Database, clock: FakeClock) -> None:
    clock.advance(utc(2026, 12, 3, 12) - clock.now())  # Thursday afternoon, due tomorrow
    await log_action(db, clock, "!action Kolla belysningen @kim:eslov.se senast fredag")
    nudger = scheduler(db, clock)

    await nudger.check_nudges()
    clock.advance(timedelta(hours=12))
    await nudger.check_nudges()

    assert await nudges(db) == []
    assert nudger.timers.when(job_id(NUDGES, ROOM)) is None


async def test_a_changed_due_date_is_nudged_for_once_more(db: Database, clock: FakeClock) -> None:
    await log_action(db, clock, "!action Kolla belysningen @kim:eslov.se senast fredag")
    clock.advance(NUDGE - clock.now())
    nudger = scheduler(db, clock)
    await nudger.check_nudges()
    await Chat(db, clock).send("!action due 1 vecka 50")
    clock.advance(utc(2026, 12, 10, 7) - clock.now())

    await nudger.check_nudges()
    await nudger.check_nudges()

    assert [m.content["body"].split(" — ")[-1].split("\n")[0] for m in await nudges(db)] == [
        "senast fredag 4 december 2026",
        "senast fredag 11 december 2026",
    ]


async def test_each_nudge_goes_to_its_own_room(db: Database, clock: FakeClock) -> None:
    await log_action(db, clock, "!action Kolla belysningen @kim:eslov.se senast fredag")
    await log_action(db, clock, "!action Trygghetsvandring @kim:eslov.se senast fredag", room_id=OTHER_ROOM)
    clock.advance(NUDGE - clock.now())

    await scheduler(db, clock).check_nudges()

    assert sorted((m.room_id, m.content["body"].split(" — ")[0].split(": ")[1]) for m in await nudges(db)) == [
        (ROOM, "#1 Kolla belysningen"),
        (OTHER_ROOM, "#1 Trygghetsvandring"),
    ]


async def test_check_nudges_schedules_the_next_one(db: Database, clock: FakeClock) -> None:
    await log_action(db, clock, "!action Kolla belysningen @kim:eslov.se senast fredag")
    await log_action(db, clock, "!action Byt lampor @kim:eslov.se senast 2026-12-08")
    nudger = scheduler(db, clock)

    await nudger.check_nudges()

    ahead = nudger.timers.when(job_id(NUDGES, ROOM)) - datetime.now(timezone.utc)
    assert abs(ahead - (NUDGE - clock.now())) < timedelta(seconds=30)

    clock.advance(NUDGE - clock.now())
    await nudger.check_nudges()
    ahead = nudger.timers.when(job_id(NUDGES, ROOM)) - datetime.now(timezone.utc)
    assert abs(ahead - (utc(2026, 12, 7, 7) - clock.now())) < timedelta(seconds=30)  # Monday 08:00 for Tuesday
    assert len(await nudges(db)) == 1


async def test_nudges_keep_the_time_of_the_rooms_series(db: Database, clock: FakeClock) -> None:
    """08:00 where the group meets, not where the bot runs: a room whose series is in London is nudged an hour
    after a room in Stockholm."""
    await log_action(db, clock, "!action Kolla belysningen @kim:eslov.se senast fredag")
    await log_action(db, clock, "!action Trygghetsvandring @kim:eslov.se senast fredag", room_id=OTHER_ROOM)
    series = make_series()
    async with db.transaction() as tx:
        await SeriesRepo(tx).create(
            room_id=OTHER_ROOM, name="Trygghetsrådet", schedule=series.schedule, anchor=date(2026, 11, 30),
            duration=series.duration, location="", reminders=(), zone=ZoneInfo("Europe/London"), now=START,
        )  # fmt: skip
    nudger = scheduler(db, clock)

    clock.advance(NUDGE - clock.now())  # 08:00 in Stockholm, 07:00 in London
    await nudger.check_nudges()
    assert [m.room_id for m in await nudges(db)] == [ROOM]
    ahead = nudger.timers.when(job_id(NUDGES, OTHER_ROOM)) - datetime.now(timezone.utc)
    assert abs(ahead - timedelta(hours=1)) < timedelta(seconds=30)

    clock.advance(timedelta(hours=1))
    await nudger.check_nudges()
    assert sorted(m.room_id for m in await nudges(db)) == sorted([ROOM, OTHER_ROOM])


async def test_the_nudge_time_is_a_setting(db: Database, clock: FakeClock) -> None:
    await log_action(db, clock, "!action Kolla belysningen @kim:eslov.se senast fredag")
    nudger = scheduler(db, clock, nudge_at="13:30")

    clock.advance(NUDGE - clock.now())
    await nudger.check_nudges()
    assert await nudges(db) == []

    clock.advance(timedelta(hours=5, minutes=30))  # 13:30 in Stockholm
    await nudger.check_nudges()
    [row] = await nudges(db)
    assert row.content["body"].startswith("Påminnelse om åtgärd #1")


# What a reminder says about the actions


MEETING = utc(2026, 12, 8, 8)  # Tuesday 8 December 2026, 09:00 in Stockholm
REMINDED = utc(2026, 12, 7, 8)  # the day before


async def reminder(
    db: Database, language: str = "sv", now: datetime = REMINDED, room_id: str = ROOM, names: MemberNames = MemberNames()
) -> str:
    series = make_series(room_id=room_id)
    async with db.reading() as conn:
        ctx = ReminderContext(conn, series, Occurrence(MEETING, MEETING), Catalogue(language), "!", now, names)
        return notice(await reminder_text(ctx, False, FEATURES.sections))["body"]


async def actions_for_the_meeting(db: Database) -> None:
    async with db.transaction() as tx:
        await RoomRepo(tx).joined(OTHER_ROOM, START)
        repo = ActionRepo(tx)
        await repo.create(ROOM, "Byt lampor i gångtunneln", (OLLE,), None, date(2026, 12, 1), ANNA, START)  # overdue
        await repo.create(ROOM, "Kolla kamerorna", (), "Polisen", date(2026, 12, 8), ANNA, START)  # the meeting's day
        await repo.create(ROOM, "Rapport", (KIM,), None, date(2026, 12, 9), ANNA, START)  # after the meeting
        await repo.create(ROOM, "Utan datum", (KIM,), None, None, ANNA, START)
        await repo.create(ROOM, "Redan klar", (KIM,), None, date(2026, 12, 2), ANNA, START)
        await repo.create(ROOM, "Städa tunneln", (KIM,), None, date(2026, 12, 7), ANNA, START)  # today
        await repo.create(OTHER_ROOM, "Trygghetsvandring", (KIM,), None, date(2026, 12, 1), ANNA, START)
        done = await repo.get(ROOM, 5)
        await repo.change(done, ANNA, START, "done", {"comment": ""}, status="done")
        await AgendaRepo(tx).add(ROOM, "Klotter vid busstationen", ANNA, utc(2026, 12, 1, 8), START)  # carried over
        await AgendaRepo(tx).add(ROOM, "Belysningen i Stadsparken", OLLE, MEETING, START)


async def test_a_reminder_lists_the_agenda_and_the_open_actions_due_by_the_meeting(db: Database) -> None:
    await actions_for_the_meeting(db)

    assert await reminder(db, names=MemberNames(names=NAMES)) == (
        "Påminnelse: Örat mot marken, tisdag 8 december 2026 kl. 09.00 (vecka 50), Stadshuset, sal 2.\n\n"
        "Dagordning:\n"
        "1. Klotter vid busstationen (Anna Andersson) (kvarstår från tisdag 1 december 2026)\n"
        "2. Belysningen i Stadsparken (Olle Olsson)\n\n"
        "Åtgärder att följa upp:\n"
        "#1 Byt lampor i gångtunneln — Olle Olsson — senast tisdag 1 december 2026 (försenad)\n"
        "#6 Städa tunneln — @kim:eslov.se — senast måndag 7 december 2026\n"
        "#2 Kolla kamerorna — Polisen — senast tisdag 8 december 2026\n"
        "#4 Utan datum — @kim:eslov.se"
    )


async def test_a_reminder_in_english_lists_the_actions(db: Database) -> None:
    await actions_for_the_meeting(db)

    assert (await reminder(db, "en")).split("\n\n")[1:] == [
        "Agenda:\n"
        "1. Klotter vid busstationen (@anna:eslov.se) (carried over from Tuesday 1 December 2026)\n"
        "2. Belysningen i Stadsparken (@olle:eslov.se)",
        "Actions to follow up:\n"
        "#1 Byt lampor i gångtunneln — @olle:eslov.se — due Tuesday 1 December 2026 (overdue)\n"
        "#6 Städa tunneln — @kim:eslov.se — due Monday 7 December 2026\n"
        "#2 Kolla kamerorna — Polisen — due Tuesday 8 December 2026\n"
        "#4 Utan datum — @kim:eslov.se",
    ]


async def test_a_reminder_without_actions_due_has_no_actions_section(db: Database) -> None:
    async with db.transaction() as tx:
        await ActionRepo(tx).create(ROOM, "Rapport", (KIM,), None, date(2026, 12, 9), ANNA, START)

    assert await reminder(db) == (
        "Påminnelse: Örat mot marken, tisdag 8 december 2026 kl. 09.00 (vecka 50), Stadshuset, sal 2.\n\n"
        "Dagordningen är tom. Lägg till en punkt med `!dagordning ny <text>`."
    )


async def test_the_reminder_of_another_room_lists_only_its_own(db: Database) -> None:
    await actions_for_the_meeting(db)

    assert (await reminder(db, room_id=OTHER_ROOM)).split("\n\n")[1:] == [
        "Dagordningen är tom. Lägg till en punkt med `!dagordning ny <text>`.",
        "Åtgärder att följa upp:\n#1 Trygghetsvandring — @kim:eslov.se — senast tisdag 1 december 2026 (försenad)",
    ]


async def test_a_queued_reminder_carries_the_overdue_actions(db: Database, clock: FakeClock) -> None:
    await actions_for_the_meeting(db)
    async with db.transaction() as tx:
        series = make_series()
        await SeriesRepo(tx).create(
            room_id=ROOM, name=series.name, schedule=series.schedule, anchor=date(2026, 11, 30),
            duration=series.duration, location=series.location, reminders=series.reminders, zone=STOCKHOLM,
            now=START,
        )  # fmt: skip
    clock.advance(REMINDED - clock.now())

    await scheduler(db, clock, names=member_names(db)).runner.check(REMINDERS)

    async with db.reading() as conn:
        [row] = [m for m in await OutboxRepo(conn).pending() if m.txn_id.startswith("sb-rem-")]
    assert row.content["body"] == await reminder(db, names=MemberNames(names=NAMES))
    assert "#1 Byt lampor i gångtunneln — Olle Olsson — senast" in row.content["body"]
    assert row.content["m.mentions"] == {}
    assert "<a " not in row.content["formatted_body"]  # names in a reminder are plain text: nobody is pinged


async def test_a_long_reminder_keeps_the_count_of_the_actions(db: Database, clock: FakeClock) -> None:
    async with db.transaction() as tx:
        for i in range(1, 151):
            await AgendaRepo(tx).add(ROOM, f"Punkt nummer {i}", ANNA, MEETING, START)
    await Chat(db, clock).bulk_actions(150, spread=8)  # all due by the meeting, most of them overdue

    body = await reminder(db)

    assert len(body) <= MAX_BODY
    assert re.search(r"\n… och \d+ punkter till: `!dagordning från \d+`\n\nÅtgärder att följa upp:\n", body)  # both cut
    assert re.search(r"\n… och \d+ åtgärder till: `!åtgärder`$", body)

