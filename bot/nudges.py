"""Nudges: at a set time (08:00 by default) on the working day before an action is due, its owners are reminded,
in the zone of the room's series. Pure decisions; the actions feature's job acts on them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.daysoff import day_off
from bot.policy import NUDGE_AT, ON_TIME
from bot.schedule import to_utc
from bot.store.actions import Action


def working_day_before(due: date) -> date:
    """The last weekday before `due` that is no Swedish holiday or customary day off."""
    day = due - timedelta(days=1)
    while day.weekday() >= 5 or day_off(day, "sv"):
        day -= timedelta(days=1)
    return day


def nudge_time(due: date, zone: ZoneInfo, at: time = NUDGE_AT) -> datetime:
    return to_utc(datetime.combine(working_day_before(due), at), zone)


@dataclass(frozen=True)
class Nudge:
    action: Action
    outcome: str
    """sent, late, or skipped (the due date passed while the bot was away)."""

    @property
    def txn_id(self) -> str:
        room = hashlib.sha256(self.action.room_id.encode()).hexdigest()[:16]
        return f"sb-nudge-{room}-{self.action.number}-{self.action.due.isoformat()}"


def _wanted(action: Action, zone: ZoneInfo, at: time) -> datetime | None:
    """The action's nudge time, unless it had passed when the due date was set (no nudge then)."""
    at = nudge_time(action.due, zone, at)
    if action.due_set_at is not None and at <= action.due_set_at:
        return None
    return at


def decide_nudges(
    actions: Iterable[Action], nudged: set[tuple[str, int, date]], now: datetime, zone: ZoneInfo, at: time = NUDGE_AT
) -> list[Nudge]:
    """Nudges due by `now` and not decided before."""
    today = now.astimezone(zone).date()
    decided = []
    for action in actions:
        if action.due is None or (action.room_id, action.number, action.due) in nudged:
            continue
        wanted = _wanted(action, zone, at)
        if wanted is None or wanted > now:
            continue
        if today > action.due:
            outcome = "skipped"
        else:
            outcome = "late" if now - wanted > ON_TIME else "sent"
        decided.append(Nudge(action, outcome))
    return decided


def next_nudge(
    actions: Iterable[Action], nudged: set[tuple[str, int, date]], now: datetime, zone: ZoneInfo, at: time = NUDGE_AT
) -> datetime | None:
    times = [
        wanted
        for action in actions
        if action.due and (action.room_id, action.number, action.due) not in nudged
        and (wanted := _wanted(action, zone, at)) is not None and wanted > now
    ]
    return min(times, default=None)
