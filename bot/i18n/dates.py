"""Dates and times as people write them: "tisdag 1 december 2026 kl. 09.00 (vecka 49)"."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from bot.i18n import Catalogue


def clock(moment: datetime | time, cat: Catalogue) -> str:
    return cat("date.clock", hh=f"{moment.hour:02d}", mm=f"{moment.minute:02d}")


def day(value: date, cat: Catalogue) -> str:
    """`tisdag 1 december 2026`"""
    return cat(
        "date.day",
        weekday=cat(f"weekday.{value.weekday()}"),
        day=value.day,
        month=cat(f"month.{value.month}"),
        year=value.year,
    )


def when(local: datetime, cat: Catalogue) -> str:
    """`tisdag 1 december 2026 kl. 09.00 (vecka 49)`, from a datetime already in the room's zone."""
    return cat("date.when", day=day(local.date(), cat), time=clock(local, cat), week=local.isocalendar().week)


def span(delta: timedelta, cat: Catalogue) -> str:
    """`1 dag`, `2 timmar`, `1 timme 30 minuter`: a reminder offset or a duration."""
    minutes = int(delta.total_seconds() // 60)
    parts = []
    for unit, size in (("day", 24 * 60), ("hour", 60), ("minute", 1)):
        count, minutes = divmod(minutes, size)
        if count:
            parts.append(cat.count(f"span.{unit}", count))
    return " ".join(parts) if parts else cat.count("span.minute", 0)


def day_month(value: date, cat: Catalogue) -> str:
    """`27 november`: a day of the last few weeks, as a report's one line says it."""
    return cat("date.day_month", day=value.day, month=cat(f"month.{value.month}"))


def weekday_day_month(value: date, cat: Catalogue) -> str:
    """`tisdag 1 december`: the day of a meeting ahead, as the posts before it name it."""
    return f"{cat(f'weekday.{value.weekday()}')} {day_month(value, cat)}"
