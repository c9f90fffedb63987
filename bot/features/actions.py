"""Agreed actions: `!action` logs, shows and changes one (every change kept in its history), `!actions` lists
them, `!done` closes one; reminders carry the actions to follow up, and the nudges job reminds owners the working
day before an action is due."""

from __future__ import annotations

import logging
import re
from collections.abc import Hashable
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.commands.context import Context
from bot.commands.registry import Arg, plain
from bot.errors import ForbiddenError, NotFoundError, StateError, UsageError, UserError
from bot.feature import Effects, Feature, Services
from bot.features.agreement import link_action, priority_of_current
from bot.features.organisations import room_spelling
from bot.followup import upcoming
from bot.i18n import Catalogue, Text
from bot.i18n.dates import clock, day
from bot.names import MemberNames
from bot.nudges import decide_nudges, next_nudge
from bot.parsing import (
    ActionSpec, checked_text, mentioned_users, parse_action, parse_due, parse_number, parse_priority_number,
)  # fmt: skip
from bot.policy import HISTORY_BUDGET, MAX_BODY, MAX_ORGANISATION
from bot.reminders import ReminderContext
from bot.render import Mentions, listing, notice
from bot.store.actions import CANCELLED, DONE, OPEN, Action, ActionRepo, Change
from bot.store.agreements import Agreement, AgreementRepo, Priority
from bot.store.db import Connection
from bot.store.meetings import MeetingRepo
from bot.store.outbox import OutboxRepo
from bot.store.series import SeriesRepo
from bot.views.actions import action_line, followup_listing, followup_order, nudge_text

log = logging.getLogger(__name__)

feature = Feature("actions")
NUDGES = "nudges"


async def _action(ctx: Context, text: str) -> Action:
    number = parse_number(text)
    action = await ActionRepo(ctx.tx).get(ctx.message.room_id, number)
    if action is None:
        raise NotFoundError("action.no_such", n=number, prefix=ctx.prefix)
    return action


async def _changeable(ctx: Context, text: str) -> Action:
    """An action the sender may change: they own it, logged it, or are a moderator."""
    action = await _action(ctx, text)
    sender = ctx.message.sender
    if sender in action.owners or sender == action.created_by:
        return action
    try:
        ctx.require_moderator()
    except ForbiddenError:
        raise ForbiddenError("action.forbidden", n=action.number, needed=ctx.settings.moderator_level) from None
    return action


async def _organisation(ctx: Context, text: str) -> str:
    """"for <Organisation>": as the room spells it, when it knows it."""
    return await room_spelling(ctx, checked_text(text, MAX_ORGANISATION))


def _owners_in_room(ctx: Context, owners: tuple[str, ...]) -> None:
    for user_id in owners:
        if user_id not in ctx.room.members:
            raise UsageError("action.owner_not_in_room", user=user_id)


async def _spec(ctx: Context, text: str) -> ActionSpec:
    message = ctx.message
    spec = parse_action(text, message.formatted_body, message.mentions, ctx.settings.user_id, ctx.today)
    if spec.text.lstrip("#").isdigit():
        # `!åtgärd 2 senast fredag` is a change to #2, not an action with the text "2".
        raise UserError("action.number_first", n=spec.text.lstrip("#"), prefix=ctx.prefix, word=action.word(ctx.cat))
    checked_text(spec.text)
    if spec.organisation:
        spec = replace(spec, organisation=await _organisation(ctx, spec.organisation))
    _owners_in_room(ctx, spec.owners)
    return spec


CHANGEABLE = Arg("number", _changeable, missing="parse.number_missing")

action = feature.command("action", "atgard", sv="åtgärd", group="during", unknown="action.empty", fallback=True)


@action.form(Arg("number", _action))
async def _show(ctx: Context, found: Action) -> None:
    """One action with its history; a long history keeps its newest changes and counts the older ones."""
    history = [_history_line(change, ctx) for change in await ActionRepo(ctx.tx).history(found.room_id, found.number)]
    kept, used = [], 0
    for line in reversed(history):
        if used + len(line.plain) > HISTORY_BUDGET and kept:
            break
        kept.insert(0, line)
        used += len(line.plain) + 1
    lines = [action_line(found, ctx.today, ctx.cat, ctx.room), ctx.cat.text("history.header")]
    if len(kept) < len(history):
        lines.append(ctx.cat.text_count("history.older", len(history) - len(kept)))
    ctx.reply(Text.join(lines + kept))


@action.form(Arg("action", _spec, rest=True, missing="action.empty"))
async def _create(ctx: Context, spec: ActionSpec) -> None:
    message = ctx.message
    # The priority is found first: one the agreement does not have is an error, and nothing is stored.
    serves = await priority_of_current(ctx, spec.priority) if spec.priority is not None else None
    meeting = await MeetingRepo(ctx.tx).open_in(message.room_id)  # agreed in the running meeting, if any
    repo = ActionRepo(ctx.tx)
    number = await repo.create(
        message.room_id, spec.text, spec.owners, spec.organisation, spec.due, message.sender, ctx.now,
        meeting.id if meeting else None,
    )  # fmt: skip
    if serves is not None:
        await link_action(ctx, await repo.get(message.room_id, number), serves[0], serves[1].number)
    ctx.effects.wake(NUDGES, message.room_id)
    ctx.created(number)
    await _created(ctx, number)


async def _created(ctx: Context, number: int) -> None:
    found = await ActionRepo(ctx.tx).get(ctx.message.room_id, number)
    lines = [ctx.cat.text("action.created", n=number), action_line(found, ctx.today, ctx.cat, ctx.room)]
    if serves := await priority_served(ctx, number):
        lines.append(ctx.cat.text("action.serves", p=serves[1].number, text=serves[1].text, name=serves[0].name))
    ctx.reply(Text.join(lines))


def _edit_command(ctx: Context, number: int) -> str:
    """`!åtgärd ändra 3`: what changes an action's text, once an edit of the command no longer does."""
    return f"{ctx.prefix}{action.sub_word('edit', ctx.cat)} {number}"


async def _edit_howto(ctx: Context, number: int) -> Text:
    return ctx.cat.text("action.edit_howto", n=number, command=_edit_command(ctx, number))


@action.follows_edits("action", howto=_edit_howto)
async def _recreate(ctx: Context, number: int, spec: ActionSpec) -> None:
    """`!åtgärd <text>` edited: the open action reads as the edit says, owners and due date too, each change kept in
    its history."""
    found = await ActionRepo(ctx.tx).get(ctx.message.room_id, number)
    if found.status != OPEN:
        raise StateError("action.edit_closed", n=number, command=_edit_command(ctx, number))
    repo, by, now = ActionRepo(ctx.tx), ctx.message.sender, ctx.now
    if spec.text != found.text:
        await repo.change(found, by, now, "edited", {"old": found.text}, text=spec.text)
    if (spec.owners, spec.organisation) != (found.owners, found.organisation):
        detail = {"owners": list(spec.owners), "organisation": spec.organisation}
        await repo.change(found, by, now, "assigned", detail, owners=spec.owners, organisation=spec.organisation)
    if spec.due != found.due:
        detail = {"old": found.due.isoformat() if found.due else None, "new": spec.due.isoformat() if spec.due else None}
        await repo.change(found, by, now, "due", detail, due=spec.due)
        ctx.effects.wake(NUDGES, found.room_id)
    if spec.priority is not None:
        serves = await priority_of_current(ctx, spec.priority)
        if await AgreementRepo(ctx.tx).linked_to(found.room_id, number, serves[0].id) != spec.priority:
            await link_action(ctx, found, serves[0], spec.priority)
    await _created(ctx, number)


def _history_line(change: Change, ctx: Context) -> Text:
    cat, detail = ctx.cat, change.detail
    local = change.at.astimezone(ctx.zone)
    if change.kind == "due":
        new = detail.get("new")
        what = cat("history.due", day=day(date.fromisoformat(new), cat)) if new else cat("history.due_removed")
    elif change.kind == "linked":
        what = cat("history.linked", p=detail["priority"], name=detail["agreement"])
        if detail.get("carried_from"):
            what = cat("history.carried", p=detail["priority"], name=detail["agreement"], old=detail["carried_from"])
    elif change.kind == "assigned":
        names = [ctx.room.display(u) for u in detail.get("owners", [])]
        names += [detail["organisation"]] if detail.get("organisation") else []
        what = cat("history.assigned", owners=", ".join(names) if names else cat("action.nobody"))
    else:
        what = cat(f"history.{change.kind}", old=detail.get("old") or "")
    if detail.get("comment"):
        what = f"{what}: {detail['comment']}"
    moment = cat("date.moment", day=day(local.date(), cat), time=clock(local, cat))
    return cat.text("history.line", when=moment, who=ctx.room.display(change.by), what=what)


async def _changed(ctx: Context, changed: Action, said: str) -> None:
    now = await ActionRepo(ctx.tx).get(changed.room_id, changed.number)
    ctx.reply(ctx.cat.text(said, n=changed.number) + Text.of("\n") + action_line(now, ctx.today, ctx.cat, ctx.room))


def _edited_text(ctx: Context, text: str) -> str:
    return checked_text(" ".join(text.split()) if "\n" not in text else text.strip())


@action.sub("edit", "andra", sv="ändra", args=[CHANGEABLE, Arg("text", _edited_text, rest=True, missing="action.empty")])
async def _edit(ctx: Context, found: Action, text: str) -> None:
    await ActionRepo(ctx.tx).change(found, ctx.message.sender, ctx.now, "edited", {"old": found.text}, text=text)
    await _changed(ctx, found, "action.changed")


def _due(ctx: Context, text: str) -> date | None:
    return parse_due(text, ctx.today)


@action.sub("due", "datum", "deadline", sv="senast", args=[CHANGEABLE, Arg("date", _due, rest=True, missing="parse.date_missing")])
async def _set_due(ctx: Context, found: Action, due: date | None) -> None:
    detail = {"old": found.due.isoformat() if found.due else None, "new": due.isoformat() if due else None}
    await ActionRepo(ctx.tx).change(found, ctx.message.sender, ctx.now, "due", detail, due=due)
    ctx.effects.wake(NUDGES, found.room_id)
    await _changed(ctx, found, "action.changed")


async def _responsible(ctx: Context, text: str) -> tuple[tuple[str, ...], str | None]:
    """Pills and mentions in the message name the owners; "for <Organisation>" may follow."""
    owners, remainder = mentioned_users(text, ctx.message.formatted_body, ctx.message.mentions)
    owners = tuple(u for u in owners if u != ctx.settings.user_id)
    remainder = " ".join(remainder.split())
    organisation = None
    for word in ("for ", "för "):
        if remainder.casefold().startswith(word):
            organisation = remainder[len(word) :].strip() or None
            remainder = ""
    if remainder or not (owners or organisation):
        raise UsageError("action.assign_what")
    if organisation:
        organisation = await _organisation(ctx, organisation)
    _owners_in_room(ctx, owners)
    return owners, organisation


@action.sub(
    "assign", "tilldela", "ansvar", sv="ansvarig",
    args=[CHANGEABLE, Arg("owners", _responsible, rest=True, missing="action.assign_what")],
)  # fmt: skip
async def _assign(ctx: Context, found: Action, responsible: tuple[tuple[str, ...], str | None]) -> None:
    owners, organisation = responsible
    detail = {"owners": list(owners), "organisation": organisation}
    await ActionRepo(ctx.tx).change(
        found, ctx.message.sender, ctx.now, "assigned", detail, owners=owners, organisation=organisation
    )
    await _changed(ctx, found, "action.changed")


@action.sub("reopen", "återöppna", sv="öppna", args=[CHANGEABLE])
async def _reopen(ctx: Context, found: Action) -> None:
    if found.status == OPEN:
        raise StateError("action.already_open", n=found.number)
    await ActionRepo(ctx.tx).change(found, ctx.message.sender, ctx.now, "reopened", {}, status=OPEN)
    ctx.effects.wake(NUDGES, found.room_id)
    await _changed(ctx, found, "action.reopened")


async def _close(ctx: Context, found: Action, comment: str | None, status: str) -> None:
    if found.status != OPEN:
        raise StateError(f"action.already_{found.status}", n=found.number, prefix=ctx.prefix)
    kind = "done" if status == DONE else "cancelled"
    await ActionRepo(ctx.tx).change(found, ctx.message.sender, ctx.now, kind, {"comment": comment or ""}, status=status)
    ctx.effects.wake(NUDGES, found.room_id)


COMMENT = Arg("comment", plain(checked_text), rest=True, optional=True)


@action.sub("cancel", "avbryt", sv="stryk", args=[CHANGEABLE, COMMENT])
async def _cancel(ctx: Context, found: Action, comment: str | None) -> None:
    await _close(ctx, found, comment, CANCELLED)
    await _changed(ctx, found, "action.cancelled")


PRIORITY = Arg("priority", plain(parse_priority_number), missing="action.link_which")


@action.sub("link", "koppla", sv="koppla", args=[CHANGEABLE, PRIORITY])
async def _link(ctx: Context, found: Action, number: int) -> None:
    """Link an action to a priority of the room's agreement (instead of another of its priorities)."""
    agreement, priority = await priority_of_current(ctx, number)
    if await AgreementRepo(ctx.tx).linked_to(found.room_id, found.number, agreement.id) == number:
        raise StateError("action.linked_before", n=found.number, p=number)
    await link_action(ctx, found, agreement, number)
    ctx.reply(ctx.cat.text("action.linked", n=found.number, p=number, text=priority.text, name=agreement.name))


async def priority_served(ctx: Context, number: int) -> tuple[Agreement, Priority] | None:
    """The priority of the room's current agreement the action serves, if any."""
    repo = AgreementRepo(ctx.tx)
    agreement = await repo.current(ctx.message.room_id)
    linked = await repo.linked_to(ctx.message.room_id, number, agreement.id) if agreement else None
    priority = await repo.priority(agreement.id, linked) if linked is not None else None
    return (agreement, priority) if priority is not None else None


done = feature.command("done", sv="klar", group="after")


@done.form(CHANGEABLE, COMMENT)
async def _done(ctx: Context, found: Action, comment: str | None) -> None:
    await _close(ctx, found, comment, DONE)
    await _changed(ctx, found, "action.done")


actions = feature.command("actions", "atgarder", sv="åtgärder", group="after", unknown="actions.unknown_filter")


def _member(ctx: Context, text: str) -> tuple[str, int | None]:
    """`@anna`, and perhaps `från 21` after it: whose actions, and from where in the list."""
    start = None
    if match := re.fullmatch(r"(.*?)\s+((?:från|fran|from)\s+\S+)", text.strip(), re.IGNORECASE | re.DOTALL):
        text, start = match.group(1), _position(ctx, match.group(2))
    owners, rest = mentioned_users(text, ctx.message.formatted_body, ctx.message.mentions)
    owners = tuple(u for u in owners if u != ctx.settings.user_id)
    if len(owners) != 1 or rest.strip():
        raise UsageError("actions.unknown_filter", usage=actions, value=text)  # no filter at all: every form
    return owners[0], start


def _position(ctx: Context, text: str) -> int:
    """`från 21` / `from 21`: where a list too long for one message goes on."""
    word, _, number = text.partition(" ")
    if word.casefold() not in ("från", "fran", "from"):
        raise UsageError("actions.unknown_filter", usage=actions, value=text)
    return parse_number(number)


START = Arg("start", _position, rest=True, optional=True)


async def _list(
    ctx: Context,
    title: str,
    found: list[Action],
    shows: str,
    start: int | None,
    who: str = "",
    by_number: bool = False,
) -> None:
    """A list of actions in one message; one too long for it ends with the command that shows the rest (`shows`,
    the command that gave this list, and where to go on)."""
    cat, today, start = ctx.cat, ctx.today, start or 1
    if not found:
        ctx.reply(cat.text_count(title, 0, who=who, prefix=ctx.prefix))
        return
    if start > len(found):
        raise NotFoundError("actions.no_such_position", n=start, count=len(found))
    ordered = sorted(found, key=(lambda a: a.number) if by_number else (lambda a: followup_order(a, today)))
    lines = [action_line(a, today, cat, ctx.room) for a in ordered[start - 1 :]]
    header = cat.text_count(title, len(found), who=who)
    command = f"{ctx.prefix}{shows} {cat('list.from')}"
    more = lambda n, position: cat.text_count("list.more_actions", n, command=f"{command} {position}")  # noqa: E731
    ctx.reply(listing(header, lines, more, budget=MAX_BODY, first=start))


async def _open(ctx: Context) -> list[Action]:
    return await ActionRepo(ctx.tx).in_room(ctx.message.room_id)


@actions.sub("open", sv="öppna", args=[START])
@actions.form(START)  # declared first: decorators apply from the bottom
async def _list_open(ctx: Context, start: int | None) -> None:
    await _list(ctx, "actions.open", await _open(ctx), actions.sub_word("open", ctx.cat), start)


@actions.sub("mine", sv="mina", args=[START])
async def _list_mine(ctx: Context, start: int | None) -> None:
    mine = [a for a in await _open(ctx) if ctx.message.sender in a.owners]
    await _list(ctx, "actions.mine", mine, actions.sub_word("mine", ctx.cat), start)


@actions.sub("all", sv="alla", args=[START])
async def _list_all(ctx: Context, start: int | None) -> None:
    every = await ActionRepo(ctx.tx).in_room(ctx.message.room_id, (OPEN, DONE, CANCELLED))
    await _list(ctx, "actions.all", every, actions.sub_word("all", ctx.cat), start, by_number=True)


@actions.sub("overdue", "forsenade", sv="försenade", args=[START])
async def _list_overdue(ctx: Context, start: int | None) -> None:
    overdue = [a for a in await _open(ctx) if a.due and a.due < ctx.today]
    await _list(ctx, "actions.overdue", overdue, actions.sub_word("overdue", ctx.cat), start)


@actions.form(Arg("member", _member, rest=True))
async def _list_of(ctx: Context, member: tuple[str, int | None]) -> None:
    user_id, start = member
    found = [a for a in await _open(ctx) if user_id in a.owners]
    await _list(ctx, "actions.of", found, f"{actions.word(ctx.cat)} {user_id}", start, who=ctx.room.display(user_id))


@feature.reminder_section
async def actions_section(ctx: ReminderContext) -> Text | None:
    """In a reminder: the actions to follow up at the meeting, overdue ones marked."""
    zone = ctx.series.zone
    day_of_meeting = ctx.occurrence.start.astimezone(zone).date()
    found = upcoming(await ActionRepo(ctx.tx).in_room(ctx.series.room_id), day_of_meeting)
    today = ctx.now.astimezone(zone).date()
    return followups(ctx.cat.text("agenda.followup"), found, today, ctx.cat, ctx.names, ctx.prefix)


def followups(title: Text, found: list[Action], today: date, cat: Catalogue, names: MemberNames, prefix: str) -> Text | None:
    """The actions to follow up under a title, cut with `!åtgärder`, which lists them all; None when there are none."""
    return followup_listing(title, found, today, cat, names, f"{prefix}{actions.word(cat)}")


@feature.job(NUDGES)
async def nudges_job(services: Services, keys: frozenset[Hashable] | None, effects: Effects) -> dict[Hashable, datetime | None]:
    """Claim and queue the nudges that are due in these rooms (every room when None), each in the zone of the
    room's series, and say when each room's next nudge is."""
    now, at = services.clock.now(), services.settings.nudge_time
    async with services.db.reading() as conn:
        rooms, nudged = await _dated(conn, services, keys)
    speaking = [room for room, (zone, found) in rooms.items() if any(n.outcome != "skipped" for n in decide_nudges(found, nudged, now, zone, at))]
    names = await services.names_in(speaking)
    upcoming_at: dict[Hashable, datetime | None] = {}
    async with services.db.transaction() as tx:
        repo, outbox = ActionRepo(tx), OutboxRepo(tx)
        rooms, nudged = await _dated(tx, services, keys)
        for room_id, (zone, room_actions) in rooms.items():
            for nudge in decide_nudges(room_actions, nudged, now, zone, at):
                found = nudge.action
                txn_id = None if nudge.outcome == "skipped" else nudge.txn_id
                if not await repo.claim_nudge(found.room_id, found.number, found.due, nudge.outcome, txn_id, now):
                    continue
                log.info("nudge %s: action %s in %s due %s", nudge.outcome, found.number, found.room_id, found.due)
                if txn_id:
                    text = nudge_text(found, services.cat, names.get(room_id, MemberNames()), late=nudge.outcome == "late")
                    await outbox.add(found.room_id, txn_id, notice(text, mentions=Mentions(found.owners)), now)
                nudged.add((found.room_id, found.number, found.due))
            upcoming_at[room_id] = next_nudge(room_actions, nudged, now, zone, at)
    return upcoming_at


async def _dated(
    conn: Connection, services: Services, keys: frozenset[Hashable] | None
) -> tuple[dict[str, tuple[ZoneInfo, list[Action]]], set[tuple[str, int, date]]]:
    """The open actions with a due date in these rooms (every room when None), by room with the zone of the room's
    series, and the nudges already decided there."""
    repo, series = ActionRepo(conn), SeriesRepo(conn)
    by_room: dict[str, list[Action]] = {room: [] for room in keys or ()}
    for found in await repo.open_with_due(keys):
        by_room.setdefault(found.room_id, []).append(found)
    rooms = {room: (await series.zone_of(room) or services.settings.zone, found) for room, found in by_room.items()}
    return rooms, await repo.nudged(keys)
