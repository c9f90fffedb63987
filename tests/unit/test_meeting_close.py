"""Meetings left open: closed automatically three hours after their planned end, exactly once."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from bot.clock import FakeClock
from bot.i18n import Catalogue
from bot.feature import Feature, Features, Services
from bot.features import FEATURES
from bot.features.meetings import CLOSE
from bot.names import NameLookup, no_names
from bot.policy import MAX_BODY
from bot.runner import Runner, job_id
from bot.store.actions import ActionRepo
from bot.store.db import Database
from bot.store.meetings import MeetingRepo
from bot.store.outbox import OutboxRepo
from tests.unit.handlers import KIM, OLLE, member_names
from tests.unit.helpers import ROOM, STOCKHOLM, make_settings


async def nothing() -> None:
    return None


class Closer:
    """The meetings feature's closing job as the runner runs it, with a feature that notes every meeting closed."""

    def __init__(self, db: Database, clock: FakeClock, closed: list[int], names: NameLookup = no_names):
        watcher = Feature("watcher")

        @watcher.on("meeting_closed")
        async def note(services: Services, meeting_id: int) -> None:
            closed.append(meeting_id)

        features = Features([*FEATURES.units, watcher])
        services = Services(db, clock, Catalogue("sv"), make_settings(), features.sections, names)
        self.runner = Runner(features, services, nothing)
        self.timers = self.runner.timers

    async def check_meetings(self, meeting_ids: list[int] | None = None) -> None:
        await self.runner.check(CLOSE, meeting_ids)


async def scheduler(db: Database, clock: FakeClock, closed: list[int], names: NameLookup = no_names) -> Closer:
    return Closer(db, clock, closed, names)


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
        return [m.content["body"] for m in await OutboxRepo(conn).pending() if m.content["msgtype"] == "m.notice"]


async def files(db: Database) -> list[str]:
    async with db.reading() as conn:
        return [m.content["body"] for m in await OutboxRepo(conn).pending() if m.content["msgtype"] == "m.file"]


async def test_an_open_meeting_gets_a_closing_job_at_planned_end_plus_three_hours(db, clock) -> None:
    closed: list[int] = []
    meeting_id = await open_meeting(db, clock)
    jobs = await scheduler(db, clock, closed)

    await jobs.check_meetings()

    [(name, when)] = jobs.timers.upcoming().items()
    assert name == job_id(CLOSE, meeting_id)
    # The job waits on the system clock: four hours of it from now, whatever the fake clock says.
    assert abs(when - datetime.now(timezone.utc) - timedelta(hours=4)) < timedelta(seconds=5)
    assert closed == [] and await notices(db) == []


async def test_past_the_limit_it_is_closed_once_with_a_note(db, clock) -> None:
    closed: list[int] = []
    meeting_id = await open_meeting(db, clock)
    jobs = await scheduler(db, clock, closed)
    clock.advance(timedelta(hours=4))

    await jobs.check_meetings()
    await jobs.check_meetings([meeting_id])  # the job firing after a start-up check did the work

    [body] = await notices(db)
    assert body == (
        "Mötet stängdes automatiskt 3 timmar efter den planerade sluttiden.\n"
        "Protokoll från Örat mot marken, måndag 30 november 2026 kl. 11.00 (vecka 49). Hela protokollet följer som fil.\n"
        "\n"
        "Beslut:\n"
        "• Belysning vid stationen"
    )
    async with db.reading() as conn:
        meeting = await MeetingRepo(conn).get(meeting_id)
    assert meeting.auto_closed and meeting.ended_at == clock.now()
    assert "- Belysning vid stationen" in meeting.minutes
    assert closed == [meeting_id]  # the reactions hear of it once; the minutes file follows the notice
    assert await files(db) == ["protokoll-2026-11-30.md"]
    assert jobs.timers.upcoming() == {}


async def test_the_minutes_of_a_meeting_closed_automatically_name_people_by_display_name(db, clock) -> None:
    meeting_id = await open_meeting(db, clock)
    async with db.transaction() as tx:  # owners who never wrote during the meeting: no participant names them
        await ActionRepo(tx).create(ROOM, "Byt lampor", (OLLE, KIM), None, None, "@chair:eslov.se", clock.now(), meeting_id)
    jobs = await scheduler(db, clock, [], names=member_names(db))
    clock.advance(timedelta(hours=4))

    await jobs.check_meetings()

    async with db.reading() as conn:
        meeting = await MeetingRepo(conn).get(meeting_id)
    assert "#1 Byt lampor — Olle Olsson, @kim:eslov.se" in meeting.minutes  # Kim has no display name
    [body] = await notices(db)
    assert "\nNya åtgärder:\n#1 Byt lampor — Olle Olsson, @kim:eslov.se" in body


async def test_a_long_notice_of_a_meeting_closed_by_itself_names_its_minutes(db, clock) -> None:
    meeting_id = await open_meeting(db, clock)
    async with db.transaction() as tx:
        for n in range(40):
            await MeetingRepo(tx).decide(meeting_id, f"Beslut {n} " + "ord " * 40, "@chair:eslov.se", clock.now())
    jobs = await scheduler(db, clock, [])
    clock.advance(timedelta(hours=4))

    await jobs.check_meetings()

    [body] = await notices(db)
    assert len(body) <= MAX_BODY
    assert re.search(r"\n… och \d+ rader till: `!protokoll 2026-11-30 1 från \d+`$", body)
