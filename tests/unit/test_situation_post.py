"""The situation picture before each meeting: by default with the first reminder, posted once per meeting with the
picture of the round the meeting closes and its chart; late, skipped, a moved meeting, a round without observations.
Decided from explicit times on a FakeClock; the timers are never started."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, time, timedelta
from pathlib import Path


from bot.clock import FakeClock
from bot.feature import Effects, Services
from bot.features import FEATURES
from bot.features.series import SITUATION_POSTS
from bot.features.situation import CHARTS
from bot.i18n import Catalogue
from bot.periods import Period
from bot.premeeting import decide, next_due, picture_due_at
from bot.runner import Runner
from bot.schedule import Occurrence
from bot.situation import Count, situation
from bot.store.charts import ChartRepo
from bot.store.db import DB_NAME, Database
from bot.store.migrations import STEPS
from bot.store.outbox import OutboxRepo, OutgoingMessage
from bot.store.premeeting import SITUATION_CLAIMS, PremeetingRepo
from bot.store.series import SeriesRepo
from bot.views.situation import before_meeting_text
from tests.unit.handlers import KIM, OLLE, START, Chat, member_names, utc
from tests.unit.helpers import ROOM, STOCKHOLM, make_series, make_settings

TUESDAY = utc(2026, 12, 1, 8)  # Tuesday 1 December 2026, 09:00 in Stockholm
SERIES = make_series()  # reminders 1 day and 1 hour before


def meeting(start: datetime) -> Occurrence:
    return Occurrence(start, start)


def outcomes(now: datetime, since: datetime = START, decided: frozenset[datetime] = frozenset(), **values) -> list:
    series = make_series(**values)
    return [(p.meeting.start, p.outcome) for p in decide(series, {}, since, set(decided), now, picture_due_at)]


# When


def test_by_default_it_comes_with_the_first_reminder() -> None:
    assert picture_due_at(SERIES, meeting(TUESDAY)) == TUESDAY - timedelta(days=1)
    assert picture_due_at(make_series(reminders=(timedelta(hours=2),)), meeting(TUESDAY)) == TUESDAY - timedelta(hours=2)


def test_without_reminders_it_comes_at_noon_the_working_day_before() -> None:
    assert picture_due_at(make_series(reminders=()), meeting(TUESDAY)) == utc(2026, 11, 30, 11)
    monday = utc(2026, 12, 7, 8)
    assert picture_due_at(make_series(reminders=(), schedule="weekly monday 09:00"), meeting(monday)) == utc(2026, 12, 4, 11)


def test_a_series_may_say_its_own_time() -> None:
    assert picture_due_at(make_series(situation_at=time(15, 30)), meeting(TUESDAY)) == utc(2026, 11, 30, 14, 30)


def test_on_time_late_and_skipped() -> None:
    due = TUESDAY - timedelta(days=1)
    since = due - timedelta(days=1)
    assert outcomes(due - timedelta(minutes=1), since) == []
    assert outcomes(due + timedelta(minutes=1), since) == [(TUESDAY, "sent")]
    assert outcomes(due + timedelta(hours=3), since) == [(TUESDAY, "late")]
    assert outcomes(TUESDAY + timedelta(minutes=1), since) == [(TUESDAY, "skipped")]
    # set up after its time: skipped, as a reminder would be
    assert outcomes(due + timedelta(hours=1), since, changed_at=due + timedelta(minutes=30)) == [(TUESDAY, "skipped")]


def test_exactly_once_per_meeting() -> None:
    due = TUESDAY - timedelta(days=1)
    since = due - timedelta(days=1)
    assert outcomes(due + timedelta(minutes=1), since, decided=frozenset({TUESDAY})) == []
    assert next_due(SERIES, {}, since, {TUESDAY}, due, picture_due_at) == due + timedelta(days=7)


def test_a_moved_meeting_has_its_picture_a_day_before_its_new_time_once() -> None:
    thursday = TUESDAY + timedelta(days=2)
    changes = {TUESDAY: thursday}
    since = TUESDAY - timedelta(days=2)
    assert next_due(SERIES, changes, since, set(), since, picture_due_at) == thursday - timedelta(days=1)
    [post] = decide(SERIES, changes, since, set(), thursday - timedelta(days=1), picture_due_at)
    assert (post.meeting.start, post.meeting.original, post.outcome) == (thursday, TUESDAY, "sent")
    assert decide(SERIES, changes, since, {TUESDAY}, thursday - timedelta(hours=1), picture_due_at) == []


# The job

NEXT = utc(2026, 12, 8, 8)  # Tuesday 8 December, 09:00 in Stockholm
DUE = NEXT - timedelta(days=1)


class Jobs:
    def __init__(self, db: Database, clock: FakeClock):
        services = Services(db, clock, Catalogue("sv"), make_settings(), FEATURES.sections, member_names(db))
        self.services = services
        self.runner = Runner(FEATURES, services, self._flush)

    async def _flush(self) -> None:
        pass

    async def check(self) -> None:
        await self.runner.check(SITUATION_POSTS)

    async def charts(self) -> None:
        await FEATURES.jobs[CHARTS].run(self.services, None, Effects())


async def posted(db: Database) -> list[OutgoingMessage]:
    async with db.reading() as conn:
        return [m for m in await OutboxRepo(conn).pending() if m.txn_id.startswith(("sb-situation-", "sb-chart-"))]


async def claims(db: Database, series_id: int) -> list[tuple[str, str]]:
    async with db.reading() as conn:
        return await PremeetingRepo(conn, SITUATION_CLAIMS).outcomes(series_id)


async def room_with_series(db: Database, clock: FakeClock, reminders: tuple = SERIES.reminders) -> tuple[Chat, int]:
    chat = Chat(db, clock)
    async with db.transaction() as tx:
        series_id = await SeriesRepo(tx).create(
            room_id=ROOM, name=SERIES.name, schedule=SERIES.schedule, anchor=date(2026, 11, 1),
            duration=SERIES.duration, location=SERIES.location, reminders=reminders, zone=STOCKHOLM, now=clock.now(),
        )  # fmt: skip
    await chat.send("!org sätt Polisen", sender=KIM)
    await chat.send("!org sätt Räddningstjänsten", sender=OLLE)
    return chat, series_id


async def test_the_picture_of_the_round_the_meeting_closes_is_posted_once_with_its_chart(
    db: Database, clock: FakeClock
) -> None:
    chat, series_id = await room_with_series(db, clock)
    await chat.send("!rapport Centrum Klotter på muren", sender=KIM)  # the round before: not in the picture
    clock.advance(utc(2026, 12, 2, 9) - clock.now())
    await chat.send("!rapport Centrum Klotter på busskuren", sender=KIM)
    await chat.send("!rapport Berga Nedskräpning vid återvinningen", sender=KIM)
    jobs = Jobs(db, clock)
    await jobs.check()
    assert await posted(db) == []

    clock.advance(DUE - clock.now())
    await jobs.check()  # the picture, then its chart, woken by it
    await jobs.check()
    await Jobs(db, clock).check()  # restarted: not again
    await jobs.charts()  # nor its chart
    [text, image] = await posted(db)
    assert text.content["msgtype"] == "m.notice"
    assert text.content["body"].startswith(
        "Inför Örat mot marken tisdag 8 december:\nLägesbild tisdag 1 december 2026 – tisdag 8 december 2026\n2 iakttagelser."
    )
    assert "m.relates_to" not in text.content
    assert image.content["msgtype"] == "m.image" and "m.relates_to" not in image.content
    async with db.reading() as conn:
        async with conn.execute("SELECT count(*) FROM chart_requests") as cursor:
            assert (await cursor.fetchone())[0] == 0
    assert await claims(db, series_id) == [("2026-12-08T08:00:00+00:00", "sent")]


async def test_a_round_without_observations_posts_nothing(db: Database, clock: FakeClock) -> None:
    chat, series_id = await room_with_series(db, clock)
    await chat.send("!rapport Centrum Klotter på muren", sender=KIM)  # the round before
    clock.advance(DUE - clock.now())

    await Jobs(db, clock).check()

    assert await posted(db) == []
    assert (await claims(db, series_id))[-1] == ("2026-12-08T08:00:00+00:00", "no_observations")


async def test_late_it_says_so_and_once_the_meeting_has_begun_it_is_skipped(db: Database, clock: FakeClock) -> None:
    chat, series_id = await room_with_series(db, clock, reminders=())
    clock.advance(utc(2026, 12, 2, 9) - clock.now())
    await chat.send("!rapport Centrum Klotter på busskuren", sender=KIM)
    clock.advance(utc(2026, 12, 7, 16) - clock.now())  # noon the day before, and five hours more
    await Jobs(db, clock).check()
    [text, _] = await posted(db)
    assert text.content["body"].startswith("Försenad påminnelse (jag var inte igång när den skulle ha skickats):\nInför")

    clock.advance(NEXT + timedelta(days=7, minutes=1) - clock.now())  # away over the next one and its meeting
    await Jobs(db, clock).check()
    assert [m.txn_id.startswith("sb-situation-") for m in await posted(db)] == [True, False]
    assert [o for _, o in await claims(db, series_id)] == ["late", "skipped"]


async def test_a_chart_asked_for_before_the_schema_change_is_kept(tmp_path: Path) -> None:
    """A `!situation`'s chart request left in a database of the schema before: still there after the migration,
    still answering its command."""
    # The schema before the step that gave chart requests a series, whatever steps come after it.
    before = next(n for n, step in enumerate(STEPS) if any("chart_requests_new" in statement for statement in step))
    conn = sqlite3.connect(tmp_path / DB_NAME)
    try:
        for step in STEPS[:before]:
            for statement in step:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {before:d}")
        conn.execute("INSERT INTO rooms(room_id, joined_at) VALUES (?, ?)", (ROOM, "2026-11-30T10:00:00+00:00"))
        conn.execute(
            "INSERT INTO chart_requests(txn_id, room_id, reply_to, thread_root, week, asked_at) VALUES (?, ?, ?, ?, ?, ?)",
            ("sb-chart-old", ROOM, "$command", None, 48, "2026-11-30T10:00:00+00:00"),
        )
        conn.commit()
    finally:
        conn.close()
    db = await Database.open(tmp_path)
    try:
        async with db.reading() as conn:
            [request] = await ChartRepo(conn).asked()
    finally:
        await db.close()
    assert (request.txn_id, request.reply_to, request.week, request.series_id) == ("sb-chart-old", "$command", 48, None)


def test_the_heading_names_the_meeting_in_english_too() -> None:
    period = Period(utc(2026, 12, 1, 8), NEXT, STOCKHOLM)
    found = situation([Count(0, "Centrum", "Graffiti", 2)], 0, [], [], [])
    text = before_meeting_text("Örat mot marken", date(2026, 12, 8), found, period, Catalogue("en"), late=True)
    first, second, third = text.plain.splitlines()[:3]
    assert (first, second) == (Catalogue("en")("reminder.late"), "Before Örat mot marken on Tuesday 8 December:")
    assert third.startswith("Situation picture ")


async def test_after_a_time_is_set_the_picture_comes_at_that_time_the_working_day_before(
    db: Database, clock: FakeClock
) -> None:
    chat, series_id = await room_with_series(db, clock)
    jobs = Jobs(db, clock)
    await jobs.check()
    clock.advance(utc(2026, 12, 2, 9) - clock.now())
    await chat.send("!rapport Centrum Klotter på busskuren", sender=KIM)
    await chat.send("!schema lägesbild 08:00")  # Monday 7 December 08:00 in Stockholm, not with the reminder at 09:00

    clock.advance(utc(2026, 12, 7, 6, 59) - clock.now())
    await jobs.check()
    assert await posted(db) == []

    clock.advance(timedelta(minutes=1))
    await jobs.check()
    await Jobs(db, clock).check()  # restarted: not again
    [text] = [m for m in await posted(db) if m.txn_id.startswith("sb-situation-")]
    assert text.content["body"].startswith("Inför Örat mot marken tisdag 8 december:")
    assert (await claims(db, series_id))[-1] == ("2026-12-08T08:00:00+00:00", "sent")
