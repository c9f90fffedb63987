"""The yearly agreement's follow-up as pure rules: the quarters of its period and when its posts fall due, how a
priority stands by its actions, and the window of the observation trend."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.policy import ON_TIME
from bot.schedule import to_utc
from bot.store.actions import CANCELLED, DONE, OPEN, Action
from bot.store.agreements import Agreement, Priority

STATUS, PREPARE = "status", "prepare"
"""The agreement's posts of its own: its status after each quarter, and the reminder to prepare the next one."""


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier); a day the month lacks is its last (31 January + 1 month is 28 or
    29 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def year_before(day: date) -> date:
    """The same day a year earlier; 29 February is 28 February then."""
    return add_months(day, -12)


@dataclass(frozen=True)
class Quarter:
    """A part of an agreement's period: its number (1, 2, …) and its first and last day, both included."""

    number: int
    first: date
    last: date

    @property
    def reported_on(self) -> date:
        """The status of a quarter is posted the day after it ends."""
        return self.last + timedelta(days=1)


def quarters(starts: date, ends: date, months: int) -> list[Quarter]:
    """The period in parts of `months` months counted from its first day (a calendar year: January to March, April
    to June, …), the last one cut at the period's end; each part counted from the first day, so no month's end
    shifts the next."""
    found: list[Quarter] = []
    while (first := add_months(starts, len(found) * months)) <= ends:
        last = min(add_months(starts, (len(found) + 1) * months) - timedelta(days=1), ends)
        found.append(Quarter(len(found) + 1, first, last))
    return found


@dataclass(frozen=True)
class Post:
    kind: str
    seq: int
    """The quarter a status is of; 0 for the reminder to prepare."""
    due_at: datetime


def posts(starts: date, ends: date, zone: ZoneInfo, at: time, months: int, prepare_before: timedelta) -> list[Post]:
    """Every post of an agreement, soonest first: the status of each quarter at `at` local time the day after it
    ends, and the reminder to prepare the next agreement `prepare_before` the period's last day."""
    found = [
        Post(STATUS, q.number, to_utc(datetime.combine(q.reported_on, at), zone))
        for q in quarters(starts, ends, months)
    ]
    found.append(Post(PREPARE, 0, to_utc(datetime.combine(ends - prepare_before, at), zone)))
    return sorted(found, key=lambda post: post.due_at)


@dataclass(frozen=True)
class Decision:
    post: Post
    outcome: str
    """sent, late (sent after ON_TIME), or skipped: its time had passed when the agreement was made, a later post of
    its kind fell due too (the bot was away), or (the reminder) the period is over."""


def decide(
    found: list[Post], decided: set[tuple[str, int]], made_at: datetime, period_end: datetime, now: datetime
) -> list[Decision]:
    """The posts that fell due by `now` and were not decided before, each with its outcome."""
    due = [p for p in found if p.due_at <= now and (p.kind, p.seq) not in decided]
    latest = {p.kind: p for p in due}  # `found` is soonest first
    decisions = []
    for post in due:
        if post.due_at <= made_at or latest[post.kind] is not post or (post.kind == PREPARE and now >= period_end):
            outcome = "skipped"
        else:
            outcome = "late" if now - post.due_at > ON_TIME else "sent"
        decisions.append(Decision(post, outcome))
    return decisions


def next_due(found: list[Post], decided: set[tuple[str, int]], now: datetime) -> datetime | None:
    return next((p.due_at for p in found if p.due_at > now and (p.kind, p.seq) not in decided), None)


@dataclass(frozen=True)
class Standing:
    """How a priority stands by its linked actions."""

    open: tuple[int, ...]
    """The open actions' numbers, in order."""
    overdue: tuple[int, ...]
    done: int
    cancelled: int

    @property
    def flag(self) -> str | None:
        """`overdue` when an open action is past its due date; `no_actions` when nothing is done or under way for
        it (a cancelled action is no action); None when it is on track."""
        if self.overdue:
            return "overdue"
        if not self.open and not self.done:
            return "no_actions"
        return None


def standing(actions: Iterable[Action], today: date) -> Standing:
    ordered = sorted(actions, key=lambda a: a.number)
    opened = [a for a in ordered if a.status == OPEN]
    return Standing(
        tuple(a.number for a in opened),
        tuple(a.number for a in opened if a.due is not None and a.due < today),
        sum(a.status == DONE for a in ordered),
        sum(a.status == CANCELLED for a in ordered),
    )


def trend_window(starts: date, ends: date, today: date) -> tuple[date, date] | None:
    """The days the trend counts: from the period's first day to today (or its last day, once it is over); None
    before the period has begun. The same days a year earlier are what they are compared with."""
    if today < starts:
        return None
    return starts, min(today, ends)


@dataclass(frozen=True)
class Trend:
    """A priority's observations (of its categories) in the trend's days, and in the same days a year earlier
    (None: the room has no observations from then)."""

    categories: tuple[str, ...]
    first: date
    last: date
    now: int
    year_before: int | None


@dataclass(frozen=True)
class Followed:
    """A priority with its linked actions, how it stands, the last comment in each action's history, and its trend
    (None when it names no categories or the period has not begun)."""

    priority: Priority
    actions: tuple[Action, ...]
    standing: Standing
    notes: dict[int, str]
    categories: tuple[str, ...]
    trend: Trend | None
    carried_from: tuple[str, int] | None = None
    """The name of the agreement and the number of the priority it carries on."""


@dataclass(frozen=True)
class Followup:
    agreement: Agreement
    priorities: tuple[Followed, ...]
    today: date
    zone: ZoneInfo
    next_status: datetime | None
    """When the next status is posted, if one is still to come."""
