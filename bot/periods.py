"""The period an observation round covers, and the periods before it that it is compared with.

A round runs from one meeting of the room's series to the next: the meeting as scheduled (a moved one at its new
time, a skipped one not at all), or as held when it was held at another time. Before a series' first meeting, and
in a room without a series, a round is the last seven days. Asked for by number, it is an ISO week. Every period
is local wall time in its zone, given as UTC datetimes: `start` inclusive, `end` exclusive.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.errors import UsageError
from bot.occurrences import next_in_room
from bot.schedule import HORIZON, occurrences, to_utc
from bot.store.db import Connection
from bot.store.meetings import Meeting, MeetingRepo
from bot.store.series import Changes, Series, SeriesRepo

EARLIER = 4
"""How many periods before a period its average is taken over."""
DAYS = 7
"""A round without meetings to bound it: the last seven days, today included."""
_FIRST_LOOK_BACK = timedelta(weeks=8)


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime
    zone: ZoneInfo
    week: tuple[int, int] | None = None
    """(ISO year, week) of a period asked for by week number."""

    @property
    def first_day(self) -> date:
        return self.start.astimezone(self.zone).date()

    @property
    def last_day(self) -> date:
        """The last local day the period touches: a period ending at midnight ends the day before."""
        return (self.end.astimezone(self.zone) - timedelta(microseconds=1)).date()

    def __contains__(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return to_utc(datetime.combine(day, time()), zone)


def between_days(first: date, last: date, zone: ZoneInfo) -> Period:
    """The local days from `first` to `last`, both included."""
    return Period(_midnight(first, zone), _midnight(last + timedelta(days=1), zone), zone)


def _local_step(moment: datetime, zone: ZoneInfo, days: int) -> datetime:
    """The same local wall time `days` later (or earlier): a week is a week across a daylight saving change."""
    local = moment.astimezone(zone).replace(tzinfo=None) + timedelta(days=days)
    return to_utc(local, zone)


def _between(boundaries: Sequence[datetime], zone: ZoneInfo) -> list[Period]:
    """Periods between consecutive boundaries, most recent first."""
    return [Period(start, end, zone) for start, end in zip(boundaries[-2::-1], boundaries[::-1])]


def last_days(now: datetime, zone: ZoneInfo, earlier: int = EARLIER) -> list[Period]:
    """The last seven local days, today included, then the seven-day periods before them, most recent first."""
    end = _midnight(now.astimezone(zone).date() + timedelta(days=1), zone)
    return _between([_local_step(end, zone, -DAYS * k) for k in range(earlier + 1, -1, -1)], zone)


def iso_week(number: int, today: date, zone: ZoneInfo, year: int | None = None, earlier: int = EARLIER) -> list[Period]:
    """ISO week `number`, Monday 00:00 to the next Monday 00:00 local time, then the weeks before it.

    Without a year it is the latest week of that number that has begun: this ISO year's when it has come, else
    last year's (in week 2, `vecka 50` is last December's). Week 53 exists only in the years that have one;
    asking for one that does not exist, in the year meant, is a UsageError."""
    current = today.isocalendar()
    if year is None:
        year = current.year if number <= current.week else current.year - 1
    try:
        monday = date.fromisocalendar(year, number, 1)
    except ValueError:
        raise UsageError("situation.no_such_week", week=number, year=year) from None
    mondays = [monday - timedelta(weeks=k) for k in range(earlier, -2, -1)]
    periods = _between([_midnight(m, zone) for m in mondays], zone)
    return [Period(p.start, p.end, zone, (p.first_day.isocalendar().year, p.first_day.isocalendar().week)) for p in periods]


def _held(meetings: Iterable[Meeting], series: Series) -> dict[datetime, Meeting]:
    """The series' meetings as held, by the (possibly moved) start they were scheduled for."""
    return {m.scheduled_start: m for m in meetings if m.series_id == series.id and m.scheduled_start is not None}


def _boundaries(
    series: Series, changes: Changes, held: dict[datetime, Meeting], after: datetime, until: datetime
) -> tuple[list[datetime], datetime | None]:
    """The meetings after `after` up to the first one that is still ahead of `until`, each as held or as
    scheduled, in order; and that first one ahead (None when the series has no more meetings)."""
    found = []
    for occurrence in occurrences(series.schedule, series.anchor, series.zone, after, changes):
        meeting = held.get(occurrence.start)
        at = meeting.started_at if meeting else occurrence.start
        if at > until:
            return sorted(found), at
        found.append(at)
    return sorted(found), None


def meeting_periods(
    series: Series, changes: Changes, meetings: Iterable[Meeting], now: datetime, earlier: int = EARLIER
) -> list[Period]:
    """The round now going on in a series, then the `earlier` rounds before it, most recent first.

    The round now going on ends at the next meeting, or, while a meeting of the series is being held, at that
    meeting: what it discusses is the round it closes. A series with no meeting behind it has the last seven
    days; before its first meeting, the rounds before are seven days each, ending at that meeting. A series
    with no meeting ahead has its last round run to the end of today."""
    held = _held(meetings, series)
    running = [m for m in held.values() if m.ended_at is None and m.started_at <= now]
    until = min(m.started_at for m in running) - timedelta(microseconds=1) if running else now
    zone = series.zone
    series_start = _midnight(series.anchor, zone)
    look_back = _FIRST_LOOK_BACK * series.schedule.interval
    while True:
        after = until - look_back
        past, ahead = _boundaries(series, changes, held, after, until)
        if len(past) > earlier or after < series_start - timedelta(days=1) or look_back > HORIZON:
            break
        look_back *= 2
    past = past[-(earlier + 1):]
    if not past:
        return last_days(now, zone, earlier)
    end = ahead if ahead is not None else _midnight(now.astimezone(zone).date() + timedelta(days=1), zone)
    before = [_local_step(past[0], zone, -DAYS * k) for k in range(earlier + 1 - len(past), 0, -1)]
    return _between([*before, *past, end], zone)


def kept_from(periods: Sequence[Period], origin: datetime | None) -> list[Period]:
    """The period and those of the periods before it that end after `origin` (when the room's first observation
    was written): a period before anything was recorded is no period with nothing in it, and is not averaged."""
    head, *earlier = periods
    return [head, *(p for p in earlier if origin is not None and p.end > origin)]


async def room_periods(
    tx: Connection, room_id: str, now: datetime, zone: ZoneInfo, earlier: int = EARLIER
) -> list[Period]:
    """The round now going on in a room, then the `earlier` before it: those of the series whose next meeting is
    the room's soonest (or the room's first series when none has a meeting ahead); in a room without a series,
    the last seven days in `zone`."""
    series_repo = SeriesRepo(tx)
    soonest = await next_in_room(tx, room_id, now)
    in_room = await series_repo.in_room(room_id)
    series = soonest[0] if soonest else in_room[0] if in_room else None
    if series is None:
        return last_days(now, zone, earlier)
    return await series_periods(tx, series, await series_repo.changes(series.id), now, earlier)


async def series_periods(
    tx: Connection, series: Series, changes: Changes, now: datetime, earlier: int = EARLIER
) -> list[Period]:
    """The round now going on in a series (see `meeting_periods`), then the `earlier` before it, with the meetings
    of its room as held."""
    meetings = MeetingRepo(tx)
    held = await meetings.ended_in(series.room_id)
    running = await meetings.open_in(series.room_id)
    return meeting_periods(series, changes, [*held, *([running] if running else [])], now, earlier)


async def room_week(
    tx: Connection, room_id: str, number: int, now: datetime, zone: ZoneInfo, earlier: int = EARLIER
) -> list[Period]:
    """ISO week `number` (see `iso_week`) in the room's zone, that of its series (`zone` in a room without one),
    then the `earlier` weeks before it."""
    zone = await SeriesRepo(tx).zone_of(room_id) or zone
    return iso_week(number, now.astimezone(zone).date(), zone, earlier=earlier)


async def closed_by(tx: Connection, meeting: Meeting, earlier: int = EARLIER) -> list[Period]:
    """The round a held meeting closes, then the `earlier` before it: its series' rounds as they stood just before
    it began (a meeting outside any series: the room's)."""
    before = meeting.started_at - timedelta(microseconds=1)
    repo = SeriesRepo(tx)
    series = await repo.get(meeting.series_id) if meeting.series_id is not None else None
    if series is None:
        return await room_periods(tx, meeting.room_id, before, meeting.zone, earlier)
    return await series_periods(tx, series, await repo.changes(series.id), before, earlier)
