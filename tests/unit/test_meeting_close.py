"""Meetings left open: closed automatically three hours after their planned end, exactly once."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.clock import FakeClock
from bot.i18n import Catalogue
from bot.scheduling import ReminderScheduler
from bot.store.db import Database
from bot.store.meetings import MeetingRepo
from bot.store.outbox import OutboxRepo
from tests.unit.helpers import ROOM, STOCKHOLM


async def nothing() -> None:
    return None


async def scheduler(db: Database, clock: FakeClock, closed: list[int]) -> ReminderScheduler:
    async def on_closed(meeting_id: int) -> None:
        closed.append(meeting_id)

    return ReminderScheduler(db, clock, Catalogue("sv"), "!", nothing, STOCKHOLM, on_closed)


async def open_meeting(db: Database, clock: FakeClock) -> int:
    async with db.transaction() as tx:
        repo = MeetingRepo(tx)
        meeting_id = await repo.start(
            ROOM, None, "Örat mot marken", STOCKHOLM, None, clock.now() + timedelta(hours=1), "@chair:eslov.se", clock.now()
        )
        await repo.decide(meeting_id, "Belysning vid stationen", "@chair:eslov.se", clock.now())
    return meeting_id


async def notices(db: Database) -> list[str]:
    async with db.reading() as conn:
        return [m.content["body"] for m in await OutboxRepo(conn).pending()]


async def test_an_open_meeting_gets_a_closing_job_at_planned_end_plus_three_hours(db, clock) -> None:
    closed: list[int] = []
    meeting_id = await open_meeting(db, clock)
    jobs = await scheduler(db, clock, closed)

    await jobs.check_meetings()

    [job] = jobs.scheduler.get_jobs()
    assert job.id == f"meeting-{meeting_id}"
    # The job waits on the system clock: four hours of it from now, whatever the fake clock says.
    assert abs(job.trigger.run_date - datetime.now(timezone.utc) - timedelta(hours=4)) < timedelta(seconds=5)
    assert closed == [] and await notices(db) == []


async def test_past_the_limit_it_is_closed_once_with_a_note(db, clock) -> None:
    closed: list[int] = []
    meeting_id = await open_meeting(db, clock)
    jobs = await scheduler(db, clock, closed)
    clock.advance(timedelta(hours=4))

    await jobs.check_meetings()
    await jobs.check_meetings([meeting_id])  # the job firing after a start-up check did the work

    [body] = await notices(db)
    assert body.startswith("Mötet stängdes automatiskt tre timmar efter den planerade sluttiden.\nProtokoll från Örat mot marken")
    async with db.reading() as conn:
        meeting = await MeetingRepo(conn).get(meeting_id)
    assert meeting.auto_closed and meeting.ended_at == clock.now()
    assert "- Belysning vid stationen" in meeting.minutes
    assert closed == [meeting_id, meeting_id]  # the file poster is asked twice; it posts once (outbox txn)
    assert jobs.scheduler.get_jobs() == []
