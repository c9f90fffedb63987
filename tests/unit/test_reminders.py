"""Which reminders are due and what they say: decided from explicit times, never by waiting."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import holidays
import pytest

from bot.daysoff import day_off
from bot.i18n import Catalogue
from bot.features import FEATURES
from bot.reminders import Decision, ReminderContext, decide, next_due
from bot.views.reminder import reminder_text
from bot.render import notice
from bot.schedule import Occurrence, occurrences
from bot.store.db import Database
from tests.unit.helpers import make_series

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


# Tuesday 1 December 2026 09:00 in Stockholm; its reminders fall due on Monday 09:00 and Tuesday 08:00.
MEETING = utc(2026, 12, 1, 8)
DUE_1D = utc(2026, 11, 30, 8)
DUE_1H = utc(2026, 12, 1, 7)
BEFORE = utc(2026, 11, 29, 12)

# A reminder ends with the agenda; with none, the exact command to add an item.
EMPTY_AGENDA = {
    "sv": "Dagordningen är tom. Lägg till en punkt med `!dagordning ny <text>`.",
    "en": "The agenda is empty. Add an item with `!agenda add <text>`.",
}


def outcomes(decisions: list[Decision]) -> list[tuple[datetime, timedelta, str]]:
    return [(d.occurrence.start, d.offset, d.outcome) for d in decisions]


def at(now: datetime, since: datetime = BEFORE) -> list[Decision]:
    """What a check at `now` decides, when the series was last checked at `since`."""
    return decide(make_series(checked_until=since), {}, now)


# On time


def test_a_reminder_checked_when_it_falls_due_is_sent() -> None:
    [decision] = decide(make_series(checked_until=DUE_1D - timedelta(minutes=10)), {}, DUE_1D)

    assert decision == Decision(1, Occurrence(MEETING, MEETING), DAY, DUE_1D, "sent")


def test_a_reminder_within_the_grace_is_on_time() -> None:
    assert outcomes(at(DUE_1H + timedelta(minutes=2), since=DUE_1H - timedelta(minutes=1))) == [
        (MEETING, HOUR, "sent")
    ]


def test_a_reminder_past_the_grace_is_late() -> None:
    assert outcomes(at(DUE_1H + timedelta(minutes=2, seconds=1), since=DUE_1H - timedelta(minutes=1))) == [
        (MEETING, HOUR, "late")
    ]


def test_nothing_is_due_before_its_time() -> None:
    assert at(DUE_1D - timedelta(seconds=1)) == []


def test_a_reminder_at_the_start_of_the_window_was_decided_by_the_check_before() -> None:
    assert at(DUE_1D + timedelta(minutes=1), since=DUE_1D) == []


# The bot was away


def test_away_across_one_reminder_with_the_meeting_ahead_sends_it_late() -> None:
    assert outcomes(at(utc(2026, 11, 30, 20))) == [(MEETING, DAY, "late")]


def test_away_across_both_reminders_sends_only_the_latest_late() -> None:
    assert outcomes(at(utc(2026, 12, 1, 7, 30))) == [(MEETING, DAY, "skipped"), (MEETING, HOUR, "late")]


@pytest.mark.parametrize("now", [MEETING, MEETING + timedelta(minutes=20), utc(2026, 12, 2, 12)])
def test_away_past_the_start_skips_every_reminder_of_that_meeting(now: datetime) -> None:
    assert outcomes(at(now)) == [(MEETING, DAY, "skipped"), (MEETING, HOUR, "skipped")]


def test_away_for_more_than_a_week() -> None:
    earlier = utc(2026, 11, 24, 8)

    assert outcomes(at(utc(2026, 12, 1, 7, 30), since=utc(2026, 11, 20, 12))) == [
        (earlier, DAY, "skipped"),
        (earlier, HOUR, "skipped"),
        (MEETING, DAY, "skipped"),
        (MEETING, HOUR, "late"),
    ]


def test_nothing_is_decided_twice_over_consecutive_windows() -> None:
    """Checks every 37 minutes for two weeks: every reminder of every meeting is decided exactly once."""
    series = make_series(checked_until=utc(2026, 11, 29))
    decided: list[tuple[datetime, timedelta, str]] = []
    now = series.checked_until
    while now < utc(2026, 12, 15, 8):
        now += timedelta(minutes=37)
        decided += outcomes(decide(series, {}, now))
        series = replace(series, checked_until=now)

    meetings = [utc(2026, 12, 1, 8), utc(2026, 12, 8, 8), utc(2026, 12, 15, 8)]
    assert sorted((start, offset) for start, offset, _ in decided) == sorted(
        (start, offset) for start in meetings for offset in (DAY, HOUR)
    )
    assert "skipped" not in {outcome for _, _, outcome in decided}


def test_the_same_window_decides_the_same() -> None:
    series = make_series()

    assert decide(series, {}, utc(2026, 12, 1, 7, 30)) == decide(series, {}, utc(2026, 12, 1, 7, 30))


def test_no_reminders_configured() -> None:
    series = make_series(reminders=())

    assert decide(series, {}, utc(2026, 12, 1, 7, 30)) == []
    assert next_due(series, {}, BEFORE) is None


def test_a_skipped_meeting_has_no_reminders() -> None:
    series = make_series()

    assert decide(series, {MEETING: None}, utc(2026, 12, 1, 7, 30)) == []


def test_a_moved_meeting_is_reminded_of_at_its_new_time() -> None:
    # Moved to Wednesday 2 December 13:00 (12:00 UTC).
    moved = utc(2026, 12, 2, 12)
    series = make_series()

    assert outcomes(decide(series, {MEETING: moved}, utc(2026, 12, 1, 7, 30))) == []
    [decision] = decide(replace(series, checked_until=utc(2026, 12, 1, 11, 59)), {MEETING: moved}, utc(2026, 12, 1, 12))
    assert decision.occurrence == Occurrence(moved, MEETING)
    assert decision.offset == DAY
    assert decision.outcome == "sent"


# When the next one falls due


def test_next_due_walks_through_the_reminders_in_order() -> None:
    series = make_series()
    found = []
    moment = BEFORE
    for _ in range(4):
        moment = next_due(series, {}, moment)
        found.append(moment)

    assert found == [DUE_1D, DUE_1H, utc(2026, 12, 7, 8), utc(2026, 12, 8, 7)]


def test_next_due_is_strictly_after() -> None:
    assert next_due(make_series(), {}, DUE_1D) == DUE_1H


def test_next_due_passes_over_a_skipped_meeting() -> None:
    assert next_due(make_series(), {MEETING: None}, BEFORE) == utc(2026, 12, 7, 8)


def test_next_due_follows_a_moved_meeting() -> None:
    moved = utc(2026, 12, 2, 12)

    assert next_due(make_series(), {MEETING: moved}, DUE_1D) == utc(2026, 12, 1, 12)


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        # Tuesday 31 March 2026 09:00 CEST = 07:00 UTC: 1 hour before is 08:00 local.
        (utc(2026, 3, 30, 7), utc(2026, 3, 31, 6)),
        # Tuesday 27 October 2026 09:00 CET = 08:00 UTC.
        (utc(2026, 10, 26, 8), utc(2026, 10, 27, 7)),
    ],
)
def test_next_due_after_a_dst_change_is_on_the_new_offset(after: datetime, expected: datetime) -> None:
    assert next_due(make_series(), {}, after) == expected


# Transaction ids


def test_txn_ids_are_deterministic_per_series_meeting_and_offset() -> None:
    first = at(utc(2026, 12, 1, 7, 30))
    again = at(utc(2026, 12, 1, 7, 30))
    stamp = int(MEETING.timestamp())

    assert [d.txn_id for d in first] == [f"sb-rem-1-{stamp}-1440", f"sb-rem-1-{stamp}-60"]
    assert [d.txn_id for d in again] == [d.txn_id for d in first]


def test_txn_ids_differ_between_series_and_meetings() -> None:
    one = decide(make_series(id=1), {}, utc(2026, 12, 1, 7, 30))
    two = decide(make_series(id=2), {}, utc(2026, 12, 1, 7, 30))
    next_week = decide(make_series(checked_until=utc(2026, 12, 6)), {}, utc(2026, 12, 8, 7, 30))

    ids = [d.txn_id for d in one + two + next_week]
    assert len(set(ids)) == len(ids) == 6


# What a reminder says


async def text_of(db: Database, language: str, late: bool = False, **values) -> str:
    """The reminder of the series' first meeting after its `checked_until`."""
    series = make_series(**values)
    start = next(occurrences(series.schedule, series.anchor, series.zone, series.checked_until)).start
    async with db.reading() as conn:
        ctx = ReminderContext(conn, series, Occurrence(start, start), Catalogue(language), "!", start - HOUR)
        return (await reminder_text(ctx, late, FEATURES.sections)).plain


async def test_a_reminder_in_swedish(db: Database) -> None:
    assert await text_of(db, "sv") == (
        "Påminnelse: Örat mot marken, tisdag 1 december 2026 kl. 09.00 (vecka 49), Stadshuset, sal 2.\n\n"
        + EMPTY_AGENDA["sv"]
    )


async def test_a_reminder_in_english(db: Database) -> None:
    assert await text_of(db, "en") == (
        "Reminder: Örat mot marken, Tuesday 1 December 2026 at 09:00 (week 49), Stadshuset, sal 2.\n\n"
        + EMPTY_AGENDA["en"]
    )


async def test_a_late_reminder_says_it_is_late(db: Database) -> None:
    assert await text_of(db, "sv", late=True) == (
        "Försenad påminnelse (jag var inte igång när den skulle ha skickats): "
        "Örat mot marken, tisdag 1 december 2026 kl. 09.00 (vecka 49), Stadshuset, sal 2.\n\n"
        + EMPTY_AGENDA["sv"]
    )


async def test_a_reminder_without_a_place(db: Database) -> None:
    assert await text_of(db, "sv", location="") == (
        "Påminnelse: Örat mot marken, tisdag 1 december 2026 kl. 09.00 (vecka 49).\n\n" + EMPTY_AGENDA["sv"]
    )


async def test_a_reminder_in_week_53(db: Database) -> None:
    text = await text_of(db, "sv", schedule="weekly tuesday 09:00", checked_until=utc(2026, 12, 26))

    assert "tisdag 29 december 2026 kl. 09.00 (vecka 53)" in text


async def test_a_reminder_of_a_moved_meeting_says_where_it_came_from(db: Database) -> None:
    series = make_series()
    moved = Occurrence(utc(2026, 12, 2, 12), MEETING)
    async with db.reading() as conn:
        ctx = ReminderContext(conn, series, moved, Catalogue("sv"), "!", DUE_1D)
        text = (await reminder_text(ctx, False, FEATURES.sections)).plain

    assert text == (
        "Påminnelse: Örat mot marken, onsdag 2 december 2026 kl. 13.00 (vecka 49), Stadshuset, sal 2, "
        "flyttat från tisdag 1 december 2026.\n\n" + EMPTY_AGENDA["sv"]
    )


@pytest.mark.parametrize(
    ("schedule", "since", "language", "when", "warning"),
    [
        (
            "weekly thursday 09:00", utc(2026, 12, 22), "sv",
            "torsdag 24 december 2026 kl. 09.00 (vecka 52)",
            "Obs! Den dagen är det julafton. Flytta mötet med `!schema flytta 2026-12-24 <nytt datum>` "
            "eller ställ in det med `!schema inställt 2026-12-24`.",
        ),
        (
            "weekly thursday 09:00", utc(2026, 12, 22), "en",
            "Thursday 24 December 2026 at 09:00 (week 52)",
            "Note: that day is Christmas Eve. Move the meeting with `!schedule move 2026-12-24 <new date>` "
            "or cancel it with `!schedule skip 2026-12-24`.",
        ),
        (
            "weekly friday 09:00", utc(2026, 6, 16), "sv",
            "fredag 19 juni 2026 kl. 09.00 (vecka 25)",
            "Obs! Den dagen är det midsommarafton. Flytta mötet med `!schema flytta 2026-06-19 <nytt datum>` "
            "eller ställ in det med `!schema inställt 2026-06-19`.",
        ),
        (
            "weekly friday 09:00", utc(2026, 6, 16), "en",
            "Friday 19 June 2026 at 09:00 (week 25)",
            "Note: that day is Midsummer Eve. Move the meeting with `!schedule move 2026-06-19 <new date>` "
            "or cancel it with `!schedule skip 2026-06-19`.",
        ),
        (
            "weekly thursday 09:00", utc(2026, 12, 29), "sv",
            "torsdag 31 december 2026 kl. 09.00 (vecka 53)",
            "Obs! Den dagen är det nyårsafton. Flytta mötet med `!schema flytta 2026-12-31 <nytt datum>` "
            "eller ställ in det med `!schema inställt 2026-12-31`.",
        ),
    ],
    ids=["julafton-sv", "julafton-en", "midsommarafton-sv", "midsommarafton-en", "nyarsafton-sv"],
)  # fmt: skip
async def test_a_reminder_on_a_day_off_warns_and_suggests_moving(
    db: Database, schedule: str, since: datetime, language: str, when: str, warning: str
) -> None:
    text = await text_of(db, language, schedule=schedule, checked_until=since)

    header, shown_warning, agenda = text.split("\n\n")
    assert when in header
    assert shown_warning == warning
    assert agenda == EMPTY_AGENDA[language]


async def test_a_reminder_on_a_public_holiday_warns(db: Database) -> None:
    # Friday 1 January 2027, nyårsdagen.
    text = await text_of(db, "sv", schedule="weekly friday 09:00", checked_until=utc(2026, 12, 26))

    assert "\n\nObs! Den dagen är det nyårsdagen." in text


async def test_a_reminder_on_an_ordinary_day_has_no_warning(db: Database) -> None:
    text = await text_of(db, "sv", schedule="weekly wednesday 09:00", checked_until=utc(2026, 12, 22))

    assert text == (
        "Påminnelse: Örat mot marken, onsdag 23 december 2026 kl. 09.00 (vecka 52), Stadshuset, sal 2.\n\n"
        + EMPTY_AGENDA["sv"]
    )


@pytest.mark.parametrize(
    ("day", "sv", "en"),
    [
        (date(2026, 12, 24), "julafton", "Christmas Eve"),
        (date(2026, 6, 19), "midsommarafton", "Midsummer Eve"),
        (date(2026, 12, 31), "nyårsafton", "New Year's Eve"),
        (date(2026, 12, 25), "juldagen", "Christmas Day"),
        (date(2026, 6, 6), "nationaldagen", "National Day"),
        (date(2027, 6, 25), "midsommarafton", "Midsummer Eve"),
        (date(2026, 12, 1), None, None),
        (date(2026, 12, 6), None, None),  # a Sunday: not flagged
        (date(2026, 12, 23), None, None),
    ],
)
def test_days_off(day: date, sv: str | None, en: str | None) -> None:
    assert (day_off(day, "sv"), day_off(day, "en")) == (sv, en)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_days_off_are_those_of_the_holidays_package_for_every_day(language: str) -> None:
    # The bot computes the days itself (the package costs megabytes of memory); the package is the reference.
    differ = []
    for year in range(1900, 2101):
        reference = holidays.country_holidays(
            "SE", years=year, categories=("public", "de_facto"), language={"sv": "sv", "en": "en_US"}[language]
        )
        day = date(year, 1, 1)
        while day.year == year:
            expected = reference.get(day)
            if expected and language == "sv":
                expected = expected[0].lower() + expected[1:]
            if day_off(day, language) != expected:
                differ.append((day, day_off(day, language), expected))
            day += DAY

    assert differ == []


async def test_the_place_cannot_inject_markup(db: Database) -> None:
    series = make_series(location="<img src=x onerror=alert(1)>")
    async with db.reading() as conn:
        ctx = ReminderContext(conn, series, Occurrence(MEETING, MEETING), Catalogue("sv"), "!", DUE_1D)
        content = notice(await reminder_text(ctx, False, FEATURES.sections))

    assert "<img" not in content["formatted_body"]
    assert "&lt;img src=x onerror=alert(1)&gt;" in content["formatted_body"]
