"""The reporting nudge: before each meeting of a series, at the series' time for it (by default the working day
before at 12:00, local time), the members of the organisations that have not reported this period are mentioned,
once. Pure decisions (when, and whom); bot.premeeting decides which meetings' nudges are due, the reporting
feature's job acts on them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from bot.nudges import nudge_time
from bot.policy import REPORT_NUDGE_AT
from bot.schedule import Occurrence
from bot.store.series import Series


def due_at(series: Series, meeting: Occurrence) -> datetime:
    """When the nudge before this meeting is due: the series' time for it on the working day before the meeting's
    day, in the series' zone."""
    day = meeting.start.astimezone(series.zone).date()
    return nudge_time(day, series.zone, series.report_nudge_at or REPORT_NUDGE_AT)


def not_reported(members: Mapping[str, str], heard_from: Iterable[str]) -> list[tuple[str, list[str]]]:
    """The organisations of the room's `members` (user id to organisation) not in `heard_from`, by name, each with
    its members in the order given."""
    heard = set(heard_from)
    silent: dict[str, list[str]] = {}
    for user_id, organisation in members.items():
        if organisation not in heard:
            silent.setdefault(organisation, []).append(user_id)
    return sorted(silent.items(), key=lambda group: (group[0].casefold(), group[0]))
