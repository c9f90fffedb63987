"""Whether an RFC 5545 rule meets at all within a horizon, answered in milliseconds.

dateutil cannot be asked this within a bound: UNTIL, COUNT and between() end its search only at a meeting, so for a
rule that has none it walks every period to the year 9999 (seconds of CPU, with the event loop or a database
transaction held). This walks the same periods, as dateutil normalised the rule, but only up to the horizon. It
reads dateutil's normalised rule (private attributes), so the comparison test against dateutil in
tests/unit/test_schedule.py guards every upgrade.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from functools import cache

from dateutil.rrule import MONTHLY, WEEKLY, YEARLY, rrule

_LIMITS = {"BYMONTHDAY": 31, "BYYEARDAY": 366, "BYWEEKNO": 53}


def within_ranges(parts: dict[str, str], rule: rrule) -> bool:
    """RFC 5545's ranges, which dateutil does not check: it reads BYMONTHDAY=0 as no BYMONTHDAY at all, and
    searches the same period forever with INTERVAL=0. A month has at most five of a weekday; dateutil fails
    with an IndexError on some higher numbers once it reaches December. Its own BYEASTER is no RFC 5545 and
    fails on some offsets."""
    if "BYEASTER" in parts or rule._interval < 1:
        return False
    if any(not 1 <= int(v) <= 12 for v in parts.get("BYMONTH", "1").split(",")):
        return False
    for key, limit in _LIMITS.items():
        if any(not 1 <= abs(int(v)) <= limit for v in parts.get(key, "1").split(",")):
            return False
    in_month = rule._freq == MONTHLY or rule._bymonth is not None
    return all(abs(n) <= (5 if in_month else 53) for _, n in rule._bynweekday or ())


def first_meeting(rule: rrule, end: datetime) -> datetime | None:
    """The rule's first meeting from its DTSTART up to `end`, or None.

    dateutil cannot be asked this within a bound: UNTIL, COUNT and between() end its search only at a meeting,
    so for a rule that has none it walks every period to the year 9999. This walks the same periods (years,
    months, weeks or days), but only those that start by `end`: at most a few thousand days for five years.
    It reads the rule as dateutil normalised it (its defaults; BYDAY split into plain and numbered weekdays)
    and follows dateutil's iteration where it departs from RFC 5545: a plain and a numbered BYDAY must both
    match, and BYSETPOS counts from the start of the first period (of a WEEKLY rule, from DTSTART).
    Assumes one time of day, as _rrule ensures.
    """
    start = rule._dtstart
    if rule._until is not None:
        end = min(end, rule._until)
    if rule._count is not None and rule._count < 1:
        return None
    for period in _periods(rule, start.date(), end.date()):
        days = [day for day in period if _matches(rule, day, period[0].year)]
        if rule._bysetpos:
            picked = {days[n - 1 if n > 0 else n] for n in rule._bysetpos if -len(days) <= n <= len(days)}
            days = sorted(picked)
        for day in days:
            meeting = datetime.combine(day, start.time())
            if meeting > end:
                return None
            if meeting >= start:
                return meeting
    return None


def _periods(rule: rrule, first: date, last: date) -> Iterator[list[date]]:
    """The days of each of the rule's periods, from the one holding `first` to the last to start by `last`."""
    step = rule._interval
    if rule._freq == YEARLY:
        for year in range(first.year, last.year + 1, step):
            yield [date(year, 1, 1) + timedelta(days=n) for n in range(365 + calendar.isleap(year))]
    elif rule._freq == MONTHLY:
        for index in range(first.year * 12 + first.month - 1, last.year * 12 + last.month, step):
            year, month = divmod(index, 12)
            yield [date(year, month + 1, day) for day in range(1, calendar.monthrange(year, month + 1)[1] + 1)]
    elif rule._freq == WEEKLY:
        # The first week runs from DTSTART to the next WKST day; later ones are whole weeks from WKST.
        week = first.toordinal() - (first.weekday() - rule._wkst) % 7
        yield [date.fromordinal(n) for n in range(first.toordinal(), week + 7)]
        for week_start in range(week + 7 * step, last.toordinal() + 1, 7 * step):
            yield [date.fromordinal(week_start + n) for n in range(7)]
    else:  # DAILY
        for n in range(first.toordinal(), last.toordinal() + 1, step):
            yield [date.fromordinal(n)]


def _matches(rule: rrule, day: date, year: int) -> bool:
    """Whether `day` passes the rule's BY… parts; `year` is the one its period starts in (for BYWEEKNO)."""
    if rule._bymonth and day.month not in rule._bymonth:
        return False
    if rule._byweekday and day.weekday() not in rule._byweekday:
        return False
    if rule._bymonthday or rule._bynmonthday:
        month_days = calendar.monthrange(day.year, day.month)[1]
        if day.day not in rule._bymonthday and day.day - month_days - 1 not in rule._bynmonthday:
            return False
    if rule._byyearday:
        year_day = day.toordinal() - date(day.year, 1, 1).toordinal() + 1
        year_days = 365 + calendar.isleap(day.year)
        if year_day not in rule._byyearday and year_day - year_days - 1 not in rule._byyearday:
            return False
    if rule._bynweekday and not _numbered(rule, day):
        return False
    return not rule._byweekno or _in_weeks(rule._byweekno, rule._wkst, day, year)


def _numbered(rule: rrule, day: date) -> bool:
    """Whether `day` is one of the numbered weekdays (-1TU, 2MO) of its month, or of its year in a YEARLY rule
    without BYMONTH."""
    if rule._freq == YEARLY and not rule._bymonth:
        first, last = date(day.year, 1, 1), date(day.year, 12, 31)
    else:
        first, last = day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])
    counted = ((day - first).days // 7 + 1, -((last - day).days // 7 + 1))
    return any((day.weekday(), n) in rule._bynweekday for n in counted)


@cache
def _week_one(year: int, wkst: int) -> date:
    """The first day of week 1 of `year`: weeks start on WKST, and week 1 is the first with four days in the year."""
    fourth = date(year, 1, 4)
    return fourth - timedelta(days=(fourth.weekday() - wkst) % 7)


def _in_weeks(weeks: tuple[int, ...], wkst: int, day: date, year: int) -> bool:
    """Whether `day` is in one of the numbered weeks (BYWEEKNO) of `year`, as dateutil counts them: a day in the
    first week of the next year only as week 1, one in the last week of the year before as that week or -1."""
    start, following = _week_one(year, wkst), _week_one(year + 1, wkst)
    if day >= following:
        return 1 in weeks
    if day < start:
        return -1 in weeks or _last_week_before(year, wkst) in weeks
    number, count = (day - start).days // 7 + 1, (following - start).days // 7
    return number in weeks or number - count - 1 in weeks


@cache
def _last_week_before(year: int, wkst: int) -> int:
    """The number dateutil gives the last week of the year before `year`, for the days of it in `year`. When that
    year's week 1 began on or after its 1 January, dateutil counts from `year`'s length and first week instead
    of that year's, and can say 53 where the year had 52 weeks; followed here, as it decides the meetings."""
    before = date(year - 1, 1, 1).weekday()
    if (wkst - before) % 7 >= 4:
        return 52 + (365 + calendar.isleap(year - 1) + (before - wkst) % 7) % 7 // 4
    return 52 + (365 + calendar.isleap(year) - (wkst - date(year, 1, 1).weekday()) % 7) % 7 // 4
