"""The reporting nudge: at 12:00 on the working day before a meeting, the members of the organisations that have
not reported this period are mentioned, once per meeting. Decided from explicit times on a FakeClock; the timers are
never started."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone

import pytest

from bot.clock import FakeClock
from bot.feature import Services
from bot.features import FEATURES
from bot.features.series import REPORT_NUDGES
from bot.i18n import Catalogue
from bot.names import MemberNames, NameLookup
from bot.premeeting import decide, next_due
from bot.reporting import due_at, not_reported
from bot.runner import Runner, job_id
from bot.schedule import Occurrence
from bot.store.db import Database
from bot.store.outbox import OutboxRepo, OutgoingMessage
from bot.store.premeeting import NUDGE_CLAIMS, PremeetingRepo
from bot.store.series import SeriesRepo
from bot.views.reporting import report_nudge_text
from tests.unit.handlers import ANNA, KIM, LISA, NAMES, OLLE, START, Chat, member_names, pill, utc
from tests.unit.helpers import ROOM, STOCKHOLM, make_series, make_settings

TUESDAY = utc(2026, 12, 1, 8)  # Tuesday 1 December 2026, 09:00 in Stockholm
NUDGE = utc(2026, 11, 30, 11)  # Monday 30 November, 12:00 in Stockholm
SERIES = make_series()


def meeting(start: datetime) -> Occurrence:
    return Occurrence(start, start)


def outcomes(now: datetime, since: datetime = START, decided: frozenset[datetime] = frozenset(), **values) -> list:
    series = make_series(**values)
    return [(n.meeting.start, n.outcome) for n in decide(series, {}, since, set(decided), now, due_at)]


# When


@pytest.mark.parametrize(
    ("schedule", "start", "nudged"),
    [
        ("weekly tuesday 09:00", utc(2026, 12, 1, 8), utc(2026, 11, 30, 11)),  # the Monday before at 12:00
        ("weekly monday 09:00", utc(2026, 12, 7, 8), utc(2026, 12, 4, 11)),  # a Monday meeting: the Friday before
        ("weekly monday 09:00", utc(2026, 12, 28, 8), utc(2026, 12, 23, 11)),  # after Christmas: 23 December
        ("weekly tuesday 09:00", utc(2027, 3, 30, 7), utc(2027, 3, 25, 11)),  # after Easter, across summer time
    ],
)
def test_the_nudge_is_at_noon_the_working_day_before(schedule: str, start: datetime, nudged: datetime) -> None:
    assert due_at(make_series(schedule=schedule), meeting(start)) == nudged


def test_a_series_may_say_another_time() -> None:
    assert due_at(make_series(report_nudge_at=time(15, 30)), meeting(TUESDAY)) == utc(2026, 11, 30, 14, 30)


def test_on_time_it_is_sent_and_not_before() -> None:
    assert outcomes(NUDGE - timedelta(seconds=1)) == []
    assert outcomes(NUDGE) == [(TUESDAY, "sent")]
    assert outcomes(NUDGE + timedelta(minutes=2)) == [(TUESDAY, "sent")]


def test_late_it_is_still_sent_before_the_meeting_and_skipped_once_it_has_begun() -> None:
    assert outcomes(NUDGE + timedelta(hours=3)) == [(TUESDAY, "late")]
    assert outcomes(TUESDAY - timedelta(seconds=1)) == [(TUESDAY, "late")]
    assert outcomes(TUESDAY) == [(TUESDAY, "skipped")]
    # Away for a week: the meeting missed is skipped, the next one (its nudge due too) still sent.
    next_week = TUESDAY + timedelta(days=7)
    assert outcomes(next_week - timedelta(hours=2)) == [(TUESDAY, "skipped"), (next_week, "late")]


def test_a_nudge_whose_time_had_passed_when_the_series_was_made_or_changed_is_skipped() -> None:
    """As a reminder is: the group set the meeting up after the time, and a late nudge would say the bot was away."""
    assert outcomes(NUDGE + timedelta(hours=2), changed_at=NUDGE + timedelta(hours=1)) == [(TUESDAY, "skipped")]
    assert outcomes(NUDGE + timedelta(hours=2), changed_at=NUDGE - timedelta(seconds=1)) == [(TUESDAY, "late")]


def test_a_decided_meeting_is_not_decided_again() -> None:
    assert outcomes(NUDGE + timedelta(minutes=5), decided=frozenset({TUESDAY})) == []
    assert next_due(SERIES, {}, START, {TUESDAY}, NUDGE, due_at) == NUDGE + timedelta(days=7)
    assert next_due(SERIES, {}, START, set(), START, due_at) == NUDGE


def test_a_moved_meeting_is_nudged_once_the_day_before_its_new_day() -> None:
    thursday = TUESDAY + timedelta(days=2)
    changes = {TUESDAY: thursday}
    assert next_due(SERIES, changes, START, set(), START, due_at) == NUDGE + timedelta(days=2)
    [nudge] = decide(SERIES, changes, START, set(), NUDGE + timedelta(days=2), due_at)
    assert (nudge.meeting.start, nudge.meeting.original, nudge.outcome) == (thursday, TUESDAY, "sent")
    # Decided under its original start: moved again later, it is still the same meeting.
    assert decide(SERIES, {TUESDAY: thursday + timedelta(hours=1)}, START, {TUESDAY}, NUDGE + timedelta(days=2), due_at) == []


def test_a_skipped_meeting_has_no_nudge() -> None:
    assert decide(SERIES, {TUESDAY: None}, START, set(), NUDGE + timedelta(hours=1), due_at) == []
    assert next_due(SERIES, {TUESDAY: None}, START, set(), START, due_at) == NUDGE + timedelta(days=7)


# Who


def test_only_the_organisations_not_heard_from_are_named_with_their_members() -> None:
    members = {ANNA: "Eslövs kommun", KIM: "Polisen", OLLE: "Räddningstjänsten", LISA: "Polisen"}
    assert not_reported(members, {"Eslövs kommun"}) == [("Polisen", [KIM, LISA]), ("Räddningstjänsten", [OLLE])]
    assert not_reported(members, {"Eslövs kommun", "Polisen", "Räddningstjänsten"}) == []
    assert not_reported({}, set()) == []


def test_the_text_names_the_meeting_the_organisations_and_how_to_report() -> None:
    silent = [("Polisen", [KIM, LISA]), ("Räddningstjänsten", [OLLE])]
    commands = ("!rapport", "!rapport inget")
    text = report_nudge_text("Örat mot marken", date(2026, 12, 1), silent, MemberNames(names=NAMES), Catalogue("sv"), commands)
    assert text.plain == (
        "Inför Örat mot marken tisdag 1 december: Polisen och Räddningstjänsten har inte rapporterat än. "
        "Rapportera med `!rapport <område> <kategori> <text>` eller `!rapport inget`.\n"
        "Polisen: @kim:eslov.se, @lisa:eslov.se\n"
        "Räddningstjänsten: Olle Olsson"
    )
    assert text.mentioned == (KIM, LISA, OLLE)
    english = report_nudge_text("Örat mot marken", date(2026, 12, 1), silent[:1], MemberNames(), Catalogue("en"),
                                ("!report", "!report nothing"), late=True)  # fmt: skip
    assert english.plain.splitlines()[1] == (
        "Before Örat mot marken on Tuesday 1 December: Polisen has not reported yet. "
        "Report with `!report <area> <category> <text>` or `!report nothing`."
    )


# The job


class Jobs:
    def __init__(self, db: Database, clock: FakeClock, names: NameLookup | None = None):
        services = Services(db, clock, Catalogue("sv"), make_settings(), FEATURES.sections, names or member_names(db))
        self.runner = Runner(FEATURES, services, self._flush)

    async def _flush(self) -> None:
        pass

    async def check(self) -> None:
        await self.runner.check(REPORT_NUDGES)


async def nudges(db: Database) -> list[OutgoingMessage]:
    async with db.reading() as conn:
        return [m for m in await OutboxRepo(conn).pending() if m.txn_id.startswith("sb-report-")]


async def room_with_series(db: Database, clock: FakeClock) -> tuple[Chat, int]:
    chat = Chat(db, clock)
    async with db.transaction() as tx:
        series_id = await SeriesRepo(tx).create(
            room_id=ROOM, name=SERIES.name, schedule=SERIES.schedule, anchor=date(2026, 11, 1),
            duration=SERIES.duration, location=SERIES.location, reminders=(), zone=STOCKHOLM, now=clock.now(),
        )  # fmt: skip
    await chat.send("!org set Eslövs kommun")
    await chat.send("!org set @kim:eslov.se Polisen")
    await chat.send("!org set @lisa:eslov.se Polisen")
    await chat.send("!org set Räddningstjänsten", sender=OLLE)
    return chat, series_id


async def test_the_nudge_mentions_exactly_the_members_of_the_organisations_that_have_not_reported(
    db: Database, clock: FakeClock
) -> None:
    chat, series_id = await room_with_series(db, clock)
    assert (await chat.send("!rapport Centrum Klotter på muren")).startswith("Rapport 1:")  # Eslövs kommun reported
    await chat.send("!rapport inget", sender=OLLE)  # Räddningstjänsten had nothing
    jobs = Jobs(db, clock)
    await jobs.check()
    assert await nudges(db) == []
    ahead = jobs.runner.timers.when(job_id(REPORT_NUDGES, series_id)) - datetime.now(timezone.utc)
    assert abs(ahead - (NUDGE - clock.now())) < timedelta(seconds=30)

    clock.advance(NUDGE - clock.now())
    await jobs.check()
    await Jobs(db, clock).check()  # restarted: not again

    [row] = await nudges(db)
    assert row.content["body"] == (
        "Inför Örat mot marken tisdag 1 december: Polisen har inte rapporterat än. "
        "Rapportera med `!rapport <område> <kategori> <text>` eller `!rapport inget`.\n"
        "Polisen: @kim:eslov.se, @lisa:eslov.se"
    )
    assert row.content["m.mentions"] == {"user_ids": [KIM, LISA]}
    assert re.findall(r'href="https://matrix\.to/#/([^"]+)"', row.content["formatted_body"]) == [KIM, LISA]
    assert pill(KIM, "@kim:eslov.se") in row.content["formatted_body"]
    async with db.reading() as conn:
        assert await PremeetingRepo(conn, NUDGE_CLAIMS).outcomes(series_id) == [("2026-12-01T08:00:00+00:00", "sent")]


async def test_when_every_organisation_has_been_heard_from_nothing_is_posted(db: Database, clock: FakeClock) -> None:
    chat, series_id = await room_with_series(db, clock)
    await chat.send("!rapport Centrum Klotter på muren")
    await chat.send("!rapport inget", sender=OLLE)
    await chat.send("!rapport inget", sender=KIM)
    clock.advance(NUDGE - clock.now())

    await Jobs(db, clock).check()

    assert await nudges(db) == []
    async with db.reading() as conn:
        assert await PremeetingRepo(conn, NUDGE_CLAIMS).outcomes(series_id) == [("2026-12-01T08:00:00+00:00", "all_heard")]


async def test_a_report_of_the_period_before_does_not_count(db: Database, clock: FakeClock) -> None:
    chat, series_id = await room_with_series(db, clock)
    clock.advance(utc(2026, 11, 24, 7) - clock.now())  # before last Tuesday's meeting
    await chat.send("!rapport inget", sender=KIM)
    await chat.send("!rapport inget", sender=OLLE)
    clock.advance(NUDGE - clock.now())
    await chat.send("!rapport inget", sender=OLLE)  # this period

    await Jobs(db, clock).check()

    [row] = await nudges(db)
    assert "\nPolisen: @kim:eslov.se, @lisa:eslov.se" in row.content["body"]
    assert row.content["m.mentions"] == {"user_ids": [ANNA, KIM, LISA]}  # Eslövs kommun too: not a word from it


async def test_late_before_the_meeting_it_says_so_and_after_it_has_begun_it_is_skipped(
    db: Database, clock: FakeClock
) -> None:
    _, series_id = await room_with_series(db, clock)
    clock.advance(NUDGE + timedelta(hours=5) - clock.now())
    await Jobs(db, clock).check()
    [row] = await nudges(db)
    assert row.content["body"].startswith("Försenad påminnelse")

    clock.advance(TUESDAY + timedelta(days=7, minutes=1) - clock.now())  # away over the next nudge and meeting
    await Jobs(db, clock).check()
    assert len(await nudges(db)) == 1
    async with db.reading() as conn:
        assert [o for _, o in await PremeetingRepo(conn, NUDGE_CLAIMS).outcomes(series_id)] == ["late", "skipped"]


async def test_a_series_set_up_after_the_nudge_time_gets_none_before_its_first_meeting(
    db: Database, clock: FakeClock
) -> None:
    clock.advance(NUDGE + timedelta(hours=1) - clock.now())
    _, series_id = await room_with_series(db, clock)

    await Jobs(db, clock).check()

    assert await nudges(db) == []
    async with db.reading() as conn:
        assert await PremeetingRepo(conn, NUDGE_CLAIMS).outcomes(series_id) == [("2026-12-01T08:00:00+00:00", "skipped")]


async def test_members_without_an_organisation_are_not_nudged(db: Database, clock: FakeClock) -> None:
    chat = Chat(db, clock)
    async with db.transaction() as tx:
        await SeriesRepo(tx).create(
            room_id=ROOM, name=SERIES.name, schedule=SERIES.schedule, anchor=date(2026, 11, 1),
            duration=SERIES.duration, location=SERIES.location, reminders=(), zone=STOCKHOLM, now=START,
        )  # fmt: skip
    await chat.send("!org set Polisen", sender=KIM)
    clock.advance(NUDGE - clock.now())

    await Jobs(db, clock).check()

    [row] = await nudges(db)
    assert row.content["m.mentions"] == {"user_ids": [KIM]}


async def test_a_member_who_has_left_the_room_is_not_mentioned(db: Database, clock: FakeClock) -> None:
    """Lisa left the room; her organisation is still kept, but she is not in the room to be nudged."""
    await room_with_series(db, clock)
    clock.advance(NUDGE - clock.now())

    async def without_lisa(room_id: str) -> MemberNames:
        return MemberNames(names=NAMES, present=frozenset({ANNA, KIM, OLLE}))

    await Jobs(db, clock, without_lisa).check()

    [row] = await nudges(db)
    assert row.content["m.mentions"] == {"user_ids": [ANNA, KIM, OLLE]}  # nobody has reported
    assert LISA not in row.content["body"] and "Polisen: @kim:eslov.se\n" in row.content["body"]
