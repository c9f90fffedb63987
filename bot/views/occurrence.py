"""A scheduled meeting (an occurrence of a series) as people read it: name, when, where, and a warning when it
falls on a day off."""

from __future__ import annotations

from bot.daysoff import day_off
from bot.i18n import Catalogue, Text
from bot.i18n.dates import day, when
from bot.schedule import Occurrence
from bot.store.series import Series


def describe(series: Series, occurrence: Occurrence, cat: Catalogue) -> Text:
    """`Örat mot marken, tisdag 1 december 2026 kl. 09.00 (vecka 49), Stadshuset, sal 2`, and where a moved meeting
    came from: `, flyttat från måndag 30 november 2026`."""
    local = occurrence.start.astimezone(series.zone)
    key = "meeting.line_place" if series.location else "meeting.line"
    text = cat.text(key, name=series.name, when=when(local, cat), place=series.location)
    if occurrence.moved:
        original = occurrence.original.astimezone(series.zone)
        text = text + Text.of(", ") + cat.text("meeting.moved_from", day=day(original.date(), cat))
    return text + Text.of(".")


def holiday_warning(series: Series, occurrence: Occurrence, cat: Catalogue, prefix: str) -> Text | None:
    """On a public holiday or julafton, midsommarafton or nyårsafton: say so, and how to move or skip it."""
    local_day = occurrence.start.astimezone(series.zone).date()
    holiday = day_off(local_day, cat.language)
    if holiday is None:
        return None
    return cat.text("meeting.holiday", holiday=holiday, prefix=prefix, date=local_day.isoformat())
