"""Schedule maths: local wall time across daylight saving, every N weeks, monthly, RRULE, skips and moves."""

from __future__ import annotations

import calendar
import random
import threading
from datetime import date, datetime, time, timedelta, timezone
from itertools import islice
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrule, rrulestr

from bot.errors import UsageError
from bot.i18n import Catalogue
from bot.i18n.dates import when
from bot.rrule_bounds import first_meeting
from bot.schedule import (
    HORIZON,
    Occurrence,
    Schedule,
    load_schedule,
    meeting_on,
    occurrences,
    parse_schedule,
)
from bot.settings import SeriesSeed, SettingsError
from tests.unit.helpers import make_settings

STOCKHOLM = ZoneInfo("Europe/Stockholm")
UTC = timezone.utc
TODAY = date(2026, 12, 1)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def schedule(text: str, today: date = TODAY) -> Schedule:
    return parse_schedule(text.split(), today)


def starts(
    text: str, anchor: date, after: datetime, count: int, changes: dict | None = None
) -> list[datetime]:
    """The UTC starts of the next `count` meetings strictly after `after`."""
    found = occurrences(schedule(text, anchor), anchor, STOCKHOLM, after, changes or {})
    return [o.start for o in islice(found, count)]


def local(moments: list[datetime]) -> list[str]:
    return [m.astimezone(STOCKHOLM).strftime("%a %Y-%m-%d %H:%M %Z") for m in moments]


# Daylight saving: 09:00 stays 09:00, the UTC hour moves


@pytest.mark.parametrize(
    ("after", "before_change", "after_change"),
    [
        # 29 March 2026: clocks forward. Tuesday before 09:00 CET = 08 UTC, after 09:00 CEST = 07 UTC.
        (utc(2026, 3, 20), utc(2026, 3, 24, 8), utc(2026, 3, 31, 7)),
        # 25 October 2026: clocks back.
        (utc(2026, 10, 16), utc(2026, 10, 20, 7), utc(2026, 10, 27, 8)),
        # 28 March 2027.
        (utc(2027, 3, 19), utc(2027, 3, 23, 8), utc(2027, 3, 30, 7)),
        # 31 October 2027.
        (utc(2027, 10, 22), utc(2027, 10, 26, 7), utc(2027, 11, 2, 8)),
    ],
    ids=["spring-2026", "autumn-2026", "spring-2027", "autumn-2027"],
)
def test_weekly_meeting_keeps_its_local_time_across_a_dst_change(
    after: datetime, before_change: datetime, after_change: datetime
) -> None:
    found = starts("weekly tuesday 09:00", date(2026, 1, 1), after, 2)

    assert found == [before_change, after_change]
    assert [m.astimezone(STOCKHOLM).time() for m in found] == [time(9, 0), time(9, 0)]


@pytest.mark.parametrize(
    ("change_day", "expected"),
    [
        (date(2026, 3, 29), utc(2026, 3, 29, 7)),
        (date(2026, 10, 25), utc(2026, 10, 25, 8)),
        (date(2027, 3, 28), utc(2027, 3, 28, 7)),
        (date(2027, 10, 31), utc(2027, 10, 31, 8)),
    ],
)
def test_a_meeting_on_the_day_of_the_change_itself(change_day: date, expected: datetime) -> None:
    # The change happens at 01:00 UTC: a 09:00 Sunday meeting that day is already on the new offset.
    found = starts("weekly sunday 09:00", date(2026, 1, 1), utc(change_day.year, change_day.month, change_day.day), 1)

    assert found == [expected]
    assert local(found) == [expected.astimezone(STOCKHOLM).strftime("Sun %Y-%m-%d 09:00 %Z")]


def test_a_daily_rrule_across_the_spring_night() -> None:
    found = starts("RRULE:FREQ=DAILY;BYHOUR=9", date(2026, 3, 1), utc(2026, 3, 27), 4)

    assert local(found) == [
        "Fri 2026-03-27 09:00 CET",
        "Sat 2026-03-28 09:00 CET",
        "Sun 2026-03-29 09:00 CEST",
        "Mon 2026-03-30 09:00 CEST",
    ]
    assert [m.hour for m in found] == [8, 8, 7, 7]


def test_an_evening_meeting_across_the_autumn_change() -> None:
    found = starts("monthly first wednesday 18:00", date(2026, 9, 1), utc(2026, 9, 3), 3)

    assert local(found) == ["Wed 2026-10-07 18:00 CEST", "Wed 2026-11-04 18:00 CET", "Wed 2026-12-02 18:00 CET"]


def test_a_meeting_in_the_hour_that_does_not_exist_still_has_one_start() -> None:
    # 02:30 on 29 March 2026 never shows on a Stockholm clock; the meeting is still there, once.
    found = meeting_on(schedule("weekly sunday 02:30"), date(2026, 1, 1), STOCKHOLM, date(2026, 3, 29))

    assert found is not None
    assert found.start.astimezone(STOCKHOLM).date() == date(2026, 3, 29)
    assert starts("weekly sunday 02:30", date(2026, 1, 1), utc(2026, 3, 28), 2)[1] == utc(2026, 4, 5, 0, 30)


# Every N weeks: the phase comes from the anchor


def test_every_other_week_counts_from_the_anchor_across_a_53_week_year() -> None:
    # 2026 has 53 ISO weeks, so the meeting weeks are 49, 51, 53, then 2 (not 1) of 2027.
    found = starts("every 2 weeks tuesday 09:00", TODAY, utc(2026, 11, 30), 5)

    assert [d.date() for d in found] == [
        date(2026, 12, 1), date(2026, 12, 15), date(2026, 12, 29), date(2027, 1, 12), date(2027, 1, 26),
    ]  # fmt: skip
    assert [d.astimezone(STOCKHOLM).isocalendar().week for d in found] == [49, 51, 53, 2, 4]


def test_every_other_week_with_another_anchor_is_the_other_phase() -> None:
    found = starts("varannan vecka tisdag 09:00", date(2026, 12, 8), utc(2026, 11, 30), 3)

    assert [d.date() for d in found] == [date(2026, 12, 8), date(2026, 12, 22), date(2027, 1, 5)]


def test_every_third_week() -> None:
    found = starts("var 3:e vecka tisdag 09:00", TODAY, utc(2026, 11, 30), 3)

    assert [d.date() for d in found] == [date(2026, 12, 1), date(2026, 12, 22), date(2027, 1, 12)]


def test_every_other_week_across_a_dst_change_keeps_time_and_phase() -> None:
    found = starts("biweekly tuesday 09:00", date(2026, 3, 17), utc(2026, 3, 16), 3)

    assert local(found) == ["Tue 2026-03-17 09:00 CET", "Tue 2026-03-31 09:00 CEST", "Tue 2026-04-14 09:00 CEST"]


# Monthly: the Nth and the last weekday, month ends


def _last_weekday(year: int, month: int, weekday: int) -> date:
    last = calendar.monthrange(year, month)[1]
    day = date(year, month, last)
    return day - timedelta(days=(day.weekday() - weekday) % 7)


def test_last_tuesday_of_every_month_of_2026_and_2027() -> None:
    found = starts("monthly last tuesday 09:00", date(2026, 1, 1), utc(2026, 1, 1), 24)

    expected = [_last_weekday(y, m, 1) for y in (2026, 2027) for m in range(1, 13)]
    assert [d.astimezone(STOCKHOLM).date() for d in found] == expected
    assert {d.astimezone(STOCKHOLM).time() for d in found} == {time(9, 0)}


def test_last_tuesday_in_months_with_five_tuesdays() -> None:
    found = starts("månadsvis sista tisdag 09:00", date(2026, 3, 1), utc(2026, 3, 1), 4)

    # March and June 2026 have five Tuesdays; the last is the fifth, on the 31st and the 30th.
    assert local(found) == [
        "Tue 2026-03-31 09:00 CEST",
        "Tue 2026-04-28 09:00 CEST",
        "Tue 2026-05-26 09:00 CEST",
        "Tue 2026-06-30 09:00 CEST",
    ]


def test_fourth_tuesday_is_not_the_last_in_a_month_with_five() -> None:
    found = starts("monthly fourth tuesday 09:00", date(2026, 3, 1), utc(2026, 3, 1), 1)

    assert found[0].astimezone(STOCKHOLM).date() == date(2026, 3, 24)


def test_first_wednesday_of_the_month() -> None:
    found = starts("monthly first wednesday 18:00", date(2026, 11, 15), utc(2026, 11, 15), 5)

    assert [d.astimezone(STOCKHOLM).date() for d in found] == [
        date(2026, 12, 2), date(2027, 1, 6), date(2027, 2, 3), date(2027, 3, 3), date(2027, 4, 7),
    ]  # fmt: skip
    assert [d.hour for d in found] == [17, 17, 17, 17, 16]  # April is summer time


def test_last_day_of_the_month_by_rrule_over_february_and_a_leap_year() -> None:
    found = starts("RRULE:FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=9", date(2027, 12, 1), utc(2027, 12, 1), 4)

    assert [d.astimezone(STOCKHOLM).date() for d in found] == [
        date(2027, 12, 31), date(2028, 1, 31), date(2028, 2, 29), date(2028, 3, 31),
    ]  # fmt: skip


# ISO week 53 in what people read


@pytest.mark.parametrize(
    ("language", "shown"),
    [("sv", "fredag 1 januari 2027 kl. 09.00 (vecka 53)"), ("en", "Friday 1 January 2027 at 09:00 (week 53)")],
)
def test_1_january_2027_is_in_week_53(language: str, shown: str) -> None:
    [start] = starts("weekly friday 09:00", TODAY, utc(2026, 12, 26), 1)

    assert when(start.astimezone(STOCKHOLM), Catalogue(language)) == shown


def test_week_numbers_around_the_turn_of_2027() -> None:
    found = starts("RRULE:FREQ=DAILY;BYHOUR=9", date(2026, 12, 27), utc(2026, 12, 27), 10)

    assert [d.astimezone(STOCKHOLM).isocalendar().week for d in found] == [52, 53, 53, 53, 53, 53, 53, 53, 1, 1]


def test_the_swedish_form_of_a_meeting_time() -> None:
    [start] = starts("weekly tuesday 09:00", TODAY, utc(2026, 11, 30), 1)

    assert when(start.astimezone(STOCKHOLM), Catalogue("sv")) == "tisdag 1 december 2026 kl. 09.00 (vecka 49)"


# Schedules in words, Swedish and English


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        ("weekly tuesday 09:00", "weekly tuesday 09:00"),
        ("veckovis tisdag 9.00", "weekly tuesday 09:00"),
        ("varje vecka tisdag 09:00", "weekly tuesday 09:00"),
        ("biweekly friday 13:00", "every 2 weeks friday 13:00"),
        ("every other week friday 13:00", "every 2 weeks friday 13:00"),
        ("varannan vecka fredag 13:00", "every 2 weeks friday 13:00"),
        ("every 3 weeks thursday 10:30", "every 3 weeks thursday 10:30"),
        ("monthly first wednesday 18:00", "monthly first wednesday 18:00"),
        ("månadsvis första onsdag 18:00", "monthly first wednesday 18:00"),
        ("monthly last tuesday 09:00", "monthly last tuesday 09:00"),
        ("RRULE:FREQ=WEEKLY;BYDAY=TU;BYHOUR=9;BYMINUTE=0", "RRULE:FREQ=WEEKLY;BYDAY=TU;BYHOUR=9;BYMINUTE=0"),
        ("RRULE:FREQ=WEEKLY;BYDAY=TU;BYHOUR=9", "RRULE:FREQ=WEEKLY;BYDAY=TU;BYHOUR=9;BYMINUTE=0"),
        ("rrule freq=monthly;byday=-1tu;byhour=9", "RRULE:FREQ=MONTHLY;BYDAY=-1TU;BYHOUR=9;BYMINUTE=0"),
    ],
)
def test_canonical_spec_round_trips_through_load_schedule(text: str, spec: str) -> None:
    parsed = schedule(text)

    assert parsed.spec == spec
    assert load_schedule(spec) == parsed
    assert load_schedule(spec).spec == spec


def test_an_rrule_gives_the_same_meetings_as_the_words() -> None:
    after = utc(2026, 3, 1)
    anchor = date(2026, 3, 1)

    assert starts("RRULE:FREQ=WEEKLY;BYDAY=TU;BYHOUR=9", anchor, after, 6) == starts(
        "weekly tuesday 09:00", anchor, after, 6
    )
    assert starts("RRULE:FREQ=MONTHLY;BYDAY=-1TU;BYHOUR=9", anchor, after, 6) == starts(
        "monthly last tuesday 09:00", anchor, after, 6
    )


def test_an_rrule_with_a_count_ends() -> None:
    found = starts("RRULE:FREQ=WEEKLY;BYDAY=TU;BYHOUR=9;COUNT=2", TODAY, utc(2026, 11, 30), 5)

    assert [d.date() for d in found] == [date(2026, 12, 1), date(2026, 12, 8)]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("weekly blursday 09:00", "parse.weekday"),
        ("weekly fredag 25:00", "parse.time"),
        ("weekly fredag 9:60", "parse.time"),
        ("every 0 weeks tuesday 09:00", "schedule.interval"),
        ("every 53 weeks tuesday 09:00", "schedule.interval"),
        ("monthly femte tisdag 09:00", "parse.ordinal"),
        ("monthly last tuesday", "schedule.invalid"),
        ("weekly tuesday", "schedule.invalid"),
        ("fortnightly tuesday 09:00", "schedule.invalid"),
        ("", "schedule.missing"),
        # RRULEs
        ("RRULE:FREQ=HOURLY;BYHOUR=9", "schedule.rrule_freq"),
        ("RRULE:FREQ=MINUTELY;BYHOUR=9", "schedule.rrule_freq"),
        ("RRULE:BYDAY=TU;BYHOUR=9", "schedule.rrule_freq"),
        ("RRULE:FREQ=WEEKLY;BYDAY=TU", "schedule.rrule_time"),
        ("RRULE:FREQ=WEEKLY;BYDAY=TU;BYHOUR=25", "schedule.rrule_time"),
        ("RRULE:FREQ=WEEKLY;BYDAY=TU;BYHOUR=9,17", "schedule.rrule_time"),
        ("RRULE:FREQ=WEEKLY;BYDAY=XX;BYHOUR=9", "schedule.rrule_invalid"),
        ("RRULE:FREQ=WEEKLY;BYDAY;BYHOUR=9", "schedule.rrule_invalid"),
        ("RRULE:FREQ=WEEKLY;BYHOUR=9;DTSTART=20261201T090000", "schedule.rrule_invalid"),
        ("RRULE:FREQ=WEEKLY;BYHOUR=9;BYSECOND=30", "schedule.rrule_invalid"),
        # Never: ended before today, and a day that does not exist.
        ("RRULE:FREQ=WEEKLY;BYDAY=TU;BYHOUR=9;UNTIL=20200101T000000", "schedule.never"),
        ("RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;BYHOUR=9", "schedule.never"),
        # Read by dateutil, but not RFC 5545 (or not in its ranges), and trouble for dateutil later on.
        ("RRULE:FREQ=YEARLY;INTERVAL=0;BYHOUR=9", "schedule.rrule_invalid"),
        ("RRULE:FREQ=DAILY;INTERVAL=-1;BYHOUR=9", "schedule.rrule_invalid"),
        ("RRULE:FREQ=MONTHLY;BYMONTHDAY=0;BYHOUR=9", "schedule.rrule_invalid"),
        ("RRULE:FREQ=MONTHLY;BYMONTHDAY=32;BYHOUR=9", "schedule.rrule_invalid"),
        ("RRULE:FREQ=YEARLY;BYMONTH=13;BYHOUR=9", "schedule.rrule_invalid"),
        ("RRULE:FREQ=YEARLY;BYWEEKNO=54;BYHOUR=9", "schedule.rrule_invalid"),
        ("RRULE:FREQ=YEARLY;BYYEARDAY=-367;BYHOUR=9", "schedule.rrule_invalid"),
        ("RRULE:FREQ=MONTHLY;BYDAY=1MO,9MO;BYHOUR=9", "schedule.rrule_invalid"),
        ("RRULE:FREQ=YEARLY;BYMONTH=12;BYDAY=6SU;BYHOUR=9", "schedule.rrule_invalid"),
        ("RRULE:FREQ=YEARLY;BYEASTER=0;BYHOUR=9", "schedule.rrule_invalid"),
    ],
)
def test_schedules_refused(text: str, key: str) -> None:
    with pytest.raises(UsageError) as caught:
        schedule(text)

    assert caught.value.key == key


def test_a_rule_that_never_occurs_says_so() -> None:
    with pytest.raises(UsageError) as caught:
        schedule("RRULE:FREQ=WEEKLY;BYDAY=TU;BYHOUR=9;UNTIL=20200101T000000")

    assert Catalogue("sv")(caught.value.key, **caught.value.values) == (
        'Regeln "RRULE:FREQ=WEEKLY;BYDAY=TU;BYHOUR=9;UNTIL=20200101T000000" ger inget möte under de kommande fem åren.'
    )


def test_a_rule_whose_first_meeting_is_years_ahead_still_occurs() -> None:
    # 29 February on a Tuesday: 2028 is a leap year, but 29 February 2028 is a Tuesday.
    parsed = schedule("RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYHOUR=9")

    [start] = islice(occurrences(parsed, TODAY, STOCKHOLM, utc(2026, 12, 1)), 1)
    assert start.start == utc(2028, 2, 29, 8)


def test_an_rrule_with_until_in_utc_is_accepted() -> None:
    parsed = parse_schedule(["RRULE:FREQ=WEEKLY;BYDAY=TU;BYHOUR=9;UNTIL=20261215T080000Z"], TODAY, STOCKHOLM)
    assert "UNTIL=20261215T090000;" in parsed.spec  # kept in the series' wall time

    found = list(occurrences(parsed, TODAY, STOCKHOLM, utc(2026, 11, 30)))
    assert [o.start for o in found] == [utc(2026, 12, 1, 8), utc(2026, 12, 8, 8), utc(2026, 12, 15, 8)]


def test_a_stored_rule_loads_even_if_a_new_one_like_it_would_be_refused() -> None:
    stored = load_schedule("RRULE:FREQ=YEARLY;BYEASTER=0;BYHOUR=9;BYMINUTE=0")

    assert stored.spec == "RRULE:FREQ=YEARLY;BYEASTER=0;BYHOUR=9;BYMINUTE=0"


# Whether a rule meets at all: answered in milliseconds, with no search left running


NEVER = [
    "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;BYHOUR=9",
    "RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31;BYHOUR=9",
    "RRULE:FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=4;BYHOUR=9",
    "RRULE:FREQ=WEEKLY;BYMONTH=2;BYMONTHDAY=30;BYHOUR=9",
    "RRULE:FREQ=YEARLY;BYMONTH=5;BYMONTHDAY=3;BYSETPOS=3;BYHOUR=9",  # the third of one day a year
    "RRULE:FREQ=YEARLY;BYWEEKNO=53;BYMONTH=6;BYHOUR=9",
    "RRULE:FREQ=DAILY;INTERVAL=7;BYDAY=MO;BYHOUR=9",  # every seventh day from a Tuesday
    "RRULE:FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29;BYHOUR=9",  # 2026, 2030, 2034: no leap years
    "RRULE:FREQ=DAILY;INTERVAL=100000;BYMONTH=1;BYHOUR=9",  # the next day it counts is 273 years on
    "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO;BYHOUR=9",  # first in 2044
    "RRULE:FREQ=WEEKLY;BYDAY=TU;BYHOUR=9;UNTIL=20200101T000000",
    "RRULE:FREQ=WEEKLY;BYDAY=TU;BYHOUR=9;UNTIL=20261201T085959",  # ends a second before the first
    "RRULE:FREQ=DAILY;BYHOUR=9;COUNT=0",
]


@pytest.mark.parametrize("text", NEVER)
def test_a_rule_that_never_meets_is_refused_at_once(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Refused by the bounded walk alone: dateutil's own search, which goes on to the year 9999 (seconds of CPU),
    is never started, and no thread is left searching."""
    threads, searched = threading.active_count(), []

    def unbounded(*args: object, **kwargs: object) -> None:
        searched.append(args)  # noted from any thread
        raise AssertionError("dateutil was asked to search for a meeting that never comes")

    monkeypatch.setattr(rrule, "_iter", unbounded)
    with pytest.raises(UsageError) as caught:
        schedule(text)

    assert caught.value.key == "schedule.never"
    assert searched == []
    assert threading.active_count() == threads


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYHOUR=9", date(2028, 2, 29)),
        ("RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYHOUR=9", date(2028, 2, 29)),
        ("RRULE:FREQ=YEARLY;INTERVAL=2;BYMONTH=2;BYMONTHDAY=29;BYHOUR=9", date(2028, 2, 29)),
        ("RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=TU;BYHOUR=9", date(2028, 2, 29)),
        ("RRULE:FREQ=YEARLY;BYMONTH=2;BYDAY=5TU;BYHOUR=9", date(2028, 2, 29)),
        ("RRULE:FREQ=YEARLY;BYYEARDAY=366;BYHOUR=9", date(2028, 12, 31)),
        ("RRULE:FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13;BYHOUR=9", date(2027, 8, 13)),
        ("RRULE:FREQ=MONTHLY;BYDAY=MO;BYMONTHDAY=13;BYHOUR=9", date(2027, 9, 13)),
        ("RRULE:FREQ=YEARLY;BYWEEKNO=53;BYDAY=TH;BYHOUR=9", date(2026, 12, 31)),
        ("RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;BYHOUR=9", date(2026, 12, 31)),
        ("RRULE:FREQ=DAILY;INTERVAL=1000000;BYHOUR=9", TODAY),  # today, and never again before the year 9999
        ("RRULE:FREQ=WEEKLY;BYDAY=TU;BYHOUR=9;COUNT=1", TODAY),
        ("RRULE:FREQ=WEEKLY;BYDAY=TU;BYHOUR=9;UNTIL=20261201T090000", TODAY),
    ],
)
def test_a_rare_rule_is_accepted(text: str, first: date) -> None:
    parsed = schedule(text)

    [meeting] = islice(occurrences(parsed, TODAY, STOCKHOLM, utc(2026, 11, 30)), 1)
    assert meeting.start.astimezone(STOCKHOLM).date() == first


def test_a_first_meeting_just_inside_the_five_years_counts_and_just_outside_does_not() -> None:
    # Leap days on a Sunday: 29 February 2032, then 2060.
    text = "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=SU;BYHOUR=9"

    assert schedule(text, date(2027, 3, 1)).kind == "rrule"  # the five years end on 4 March 2032
    with pytest.raises(UsageError) as caught:
        schedule(text, date(2027, 2, 20))  # they end on 24 February 2032
    assert caught.value.key == "schedule.never"


def _random_rule(rng: random.Random, today: date) -> str:
    days = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]

    def numbers(low: int, high: int, signs: tuple[int, ...] = (1, -1)) -> str:
        return ",".join(str(rng.choice(signs) * rng.randint(low, high)) for _ in range(rng.randint(1, 3)))

    parts = {"FREQ": rng.choice(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"])}
    optional = {
        "INTERVAL": lambda: str(rng.choice([2, 3, 4, 7, 13, 100, 1000])),
        "COUNT": lambda: str(rng.choice([0, 1, 3])),
        "UNTIL": lambda: (today + timedelta(days=rng.randint(-30, 2500))).strftime("%Y%m%dT%H%M%S"),
        "WKST": lambda: rng.choice(days),
        "BYMONTH": lambda: numbers(1, 12, signs=(1,)),
        "BYMONTHDAY": lambda: numbers(1, 31),
        "BYYEARDAY": lambda: numbers(1, 366),
        "BYWEEKNO": lambda: numbers(1, 53),
        "BYDAY": lambda: ",".join(rng.choice(["", "1", "-1", "2", "5", "-5"]) + rng.choice(days) for _ in range(2)),
        "BYSETPOS": lambda: numbers(1, 5),
    }
    for key, make in optional.items():
        if rng.random() < 0.3 and not (key == "UNTIL" and "COUNT" in parts):
            parts[key] = make()
    parts["BYHOUR"], parts["BYMINUTE"] = rng.choice(["0", "9", "23"]), rng.choice(["0", "30"])
    return ";".join(f"{key}={value}" for key, value in parts.items())


def test_the_search_within_five_years_agrees_with_dateutil() -> None:
    """Random rules, each against dateutil's own iteration. Near the year 9999, where dateutil's search for a
    rule that never meets ends within years rather than millennia."""
    rng = random.Random(5545)
    compared = met = 0
    for _ in range(200):
        today = date(9985, 1, 1) + timedelta(days=rng.randint(0, 1500))
        text = _random_rule(rng, today)
        try:
            parse_schedule([text], today)
            accepted = True
        except UsageError as refused:
            if refused.key != "schedule.never":
                continue
            accepted = False
        rule = rrulestr(text, dtstart=datetime.combine(today, load_schedule(f"RRULE:{text}").at))
        end = datetime.combine(today + HORIZON, time())
        try:
            first = next(iter(rule), None)
        except ValueError:  # dateutil reached the year 10000 without a meeting
            first = None
        expected = first if first is not None and first <= end else None

        assert first_meeting(rule, end) == expected, text
        assert accepted == (expected is not None), text
        compared += 1
        met += expected is not None
    assert compared > 150 and 50 < met < compared - 50  # both answers well represented


# Skips and moves


WEEKLY = schedule("weekly tuesday 09:00")


def test_a_skipped_meeting_is_left_out() -> None:
    changes = {utc(2026, 12, 8, 8): None}

    found = list(islice(occurrences(WEEKLY, TODAY, STOCKHOLM, utc(2026, 11, 30), changes), 3))

    assert [o.start for o in found] == [utc(2026, 12, 1, 8), utc(2026, 12, 15, 8), utc(2026, 12, 22, 8)]


def test_a_moved_meeting_takes_its_new_place_in_order() -> None:
    # The meeting of Tuesday 15 December, moved back to Monday 7 December at 13:00.
    changes = {utc(2026, 12, 15, 8): utc(2026, 12, 7, 12)}

    found = list(islice(occurrences(WEEKLY, TODAY, STOCKHOLM, utc(2026, 11, 30), changes), 4))

    assert found == [
        Occurrence(utc(2026, 12, 1, 8), utc(2026, 12, 1, 8)),
        Occurrence(utc(2026, 12, 7, 12), utc(2026, 12, 15, 8)),
        Occurrence(utc(2026, 12, 8, 8), utc(2026, 12, 8, 8)),
        Occurrence(utc(2026, 12, 22, 8), utc(2026, 12, 22, 8)),
    ]
    assert [o.moved for o in found] == [False, True, False, False]


def test_a_moved_meeting_that_has_passed_is_not_listed() -> None:
    changes = {utc(2026, 12, 15, 8): utc(2026, 11, 29, 8)}

    found = list(islice(occurrences(WEEKLY, TODAY, STOCKHOLM, utc(2026, 11, 30), changes), 3))

    assert [o.start for o in found] == [utc(2026, 12, 1, 8), utc(2026, 12, 8, 8), utc(2026, 12, 22, 8)]


def test_meeting_on_a_day() -> None:
    found = meeting_on(WEEKLY, TODAY, STOCKHOLM, date(2026, 12, 8))

    assert found == Occurrence(utc(2026, 12, 8, 8), utc(2026, 12, 8, 8))


def test_no_meeting_on_a_day_without_one() -> None:
    assert meeting_on(WEEKLY, TODAY, STOCKHOLM, date(2026, 12, 9)) is None


def test_no_meeting_on_a_skipped_day() -> None:
    assert meeting_on(WEEKLY, TODAY, STOCKHOLM, date(2026, 12, 8), {utc(2026, 12, 8, 8): None}) is None


def test_a_moved_meeting_is_found_on_its_new_day_and_not_on_its_old() -> None:
    changes = {utc(2026, 12, 8, 8): utc(2026, 12, 10, 13)}

    assert meeting_on(WEEKLY, TODAY, STOCKHOLM, date(2026, 12, 8), changes) is None
    assert meeting_on(WEEKLY, TODAY, STOCKHOLM, date(2026, 12, 10), changes) == Occurrence(
        utc(2026, 12, 10, 13), utc(2026, 12, 8, 8)
    )


def test_meeting_on_uses_the_local_calendar_day() -> None:
    # 00:30 on Wednesday in Stockholm is still Tuesday in UTC.
    late = schedule("weekly wednesday 00:30")

    found = meeting_on(late, TODAY, STOCKHOLM, date(2026, 12, 2))

    assert found is not None and found.start == utc(2026, 12, 1, 23, 30)
    assert meeting_on(late, TODAY, STOCKHOLM, date(2026, 12, 1)) is None


def test_meeting_on_across_the_dst_change() -> None:
    found = meeting_on(WEEKLY, date(2026, 1, 1), STOCKHOLM, date(2026, 3, 31))

    assert found is not None and found.start == utc(2026, 3, 31, 7)


# Seeds in config/bot.toml use the same converters


def seed(**values: object) -> SeriesSeed:
    values.setdefault("room", "#orat-mot-marken:eslov.se")
    values.setdefault("name", "Örat mot marken")
    return make_settings(series=[values]).series[0]


def test_the_seed_of_product_md_is_accepted() -> None:
    assert seed(schedule="weekly tuesday 09:00").schedule == "weekly tuesday 09:00"
    assert seed(schedule="RRULE:FREQ=WEEKLY;BYDAY=TU;BYHOUR=9;BYMINUTE=0").reminders == ("1d", "1h")


@pytest.mark.parametrize(
    ("values", "shown"),
    [
        ({"schedule": "weekly blursday 09:00"}, 'I do not know the weekday "blursday"'),
        ({"schedule": "weekly friday 25:00"}, '"25:00" is not a time I can read'),
        ({"schedule": "RRULE:FREQ=HOURLY;BYHOUR=9"}, "needs FREQ=DAILY, WEEKLY, MONTHLY or YEARLY"),
        ({"schedule": "weekly tuesday 09:00", "reminders": ["1d", "1x"]}, '"1x" is not a length of time'),
        ({"schedule": "weekly tuesday 09:00", "duration": "1x"}, '"1x" is not a length of time'),
    ],
)
def test_a_bad_seed_is_refused_with_the_converters_message(values: dict, shown: str) -> None:
    with pytest.raises(SettingsError) as caught:
        seed(**values)

    assert shown in str(caught.value)
