"""The yearly agreement as people read it: each priority with its actions, flag and trend; the status the bot posts
after each quarter; the reminder to prepare the next one; and the follow-up report, as a message and as Markdown."""

from __future__ import annotations

from datetime import date

from bot.agreement import Followed, Followup, Quarter, Trend
from bot.i18n import Catalogue, Text
from bot.i18n.dates import day, day_month
from bot.names import MemberNames
from bot.policy import MAX_BODY
from bot.render import listing
from bot.store.actions import DONE, OPEN, Action
from bot.store.agreements import Agreement
from bot.views.minutes import md

INDENT = "   "


def full_day(value: date, cat: Catalogue) -> str:
    """`1 januari 2027`"""
    return f"{day_month(value, cat)} {value.year}"


def period(found: Agreement, cat: Catalogue) -> str:
    return cat("agreement.period_days", first=full_day(found.starts, cat), last=full_day(found.ends, cat))


def _numbers(numbers: tuple[int, ...]) -> str:
    return ", ".join(f"#{n}" for n in numbers)


def _counts(followed: Followed, cat: Catalogue) -> str:
    """`2 öppna (#3, #5), 1 klar, 1 försenad (#5)`; `inga ännu`."""
    s = followed.standing
    parts = []
    if s.open:
        parts.append(f"{cat.count('agreement.open', len(s.open))} ({_numbers(s.open)})")
    if s.done:
        parts.append(cat.count("agreement.done", s.done))
    if s.overdue:
        parts.append(f"{cat.count('agreement.overdue', len(s.overdue))} ({_numbers(s.overdue)})")
    if s.cancelled:
        parts.append(cat.count("agreement.cancelled", s.cancelled))
    return ", ".join(parts) if parts else cat("agreement.no_actions_yet")


def trend_sentence(trend: Trend, cat: Catalogue) -> str:
    values = dict(
        categories=", ".join(trend.categories),
        now=trend.now,
        first=full_day(trend.first, cat),
        last=full_day(trend.last, cat),
    )
    if trend.year_before is None:
        return cat("agreement.trend_no_data", **values)
    return cat("agreement.trend", before=trend.year_before, **values)


def flag(followed: Followed, cat: Catalogue) -> str | None:
    """The flag in words: an overdue action, or none at all."""
    if followed.standing.flag is None:
        return None
    return cat(f"agreement.flag.{followed.standing.flag}", numbers=_numbers(followed.standing.overdue))


def carried_from(followed: Followed, cat: Catalogue) -> str:
    name, number = followed.carried_from
    return cat("agreement.carried_from", p=number, name=name)


def priority_line(followed: Followed, cat: Catalogue) -> Text:
    """A priority as `!agreement` shows it: its number and text, then indented its goal, organisations, actions, flag
    and trend."""
    p = followed.priority
    lines = [cat("agreement.priority", p=p.number, text=p.text)]
    if followed.carried_from is not None:
        lines.append(carried_from(followed, cat))
    if p.goal:
        lines.append(cat("agreement.goal", goal=p.goal))
    if p.organisations:
        lines.append(cat("agreement.organisations", names=", ".join(p.organisations)))
    lines.append(cat("agreement.actions", counts=_counts(followed, cat)))
    if (said := flag(followed, cat)) is not None:
        lines.append(said)
    if followed.trend is not None:
        lines.append(trend_sentence(followed.trend, cat))
    elif followed.categories:
        lines.append(cat("agreement.categories", names=", ".join(followed.categories)))
    return Text.of(("\n" + INDENT).join(line.replace("\n", " ") for line in lines))


def _blocks(shown: Followup, cat: Catalogue, header: Text, more_key: str, command: str, add: str | None = None) -> Text:
    if not shown.priorities:
        empty = cat.text("agreement.no_priorities", command=add) if add else cat.text("agreement.no_priorities_yet")
        return Text.join([header, empty])
    lines = [priority_line(f, cat) for f in shown.priorities]
    more = lambda n, _: cat.text_count(more_key, n, command=command)  # noqa: E731
    return listing(header, lines, more, budget=MAX_BODY - 200)


def agreement_text(shown: Followup, cat: Catalogue, report: str, add: str) -> Text:
    """`!agreement`: the agreement's name and period, each priority, and when the next status is posted."""
    found = shown.agreement
    header = cat.text("agreement.header", name=found.name, period=period(found, cat))
    body = _blocks(shown, cat, header, "agreement.more", report, add)
    if shown.next_status is not None:
        local = shown.next_status.astimezone(shown.zone).date()
        tail = cat.text("agreement.next_status", day=day(local, cat))
    else:
        tail = cat.text("agreement.no_more_status", command=report)
    return Text.join([body, tail])


def status_text(shown: Followup, quarter: Quarter, cat: Catalogue, report: str) -> Text:
    """The status posted after a quarter."""
    found = shown.agreement
    header = cat.text(
        "agreement.status_header", name=found.name, q=quarter.number,
        first=full_day(quarter.first, cat), last=full_day(quarter.last, cat),
    )  # fmt: skip
    return Text.join(
        [_blocks(shown, cat, header, "agreement.more", report), cat.text("agreement.status_footer", command=report)]
    )


def prepare_text(found: Agreement, cat: Catalogue, new: str, carry: str) -> Text:
    return cat.text("agreement.prepare", name=found.name, last=full_day(found.ends, cat), new=new, carry=carry)


def created_text(
    made: Agreement, cat: Catalogue, add: str, carry: str, before: Agreement | None, unfinished: list[int]
) -> Text:
    lines = [cat.text("agreement.created", name=made.name, period=period(made, cat), add=add)]
    if before is not None and unfinished:
        listed = " ".join(f"P{n}" for n in unfinished)
        lines.append(cat.text("agreement.unfinished", name=before.name, priorities=listed, command=f"{carry} {listed}"))
    return Text.join(lines)


def carried_text(
    before: Agreement, into: Agreement, moved: list[tuple[int, int, tuple[int, ...]]], cat: Catalogue
) -> Text:
    lines = [cat.text("agreement.carried", before=before.name, into=into.name)]
    for old, new, still_open in moved:
        actions = cat.count("agreement.carried_actions", len(still_open), numbers=_numbers(still_open))
        lines.append(cat.text("agreement.carried_line", old=old, new=new, actions=actions))
    return Text.join(lines)


def _summary_line(followed: Followed, cat: Catalogue) -> Text:
    p = followed.priority
    parts = [_counts(followed, cat)]
    if (said := flag(followed, cat)) is not None:
        parts.append(said)
    if followed.trend is not None:
        parts.append(trend_sentence(followed.trend, cat))
    return cat.text("agreement.report_line", p=p.number, text=p.text.replace("\n", " "), status="; ".join(parts))


def report_text(shown: Followup, cat: Catalogue, filename: str) -> Text:
    """`!agreement report`'s message: one line per priority, and that the file has the whole follow-up."""
    found = shown.agreement
    header = cat.text(
        "agreement.report_header", name=found.name, period=period(found, cat), today=full_day(shown.today, cat)
    )
    footer = cat.text("agreement.report_file", filename=filename)
    if not shown.priorities:
        return Text.join([header, cat.text("agreement.no_priorities_yet"), footer])
    lines = [_summary_line(f, cat) for f in shown.priorities]
    more = lambda n, _: cat.text_count("agreement.more_in_file", n)  # noqa: E731
    return Text.join([listing(header, lines, more, budget=MAX_BODY - 300), footer])


def _action(action: Action, note: str | None, today: date, cat: Catalogue, names: MemberNames) -> str:
    owners = [names.display(u) for u in action.owners] + ([action.organisation] if action.organisation else [])
    parts = [f"#{action.number} {md(action.text)}", md(", ".join(owners)) if owners else cat("action.nobody")]
    if action.due:
        parts.append(cat("action.due", day=day(action.due, cat)))
        if action.status == OPEN and action.due < today:
            parts.append(cat("action.overdue"))
    if action.status != OPEN:
        parts.append(cat(f"action.status.{action.status}"))
    if note:
        parts.append(cat("agreement.note", note=md(note)))
    return " — ".join(parts).replace("\n", "\n  ")


def report_markdown(shown: Followup, cat: Catalogue, names: MemberNames) -> str:
    """The follow-up as a Markdown file: for each priority what it aimed at, what was done, what was not (and why,
    where a comment says), and the observation trend."""
    found = shown.agreement
    lines = [
        f"# {cat('agreement.report_title', name=md(found.name))}",
        "",
        cat("agreement.report_period", period=md(period(found, cat)), today=full_day(shown.today, cat)),
    ]
    if not shown.priorities:
        lines += ["", cat("agreement.no_priorities_file")]
    for followed in shown.priorities:
        p = followed.priority
        lines += ["", f"## {cat('agreement.priority', p=p.number, text=md(p.text))}", ""]
        if followed.carried_from is not None:
            lines.append(f"- {md(carried_from(followed, cat))}")
        lines.append(f"- {cat('agreement.goal', goal=md(p.goal)) if p.goal else cat('agreement.no_goal')}")
        if p.organisations:
            lines.append(f"- {cat('agreement.organisations', names=md(', '.join(p.organisations)))}")
        if (said := flag(followed, cat)) is not None:
            lines.append(f"- {said}")
        if followed.trend is not None:
            lines.append(f"- {md(trend_sentence(followed.trend, cat))}")
        elif followed.categories:
            lines.append(f"- {cat('agreement.categories', names=md(', '.join(followed.categories)))}")
        done = [a for a in followed.actions if a.status == DONE]
        undone = [a for a in followed.actions if a.status != DONE]
        for key, actions in (("agreement.report_done", done), ("agreement.report_not_done", undone)):
            lines += ["", f"### {cat(key)}", ""]
            if not actions:
                lines.append(cat("agreement.report_none"))
            lines += [f"- {_action(a, followed.notes.get(a.number), shown.today, cat, names)}" for a in actions]
    return "\n".join(lines) + "\n"
