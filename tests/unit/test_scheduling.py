"""Reminders exactly once: the series feature's reminders job claims, queues and schedules, on a real database and
a FakeClock.

The timers are never started here: the job is run directly, as the clock would wake it.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta, timezone

import pytest

from bot.clock import FakeClock
from bot.features import FEATURES
from bot.commands.dispatcher import Dispatcher
from bot.commands.message import IncomingMessage
from bot.commands.recognise import recognise
from bot.i18n import Catalogue
from bot.permissions import RoomView
from bot.schedule import parse_schedule
from bot.feature import Services
from bot.features.series import REMINDERS
from bot.runner import Runner, job_id
from bot.store.db import Database
from bot.store.outbox import OutboxRepo, OutgoingMessage
from bot.store.reminders import ReminderRepo
from bot.store.rooms import RoomRepo
from bot.store.series import SeriesRepo
from tests.unit.helpers import BOT, ROOM, STOCKHOLM, make_settings

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


# Tuesday 1 December 2026 09:00 in Stockholm; reminders fall due on Monday 09:00 and Tuesday 08:00.
MEETING = utc(2026, 12, 1, 8)
DUE_1D = utc(2026, 11, 30, 8)
DUE_1H = utc(2026, 12, 1, 7)
EMPTY_AGENDA = "Dagordningen är tom. Lägg till en punkt med `!dagordning ny <text>`."
REMINDER = (
    "Påminnelse: Örat mot marken, tisdag 1 december 2026 kl. 09.00 (vecka 49), Stadshuset, sal 2.\n\n" + EMPTY_AGENDA
)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(utc(2026, 11, 29, 12))  # Sunday, when the series is set up


class Flush:
    """Stands in for sending the outbox: counts calls, and can fail like a homeserver that went away."""

    def __init__(self, fail: bool = False):
        self.calls = 0
        self.fail = fail

    async def __call__(self) -> None:
        self.calls += 1
        if self.fail:
            raise ConnectionError("homeserver went away before the reminder was sent")


class Reminders:
    """The reminders job as the runner runs it."""

    def __init__(self, db: Database, clock: FakeClock, flush: Flush):
        services = Services(db, clock, Catalogue("sv"), make_settings(), FEATURES.sections)
        self.runner = Runner(FEATURES, services, flush)
        self.timers = self.runner.timers

    async def check(self, series_ids: list[int] | None = None) -> None:
        await self.runner.check(REMINDERS, series_ids)


def make_scheduler(db: Database, clock: FakeClock, flush: Flush | None = None) -> Reminders:
    return Reminders(db, clock, flush or Flush())


async def create_series(db: Database, clock: FakeClock, room_id: str = ROOM, **values) -> int:
    values.setdefault("name", "Örat mot marken")
    values.setdefault("schedule", parse_schedule("weekly tuesday 09:00".split(), date(2026, 11, 29)))
    values.setdefault("reminders", (DAY, HOUR))
    async with db.transaction() as tx:
        await RoomRepo(tx).joined(room_id, clock.now())
        return await SeriesRepo(tx).create(
            room_id=room_id,
            anchor=date(2026, 11, 29),
            duration=timedelta(minutes=30),
            location="Stadshuset, sal 2",
            zone=STOCKHOLM,
            now=clock.now(),
            **values,
        )


async def reminder_rows(db: Database) -> list[OutgoingMessage]:
    async with db.reading() as conn:
        return [m for m in await OutboxRepo(conn).pending() if m.txn_id.startswith("sb-rem-")]


async def outcomes(db: Database, series_id: int = 1) -> list[tuple[str, int, str]]:
    async with db.reading() as conn:
        return await ReminderRepo(conn).outcomes(series_id)


MEETING_TEXT = "2026-12-01T08:00:00+00:00"


# Exactly once


async def test_a_reminder_that_falls_due_is_queued_with_its_text(db: Database, clock: FakeClock) -> None:
    series_id = await create_series(db, clock)
    clock.advance(DUE_1D - clock.now())

    await make_scheduler(db, clock).check()

    [row] = await reminder_rows(db)
    assert row.room_id == ROOM
    assert row.txn_id == f"sb-rem-{series_id}-{int(MEETING.timestamp())}-1440"
    assert row.content["msgtype"] == "m.notice"
    assert row.content["body"] == REMINDER
    assert row.content["m.mentions"] == {}
    assert "m.relates_to" not in row.content
    assert await outcomes(db, series_id) == [(MEETING_TEXT, 1440, "sent")]


async def test_two_checks_at_the_same_time_claim_each_reminder_once(db: Database, clock: FakeClock) -> None:
    await create_series(db, clock)
    clock.advance(DUE_1D - clock.now())
    flush = Flush()
    scheduler = make_scheduler(db, clock, flush)

    await scheduler.check()
    await scheduler.check()

    assert [m.content["body"] for m in await reminder_rows(db)] == [REMINDER]
    assert await outcomes(db) == [(MEETING_TEXT, 1440, "sent")]
    assert flush.calls == 2


async def test_a_second_scheduler_at_the_same_time_claims_nothing_more(db: Database, clock: FakeClock) -> None:
    await create_series(db, clock)
    clock.advance(DUE_1D - clock.now())

    await make_scheduler(db, clock).check()
    await make_scheduler(db, clock).check()

    assert len(await reminder_rows(db)) == 1


async def test_a_crash_between_claim_and_send_does_not_queue_it_again(db: Database, clock: FakeClock) -> None:
    await create_series(db, clock)
    clock.advance(DUE_1D - clock.now())
    with pytest.raises(ConnectionError):
        await make_scheduler(db, clock, Flush(fail=True)).check()
    [claimed] = await reminder_rows(db)

    clock.advance(timedelta(minutes=5))  # the bot is back
    await make_scheduler(db, clock).check()

    assert await reminder_rows(db) == [claimed]  # still pending, resent from the outbox with the same txn id
    assert await outcomes(db) == [(MEETING_TEXT, 1440, "sent")]


async def test_the_claim_holds_even_if_the_window_is_decided_again(db: Database, clock: FakeClock) -> None:
    series_id = await create_series(db, clock)
    clock.advance(DUE_1D - clock.now())
    await make_scheduler(db, clock).check()
    async with db.transaction() as tx:  # as if the check mark had not moved
        await SeriesRepo(tx).set_checked_until(series_id, utc(2026, 11, 29, 12))

    await make_scheduler(db, clock).check()

    assert len(await reminder_rows(db)) == 1
    assert await outcomes(db, series_id) == [(MEETING_TEXT, 1440, "sent")]


async def test_each_reminder_of_a_meeting_in_turn(db: Database, clock: FakeClock) -> None:
    await create_series(db, clock)
    scheduler = make_scheduler(db, clock)

    for moment in (DUE_1D, DUE_1D + timedelta(minutes=1), DUE_1H, DUE_1H + timedelta(seconds=30), MEETING):
        clock.advance(moment - clock.now())
        await scheduler.check()

    rows = await reminder_rows(db)
    assert [m.content["body"] for m in rows] == [REMINDER, REMINDER]
    assert [m.txn_id.rsplit("-", 1)[1] for m in rows] == ["1440", "60"]
    assert await outcomes(db) == [(MEETING_TEXT, 1440, "sent"), (MEETING_TEXT, 60, "sent")]


# The bot was away


async def test_away_across_one_reminder_sends_it_once_marked_late(db: Database, clock: FakeClock) -> None:
    await create_series(db, clock)
    clock.advance(utc(2026, 11, 30, 20) - clock.now())
    scheduler = make_scheduler(db, clock)

    await scheduler.check()
    await scheduler.check()

    [row] = await reminder_rows(db)
    assert row.content["body"] == (
        "Försenad påminnelse (jag var inte igång när den skulle ha skickats): "
        "Örat mot marken, tisdag 1 december 2026 kl. 09.00 (vecka 49), Stadshuset, sal 2.\n\n" + EMPTY_AGENDA
    )
    assert await outcomes(db) == [(MEETING_TEXT, 1440, "late")]


async def test_away_across_both_sends_only_the_latest(db: Database, clock: FakeClock) -> None:
    await create_series(db, clock)
    clock.advance(utc(2026, 12, 1, 7, 30) - clock.now())

    await make_scheduler(db, clock).check()

    [row] = await reminder_rows(db)
    assert row.txn_id.endswith("-60")
    assert row.content["body"].startswith("Försenad påminnelse")
    assert await outcomes(db) == [(MEETING_TEXT, 1440, "skipped"), (MEETING_TEXT, 60, "late")]


async def test_away_past_the_meeting_skips_and_logs(db: Database, clock: FakeClock, caplog) -> None:
    caplog.set_level(logging.INFO, logger="bot.features.series")
    await create_series(db, clock)
    clock.advance(utc(2026, 12, 1, 9) - clock.now())

    await make_scheduler(db, clock).check()

    assert await reminder_rows(db) == []
    assert await outcomes(db) == [(MEETING_TEXT, 1440, "skipped"), (MEETING_TEXT, 60, "skipped")]
    skipped = [r.getMessage() for r in caplog.records if r.getMessage().startswith("reminder skipped")]
    assert len(skipped) == 2
    assert all(MEETING.isoformat() in message for message in skipped)


# Rooms and jobs


async def test_each_reminder_goes_to_its_own_room(db: Database, clock: FakeClock) -> None:
    await create_series(db, clock)
    await create_series(db, clock, room_id="!radet:eslov.se", name="Trygghetsrådet")
    clock.advance(DUE_1D - clock.now())

    await make_scheduler(db, clock).check()

    assert sorted((m.room_id, m.content["body"].split(",")[0]) for m in await reminder_rows(db)) == [
        ("!orat:eslov.se", "Påminnelse: Örat mot marken"),
        ("!radet:eslov.se", "Påminnelse: Trygghetsrådet"),
    ]


async def test_check_schedules_the_next_reminder_as_a_job(db: Database, clock: FakeClock) -> None:
    series_id = await create_series(db, clock)
    scheduler = make_scheduler(db, clock)

    await scheduler.check()

    due = scheduler.timers.when(job_id(REMINDERS, series_id))
    assert due is not None
    # The job runs on the system clock, as far ahead of it as DUE_1D is ahead of the FakeClock.
    ahead = due - datetime.now(timezone.utc)
    assert abs(ahead - (DUE_1D - clock.now())) < timedelta(seconds=30)


async def test_a_series_without_reminders_has_no_job(db: Database, clock: FakeClock) -> None:
    series_id = await create_series(db, clock, reminders=())
    scheduler = make_scheduler(db, clock)

    await scheduler.check()

    assert scheduler.timers.when(job_id(REMINDERS, series_id)) is None


async def test_checking_a_series_that_is_gone_removes_its_job(db: Database, clock: FakeClock) -> None:
    series_id = await create_series(db, clock)
    scheduler = make_scheduler(db, clock)
    await scheduler.check()

    await scheduler.check([series_id + 1])

    assert scheduler.timers.when(job_id(REMINDERS, series_id + 1)) is None
    assert scheduler.timers.when(job_id(REMINDERS, series_id)) is not None


# Commands and reminders together


async def send(db: Database, clock: FakeClock, body: str, event_id: str) -> None:
    dispatcher = Dispatcher(db, make_settings(), FEATURES.registry, clock)
    message = IncomingMessage(ROOM, event_id, "@anna:eslov.se", body, 0)
    invocation = recognise(message, ("!",), BOT, ())
    assert invocation is not None
    await dispatcher.dispatch(message, invocation, RoomView(ROOM, name="Örat mot marken", users={"@anna:eslov.se": 50}))


async def test_a_skipped_meeting_gets_no_reminder(db: Database, clock: FakeClock) -> None:
    await create_series(db, clock)
    await send(db, clock, "!schedule skip 1/12", "$skip")
    clock.advance(DUE_1D - clock.now())

    await make_scheduler(db, clock).check()

    assert await reminder_rows(db) == []
    assert await outcomes(db) == []


async def test_a_late_reminder_survives_a_place_change_handled_before_the_catch_up(
    db: Database, clock: FakeClock
) -> None:
    await create_series(db, clock)
    clock.advance(utc(2026, 11, 30, 20) - clock.now())  # the bot was down when the 1-day reminder fell due

    # At start, the first sync's commands are handled, then the scheduler catches up.
    await send(db, clock, "!schedule place Polishuset, konferensrummet", "$place")
    await make_scheduler(db, clock).check()

    assert await outcomes(db) == [(MEETING_TEXT, 1440, "late")]
    [row] = await reminder_rows(db)
    assert row.content["body"].startswith("Försenad påminnelse")
