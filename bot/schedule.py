"""Meeting schedules: parsing the schedule text, and the occurrences it yields in local wall time.

Recurrence is python-dateutil's rrule over naive local datetimes; the series' zone is attached
afterwards, so 09:00 stays 09:00 on both sides of a daylight saving change.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import cache
from zoneinfo import ZoneInfo

from dateutil.rrule import MONTHLY, WEEKLY, YEARLY, rrule, rrulestr, weekday

from bot.errors import UsageError
from bot.parsing import parse_ordinal, parse_time, parse_weekday

# How far ahead a schedule must produce a meeting to count as one that occurs at all.
HORIZON = timedelta(days=366 * 5)


@dataclass(frozen=True)
class Schedule:
    """`weekly` (every `interval` weeks on `weekday`), `monthly` (the `ordinal` `weekday`), or an RRULE."""

    kind: str
    at: time
    weekday: int | None = None
    interval: int = 1
    ordinal: int | None = None
    rrule_text: str | None = None

    @property
    def spec(self) -> str:
        """The canonical text, stored in the database and accepted back by parse_schedule."""
        hhmm = self.at.strftime("%H:%M")
        if self.kind == "weekly":
            day = _DAY_NAMES[self.weekday]
            return f"weekly {day} {hhmm}" if self.interval == 1 else f"every {self.interval} weeks {day} {hhmm}"
        if self.kind == "monthly":
            return f"monthly {_ORDINAL_NAMES[self.ordinal]} {_DAY_NAMES[self.weekday]} {hhmm}"
        return f"RRULE:{self.rrule_text}"

    def rule(self, anchor: date) -> rrule:
        """The recurrence, starting on `anchor` (which also fixes the phase of every-N-weeks schedules)."""
        start = datetime.combine(anchor, self.at)
        if self.kind == "weekly":
            return rrule(WEEKLY, interval=self.interval, byweekday=self.weekday, dtstart=start)
        if self.kind == "monthly":
            return rrule(MONTHLY, byweekday=weekday(self.weekday)(self.ordinal), dtstart=start)
        return rrulestr(self.rrule_text, dtstart=start)


_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_ORDINAL_NAMES = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}


def _local_until(value: str, zone: ZoneInfo | None) -> str:
    """RFC 5545 writes UNTIL in UTC (`…Z`); our rules run in naive local wall time, so convert it."""
    if not value.endswith("Z"):
        return value
    try:
        moment = datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return value  # left for rrulestr to refuse
    return moment.astimezone(zone or timezone.utc).strftime("%Y%m%dT%H%M%S")


def _rrule(text: str, today: date, zone: ZoneInfo | None = None, probe: bool = True) -> Schedule:
    body = text.split(":", 1)[1] if text.upper().startswith("RRULE:") else text
    parts = {}
    for item in body.upper().split(";"):
        key, _, value = item.partition("=")
        if not value:
            raise UsageError("schedule.rrule_invalid", value=text)
        parts[key.strip()] = value.strip()
    if parts.get("FREQ") not in ("DAILY", "WEEKLY", "MONTHLY", "YEARLY"):
        raise UsageError("schedule.rrule_freq", value=text)
    if "DTSTART" in parts or "BYSECOND" in parts:
        raise UsageError("schedule.rrule_invalid", value=text)
    try:
        hour = int(parts["BYHOUR"])
        minute = int(parts.get("BYMINUTE", "0"))
        at = time(hour, minute)
    except (KeyError, ValueError, OverflowError):  # BYHOUR=9999999999 is no time of day either
        raise UsageError("schedule.rrule_time", value=text) from None
    parts.setdefault("BYMINUTE", str(minute))
    if "UNTIL" in parts:
        parts["UNTIL"] = _local_until(parts["UNTIL"], zone)
    canonical = ";".join(f"{k}={v}" for k, v in parts.items())
    schedule = Schedule("rrule", at, rrule_text=canonical)
    try:
        rule = schedule.rule(today)
    except (ValueError, TypeError):
        raise UsageError("schedule.rrule_invalid", value=text) from None
    if not probe:
        return schedule
    if not _within_ranges(parts, rule):
        raise UsageError("schedule.rrule_invalid", value=text)
    end = datetime.combine(today + HORIZON, time())
    if _first_meeting(rule, end) is None:
        raise UsageError("schedule.never", value=text)
    # dateutil, which yields the meetings, has the last word. It is asked only now, with a meeting to stop at:
    # its UNTIL ends a search only at a meeting, so for a rule without one it would search to the year 9999.
    bounded = rule.replace(count=None, until=min(end, rule._until or end))
    try:
        found = bounded.after(datetime.combine(today, time()), inc=True)
    except (ValueError, IndexError):  # dateutil failing on a rule it accepted
        raise UsageError("schedule.rrule_invalid", value=text) from None
    if found is None:
        raise UsageError("schedule.never", value=text)
    return schedule


_LIMITS = {"BYMONTHDAY": 31, "BYYEARDAY": 366, "BYWEEKNO": 53}


def _within_ranges(parts: dict[str, str], rule: rrule) -> bool:
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


def _first_meeting(rule: rrule, end: datetime) -> datetime | None:
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


def load_schedule(spec: str) -> Schedule:
    """A stored canonical spec; it was checked to occur when it was set."""
    if spec.startswith("RRULE:"):
        return _rrule(spec, date.today(), probe=False)
    return parse_schedule(spec.split(), date.today())


def parse_schedule(words: list[str], today: date, zone: ZoneInfo | None = None) -> Schedule:
    """`weekly tuesday 09:00`, `every 2 weeks tuesday 09:00` (`biweekly`, `varannan vecka`),
    `monthly first wednesday 18:00` (`månadsvis första onsdag`), `monthly last tuesday 09:00`,
    or `RRULE:FREQ=…;BYHOUR=9` — Swedish words accepted throughout."""
    if not words:
        raise UsageError("schedule.missing")
    head = words[0].casefold()
    if head.upper().startswith(("RRULE:", "FREQ=")) or head == "rrule":
        text = " ".join(words[1:] if head == "rrule" else words)
        return _rrule(text.replace(" ", ""), today, zone)
    rest = [w.casefold() for w in words[1:]]
    if head in ("weekly", "veckovis", "varje"):
        if rest and rest[0] == "vecka":  # "varje vecka tisdag 09:00"
            rest = rest[1:]
        return _weekly(rest, 1)
    if head in ("biweekly", "varannan"):
        if rest and rest[0] == "vecka":
            rest = rest[1:]
        return _weekly(rest, 2)
    if head in ("every", "var") and rest:
        if rest[0] in ("other", "annan") and rest[1:2] and rest[1] in ("week", "vecka"):
            return _weekly(rest[2:], 2)
        match = re.fullmatch(r"(\d+)(?::[ae])?", rest[0])
        if match and rest[1:2] and rest[1] in ("weeks", "week", "veckor", "vecka"):
            interval = int(match.group(1))
            if not 1 <= interval <= 52:
                raise UsageError("schedule.interval", value=rest[0])
            return _weekly(rest[2:], interval)
    if head in ("monthly", "månadsvis"):
        if len(rest) != 3:
            raise UsageError("schedule.invalid", value=" ".join(words))
        return Schedule("monthly", parse_time(rest[2]), weekday=parse_weekday(rest[1]), ordinal=parse_ordinal(rest[0]))
    raise UsageError("schedule.invalid", value=" ".join(words))


def _weekly(rest: list[str], interval: int) -> Schedule:
    if len(rest) != 2:
        raise UsageError("schedule.invalid", value=" ".join(rest))
    return Schedule("weekly", parse_time(rest[1]), weekday=parse_weekday(rest[0]), interval=interval)


@dataclass(frozen=True, order=True)
class Occurrence:
    """One meeting of a series. `original` (UTC) identifies it even after it is moved."""

    start: datetime
    original: datetime

    @property
    def moved(self) -> bool:
        return self.start != self.original


def to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    return local.replace(tzinfo=zone).astimezone(timezone.utc)


def occurrences(
    schedule: Schedule,
    anchor: date,
    zone: ZoneInfo,
    after: datetime,
    changes: Mapping[datetime, datetime | None] = {},
) -> Iterator[Occurrence]:
    """Meetings starting strictly after `after` (UTC), soonest first. `changes` maps an original start
    to its new start, or to None when that meeting is skipped."""
    moved = sorted(
        Occurrence(new, original) for original, new in changes.items() if new is not None and new > after
    )
    local_after = after.astimezone(zone).replace(tzinfo=None) - timedelta(days=1)
    regular = (
        Occurrence(start, start)
        for start in (to_utc(local, zone) for local in schedule.rule(anchor).xafter(local_after, inc=True))
        if start > after and start not in changes
    )
    pending = iter(moved)
    next_moved = next(pending, None)
    for occurrence in regular:
        while next_moved is not None and next_moved.start <= occurrence.start:
            yield next_moved
            next_moved = next(pending, None)
        yield occurrence
    while next_moved is not None:
        yield next_moved
        next_moved = next(pending, None)


def meeting_on(
    schedule: Schedule,
    anchor: date,
    zone: ZoneInfo,
    day: date,
    changes: Mapping[datetime, datetime | None] = {},
) -> Occurrence | None:
    """The meeting on a local calendar day, if there is one."""
    day_start = to_utc(datetime.combine(day, time()), zone) - timedelta(seconds=1)
    for occurrence in occurrences(schedule, anchor, zone, day_start, changes):
        local_day = occurrence.start.astimezone(zone).date()
        if local_day == day:
            return occurrence
        if local_day > day:
            return None
    return None
