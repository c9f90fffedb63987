"""Minutes as people read them: the Markdown file a registrar keeps, and the notice posted when a meeting ends."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.i18n import Catalogue, Text
from bot.i18n.dates import clock, day, span, when
from bot.names import MemberNames
from bot.policy import MAX_BODY
from bot.render import listing, markdown_blocks
from bot.store.actions import OPEN, Action
from bot.store.meetings import Meeting, Participant
from bot.views.actions import action_line
from bot.views.situation import title

if TYPE_CHECKING:
    from bot.features.situation import Picture
    from bot.minutes import Record

_MARKDOWN = re.compile(r"([\\`*_{}\[\]<>#|!~&])")
_BLOCK_START = re.compile(r"[-+](?=\s|$)|[-=]+\s*$|\d{1,9}(?=[.)](?:\s|$))")
"""What starts a list item, or makes a line a rule or the underline of a heading, at the start of a line."""
_NO_BREAK_SPACE = "\u00a0"
"""Markdown drops the spaces a line starts with; no-break spaces it keeps."""


def md(text: str) -> str:
    """User text as literal Markdown: nothing in it becomes a link, a heading, a list or markup, and its lines keep
    their breaks and their indentation (an empty line too)."""
    lines = []
    for line in _MARKDOWN.sub(r"\\\1", text).split("\n"):
        body = line.lstrip(" \t")
        indent = _NO_BREAK_SPACE * len(line[: len(line) - len(body)].expandtabs(4))
        if start := _BLOCK_START.match(body):
            at = start.end() if body[0].isdigit() else 0  # `1\. `, `\- `, `\---`
            body = body[:at] + "\\" + body[at:]
        lines.append(indent + body)
    if len(lines) > 1:  # an empty line would end the paragraph, and the list item with it
        lines = [line or _NO_BREAK_SPACE for line in lines]
    return "  \n".join(lines)


def _who(record: Record, user_id: str) -> str:
    return record.names.get(user_id) or user_id


def by_organisation(record: Record) -> list[tuple[str | None, list[Participant]]]:
    """The participants by the organisation each represents in the room, organisations by name, in each the order
    they took part; those without one last, under None."""
    groups: dict[str | None, list[Participant]] = {}
    for participant in record.participants:
        groups.setdefault(record.organisations.get(participant.user_id), []).append(participant)
    named = sorted((name for name in groups if name is not None), key=lambda name: (name.casefold(), name))
    return [(name, groups[name]) for name in [*named, *([None] if None in groups else [])]]


def _participant(participant: Participant, cat: Catalogue) -> str:
    """`Anna Andersson (@anna:eslov.se)`: the name people know, and once, the id that tells two Annas apart; a
    listener `Olle Olsson (@olle:eslov.se, lyssnade)`."""
    said = [participant.user_id] if participant.name != participant.user_id else []
    if participant.how == "here":
        said.append(cat("minutes.listened"))
    return md(participant.name + (f" ({', '.join(said)})" if said else ""))


def _participants(record: Record, cat: Catalogue) -> list[str]:
    """`Polisen: Anna Andersson (@anna:eslov.se), Per Persson (@per:eslov.se)`, one entry per organisation, then
    one per participant without one."""
    entries = []
    for name, participants in by_organisation(record):
        written = [_participant(p, cat) for p in participants]
        entries += [f"{md(name)}: {', '.join(written)}"] if name is not None else written
    return entries


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
        if not entries:
            lines.append(cat("minutes.none"))
        # An entry's further lines are indented to stay in its list item.
        lines.extend("- " + entry.replace("\n", "\n  ") for entry in entries)

    section("minutes.participants", _participants(record, cat))
    section(
        "minutes.agenda",
        [md(item.text) + (f"  \n{cat('minutes.note')}: {md(item.note)}" if item.note else "") for item in record.discussed],
    )
    section("minutes.decisions", [md(d.text) for d in record.decisions])
    section("minutes.new_actions", [_action(record, a, cat) for a in record.new_actions])
    section("minutes.followup", [_action(record, a, cat) for a in record.followed_up])
    section("minutes.carried", [md(item.text) for item in record.carried])
    if record.situation is not None:
        lines.extend(["", f"## {cat('minutes.situation')}", "", *_situation(record.situation, cat)])
    return "\n".join(lines) + "\n"


def _situation(picture: Picture, cat: Catalogue) -> list[str]:
    """The round the meeting closes: its title and count, then area by category as a Markdown table."""
    found = picture.situation
    t = found.table
    total = cat("situation.sum")
    header = [cat("situation.area"), *t.categories, total]
    rows = [[area, *(str(t.cell(area, c) or "") for c in t.categories), str(t.by_area[area])] for area in t.areas]
    rows.append([total, *(str(t.by_category[c]) for c in t.categories), str(t.total)])
    cells = lambda row: "| " + " | ".join(md(cell) for cell in row) + " |"  # noqa: E731
    return [
        f"{md(title(picture.period, cat).plain)}  ",
        md(cat.text_count("situation.count", found.total.now).plain),
        "",
        cells(header),
        "|" + "|".join([" --- ", *[" ---: "] * (len(header) - 1)]) + "|",
        *map(cells, rows),
    ]


def _entry(text: str, cat: Catalogue) -> Text:
    return cat.text("minutes.entry", text=text.replace("\n", "\n  "))


_IN_FILE = {
    "discussed": "minutes.agenda",
    "decisions": "minutes.decisions",
    "actions": "minutes.new_actions",
    "carried": "minutes.carried",
}
"""The section of the minutes file each section of the notice comes from."""


def summary(record: Record, cat: Catalogue, command: str, minutes: str) -> Text:
    """The notice posted when a meeting ends: who took part, what was discussed, decided and agreed, and what is
    still open, each section left out when empty. One too long for a message ends with `command` (which shows the
    minutes, `minutes` in Markdown) going on from where the notice stopped; the minutes follow as a file too."""
    meeting = record.meeting
    local = meeting.started_at.astimezone(meeting.zone)
    header = [cat.text("minutes.summary", name=meeting.name, when=when(local, cat))]
    if record.closed_after is not None:
        header.insert(0, cat.text("minutes.auto_closed", after=span(record.closed_after, cat)))
    groups = [
        (name, ", ".join(p.name + (f" ({cat('minutes.listened')})" if p.how == "here" else "") for p in participants))
        for name, participants in by_organisation(record)
    ]
    if len(groups) == 1 and groups[0][0] is None:
        header.append(cat.text("minutes.summary_participants", names=groups[0][1]))
    elif groups:
        lines = [
            names if name is None else cat("minutes.summary_organisation", organisation=name, names=names)
            for name, names in groups
        ]
        header.append(cat.text("minutes.summary_participants_by_organisation", lines="\n".join(lines)))
    if record.situation is not None:
        header.append(cat.text_count("minutes.summary_situation", record.situation.situation.total.now))
    ended = (meeting.ended_at or meeting.started_at).astimezone(meeting.zone).date()
    known = MemberNames(names=record.names)
    sections = {
        "discussed": [
            _entry(item.text, cat) + (Text.of(" ") + cat.text("agenda.note", note=item.note) if item.note else Text(()))
            for item in record.discussed
        ],
        "decisions": [_entry(decision.text, cat) for decision in record.decisions],
        "actions": [action_line(action, ended, cat, known) for action in record.new_actions],
        "carried": [_entry(item.text, cat) for item in record.carried],
    }
    headings = {block.plain: n for n, block in enumerate(markdown_blocks(minutes), start=1) if block.heading}
    lines: list[Text] = []
    shown_from: list[int] = []  # where `!protokoll` shows each line of the notice: from its line in the minutes
    for key, entries in sections.items():
        if entries:
            # A heading goes with its first entry: a cut never leaves a heading alone at the end.
            lines.append(Text.of("\n") + cat.text(f"minutes.notice.{key}") + Text.of("\n") + entries[0])
            lines.extend(entries[1:])
            heading = headings[cat(_IN_FILE[key])]
            shown_from += [heading, *range(heading + 2, heading + 1 + len(entries))]
    if not lines:
        header.append(cat.text("minutes.summary_nothing"))
    from_word = cat("list.from")
    more = lambda n, position: cat.text_count(  # noqa: E731
        "minutes.more", n, command=f"{command} {from_word} {shown_from[position - 1]}"
    )
    return listing(Text.join(header), lines, more, budget=MAX_BODY)


def filename(meeting: Meeting, cat: Catalogue, number: int = 1) -> str:
    """`protokoll-2026-12-01.md`; the second meeting held that day `protokoll-2026-12-01-2.md`."""
    day = meeting.started_at.astimezone(meeting.zone).date().isoformat()
    return cat("minutes.filename", date=day if number == 1 else f"{day}-{number}")
