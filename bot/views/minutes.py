"""Minutes as people read them: the Markdown file a registrar keeps, and the notice posted when a meeting ends."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.i18n import Catalogue, Text
from bot.i18n.dates import clock, day, span, when
from bot.store.actions import OPEN, Action
from bot.store.meetings import Meeting

if TYPE_CHECKING:
    from bot.minutes import Record

_MARKDOWN = re.compile(r"([\\`*_{}\[\]<>#|!~])")


def md(text: str) -> str:
    """User text as literal Markdown: nothing in it becomes a link, a heading or markup."""
    return _MARKDOWN.sub(r"\\\1", text).replace("\n", "  \n")



def _who(record: Record, user_id: str) -> str:
    return record.names.get(user_id) or user_id


def _action(record: Record, action: Action, cat: Catalogue) -> str:
    owners = [_who(record, u) for u in action.owners] + ([action.organisation] if action.organisation else [])
    parts = [f"#{action.number} {md(action.text)}", md(", ".join(owners)) if owners else cat("action.nobody")]
    if action.due:
        parts.append(cat("action.due", day=day(action.due, cat)))
    if action.status != OPEN:
        parts.append(cat(f"action.status.{action.status}"))
    return " — ".join(parts)


def markdown(record: Record, cat: Catalogue) -> str:
    """The minutes file: title, then the sections a secretary expects, each present even when empty."""
    meeting = record.meeting
    local = meeting.started_at.astimezone(meeting.zone)
    ended = meeting.ended_at.astimezone(meeting.zone) if meeting.ended_at else None
    lines = [
        f"# {cat('minutes.title', name=md(meeting.name))}",
        "",
        cat("minutes.held", when=when(local, cat), end=clock(ended, cat) if ended else "—"),
    ]
    if record.closed_after is not None:
        lines += ["", cat("minutes.auto_closed_note", after=span(record.closed_after, cat))]

    def section(key: str, entries: list[str]) -> None:
        lines.extend(["", f"## {cat(key)}", ""])
        lines.extend(f"- {entry}" for entry in entries) if entries else lines.append(cat("minutes.none"))

    section(
        "minutes.participants",
        [md(p.name) + (f" {cat('minutes.listened')}" if p.how == "here" else "") for p in record.participants],
    )
    section(
        "minutes.agenda",
        [md(item.text) + (f"  \n  {cat('minutes.note')}: {md(item.note)}" if item.note else "") for item in record.discussed],
    )
    section("minutes.decisions", [md(d.text) for d in record.decisions])
    section("minutes.new_actions", [_action(record, a, cat) for a in record.new_actions])
    section("minutes.followup", [_action(record, a, cat) for a in record.followed_up])
    section("minutes.carried", [md(item.text) for item in record.carried])
    return "\n".join(lines) + "\n"


def summary(record: Record, cat: Catalogue) -> Text:
    """The notice posted when a meeting ends, counting what it did (leaving out what it did none of); the full
    minutes follow as a file."""
    meeting = record.meeting
    local = meeting.started_at.astimezone(meeting.zone)
    names = ", ".join(p.name for p in record.participants) or cat("minutes.none")
    found = {
        "discussed": record.discussed,
        "decisions": record.decisions,
        "actions": record.new_actions,
        "carried": record.carried,
    }
    counts = [cat.count(f"minutes.count.{what}", len(items)) for what, items in found.items() if items]
    parts = [
        cat.text("minutes.summary", name=meeting.name, when=when(local, cat)),
        cat.text("minutes.summary_participants", names=names),
        cat.text("minutes.summary_counts", counts=cat.join(counts) or cat("minutes.summary_nothing")),
    ]
    if record.closed_after is not None:
        parts.insert(0, cat.text("minutes.auto_closed", after=span(record.closed_after, cat)))
    return Text.join(parts)


def filename(meeting: Meeting, cat: Catalogue, number: int = 1) -> str:
    """`protokoll-2026-12-01.md`; the second meeting held that day `protokoll-2026-12-01-2.md`."""
    day = meeting.started_at.astimezone(meeting.zone).date().isoformat()
    return cat("minutes.filename", date=day if number == 1 else f"{day}-{number}")
