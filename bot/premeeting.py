"""Posts the bot makes before each meeting of a series, unasked, at a time of their own (the reporting nudge, the
situation picture): once per meeting, decided by its original start. Pure decisions; the features' jobs act on them
and claim each one in the transaction that queues its message."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from bot.nudges import nudge_time
from bot.policy import ON_TIME, SITUATION_AT
from bot.schedule import Occurrence, occurrences
from bot.store.series import Changes, Series

DueAt = Callable[[Series, Occurrence], datetime]
"""When a series' post before a meeting is due; it never goes down as the meetings go on."""


@dataclass(frozen=True)
class BeforeMeeting:
    series_id: int
    meeting: Occurrence
    due_at: datetime
    outcome: str
    """sent, late (sent, marked late) or skipped (the meeting had begun while the bot was away, or the time had passed
    when the series was made or changed)."""

    def txn_id(self, kind: str, room_id: str) -> str:
        room = hashlib.sha256(room_id.encode()).hexdigest()[:16]
        return f"sb-{kind}-{room}-{self.series_id}-{int(self.meeting.original.timestamp())}"


def _ahead(
    series: Series, changes: Changes, since: datetime, decided: set[datetime], due_at: DueAt
) -> Iterator[tuple[Occurrence, datetime]]:
    """The meetings starting after `since` not decided before (by original start), with their times."""
    for meeting in occurrences(series.schedule, series.anchor, series.zone, since, changes):
        if meeting.original not in decided:
            yield meeting, due_at(series, meeting)


def decide(
    series: Series, changes: Changes, since: datetime, decided: set[datetime], now: datetime, due_at: DueAt
) -> list[BeforeMeeting]:
    """The posts of the meetings after `since` that fell due by `now` and were not decided before: sent while the
    meeting is still ahead (late when the bot was away at the time), skipped once it has begun, and skipped too when
    its time had passed when the series was made or changed (as a reminder is)."""
    found = []
    for meeting, at in _ahead(series, changes, since, decided, due_at):
        if at > now:
            break
        if meeting.start <= now or (series.changed_at is not None and at <= series.changed_at):
            outcome = "skipped"
        else:
            outcome = "late" if now - at > ON_TIME else "sent"
        found.append(BeforeMeeting(series.id, meeting, at, outcome))
    return found


def next_due(
    series: Series, changes: Changes, since: datetime, decided: set[datetime], now: datetime, due_at: DueAt
) -> datetime | None:
    """When the next post not decided yet falls due, after `now`."""
    return next((at for _, at in _ahead(series, changes, since, decided, due_at) if at > now), None)


def picture_due_at(series: Series, meeting: Occurrence) -> datetime:
    """When the situation picture before this meeting is posted: at the series' time for it on the working day
    before; by default with the meeting's first reminder (its start less the largest offset), or, in a series
    without reminders, at SITUATION_AT on the working day before."""
    if series.situation_at is None and series.reminders:
        return meeting.start - max(series.reminders)
    day = meeting.start.astimezone(series.zone).date()
    return nudge_time(day, series.zone, series.situation_at or SITUATION_AT)
