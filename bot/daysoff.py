"""Swedish public holidays and customary days off (julafton, midsommarafton, nyårsafton)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from dateutil.easter import easter

from bot.i18n import Catalogue

FRIDAY, SATURDAY, SUNDAY = 4, 5, 6


def _first(weekday: int, month: int, day: int, year: int) -> date:
    """The first `weekday` on or after the day."""
    start = date(year, month, day)
    return start + timedelta(days=(weekday - start.weekday()) % 7)


@lru_cache(maxsize=32)
def _year(year: int) -> dict[date, tuple[str, ...]]:
    """The year's days off as catalogue keys (`holiday.<key>`), by date: the public holidays of Lag (1989:253) om
    allmänna helgdagar, and before 1990 of Lag (1952:48), with none known before 1953; and the customary days off,
    which are not law, but nobody meets then."""
    if year < 1953:
        return {}
    easter_sunday = easter(year)
    days = [
        ("new_years_day", date(year, 1, 1)),
        ("epiphany", date(year, 1, 6)),
        ("good_friday", easter_sunday - timedelta(days=2)),
        ("easter_sunday", easter_sunday),
        ("easter_monday", easter_sunday + timedelta(days=1)),
        ("may_day", date(year, 5, 1)),
        ("ascension_day", easter_sunday + timedelta(days=39)),
        ("pentecost", easter_sunday + timedelta(days=49)),
        ("midsummer_eve", _first(FRIDAY, 6, 19, year)),
        ("midsummer_day", _first(SATURDAY, 6, 20, year)),
        ("all_saints_day", _first(SATURDAY, 10, 31, year)),
        ("christmas_eve", date(year, 12, 24)),
        ("christmas_day", date(year, 12, 25)),
        ("second_day_of_christmas", date(year, 12, 26)),
        ("new_years_eve", date(year, 12, 31)),
    ]
    if year >= 2005:  # nationaldagen replaced annandag pingst
        days.append(("national_day", date(year, 6, 6)))
    else:
        days.append(("pentecost_monday", easter_sunday + timedelta(days=50)))
    if year < 1990:
        # The Sunday of 22-28 March, or the Sunday before Palm Sunday when that Sunday is Palm Sunday or Easter.
        sunday = _first(SUNDAY, 3, 22, year)
        if sunday in (easter_sunday - timedelta(days=7), easter_sunday):
            sunday = easter_sunday - timedelta(days=14)
        days.append(("annunciation", sunday))
    by_date: dict[date, tuple[str, ...]] = {}
    for key, day in days:
        by_date[day] = by_date.get(day, ()) + (key,)
    return by_date


def day_off(day: date, language: str) -> str | None:
    """The holiday's name in the language, or None on an ordinary day (a Sunday is not flagged, but påskdagen and
    pingstdagen are). Two on one day (första maj and Kristi himmelsfärdsdag in 2008) are named in alphabetical
    order: `Ascension Day; May Day`."""
    keys = _year(day.year).get(day)
    if keys is None:
        return None
    cat = Catalogue(language)
    name = "; ".join(sorted(cat.raw(f"holiday.{key}") for key in keys))
    if language == "sv":
        name = name[0].lower() + name[1:]  # "det är julafton": Swedish writes holidays in lower case
    return name
