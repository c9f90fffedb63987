"""The only place that builds message content: plain body plus HTML built from escaped parts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape
from urllib.parse import quote
from collections.abc import Callable, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from bot.i18n import Segment, Text
from bot.policy import LIST_BUDGET, MAX_BODY

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

HINT_ROOM = 60
""""… och 244 till: `!åtgärder försenade från 57`": what a cut list's last line takes at most."""

_INDENT = re.compile(r"(?<=\n) +")
_INDENT_FIRST = re.compile(r"(?:^|(?<=\n)) +")
"""The spaces a line starts with, which HTML would collapse; the second also at the start of a run that starts a
line."""



@dataclass(frozen=True)
class ReplyTarget:
    """The command event a reply answers, and the thread it was written in, if any."""

    event_id: str
    thread_root: str | None = None


@dataclass(frozen=True)
class Mentions:
    user_ids: tuple[str, ...] = field(default_factory=tuple)


def html(text: Text) -> str:
    parts = []
    line_start = True
    for segment in text.segments:
        if segment.html is not None:
            parts.append(segment.html)
            line_start = False
            continue
        escaped = escape(segment.text)
        # An indented line stays indented: its leading spaces become no-break spaces. Most runs have none, and are
        # not searched for them.
        if "\n " in escaped or (line_start and escaped.startswith(" ")):
            escaped = (_INDENT_FIRST if line_start else _INDENT).sub(lambda m: "&nbsp;" * len(m.group()), escaped)
        line_start = segment.text.endswith("\n") if segment.text else line_start
        escaped = escaped.replace("\n", "<br/>")
        if segment.mention:
            parts.append(f'<a href="https://matrix.to/#/{quote(segment.mention, safe="@:")}">{escaped}</a>')
        else:
            parts.append(f"<code>{escaped}</code>" if segment.code else escaped)
    return "".join(parts)


def _truncate(text: Text, limit: int) -> Text:
    """Cut a text to at most `limit` characters of plain body, marking the cut."""
    if len(text.plain) <= limit:
        return text
    kept = []
    used = 0
    for segment in text.segments:
        cost = len(segment.text) + (2 if segment.code else 0)
        if used + cost > limit - 1:
            if segment.html is not None:
                break  # a run of HTML (a table) is kept whole or not at all: cut, its text would not match it
            room = limit - 1 - used - (2 if segment.code else 0)
            if room > 0:
                kept.append(type(segment)(segment.text[:room], segment.code, segment.mention))
            break
        kept.append(segment)
        used += cost
    return Text(tuple(kept)) + Text.of("…")


def relation(target: ReplyTarget) -> dict[str, Any]:
    """Reply relation to the command; inside a thread, stay in that thread."""
    if target.thread_root:
        return {
            "rel_type": "m.thread",
            "event_id": target.thread_root,
            "is_falling_back": False,
            "m.in_reply_to": {"event_id": target.event_id},
        }
    return {"m.in_reply_to": {"event_id": target.event_id}}


def notice(text: Text, reply_to: ReplyTarget | None = None, mentions: Mentions = Mentions()) -> dict[str, Any]:
    """An m.notice; m.mentions is always present so nobody is pinged by accident."""
    text = _truncate(text, MAX_BODY)
    content: dict[str, Any] = {
        "msgtype": "m.notice",
        "body": text.plain,
        "format": "org.matrix.custom.html",
        "formatted_body": html(text),
        "m.mentions": {"user_ids": list(mentions.user_ids)} if mentions.user_ids else {},
    }
    if reply_to is not None:
        content["m.relates_to"] = relation(reply_to)
    return content


def edit(text: Text, mentions: Mentions = Mentions()) -> dict[str, Any]:
    """An edit of an earlier notice of the bot's, to read `text` now; edit_of points it at that notice. Clients
    without edits show the fallback, the new text marked with "* "; nobody is pinged again."""
    new = notice(text, mentions=mentions)
    return {
        "msgtype": "m.notice",
        "body": f"* {new['body']}",
        "format": "org.matrix.custom.html",
        "formatted_body": f"* {new['formatted_body']}",
        "m.new_content": new,
        "m.mentions": {},
    }


def edit_of(content: dict[str, Any], event_id: str) -> dict[str, Any]:
    return {**content, "m.relates_to": {"rel_type": "m.replace", "event_id": event_id}}


def file_message(filename: str, mimetype: str, size: int) -> dict[str, Any]:
    """An m.file message before its upload; with_upload points it at the uploaded file."""
    return {
        "msgtype": "m.file",
        "body": filename,
        "filename": filename,
        "info": {"mimetype": mimetype, "size": size},
        "m.mentions": {},
    }


def image_message(
    filename: str, mimetype: str, size: int, width: int, height: int, reply_to: ReplyTarget | None = None
) -> dict[str, Any]:
    """An m.image message before its upload (with_upload points it at the uploaded image), as a reply when given
    the command it answers."""
    content = {**file_message(filename, mimetype, size), "msgtype": "m.image"}
    content["info"] = {**content["info"], "w": width, "h": height}
    if reply_to is not None:
        content["m.relates_to"] = relation(reply_to)
    return content


def with_upload(content: dict[str, Any], uri: str, keys: dict[str, Any] | None) -> dict[str, Any]:
    """The m.file (or m.image) message pointing at its upload: in the clear, or (with the keys that open it)
    encrypted."""
    if keys is None:
        return {**content, "url": uri}
    return {**content, "file": {**keys, "url": uri, "mimetype": content["info"]["mimetype"]}}


TABLE_FIRST_WIDTH = 20
"""In the plain body, a table's first column (an area's name) is cut to this many characters…"""
TABLE_WIDTH = 12
"""…and the others (a category over a column of counts) to this many; the HTML table has them whole."""
TABLE_LINE = 72
"""A plain table wider than this numbers its columns instead, and says under it what each number is: twelve
categories side by side would otherwise take 200 characters a line, and the message's whole budget."""


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _aligned(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths))).rstrip()
        for row in rows
    ]


def _html_table(rows: tuple[tuple[str, ...], ...]) -> str:
    def row(cells: tuple[str, ...], tag: str) -> str:
        return "<tr>" + "".join(f"<{tag}>{escape(cell)}</{tag}>" for cell in cells) + "</tr>"

    head, *body = rows
    return f"<table><thead>{row(head, 'th')}</thead><tbody>{''.join(row(r, 'td') for r in body)}</tbody></table>"


def table(header: Sequence[str], rows: Sequence[Sequence[str | int]]) -> Text:
    """A table: in formatted_body an HTML table, in body aligned text for a monospace font (the first column
    left-aligned and cut to TABLE_FIRST_WIDTH, the others right-aligned and cut to TABLE_WIDTH; columns
    numbered, with a key under the table, when that is wider than TABLE_LINE)."""
    cells = tuple(tuple(str(cell) for cell in row) for row in [header, *rows])
    body = [[_cut(row[0], TABLE_FIRST_WIDTH), *row[1:]] for row in cells[1:]]
    lines = _aligned([[cells[0][0], *(_cut(h, TABLE_WIDTH) for h in cells[0][1:])], *body])
    if max(map(len, lines)) > TABLE_LINE:
        lines = _aligned([[cells[0][0], *(str(n) for n in range(1, len(header)))], *body])
        key, line = [], ""
        for n, name in enumerate(cells[0][1:], start=1):
            entry = f"{n} {name}"
            if line and len(line) + 2 + len(entry) > TABLE_LINE:
                key.append(line)
                line = ""
            line = f"{line}  {entry}" if line else entry
        lines += ["", *key, line]
    return Text((Segment("\n".join(lines), html=_html_table(cells)),))


def listing(
    title: Text, lines: list[Text], more: Callable[[int, int], Text], budget: int = LIST_BUDGET, first: int = 1
) -> Text:
    """A title and lines (the first of them at position `first`), cut so the whole stays within `budget`
    characters; `more(n, position)` says how many were left out and the command that shows them from `position`
    on, e.g. "… och 12 åtgärder till: `!åtgärder alla från 41`"."""
    # room for the hint, should it be needed
    kept = lines[: _fitting([len(line.plain) + 1 for line in lines], budget - len(title.plain) - HINT_ROOM)]
    left = len(lines) - len(kept)
    return Text.join([title, *kept, *([more(left, first + len(kept))] if left else [])])


def _fitting(costs: list[int], room: int) -> int:
    """How many of the parts, costing so many characters each, fit in `room` from the first on; at least one, so
    that a part too long on its own is still shown (and cut when the message is)."""
    used = 0
    for count, cost in enumerate(costs):
        if used + cost > room and count:
            return count
        used += cost
    return len(costs)


@cache
def _markdown() -> MarkdownIt:
    """Markdown the bot wrote itself (the minutes), user text in it escaped: no raw HTML, links or entities,
    whatever the text says; a line break is a line break; a table is a table. Loaded when minutes are first shown."""
    from markdown_it import MarkdownIt

    return (
        MarkdownIt("commonmark", {"html": False, "breaks": True})
        .enable("table")
        .disable(["html_block", "html_inline", "link", "image", "autolink", "entity"])
    )


_BULLET = "• "


@dataclass(frozen=True)
class Block:
    """One block of a Markdown document as a message shows it: a heading, a paragraph or one item of a list."""

    tokens: tuple[Token, ...]
    plain: str
    heading: bool = False
    within: tuple[Token, Token] | None = None
    """The opening and closing tokens of the list it is an item of."""


def _inline(token: Token) -> str:
    """An inline run as plain text: its words and line breaks, without markers or escapes; indentation kept as
    plain spaces."""
    parts = []
    for child in token.children or []:
        if child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type in ("text", "code_inline"):
            parts.append(child.content)
    return "".join(parts).replace("\u00a0", " ")


def _plain(tokens: list[Token]) -> str:
    if tokens and tokens[0].type == "table_open":  # aligned for a monospace font, as `table` writes it
        rows: list[list[str]] = []
        for token in tokens:
            if token.type == "tr_open":
                rows.append([])
            elif token.type == "inline":
                rows[-1].append(_inline(token))
        return "\n".join(_aligned(rows))
    return "\n".join(_inline(t) for t in tokens if t.type == "inline")


def _closing(tokens: list[Token], start: int) -> int:
    """The index of the token that closes the one at `start` (itself when it opens nothing)."""
    if tokens[start].nesting != 1:
        return start
    level = tokens[start].level
    return next(i for i in range(start + 1, len(tokens)) if tokens[i].level == level and tokens[i].nesting == -1)


def markdown_blocks(source: str) -> list[Block]:
    """A Markdown document as the blocks a message shows, in order: those `markdown_page` counts and cuts at."""
    tokens = _markdown().parse(source)
    blocks: list[Block] = []
    index = 0
    while index < len(tokens):
        end = _closing(tokens, index)
        opener = tokens[index]
        if opener.type == "bullet_list_open":
            item = index + 1
            while item < end:
                item_end = _closing(tokens, item)
                own = tokens[item : item_end + 1]
                text = _BULLET + _plain(own).replace("\n", "\n" + " " * len(_BULLET))
                blocks.append(Block(tuple(own), text, within=(opener, tokens[end])))
                item = item_end + 1
        else:
            own = tokens[index : end + 1]
            blocks.append(Block(tuple(own), _plain(own), heading=opener.type == "heading_open"))
        index = end + 1
    return blocks


def _markup(blocks: list[Block]) -> Text:
    """Blocks as one run: plain text with a blank line between paragraphs, HTML from markdown-it (text escaped)."""
    plain: list[str] = []
    tokens: list[Token] = []
    for index, block in enumerate(blocks):
        before = blocks[index - 1] if index else None
        after = blocks[index + 1] if index + 1 < len(blocks) else None
        if before is not None:
            close = before.heading or (block.within is not None and before.within == block.within)
            plain.append("\n" if close else "\n\n")
        plain.append(block.plain)
        if block.within and (before is None or before.within != block.within):
            tokens.append(block.within[0])
        tokens.extend(block.tokens)
        if block.within and (after is None or after.within != block.within):
            tokens.append(block.within[1])
    markdown = _markdown()
    rendered = markdown.renderer.render(tokens, markdown.options, {}).strip()
    return Text((Segment("".join(plain), html=rendered),))


def markdown_page(
    blocks: list[Block], more: Callable[[int, int], Text], budget: int = MAX_BODY, first: int = 1
) -> Text:
    """Markdown blocks from the `first` on (counted from 1), as many as fit within `budget` characters;
    `more(n, position)` says how many were left out and the command that shows them from `position` on. A page
    that starts inside a section starts with that section's heading."""
    shown = blocks[first - 1 :]
    context = [b for b in blocks[: first - 1] if b.heading][-1:] if shown and not shown[0].heading else []
    room = budget - HINT_ROOM - sum(len(b.plain) + 2 for b in context)
    kept = shown[: _fitting([len(b.plain) + 2 for b in shown], room)]
    page = _markup(context + kept)
    left = len(shown) - len(kept)
    return Text.join([page, more(left, first + len(kept))], "\n\n") if left else page
