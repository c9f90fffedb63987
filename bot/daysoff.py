"""Swedish public holidays and customary days off (julafton, midsommarafton, nyårsafton)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays

_LANGUAGES = {"sv": "sv", "en": "en_US"}


@lru_cache(maxsize=32)
def _year(year: int, language: str) -> holidays.HolidayBase:
    # "de_facto" holds julafton, midsommarafton and nyårsafton: not law, but nobody meets then.
    return holidays.country_holidays("SE", years=year, categories=("public", "de_facto"), language=_LANGUAGES[language])


def day_off(day: date, language: str) -> str | None:
    """The holiday's name in the language, or None on an ordinary day (Sundays are not flagged)."""
    name = _year(day.year, language).get(day)
    if name and language == "sv":
        name = name[0].lower() + name[1:]  # "det är julafton": Swedish writes holidays in lower case
    return name
