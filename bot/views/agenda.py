"""Agenda items as people read them."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n import Catalogue, Text
from bot.i18n.dates import day
from bot.names import MemberNames
from bot.store.agenda import AgendaItem


def agenda_lines(
    items: list[AgendaItem],
    next_start: datetime | None,
    zone: ZoneInfo | None,
    cat: Catalogue,
    names: MemberNames,
    first: int = 1,
) -> list[Text]:
    """`1. Klotter vid busstationen (Anna Andersson)`, carried-over items marked with where they came from,
    items discussed in the running meeting marked done with their note."""
    lines = []
    for number, item in enumerate(items, start=first):
        key = "agenda.item_discussed" if item.discussed else "agenda.item"
        text = cat.text(key, n=number, text=item.text.replace("\n", "\n   "))
        if item.note:
            text = text + Text.of(" ") + cat.text("agenda.note", note=item.note)
        text = text + Text.of(" ") + cat.text("agenda.by", who=names.display(item.author))
        carried = not item.discussed and item.meeting_start is not None and (
            next_start is None or item.meeting_start < next_start
        )
        if carried and zone is not None:
            text = text + Text.of(" ") + cat.text("agenda.carried", day=day(item.meeting_start.astimezone(zone).date(), cat))
        lines.append(text)
    return lines
