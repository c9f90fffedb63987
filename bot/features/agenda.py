"""The agenda: `!agenda` shows the numbered items of the next meeting and the actions to follow up there; items
are added, removed, and marked discussed during a meeting; every reminder carries the agenda so far."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from bot.commands.context import Context
from bot.commands.registry import Arg, plain
from bot.errors import ForbiddenError, NotFoundError, StateError
from bot.feature import Feature
from bot.followup import upcoming
from bot.features.actions import followups
from bot.i18n import Catalogue, Text
from bot.i18n.dates import when
from bot.occurrences import next_in_room
from bot.parsing import checked_text, parse_number
from bot.policy import ECHO_LENGTH, MAX_BODY
from bot.reminders import ReminderContext
from bot.render import listing
from bot.store.actions import ActionRepo
from bot.store.agenda import AgendaItem, AgendaRepo
from bot.store.meetings import Meeting, MeetingRepo
from bot.views.agenda import agenda_lines

feature = Feature("agenda")


NUMBER = Arg("number", plain(parse_number), missing="parse.number_missing")

agenda = feature.command("agenda", sv="dagordning", group="before", unknown="agenda.unknown")


async def _numbered(ctx: Context) -> tuple[list[AgendaItem], Meeting | None]:
    """The agenda as numbered now: during a meeting its items stay numbered as they were, discussed or not."""
    repo, room_id = AgendaRepo(ctx.tx), ctx.message.room_id
    meeting = await MeetingRepo(ctx.tx).open_in(room_id)
    if meeting:
        return await repo.meeting_items(room_id, meeting.id), meeting
    return await repo.open_items(room_id), None


def more_items(cat: Catalogue, prefix: str) -> Callable[[int, int], Text]:
    """The hint under a cut agenda: how many are left out, and the command that shows them."""
    command = f"{prefix}{agenda.sub_word('from', cat)}"
    return lambda n, position: cat.text_count("list.more_agenda", n, command=f"{command} {position}")


async def _agenda(ctx: Context, start: int = 1, space: int = MAX_BODY) -> Text:
    """The agenda from item `start`, then the actions to follow up. Only the agenda is cut, and only when a whole
    message (`space` of it) is full: the hint then shows the rest with `!dagordning från <n>`, never the command just
    given."""
    cat, room_id = ctx.cat, ctx.message.room_id
    soonest = await next_in_room(ctx.tx, room_id, ctx.now)
    items, meeting = await _numbered(ctx)
    zone = soonest[0].zone if soonest else ctx.zone
    if meeting:
        title = cat.text("agenda.header_meeting", name=meeting.name)
        zone = meeting.zone
    elif soonest:
        series, occurrence = soonest
        title = cat.text("agenda.header", name=series.name, when=when(occurrence.start.astimezone(series.zone), cat))
    else:
        title = cat.text("agenda.header_unscheduled")
    today = ctx.now.astimezone(zone).date()
    day = soonest[1].start.astimezone(zone).date() if soonest else date.max  # no meeting set: all of them
    actions = upcoming(await ActionRepo(ctx.tx).in_room(room_id), day)
    to_follow = followups(cat.text("agenda.followup"), actions, today, cat, ctx.room, ctx.prefix) if start == 1 else None
    if not items:
        listed = title + Text.of("\n") + cat.text("agenda.empty", prefix=ctx.prefix)
    elif start > len(items):
        raise NotFoundError("agenda.no_such_item", n=start, count=len(items))
    else:
        next_start = meeting.scheduled_start or meeting.started_at if meeting else soonest[1].original if soonest else None
        lines = agenda_lines(items[start - 1 :], next_start, zone, cat, ctx.room, first=start)
        room_left = space - (len(to_follow.plain) + 2 if to_follow else 0)
        listed = listing(title, lines, more_items(cat, ctx.prefix), budget=room_left, first=start)
    return Text.join([listed, *([to_follow] if to_follow else [])], "\n\n")


@agenda.form()
async def _show(ctx: Context) -> None:
    ctx.reply(await _agenda(ctx))


@agenda.sub("add", "nytt", "lägg", "lagg", sv="ny", args=[Arg("text", plain(checked_text), rest=True, missing="agenda.empty_text")])
async def _add(ctx: Context, text: str) -> None:
    soonest = await next_in_room(ctx.tx, ctx.message.room_id, ctx.now)
    # The meeting an item is for is kept by its scheduled start, so moving that meeting carries nothing over.
    item_id = await AgendaRepo(ctx.tx).add(
        ctx.message.room_id, text, ctx.message.sender, soonest[1].original if soonest else None, ctx.now
    )
    ctx.created(item_id)
    ctx.reply(await _added(ctx, len((await _numbered(ctx))[0])))


async def _added(ctx: Context, number: int) -> Text:
    """The reply to `!dagordning ny`: the item's number and the meeting it is for."""
    soonest = await next_in_room(ctx.tx, ctx.message.room_id, ctx.now)
    if soonest:
        series, occurrence = soonest
        when_text = when(occurrence.start.astimezone(series.zone), ctx.cat)
        return ctx.cat.text("agenda.added", n=number, name=series.name, when=when_text)
    return ctx.cat.text("agenda.added_unscheduled", n=number)


async def _open_number(ctx: Context, item_id: int) -> int | None:
    """The number an item has now, while it is still open."""
    items, _ = await _numbered(ctx)
    return next((n for n, item in enumerate(items, 1) if item.id == item_id and not item.discussed), None)


async def _edit_howto(ctx: Context, item_id: int) -> Text:
    number = await _open_number(ctx, item_id)
    if number is None:
        return ctx.cat.text("agenda.edit_closed")
    remove = f"{ctx.prefix}{agenda.sub_word('remove', ctx.cat)} {number}"
    add = f"{ctx.prefix}{agenda.sub_word('add', ctx.cat)} {ctx.cat.raw('cmd.agenda.arg.text')}"
    return ctx.cat.text("agenda.edit_howto", n=number, remove=remove, add=add)


@agenda.follows_edits("add", howto=_edit_howto)
async def _retext(ctx: Context, item_id: int, text: str) -> None:
    """`!dagordning ny` edited: the item reads as the edit says, if it is still open."""
    number = await _open_number(ctx, item_id)
    if number is None:
        raise StateError("agenda.edit_closed")
    await AgendaRepo(ctx.tx).retext(item_id, text)
    ctx.reply(await _added(ctx, number) + Text.of("\n") + ctx.cat.text("agenda.edited", n=number, text=_echo(text)))


@agenda.follows_redactions("add")
async def _redacted(ctx: Context, item_id: int, late: bool) -> None:
    """`!dagordning ny` deleted: soon after, the item goes too, if nobody has discussed it yet; later, it stays."""
    number = await _open_number(ctx, item_id)
    if number is None:
        return
    if late:
        command = f"{ctx.prefix}{agenda.sub_word('remove', ctx.cat)} {number}"
        ctx.reply(ctx.cat.text("agenda.redacted_late", n=number, command=command))
        return
    await AgendaRepo(ctx.tx).close(item_id, "removed", ctx.message.sender, ctx.now)
    ctx.reply(ctx.cat.text("agenda.redacted", n=number))


def _echo(text: str) -> str:
    """As much of an item's text as a reply repeats."""
    return text if len(text) <= ECHO_LENGTH else text[: ECHO_LENGTH - 1] + "…"


def _item(items: list[AgendaItem], number: int, cat: Catalogue) -> AgendaItem:
    if number > len(items):
        raise NotFoundError("agenda.no_such_item", n=number, count=cat.count("agenda.items", len(items)))
    return items[number - 1]


@agenda.sub("remove", "bort", "ta", "radera", "delete", sv="ta bort", args=[NUMBER])
async def _remove(ctx: Context, number: int) -> None:
    items, _ = await _numbered(ctx)
    item = _item(items, number, ctx.cat)
    if item.discussed:
        raise StateError("agenda.already_discussed", n=number)
    if item.author != ctx.message.sender:
        try:
            ctx.require_moderator()
        except ForbiddenError:
            raise ForbiddenError("agenda.remove_forbidden", n=number, needed=ctx.settings.moderator_level) from None
    await AgendaRepo(ctx.tx).close(item.id, "removed", ctx.message.sender, ctx.now)
    removed = ctx.cat.text("agenda.removed", n=number, text=_echo(item.text))
    ctx.reply(removed + Text.of("\n\n") + await _agenda(ctx, space=MAX_BODY - len(removed.plain) - 2))


@agenda.sub(
    "done", "behandlad", sv="klar", args=[NUMBER, Arg("note", plain(checked_text), rest=True, optional=True)], moderator=True
)
async def _done(ctx: Context, number: int, note: str | None) -> None:
    """In a meeting, item n was discussed."""
    items, meeting = await _numbered(ctx)
    if meeting is None:
        raise StateError("meeting.none_open", prefix=ctx.prefix)
    item = _item(items, number, ctx.cat)
    if item.discussed:
        raise StateError("agenda.already_discussed", n=number)
    await AgendaRepo(ctx.tx).discuss(item.id, meeting.id, note, ctx.message.sender, ctx.now)
    ctx.reply(ctx.cat.text("agenda.discussed", n=number, text=item.text))


@agenda.sub("from", sv="från", args=[NUMBER])
async def _show_from(ctx: Context, number: int) -> None:
    """The rest of an agenda too long for one message."""
    ctx.reply(await _agenda(ctx, number))


@feature.reminder_section
async def agenda_section(ctx: ReminderContext) -> Text:
    """In a reminder: the numbered agenda so far, or the exact command to add an item."""
    items = await AgendaRepo(ctx.tx).open_items(ctx.series.room_id)
    if not items:
        return ctx.cat.text("agenda.empty", prefix=ctx.prefix)
    lines = agenda_lines(items, ctx.occurrence.original, ctx.series.zone, ctx.cat, ctx.names)
    return listing(ctx.cat.text("agenda.in_reminder"), lines, more_items(ctx.cat, ctx.prefix))
