"""The reporting nudge: before each meeting of a series, at the series' time for it (by default the working day
before at 12:00, local time), the members of the organisations that have not reported this period are mentioned,
once. Pure decisions; the reporting feature's job acts on them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.nudges import nudge_time
from bot.policy import ON_TIME, REPORT_NUDGE_AT
from bot.schedule import Occurrence, occurrences
from bot.store.series import Changes, Series


@dataclass(frozen=True)
class ReportNudge:
    series_id: int
    meeting: Occurrence
    due_at: datetime
    outcome: str
    """sent, late (sent, marked late) or skipped (the meeting had begun while the bot was away)."""

    def txn_id(self, room_id: str) -> str:
        room = hashlib.sha256(room_id.encode()).hexdigest()[:16]
        return f"sb-report-{room}-{self.series_id}-{int(self.meeting.original.timestamp())}"


def due_at(series: Series, meeting: Occurrence) -> datetime:
    """When the nudge before this meeting is due: the series' time for it on the working day before the meeting's
    day, in the series' zone."""
    day = meeting.start.astimezone(series.zone).date()
    return nudge_time(day, series.zone, series.report_nudge_at or REPORT_NUDGE_AT)


def _ahead(
    series: Series, changes: Changes, since: datetime, decided: set[datetime]
) -> Iterator[tuple[Occurrence, datetime]]:
    """The meetings starting after `since` not decided before (by original start), with their nudge times, which
    never go down as the meetings go on."""
    for meeting in occurrences(series.schedule, series.anchor, series.zone, since, changes):
        if meeting.original not in decided:
            yield meeting, due_at(series, meeting)


def decide(
    series: Series, changes: Changes, since: datetime, decided: set[datetime], now: datetime
) -> list[ReportNudge]:
    """The nudges of the meetings after `since` that fell due by `now` and were not decided before: sent while the
    meeting is still ahead (late when the bot was away at the time), skipped once it has begun, and skipped too when
    its time had passed when the series was made or changed (as a reminder is)."""
    found = []
    for meeting, at in _ahead(series, changes, since, decided):
        if at > now:
            break
        if meeting.start <= now or (series.changed_at is not None and at <= series.changed_at):
            outcome = "skipped"
        else:
            outcome = "late" if now - at > ON_TIME else "sent"
        found.append(ReportNudge(series.id, meeting, at, outcome))
    return found


def next_due(
    series: Series, changes: Changes, since: datetime, decided: set[datetime], now: datetime
) -> datetime | None:
    """When the next nudge not decided yet falls due, after `now`."""
    return next((at for _, at in _ahead(series, changes, since, decided) if at > now), None)


def not_reported(members: Mapping[str, str], heard_from: Iterable[str]) -> list[tuple[str, list[str]]]:
    """The organisations of the room's `members` (user id to organisation) not in `heard_from`, by name, each with
    its members in the order given."""
    heard = set(heard_from)
    silent: dict[str, list[str]] = {}
    for user_id, organisation in members.items():
        if organisation not in heard:
            silent.setdefault(organisation, []).append(user_id)
    return sorted(silent.items(), key=lambda group: (group[0].casefold(), group[0]))
