"""Which reminders are due. Pure decisions; the series feature's job acts on them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.i18n import Catalogue, Text
from bot.names import MemberNames
from bot.policy import ON_TIME
from bot.schedule import Occurrence, occurrences
from bot.store.db import Connection
from bot.store.series import Changes, Series

@dataclass(frozen=True)
class Decision:
    series_id: int
    occurrence: Occurrence
    offset: timedelta
    due_at: datetime
    outcome: str
    """sent, late (sent, marked late) or skipped."""

    @property
    def txn_id(self) -> str:
        start = int(self.occurrence.start.timestamp())
        return f"sb-rem-{self.series_id}-{start}-{int(self.offset.total_seconds() // 60)}"


def decide(series: Series, changes: Changes, now: datetime) -> list[Decision]:
    """Every reminder that fell due in (series.checked_until, now]. Per meeting only the latest is sent
    (late if the bot was away when it fell due); earlier ones, and all of a meeting that has begun, are skipped."""
    if not series.reminders:
        return []
    since = series.checked_until
    longest = max(series.reminders)
    due_by_meeting: dict[Occurrence, list[tuple[datetime, timedelta]]] = {}
    for occurrence in occurrences(series.schedule, series.anchor, series.zone, since, changes):
        if occurrence.start - longest > now:
            break
        for offset in series.reminders:
            due_at = occurrence.start - offset
            if since < due_at <= now:
                due_by_meeting.setdefault(occurrence, []).append((due_at, offset))
    decisions = []
    for occurrence, dues in due_by_meeting.items():
        dues.sort()
        for index, (due_at, offset) in enumerate(dues):
            if occurrence.start <= now or index < len(dues) - 1:
                outcome = "skipped"
            else:
                outcome = "late" if now - due_at > ON_TIME else "sent"
            decisions.append(Decision(series.id, occurrence, offset, due_at, outcome))
    return decisions


def next_due(series: Series, changes: Changes, after: datetime) -> datetime | None:
    """When the series' next reminder falls due, strictly after `after`."""
    if not series.reminders:
        return None
    longest = max(series.reminders)
    best: datetime | None = None
    for occurrence in occurrences(series.schedule, series.anchor, series.zone, after, changes):
        if best is not None and occurrence.start - longest > best:
            break
        for offset in series.reminders:
            due_at = occurrence.start - offset
            if due_at > after and (best is None or due_at < best):
                best = due_at
    return best


@dataclass(frozen=True)
class ReminderContext:
    tx: Connection
    series: Series
    occurrence: Occurrence
    cat: Catalogue
    prefix: str
    now: datetime
    names: MemberNames = field(default_factory=MemberNames)
    """How people know the room's members; in a reminder names are plain text, never pills (nobody is pinged)."""


Section = Callable[[ReminderContext], Awaitable[Text | None]]
"""What a feature adds to a reminder after the meeting is named (the agenda, the actions due); it may add nothing."""
