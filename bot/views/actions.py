"""Agreed actions as people read them: one line each, in follow-up order, and the nudge to their owners."""

from __future__ import annotations

from datetime import date

from bot.i18n import Catalogue, Text
from bot.i18n.dates import day
from bot.permissions import RoomView
from bot.render import listing
from bot.store.actions import OPEN, Action


def action_line(action: Action, today: date, cat: Catalogue, room: RoomView | None) -> Text:
    """`#3 Kolla belysningen — Anna Andersson, Polisen — senast fredag 4 december 2026 (försenad)`"""
    who = room.display if room else str
    responsible = [who(user) for user in action.owners] + ([action.organisation] if action.organisation else [])
    text = cat.text("action.line", n=action.number, text=action.text.replace("\n", "\n   "))
    text = text + Text.of(" — ") + Text.of(", ".join(responsible) if responsible else cat("action.nobody"))
    if action.due:
        text = text + Text.of(" — ") + cat.text("action.due", day=day(action.due, cat))
        if action.status == OPEN and action.due < today:
            text = text + Text.of(" ") + cat.text("action.overdue")
    if action.status != OPEN:
        text = text + Text.of(" ") + cat.text(f"action.status.{action.status}")
    return text


def followup_order(action: Action, today: date) -> tuple:
    """Overdue first, then soonest due, then those without a date, each by number."""
    if action.due is None:
        return (2, date.max, action.number)
    return (0 if action.due < today else 1, action.due, action.number)


def followup_listing(
    title: Text, actions: list[Action], today: date, cat: Catalogue, room: RoomView | None, prefix: str
) -> Text | None:
    """The actions to follow up under a title, in follow-up order and cut with the command that shows them all;
    None when there are none."""
    if not actions:
        return None
    lines = [action_line(a, today, cat, room) for a in sorted(actions, key=lambda a: followup_order(a, today))]
    # `!åtgärder` lists every open action in the same order, in a message of its own.
    return listing(title, lines, lambda n, _: cat.text_count("list.more_actions", n, command=f"{prefix}{cat('list.actions_command')}"))


def nudge_text(action: Action, cat: Catalogue, late: bool) -> Text:
    """The nudge the working day before the due date, mentioning the owners by pill."""
    text = cat.text("nudge.late" if late else "nudge.header", n=action.number) + Text.of(" ")
    text = text + action_line(action, date.min, cat, None)
    pills = [Text.mention(user, user) for user in action.owners]
    if pills:
        text = text + Text.of("\n") + Text.join(pills, " ")
    return text
