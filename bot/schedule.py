"""Meeting schedules: parsing the schedule text, and the occurrences it yields in local wall time.

Recurrence is python-dateutil's rrule over naive local datetimes; the series' zone is attached
afterwards, so 09:00 stays 09:00 on both sides of a daylight saving change.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from dateutil.rrule import MONTHLY, WEEKLY, rrule, rrulestr, weekday

from bot.errors import UsageError
from bot.parsing import parse_ordinal, parse_time, parse_weekday
from bot.rrule_bounds import first_meeting, within_ranges

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
    if not within_ranges(parts, rule):
        raise UsageError("schedule.rrule_invalid", value=text)
    end = datetime.combine(today + HORIZON, time())
    if first_meeting(rule, end) is None:
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


def under_new_schedule(
    schedule: Schedule, anchor: date, zone: ZoneInfo, changes: Mapping[datetime, datetime | None], now: datetime
) -> tuple[dict[datetime, datetime | None], dict[datetime, datetime | None]]:
    """The skips and moves still ahead, split into those a new schedule (begun on `anchor`) keeps and those it
    drops: one is kept when the meeting it changed is still a meeting of the new schedule. A meeting already moved
    from a time now past is held where it was moved to, whatever the schedule; changes wholly in the past are
    history, and in neither."""
    kept: dict[datetime, datetime | None] = {}
    dropped: dict[datetime, datetime | None] = {}
    for original, new in sorted(changes.items()):
        if (new or original) <= now:
            continue
        regular = next(occurrences(schedule, anchor, zone, original - timedelta(seconds=1)), None)
        fits = original <= now or (regular is not None and regular.start == original)
        (kept if fits else dropped)[original] = new
    return kept, dropped


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
