"""Agreed actions as people read them: one line each, in follow-up order, and the nudge to their owners."""

from __future__ import annotations

from datetime import date

from bot.i18n import Catalogue, Text
from bot.i18n.dates import day
from bot.names import MemberNames
from bot.render import listing
from bot.store.actions import OPEN, Action


def action_line(action: Action, today: date, cat: Catalogue, names: MemberNames, pills: bool = False) -> Text:
    """`#3 Kolla belysningen — Anna Andersson, Polisen — senast fredag 4 december 2026 (försenad)`; with `pills` the
    owners' names are mentions of them."""
    owners = [Text.mention(user, names.display(user)) if pills else Text.of(names.display(user)) for user in action.owners]
    responsible = owners + ([Text.of(action.organisation)] if action.organisation else [])
    text = cat.text("action.line", n=action.number, text=action.text.replace("\n", "\n   "))
    text = text + Text.of(" — ") + (Text.join(responsible, ", ") if responsible else Text.of(cat("action.nobody")))
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
    title: Text, actions: list[Action], today: date, cat: Catalogue, names: MemberNames, command: str
) -> Text | None:
    """The actions to follow up under a title, in follow-up order and cut with `command`, which lists every open
    action in the same order in a message of its own; None when there are none."""
    if not actions:
        return None
    lines = [action_line(a, today, cat, names) for a in sorted(actions, key=lambda a: followup_order(a, today))]
    return listing(title, lines, lambda n, _: cat.text_count("list.more_actions", n, command=command))


def nudge_text(action: Action, cat: Catalogue, names: MemberNames, late: bool) -> Text:
    """The nudge the working day before the due date: the action, its owners named by pill."""
    header = cat.text("nudge.late" if late else "nudge.header", n=action.number) + Text.of(" ")
    return header + action_line(action, date.min, cat, names, pills=True)
