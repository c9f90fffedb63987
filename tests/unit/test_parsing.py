"""Converters: every date, time, length and weekday form of PRODUCT.md, in Swedish and English, and what is refused."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from bot.errors import UsageError
from bot.i18n import Catalogue
from bot.parsing import (
    parse_date,
    parse_duration,
    parse_offsets,
    parse_ordinal,
    parse_time,
    parse_weekday,
)

# Tuesday 1 December 2026, ISO week 49.
TODAY = date(2026, 12, 1)
# Wednesday 30 December 2026, ISO week 53: the turn of the year is two days ahead.
YEAR_END = date(2026, 12, 30)


def refused(parse, *args) -> UsageError:
    with pytest.raises(UsageError) as caught:
        parse(*args)
    return caught.value


# Dates


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-04", date(2026, 12, 4)),
        ("2027-01-15", date(2027, 1, 15)),
        ("4/12", date(2026, 12, 4)),
        ("4/12 2027", date(2027, 12, 4)),
        ("4 dec", date(2026, 12, 4)),
        ("4 dec.", date(2026, 12, 4)),
        ("4 Dec", date(2026, 12, 4)),
        ("4 december", date(2026, 12, 4)),
        ("4 december 2027", date(2027, 12, 4)),
        ("15 mars", date(2027, 3, 15)),
        ("15 march", date(2027, 3, 15)),
        ("1 maj", date(2027, 5, 1)),
        ("1 may", date(2027, 5, 1)),
        ("3 okt", date(2027, 10, 3)),
        ("3 oct", date(2027, 10, 3)),
        ("fredag", date(2026, 12, 4)),
        ("friday", date(2026, 12, 4)),
        ("Fredag", date(2026, 12, 4)),
        ("fre", date(2026, 12, 4)),
        ("måndag", date(2026, 12, 7)),
        ("monday", date(2026, 12, 7)),
        ("today", TODAY),
        ("idag", TODAY),
        ("tomorrow", date(2026, 12, 2)),
        ("imorgon", date(2026, 12, 2)),
        ("i morgon", date(2026, 12, 2)),
        ("in 3 days", date(2026, 12, 4)),
        ("om 3 dagar", date(2026, 12, 4)),
        ("in 1 day", date(2026, 12, 2)),
        ("om 1 dag", date(2026, 12, 2)),
        ("in 2 weeks", date(2026, 12, 15)),
        ("om 2 veckor", date(2026, 12, 15)),
        ("week 50", date(2026, 12, 11)),
        ("vecka 50", date(2026, 12, 11)),
        ("v50", date(2026, 12, 11)),
        ("v 50", date(2026, 12, 11)),
        ("v.50", date(2026, 12, 11)),
        ("Vecka 50", date(2026, 12, 11)),
    ],
)
def test_every_date_form_in_swedish_and_english(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


def test_a_weekday_is_the_next_one_never_today() -> None:
    # TODAY is a Tuesday: "tisdag" is the Tuesday a week ahead.
    assert parse_date("tisdag", TODAY) == date(2026, 12, 8)
    assert parse_date("tuesday", TODAY) == date(2026, 12, 8)


def test_a_day_and_month_without_year_is_the_next_one_ahead() -> None:
    assert parse_date("1/12", TODAY) == TODAY  # today is still ahead enough
    assert parse_date("30/11", TODAY) == date(2027, 11, 30)  # yesterday: next year's
    assert parse_date("30 nov", TODAY) == date(2027, 11, 30)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("på fredag", date(2026, 12, 4)),
        ("På fredag", date(2026, 12, 4)),
        ("på måndag", date(2026, 12, 7)),
        ("på tisdag", date(2026, 12, 8)),  # today is a Tuesday: the next one, like "tisdag"
        ("on friday", date(2026, 12, 4)),
        ("om en vecka", date(2026, 12, 8)),
        ("om en dag", date(2026, 12, 2)),
        ("in a week", date(2026, 12, 8)),
        ("in one week", date(2026, 12, 8)),
        ("in a day", date(2026, 12, 2)),
        ("in one day", date(2026, 12, 2)),
    ],
)
def test_everyday_words_for_days_ahead(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        # Tuesday of week 49: next week's Friday, a week after "fredag".
        ("nästa fredag", TODAY, date(2026, 12, 11)),
        ("next friday", TODAY, date(2026, 12, 11)),
        ("Nästa Fredag", TODAY, date(2026, 12, 11)),
        # Monday of week 49: this week's Friday is still ahead, but next week's is meant.
        ("nästa fredag", date(2026, 11, 30), date(2026, 12, 11)),
        ("next friday", date(2026, 11, 30), date(2026, 12, 11)),
        # Sunday of week 49: next week begins tomorrow.
        ("nästa måndag", date(2026, 12, 6), date(2026, 12, 7)),
        ("nästa fredag", date(2026, 12, 6), date(2026, 12, 11)),
        ("nästa tisdag", TODAY, date(2026, 12, 8)),
        ("next monday", TODAY, date(2026, 12, 7)),
        # Over the turn of the year, from week 53 into week 1 of 2027.
        ("nästa fredag", YEAR_END, date(2027, 1, 8)),
        ("next friday", YEAR_END, date(2027, 1, 8)),
    ],
)
def test_next_weekday_is_that_day_of_next_iso_week(text: str, today: date, expected: date) -> None:
    assert parse_date(text, today) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("igår", date(2026, 11, 30)),
        ("i går", date(2026, 11, 30)),
        ("Igår", date(2026, 11, 30)),
        ("yesterday", date(2026, 11, 30)),
        ("i förrgår", date(2026, 11, 29)),
        ("förrgår", date(2026, 11, 29)),
        ("the day before yesterday", date(2026, 11, 29)),
    ],
)
def test_days_behind_are_read_as_written(text: str, expected: date) -> None:
    # Whether a past date will do is the command's business, as with an ISO date.
    assert parse_date(text, TODAY) == expected
    assert parse_date(text, TODAY, past=True) == expected


def test_yesterday_over_the_turn_of_the_year() -> None:
    assert parse_date("igår", date(2027, 1, 1)) == date(2026, 12, 31)
    assert parse_date("i förrgår", date(2027, 1, 1)) == date(2026, 12, 30)


@pytest.mark.parametrize(
    "text", ["nästa", "på", "på blursday", "nästa vecka 50", "om ett par dagar", "om en", "in a", "om ett dygn"],
)
def test_everyday_words_that_are_not_dates(text: str) -> None:
    assert refused(parse_date, text, TODAY).key == "parse.date"


def test_an_iso_date_in_the_past_is_read_as_written() -> None:
    # Whether a past date is allowed is the command's business (skip and move refuse it).
    assert parse_date("2026-11-24", TODAY) == date(2026, 11, 24)


def test_the_current_week_is_its_friday_when_that_is_still_ahead() -> None:
    assert parse_date("vecka 49", TODAY) == date(2026, 12, 4)


def test_a_week_already_over_this_year_is_next_years() -> None:
    assert parse_date("vecka 48", TODAY) == date(2027, 12, 3)


def test_a_week_with_its_year() -> None:
    assert parse_date("week 10 2027", TODAY) == date(2027, 3, 12)


# The turn of the year, and ISO week 53 of 2026


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("v53", date(2027, 1, 1)),
        ("vecka 53", date(2027, 1, 1)),
        ("week 53", date(2027, 1, 1)),
        ("week 53 2026", date(2027, 1, 1)),
        ("v1", date(2027, 1, 8)),
        ("vecka 1", date(2027, 1, 8)),
        ("4/1", date(2027, 1, 4)),
        ("4 jan", date(2027, 1, 4)),
        ("4 januari", date(2027, 1, 4)),
        ("fredag", date(2027, 1, 1)),
        ("friday", date(2027, 1, 1)),
        ("imorgon", date(2026, 12, 31)),
        ("om 3 dagar", date(2027, 1, 2)),
        ("in 3 days", date(2027, 1, 2)),
        ("31/12", date(2026, 12, 31)),
    ],
)
def test_the_turn_of_the_year(text: str, expected: date) -> None:
    assert parse_date(text, YEAR_END) == expected


def test_week_53_on_its_own_friday_is_that_day() -> None:
    assert parse_date("v53", date(2027, 1, 1)) == date(2027, 1, 1)


def test_week_53_on_the_days_before_its_friday() -> None:
    assert parse_date("v53", date(2026, 12, 28)) == date(2027, 1, 1)


def test_week_53_once_it_is_over_does_not_occur_in_the_coming_year() -> None:
    # 2027 has no week 53, and 2026's Friday of week 53 has passed.
    error = refused(parse_date, "v53", date(2027, 1, 2))

    assert error.key == "parse.week"
    assert error.values == {"value": "v53"}


def test_week_53_of_a_year_without_one_is_refused() -> None:
    assert refused(parse_date, "week 53 2027", TODAY).key == "parse.week"


# Dates refused


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("2026-13-01", "parse.date"),
        ("32/1", "parse.date"),
        ("4/13", "parse.date"),
        ("0/12", "parse.date"),
        ("week 54", "parse.week"),
        ("vecka 54", "parse.week"),
        ("v0", "parse.week"),
        ("blursday", "parse.date"),
        ("4 blurember", "parse.date"),
        ("in three days", "parse.date"),
        ("soon", "parse.date"),
        ("", "parse.date"),
        ("2026-12-04 <script>", "parse.date"),
    ],
)
def test_dates_that_cannot_be_read_are_refused(text: str, key: str) -> None:
    error = refused(parse_date, text, TODAY)

    assert error.key == key
    assert error.values == {"value": text}


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        ("sv", 'Jag kan inte läsa datumet "32/1". Skriv till exempel 2026-12-04, 4/12, 4 dec, fredag, nästa fredag, imorgon, igår, om 3 dagar eller vecka 50.'),
        ("en", 'I cannot read the date "32/1". Write for example 2026-12-04, 4/12, 4 dec, friday, next friday, tomorrow, yesterday, in 3 days or week 50.'),
    ],
)  # fmt: skip
def test_a_refused_date_says_what_is_accepted(language: str, shown: str) -> None:
    error = refused(parse_date, "32/1", TODAY)

    assert Catalogue(language)(error.key, **error.values) == shown


@pytest.mark.parametrize(
    "text", ["31/2", "30/2", "31 feb", "30 februari", "31/4", "31 april", "31 nov", "2026-02-31", "2026-02-29", "29/2 2027"]
)
@pytest.mark.parametrize("past", [False, True])
def test_a_date_that_does_not_exist_is_named_as_such(text: str, past: bool) -> None:
    error = refused(parse_date, text, TODAY, past)

    assert error.key == "parse.no_such_date"
    assert error.values == {"value": text}


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        ("sv", 'Datumet "31/2" finns inte: den månaden har inte så många dagar.'),
        ("en", 'There is no date "31/2": that month does not have that many days.'),
    ],
)
def test_a_date_that_does_not_exist_says_so(language: str, shown: str) -> None:
    error = refused(parse_date, "31/2", TODAY)

    assert Catalogue(language)(error.key, **error.values) == shown


@pytest.mark.parametrize("text", ["29/2", "29 feb", "29 februari"])
def test_29_february_is_the_next_one_there_is(text: str) -> None:
    assert parse_date(text, TODAY) == date(2028, 2, 29)
    assert parse_date(text, TODAY, past=True) == date(2024, 2, 29)
    assert parse_date(text, date(2028, 2, 29)) == date(2028, 2, 29)
    assert parse_date("2028-02-29", TODAY) == date(2028, 2, 29)


def test_29_february_after_2096_is_in_2104() -> None:
    # 2100 is no leap year.
    assert parse_date("29/2", date(2096, 3, 1)) == date(2104, 2, 29)


def test_a_refused_week_says_it_does_not_occur() -> None:
    error = refused(parse_date, "vecka 54", TODAY)

    assert Catalogue("sv")(error.key, **error.values) == '"vecka 54": den veckan finns inte under det närmaste året.'


# Times


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:00", time(9, 0)),
        ("9:00", time(9, 0)),
        ("09.00", time(9, 0)),
        ("13.30", time(13, 30)),
        ("0:00", time(0, 0)),
        ("23:59", time(23, 59)),
        (" 18:15 ", time(18, 15)),
    ],
)
def test_times(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["25:00", "24:00", "9:60", "09:75", "9", "0900", "09:0", "nio", "-1:00", "9:00 am", ""])
def test_times_refused(text: str) -> None:
    error = refused(parse_time, text)

    assert error.key == "parse.time"
    assert error.values == {"value": text}


def test_a_refused_time_says_how_to_write_one() -> None:
    error = refused(parse_time, "25:00")

    assert Catalogue("en")(error.key, **error.values) == (
        '"25:00" is not a time I can read. Write HH:MM, for example 09:00 or 13.30.'
    )


# Durations and reminder offsets


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", timedelta(minutes=30)),
        ("45min", timedelta(minutes=45)),
        ("1h", timedelta(hours=1)),
        ("1t", timedelta(hours=1)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("1d", timedelta(days=1)),
        ("2w", timedelta(weeks=2)),
        ("2v", timedelta(weeks=2)),
        ("1d2h15m", timedelta(days=1, hours=2, minutes=15)),
        ("1D", timedelta(days=1)),
        ("1h 30m", timedelta(hours=1, minutes=30)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("45 minuter", timedelta(minutes=45)),
        ("30 min", timedelta(minutes=30)),
        ("1 minut", timedelta(minutes=1)),
        ("1 timme", timedelta(hours=1)),
        ("2 timmar", timedelta(hours=2)),
        ("1 timme 30 minuter", timedelta(hours=1, minutes=30)),
        ("1 timme och 30 minuter", timedelta(hours=1, minutes=30)),
        ("1 dag", timedelta(days=1)),
        ("3 dagar", timedelta(days=3)),
        ("1 dygn", timedelta(days=1)),
        ("1 dag 1 timme", timedelta(days=1, hours=1)),
        ("1 vecka", timedelta(weeks=1)),
        ("2 veckor", timedelta(weeks=2)),
        ("en timme", timedelta(hours=1)),
        ("ett dygn", timedelta(days=1)),
        ("30 minutes", timedelta(minutes=30)),
        ("1 minute", timedelta(minutes=1)),
        ("1 hour", timedelta(hours=1)),
        ("1 hour 30 minutes", timedelta(hours=1, minutes=30)),
        ("1 hour and 30 minutes", timedelta(hours=1, minutes=30)),
        ("1 day 2 hours", timedelta(days=1, hours=2)),
        ("2 days", timedelta(days=2)),
        ("2 weeks", timedelta(weeks=2)),
        ("an hour", timedelta(hours=1)),
        ("a day", timedelta(days=1)),
        ("one week", timedelta(weeks=1)),
        ("1 Timme 30 Min.", timedelta(hours=1, minutes=30)),
        ("1 h 30 m", timedelta(hours=1, minutes=30)),
        ("52 veckor", timedelta(weeks=52)),
    ],
)
def test_durations_in_words_in_swedish_and_english(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "1x", "0m", "0d", "", "m", "1.5h", "-1h", "90", "h1", "367d", "60w",
        "367 dagar", "53 veckor", "0 minuter", "30 dagg", "1 månad", "timme", "en", "och 1 timme", "1 timme och",
        "30 minuter 1 timme", "30m1h", "1 timme 1 timme", "1 timme 30", "ett par timmar", "1 timme 30 <b>",
    ],
)  # fmt: skip
def test_durations_refused(text: str) -> None:
    error = refused(parse_duration, text)

    assert error.key == "parse.duration"
    assert error.values == {"value": text}


def test_offsets_longest_first() -> None:
    assert parse_offsets(["1d", "2h", "15m"]) == (timedelta(days=1), timedelta(hours=2), timedelta(minutes=15))


def test_offsets_in_any_order_without_repeats() -> None:
    assert parse_offsets(["15m", "1h", "1d", "60m"]) == (timedelta(days=1), timedelta(hours=1), timedelta(minutes=15))


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("1 dag 1 timme", (timedelta(days=1), timedelta(hours=1))),
        ("1 dag och 1 timme", (timedelta(days=1), timedelta(hours=1))),
        ("1 day 1 hour", (timedelta(days=1), timedelta(hours=1))),
        ("1 timme 30 minuter", (timedelta(hours=1), timedelta(minutes=30))),
        ("2 veckor 1 dag 15 min", (timedelta(weeks=2), timedelta(days=1), timedelta(minutes=15))),
        ("1 dag 2h 15 minuter", (timedelta(days=1), timedelta(hours=2), timedelta(minutes=15))),
        ("en dag en timme", (timedelta(days=1), timedelta(hours=1))),
        ("a day an hour", (timedelta(days=1), timedelta(hours=1))),
        ("1 timme 60 minuter", (timedelta(hours=1),)),
        ("1h30m 15 minuter", (timedelta(hours=1, minutes=30), timedelta(minutes=15))),
    ],
)
def test_offsets_in_words_are_one_reminder_each(words: str, expected: tuple[timedelta, ...]) -> None:
    assert parse_offsets(words.split()) == expected


def test_offsets_in_words_and_letters_are_the_same() -> None:
    assert parse_offsets("1 dag 1 timme".split()) == parse_offsets(["1d", "1h"])


@pytest.mark.parametrize(
    ("words", "named"),
    [("1 dag 1 timmme", "1 timmme"), ("1 dag 90", "90"), ("1 dag och", "och"), ("367 dagar", "367 dagar")],
)
def test_an_offset_in_words_that_cannot_be_read_names_itself(words: str, named: str) -> None:
    error = refused(parse_offsets, words.split())

    assert error.key == "parse.duration"
    assert error.values == {"value": named}


def test_an_offset_that_cannot_be_read_names_itself() -> None:
    error = refused(parse_offsets, ["1d", "1x"])

    assert error.key == "parse.duration"
    assert error.values == {"value": "1x"}


def test_no_offsets_at_all() -> None:
    assert refused(parse_offsets, []).key == "parse.offsets_missing"


# Weekdays and ordinals


@pytest.mark.parametrize(
    ("names", "number"),
    [
        (("måndag", "monday", "mån", "mon"), 0),
        (("tisdag", "tuesday", "tis", "tue", "Tisdag", "TUESDAY", "tisdagar"), 1),
        (("onsdag", "wednesday", "ons", "wed"), 2),
        (("torsdag", "thursday", "tors", "thu"), 3),
        (("fredag", "friday", "fre", "fri"), 4),
        (("lördag", "saturday", "lör", "sat"), 5),
        (("söndag", "sunday", "sön", "sun"), 6),
    ],
)
def test_weekdays_in_both_languages(names: tuple[str, ...], number: int) -> None:
    assert [parse_weekday(name) for name in names] == [number] * len(names)


def test_a_weekday_typed_with_a_combining_diaeresis_is_still_read() -> None:
    assert parse_weekday("lo\u0308rdag") == 5


@pytest.mark.parametrize("text", ["blursday", "tisdagen", "tu", "", "8"])
def test_unknown_weekdays_refused(text: str) -> None:
    error = refused(parse_weekday, text)

    assert error.key == "parse.weekday"
    assert error.values == {"value": text}


def test_an_unknown_weekday_says_what_to_write() -> None:
    error = refused(parse_weekday, "blursday")

    assert Catalogue("sv")(error.key, **error.values) == (
        'Jag känner inte igen veckodagen "blursday". Skriv till exempel tisdag eller tuesday.'
    )


@pytest.mark.parametrize(
    ("names", "number"),
    [
        (("första", "first", "1st", "1:a"), 1),
        (("andra", "second", "2nd", "2:a"), 2),
        (("tredje", "third", "3rd", "3:e"), 3),
        (("fjärde", "fourth", "4th", "4:e"), 4),
        (("sista", "last", "Sista"), -1),
    ],
)
def test_ordinals_in_both_languages(names: tuple[str, ...], number: int) -> None:
    assert [parse_ordinal(name) for name in names] == [number] * len(names)


@pytest.mark.parametrize("text", ["femte", "fifth", "5", "0", "näst sista"])
def test_ordinals_refused(text: str) -> None:
    assert refused(parse_ordinal, text).key == "parse.ordinal"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("fredag", date(2026, 11, 27)), ("måndag", date(2026, 11, 30)), ("tisdag", date(2026, 11, 24))],
)
def test_looking_back_a_weekday_is_the_last_one(text: str, expected: date) -> None:
    """`!protokoll fredag` on Monday 30 November means the meeting of Friday 27 November, not the coming one."""
    assert parse_date(text, date(2026, 11, 30), past=True) == expected
