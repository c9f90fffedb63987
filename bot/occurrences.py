"""Which scheduled meeting (an occurrence of a room's series) is meant: the next one, or the one going on now."""

from __future__ import annotations

from datetime import datetime

from bot.policy import NEAR_SCHEDULED
from bot.schedule import Occurrence, occurrences
from bot.store.db import Connection
from bot.store.series import Changes, Series, SeriesRepo


def next_of(series: Series, changes: Changes, now: datetime) -> Occurrence | None:
    return next(occurrences(series.schedule, series.anchor, series.zone, now, changes), None)


async def next_in_room(tx: Connection, room_id: str, now: datetime) -> tuple[Series, Occurrence] | None:
    """The room's soonest meeting across its series: what `!next`, the agenda and new items refer to."""
    repo = SeriesRepo(tx)
    soonest: tuple[Series, Occurrence] | None = None
    for series in await repo.in_room(room_id):
        upcoming = next_of(series, await repo.changes(series.id), now)
        if upcoming and (soonest is None or upcoming.start < soonest[1].start):
            soonest = (series, upcoming)
    return soonest


async def current_in_room(tx: Connection, room_id: str, now: datetime) -> tuple[Series, Occurrence] | None:
    """The scheduled meeting nearest to now, within NEAR_SCHEDULED on either side; None when there is none (a
    meeting started now is ad hoc)."""
    repo = SeriesRepo(tx)
    best = None
    for series in await repo.in_room(room_id):
        changes = await repo.changes(series.id)
        for occurrence in occurrences(series.schedule, series.anchor, series.zone, now - NEAR_SCHEDULED, changes):
            if occurrence.start > now + NEAR_SCHEDULED:
                break
            distance = abs(occurrence.start - now)
            if best is None or distance < best[0]:
                best = (distance, series, occurrence)
    return best[1:] if best else None
