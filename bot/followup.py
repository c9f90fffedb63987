"""Follow-up of actions: which actions a meeting follows up. One definition, used by the reminder, the agenda, the
meeting's opening, the minutes and the export.

Before a meeting on day D, the actions up for follow-up are the open ones due by D or without a due date (an
action due later is not up yet). In the record of a held meeting, the actions it followed up are those logged
before it that were up for follow-up when it began, and those whose status it changed (closed or reopened during
it): an action closed before the meeting and reopened in it was followed up there.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date, datetime, timedelta

from bot.store.actions import CANCELLED, DONE, OPEN, Action, Change

_STATUS_AFTER = {"done": DONE, "cancelled": CANCELLED, "reopened": OPEN}
# Instants are stored to the second: a change in a meeting's last second belongs to the meeting.
SECOND = timedelta(seconds=1)


def up_for_followup(action: Action, day: date) -> bool:
    return action.status == OPEN and (action.due is None or action.due <= day)


def upcoming(actions: Iterable[Action], day: date) -> list[Action]:
    """The actions a meeting on `day` will follow up, as they stand now."""
    return [a for a in actions if up_for_followup(a, day)]


def status_before(history: list[Change], moment: datetime) -> str:
    """An action's status just before a moment, replayed from its history."""
    status = OPEN
    for change in history:
        if change.at >= moment:
            break
        status = _STATUS_AFTER.get(change.kind, status)
    return status


def due_before(action: Action, history: list[Change], moment: datetime) -> date | None:
    """An action's due date just before a moment: the first change of it from then on says what it was."""
    for change in history:
        if change.kind == "due" and change.at >= moment:
            old = change.detail.get("old")
            return date.fromisoformat(old) if old else None
    return action.due


def followed_up(
    meeting_id: int,
    started_at: datetime,
    ended_at: datetime,
    day: date,
    actions: Iterable[Action],
    histories: Mapping[int, list[Change]],
) -> list[Action]:
    """The actions logged before a meeting that it followed up, by number."""
    end = ended_at + SECOND
    found = []
    for action in actions:
        if action.meeting_id == meeting_id or action.created_at > started_at:
            continue
        history = histories.get(action.number, [])
        then = replace(action, status=status_before(history, started_at), due=due_before(action, history, started_at))
        changed = any(c.kind in _STATUS_AFTER and started_at <= c.at < end for c in history)
        if up_for_followup(then, day) or changed:
            found.append(action)
    return sorted(found, key=lambda a: a.number)
