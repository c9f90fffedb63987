"""`!action`, `!actions`, `!done`: agreed actions with owners and due dates, every change kept in history."""

from __future__ import annotations

from datetime import date

import aiosqlite

from bot.commands import REGISTRY
from bot.commands.context import Context
from bot.errors import ForbiddenError, NotFoundError, UsageError, usage
from bot.i18n import Catalogue, Text
from bot.i18n.dates import clock, day
from bot.parsing import mentioned_users, parse_action, parse_due, parse_number
from bot.permissions import RoomView
from bot.privacy import guard
from bot.reminders import ReminderContext
from bot.render import MAX_BODY, listing
from bot.store.actions import CANCELLED, DONE, OPEN, Action, ActionRepo, Change
from bot.store.meetings import MeetingRepo

MAX_TEXT = 2000
MAX_ORGANISATION = 100

EDIT = ("edit", "ändra", "andra")
DUE = ("due", "datum", "deadline")
ASSIGN = ("assign", "tilldela", "ansvar", "ansvarig")
REOPEN = ("reopen", "återöppna", "öppna")
CANCEL = ("cancel", "stryk", "avbryt")


def _who(room: RoomView | None, user_id: str) -> str:
    return room.display(user_id) if room else user_id


def action_line(action: Action, today: date, cat: Catalogue, room: RoomView | None) -> Text:
    """`#3 Kolla belysningen — Anna Andersson, Polisen — senast fredag 4 december 2026 (försenad)`"""
    responsible = [_who(room, user) for user in action.owners] + ([action.organisation] if action.organisation else [])
    text = cat.text("action.line", n=action.number, text=action.text.replace("\n", "\n   "))
    text = text + Text.of(" — ") + Text.of(", ".join(responsible) if responsible else cat("action.nobody"))
    if action.due:
        text = text + Text.of(" — ") + cat.text("action.due", day=day(action.due, cat))
        if action.status == OPEN and action.due < today:
            text = text + Text.of(" ") + cat.text("action.overdue")
    if action.status != OPEN:
        text = text + Text.of(" ") + cat.text(f"action.status.{action.status}")
    return text


def _order(action: Action, today: date) -> tuple:
    """Overdue first, then soonest due, then those without a date, each by number."""
    if action.due is None:
        return (2, date.max, action.number)
    return (0 if action.due < today else 1, action.due, action.number)


async def followup_lines(
    tx: aiosqlite.Connection, room_id: str, due_by: date | None, today: date, cat: Catalogue, room: RoomView | None
) -> list[Text]:
    """Open actions due by a meeting (all dated ones when no meeting is set), soonest first."""
    actions = [
        a for a in await ActionRepo(tx).in_room(room_id) if a.due and (due_by is None or a.due <= due_by)
    ]
    return [action_line(a, today, cat, room) for a in sorted(actions, key=lambda a: _order(a, today))]


async def _find(ctx: Context, word: str) -> Action:
    number = parse_number(word)
    action = await ActionRepo(ctx.tx).get(ctx.message.room_id, number)
    if action is None:
        raise NotFoundError("action.no_such", n=number, prefix=ctx.prefix)
    return action


def _may_change(ctx: Context, action: Action) -> None:
    """Owners, the one who logged it, and moderators."""
    sender = ctx.message.sender
    if sender in action.owners or sender == action.created_by:
        return
    try:
        ctx.require_moderator()
    except ForbiddenError:
        raise ForbiddenError("action.forbidden", n=action.number, needed=ctx.settings.moderator_level) from None


def _owners_in_room(ctx: Context, owners: tuple[str, ...]) -> None:
    for user_id in owners:
        if user_id not in ctx.room.members:
            raise UsageError("action.owner_not_in_room", user=user_id)


def _checked_text(text: str, limit: int, usage_key: str) -> str:
    if len(text) > limit:
        raise UsageError("text.too_long", usage=usage_key, limit=limit)
    guard(text)
    return text


async def _create(ctx: Context, args: str) -> None:
    message = ctx.message
    spec = parse_action(args, message.formatted_body, message.mentions, ctx.settings.user_id, ctx.today)
    _checked_text(spec.text, MAX_TEXT, "usage.action")
    if spec.organisation:
        _checked_text(spec.organisation, MAX_ORGANISATION, "usage.action")
    _owners_in_room(ctx, spec.owners)
    meeting = await MeetingRepo(ctx.tx).open_in(message.room_id)  # agreed in the running meeting, if any
    number = await ActionRepo(ctx.tx).create(
        message.room_id,
        spec.text,
        spec.owners,
        spec.organisation,
        spec.due,
        message.sender,
        ctx.now,
        meeting.id if meeting else None,
    )
    ctx.actions_changed = True
    action = await ActionRepo(ctx.tx).get(message.room_id, number)
    ctx.reply(ctx.cat.text("action.created", n=number) + Text.of("\n") + action_line(action, ctx.today, ctx.cat, ctx.room))


def _history_line(change: Change, ctx: Context) -> Text:
    cat, detail = ctx.cat, change.detail
    local = change.at.astimezone(ctx.zone)
    if change.kind == "due":
        new = detail.get("new")
        what = cat("history.due", day=day(date.fromisoformat(new), cat)) if new else cat("history.due_removed")
    elif change.kind == "assigned":
        names = [_who(ctx.room, u) for u in detail.get("owners", [])]
        names += [detail["organisation"]] if detail.get("organisation") else []
        what = cat("history.assigned", owners=", ".join(names) if names else cat("action.nobody"))
    else:
        what = cat(f"history.{change.kind}", old=detail.get("old") or "")
    if detail.get("comment"):
        what = f"{what}: {detail['comment']}"
    moment = cat("date.moment", day=day(local.date(), cat), time=clock(local, cat))
    return cat.text("history.line", when=moment, who=_who(ctx.room, change.by), what=what)


async def _show(ctx: Context, action: Action) -> None:
    history = [_history_line(change, ctx) for change in await ActionRepo(ctx.tx).history(action.room_id, action.number)]
    # A long history keeps its newest changes; the count says how many older ones are left out.
    kept, used = [], 0
    for line in reversed(history):
        if used + len(line.plain) > MAX_BODY // 2 and kept:
            break
        kept.insert(0, line)
        used += len(line.plain) + 1
    lines = [action_line(action, ctx.today, ctx.cat, ctx.room), ctx.cat.text("history.header")]
    if len(kept) < len(history):
        lines.append(ctx.cat.text("history.older", n=len(history) - len(kept)))
    ctx.reply(Text.join(lines + kept))


async def _edit(ctx: Context, action: Action, rest: str) -> None:
    text = " ".join(rest.split()) if "\n" not in rest else rest.strip()
    if not text:
        raise UsageError("action.empty", usage="usage.action.edit")
    _checked_text(text, MAX_TEXT, "usage.action.edit")
    await ActionRepo(ctx.tx).change(action, ctx.message.sender, ctx.now, "edited", {"old": action.text}, text=text)


async def _due(ctx: Context, action: Action, rest: str) -> None:
    with usage("usage.action.due"):
        if not rest.strip():
            raise UsageError("parse.date_missing")
        due = parse_due(rest.strip(), ctx.today)
    detail = {"old": action.due.isoformat() if action.due else None, "new": due.isoformat() if due else None}
    await ActionRepo(ctx.tx).change(action, ctx.message.sender, ctx.now, "due", detail, due=due)
    ctx.actions_changed = True


async def _assign(ctx: Context, action: Action, rest: str) -> None:
    # Pills and mentions in the message name the owners; "for <Organisation>" may follow.
    owners, remainder = mentioned_users(rest, ctx.message.formatted_body, ctx.message.mentions)
    owners = tuple(u for u in owners if u != ctx.settings.user_id)
    remainder = " ".join(remainder.split())
    organisation = None
    for word in ("for ", "för "):
        if remainder.casefold().startswith(word):
            organisation = remainder[len(word) :].strip() or None
            remainder = ""
    if remainder or not (owners or organisation):
        raise UsageError("action.assign_what", usage="usage.action.assign")
    if organisation:
        _checked_text(organisation, MAX_ORGANISATION, "usage.action.assign")
    _owners_in_room(ctx, owners)
    detail = {"owners": list(owners), "organisation": organisation}
    await ActionRepo(ctx.tx).change(
        action, ctx.message.sender, ctx.now, "assigned", detail, owners=owners, organisation=organisation
    )


async def _reopen(ctx: Context, action: Action, rest: str) -> None:
    if action.status == OPEN:
        raise UsageError("action.already_open", usage="usage.action.reopen", n=action.number)
    await ActionRepo(ctx.tx).change(action, ctx.message.sender, ctx.now, "reopened", {}, status=OPEN)
    ctx.actions_changed = True


async def _close(ctx: Context, action: Action, comment: str, status: str) -> None:
    if action.status != OPEN:
        raise UsageError(f"action.already_{action.status}", n=action.number, prefix=ctx.prefix)
    comment = comment.strip()
    if comment:
        _checked_text(comment, MAX_TEXT, "usage.done")
    kind = "done" if status == DONE else "cancelled"
    await ActionRepo(ctx.tx).change(action, ctx.message.sender, ctx.now, kind, {"comment": comment}, status=status)
    ctx.actions_changed = True


async def _cancel(ctx: Context, action: Action, rest: str) -> None:
    await _close(ctx, action, rest, CANCELLED)


SUBCOMMANDS = {
    **dict.fromkeys(EDIT, _edit),
    **dict.fromkeys(DUE, _due),
    **dict.fromkeys(ASSIGN, _assign),
    **dict.fromkeys(REOPEN, _reopen),
    **dict.fromkeys(CANCEL, _cancel),
}


@REGISTRY.command(
    "action",
    aliases=("åtgärd", "atgard"),
    slash=("action {text}", "action {number}", "action due {number} {date}", "action cancel {number}"),
)
async def action_command(ctx: Context, args: str) -> None:
    words = args.split(None, 2)
    if not words:
        raise UsageError("action.empty")
    if len(words) == 1 and words[0].lstrip("#").isdigit():
        await _show(ctx, await _find(ctx, words[0]))
        return
    sub = SUBCOMMANDS.get(words[0].casefold())
    if sub is not None and len(words) >= 2 and words[1].lstrip("#").isdigit():
        action = await _find(ctx, words[1])
        _may_change(ctx, action)
        rest = args.split(None, 2)[2] if len(words) == 3 else ""
        await sub(ctx, action, rest)
        changed = await ActionRepo(ctx.tx).get(action.room_id, action.number)
        said = "action.cancelled" if sub is _cancel else "action.reopened" if sub is _reopen else "action.changed"
        line = action_line(changed, ctx.today, ctx.cat, ctx.room)
        ctx.reply(ctx.cat.text(said, n=action.number) + Text.of("\n") + line)
        return
    await _create(ctx, args)


@REGISTRY.command("actions", aliases=("åtgärder", "atgarder"), slash=("actions", "actions {filter}"))
async def actions_command(ctx: Context, args: str) -> None:
    cat, room_id, today = ctx.cat, ctx.message.room_id, ctx.today
    word = args.strip()
    key = word.casefold()
    repo = ActionRepo(ctx.tx)
    who = ""
    if key in ("", "open", "öppna"):
        actions, title = await repo.in_room(room_id), "actions.open"
    elif key in ("all", "alla"):
        actions, title = await repo.in_room(room_id, (OPEN, DONE, CANCELLED)), "actions.all"
    elif key in ("mine", "mina"):
        actions = [a for a in await repo.in_room(room_id) if ctx.message.sender in a.owners]
        title = "actions.mine"
    elif key in ("overdue", "försenade", "forsenade"):
        actions = [a for a in await repo.in_room(room_id) if a.due and a.due < today]
        title = "actions.overdue"
    else:
        owners, rest = mentioned_users(word, ctx.message.formatted_body, ctx.message.mentions)
        owners = tuple(u for u in owners if u != ctx.settings.user_id)
        if len(owners) != 1 or rest.strip():
            raise UsageError("actions.unknown_filter", value=word)
        actions = [a for a in await repo.in_room(room_id) if owners[0] in a.owners]
        title, who = "actions.of", ctx.room.display(owners[0])
    if not actions:
        ctx.reply(cat.text(f"{title}.none", who=who, prefix=ctx.prefix))
        return
    if key in ("all", "alla"):
        ordered = sorted(actions, key=lambda a: a.number)
    else:
        ordered = sorted(actions, key=lambda a: _order(a, today))
    lines = [action_line(a, today, cat, ctx.room) for a in ordered]
    header = cat.text(title, n=len(actions), who=who)
    ctx.reply(listing(header, lines, lambda n: cat.text("list.more_actions", n=n, prefix=ctx.prefix)))


@REGISTRY.command("done", aliases=("klar",), slash=("done {number}", "done {number} {comment}"))
async def done_command(ctx: Context, args: str) -> None:
    words = args.split(None, 1)
    with usage("usage.done"):
        if not words:
            raise UsageError("parse.number_missing")
        action = await _find(ctx, words[0])
    _may_change(ctx, action)
    await _close(ctx, action, words[1] if len(words) > 1 else "", DONE)
    done = await ActionRepo(ctx.tx).get(action.room_id, action.number)
    ctx.reply(ctx.cat.text("action.done", n=action.number) + Text.of("\n") + action_line(done, ctx.today, ctx.cat, ctx.room))


async def actions_section(ctx: ReminderContext) -> Text | None:
    """In a reminder: the open actions due by the meeting, overdue ones marked."""
    zone = ctx.series.zone
    due_by = ctx.occurrence.start.astimezone(zone).date()
    today = ctx.now.astimezone(zone).date()
    lines = await followup_lines(ctx.tx, ctx.series.room_id, due_by, today, ctx.cat, None)
    if not lines:
        return None
    more = lambda n: ctx.cat.text("list.more_actions", n=n, prefix=ctx.prefix)  # noqa: E731
    return listing(ctx.cat.text("agenda.followup"), lines, more)


def nudge_text(action: Action, cat: Catalogue, late: bool) -> Text:
    """The nudge the working day before the due date, mentioning the owners by pill."""
    text = cat.text("nudge.late" if late else "nudge.header", n=action.number) + Text.of(" ")
    text = text + action_line(action, date.min, cat, None)
    pills = [Text.mention(user, user) for user in action.owners]
    if pills:
        text = text + Text.of("\n") + Text.join(pills, " ")
    return text

