"""A meeting series as people read it: its schedule and its reminders."""

from __future__ import annotations

from bot.i18n import Catalogue
from bot.i18n.dates import clock, span
from bot.schedule import Schedule
from bot.store.series import Series


def describe_schedule(schedule: Schedule, cat: Catalogue) -> str:
    at = clock(schedule.at, cat)
    if schedule.kind == "weekly":
        weekday = cat(f"weekday.{schedule.weekday}")
        if schedule.interval == 1:
            return cat("schedule.weekly", weekday=weekday, time=at)
        if schedule.interval == 2:
            return cat("schedule.biweekly", weekday=weekday, time=at)
        return cat("schedule.every_n", n=schedule.interval, weekday=weekday, time=at)
    if schedule.kind == "monthly":
        return cat("schedule.monthly", ordinal=cat(f"ordinal.{schedule.ordinal}"), weekday=cat(f"weekday.{schedule.weekday}"), time=at)
    return cat("schedule.rrule", rule=schedule.rrule_text, time=at)


def describe_reminders(series: Series, cat: Catalogue) -> str:
    if not series.reminders:
        return cat("schedule.no_reminders")
    return cat("schedule.reminders", spans=cat.join([span(r, cat) for r in series.reminders]))
