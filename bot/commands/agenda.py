"""`!agenda`: the numbered agenda of the room's next meeting; add and remove items; its part of reminders."""

from __future__ import annotations

from bot.commands import REGISTRY
from bot.commands.actions import followup_lines
from bot.commands.context import Context
from bot.errors import ForbiddenError, NotFoundError, UsageError, usage
from bot.i18n import Catalogue, Text
from bot.i18n.dates import day, when
from bot.meetings import next_in_room
from bot.parsing import parse_number
from bot.permissions import RoomView
from bot.privacy import guard
from bot.reminders import ReminderContext
from bot.render import listing
from bot.store.agenda import AgendaItem, AgendaRepo
from bot.store.meetings import Meeting, MeetingRepo

MAX_ITEM = 2000

ADD = ("add", "ny", "nytt", "lägg", "lagg")
REMOVE = ("remove", "bort", "ta", "radera", "delete")
DONE = ("done", "klar", "behandlad")


def agenda_lines(items: list[AgendaItem], next_start, zone, cat: Catalogue, room: RoomView | None) -> list[Text]:
    """`1. Klotter vid busstationen (Anna Andersson)`, carried-over items marked with where they came from,
    items discussed in the running meeting marked done with their note."""
    lines = []
    for number, item in enumerate(items, start=1):
        key = "agenda.item_discussed" if item.discussed else "agenda.item"
        text = cat.text(key, n=number, text=item.text.replace("\n", "\n   "))
        if item.note:
            text = text + Text.of(" ") + cat.text("agenda.note", note=item.note)
        if room is not None:
            text = text + Text.of(" ") + cat.text("agenda.by", who=room.display(item.author))
        carried = not item.discussed and item.meeting_start is not None and (
            next_start is None or item.meeting_start < next_start
        )
        if carried and zone is not None:
            text = text + Text.of(" ") + cat.text("agenda.carried", day=day(item.meeting_start.astimezone(zone).date(), cat))
        lines.append(text)
    return lines


async def _numbered(ctx: Context) -> tuple[list[AgendaItem], Meeting | None]:
    """The agenda as numbered now: during a meeting its items stay numbered as they were, discussed or not."""
    repo, room_id = AgendaRepo(ctx.tx), ctx.message.room_id
    meeting = await MeetingRepo(ctx.tx).open_in(room_id)
    if meeting:
        return await repo.meeting_items(room_id, meeting.id), meeting
    return await repo.open_items(room_id), None


async def _agenda(ctx: Context) -> Text:
    cat, room_id = ctx.cat, ctx.message.room_id
    soonest = await next_in_room(ctx.tx, room_id, ctx.now)
    items, meeting = await _numbered(ctx)
    zone = soonest[0].zone if soonest else ctx.zone
    parts = []
    if meeting:
        title = cat.text("agenda.header_meeting", name=meeting.name)
        zone = meeting.zone
    elif soonest:
        series, occurrence = soonest
        title = cat.text("agenda.header", name=series.name, when=when(occurrence.start.astimezone(series.zone), cat))
    else:
        title = cat.text("agenda.header_unscheduled")
    if not items:
        parts.append(title + Text.of("\n") + cat.text("agenda.empty", prefix=ctx.prefix))
    else:
        next_start = meeting.scheduled_start or meeting.started_at if meeting else soonest[1].original if soonest else None
        lines = agenda_lines(items, next_start, zone, cat, ctx.room)
        parts.append(listing(title, lines, lambda n: cat.text("list.more_agenda", n=n, prefix=ctx.prefix)))
    due_by = soonest[1].start.astimezone(zone).date() if soonest else None
    followups = await followup_lines(ctx.tx, room_id, due_by, ctx.now.astimezone(zone).date(), cat, ctx.room)
    if followups:
        parts.append(listing(cat.text("agenda.followup"), followups, lambda n: cat.text("list.more_actions", n=n, prefix=ctx.prefix)))
    return Text.join(parts, "\n\n")


async def _add(ctx: Context, text: str) -> None:
    text = text.strip()
    if not text:
        raise UsageError("agenda.empty_text", usage="usage.agenda.add")
    if len(text) > MAX_ITEM:
        raise UsageError("text.too_long", usage="usage.agenda.add", limit=MAX_ITEM)
    guard(text)
    soonest = await next_in_room(ctx.tx, ctx.message.room_id, ctx.now)
    repo = AgendaRepo(ctx.tx)
    # The meeting an item is for is kept by its scheduled start, so moving that meeting carries nothing over.
    await repo.add(ctx.message.room_id, text, ctx.message.sender, soonest[1].original if soonest else None, ctx.now)
    number = len((await _numbered(ctx))[0])
    if soonest:
        series, occurrence = soonest
        ctx.reply(
            ctx.cat.text(
                "agenda.added", n=number, name=series.name, when=when(occurrence.start.astimezone(series.zone), ctx.cat)
            )
        )
    else:
        ctx.reply(ctx.cat.text("agenda.added_unscheduled", n=number))


async def _remove(ctx: Context, words: list[str]) -> None:
    with usage("usage.agenda.remove"):
        if len(words) != 1:
            raise UsageError("parse.number_missing")
        number = parse_number(words[0])
    items, _ = await _numbered(ctx)
    item = _item(items, number)
    if item.discussed:
        raise UsageError("agenda.already_discussed", n=number)
    if item.author != ctx.message.sender:
        try:
            ctx.require_moderator()
        except ForbiddenError:
            raise ForbiddenError("agenda.remove_forbidden", n=number, needed=ctx.settings.moderator_level) from None
    await AgendaRepo(ctx.tx).close(item.id, "removed", ctx.message.sender, ctx.now)
    shown = item.text if len(item.text) <= 200 else item.text[:199] + "…"
    ctx.reply(ctx.cat.text("agenda.removed", n=number, text=shown) + Text.of("\n\n") + await _agenda(ctx))


def _item(items: list[AgendaItem], number: int) -> AgendaItem:
    if number > len(items):
        raise NotFoundError("agenda.no_such_item", n=number, count=len(items))
    return items[number - 1]


async def _done(ctx: Context, rest: str) -> None:
    """`!agenda done <n> [note]`: in a meeting, item n was discussed."""
    ctx.require_moderator()
    words = rest.split(None, 1)
    with usage("usage.agenda.done"):
        if not words:
            raise UsageError("parse.number_missing")
        number = parse_number(words[0])
    items, meeting = await _numbered(ctx)
    if meeting is None:
        raise UsageError("meeting.none_open", prefix=ctx.prefix)
    item = _item(items, number)
    if item.discussed:
        raise UsageError("agenda.already_discussed", n=number)
    note = words[1].strip() if len(words) > 1 else None
    if note:
        if len(note) > MAX_ITEM:
            raise UsageError("text.too_long", usage="usage.agenda.done", limit=MAX_ITEM)
        guard(note)
    await AgendaRepo(ctx.tx).discuss(item.id, meeting.id, note, ctx.message.sender, ctx.now)
    ctx.reply(ctx.cat.text("agenda.discussed", n=number, text=item.text))


@REGISTRY.command(
    "agenda",
    aliases=("dagordning",),
    slash=("agenda", "agenda add {text}", "agenda remove {number}", "agenda done {number}"),
)
async def agenda_command(ctx: Context, args: str) -> None:
    if not args:
        ctx.reply(await _agenda(ctx))
        return
    head, _, rest = args.partition(" ")
    head = head.split("\n")[0]
    rest = args[len(head) :]
    sub = head.casefold()
    if sub in ADD:
        await _add(ctx, rest)
    elif sub in DONE:
        await _done(ctx, rest)
    elif sub in REMOVE:
        words = rest.split()
        if sub == "ta" and words[:1] == ["bort"]:  # "ta bort 2"
            words = words[1:]
        await _remove(ctx, words)
    else:
        raise UsageError("agenda.unknown", word=head)


async def agenda_section(ctx: ReminderContext) -> Text:
    """In a reminder: the numbered agenda so far, or the exact command to add an item."""
    items = await AgendaRepo(ctx.tx).open_items(ctx.series.room_id)
    if not items:
        return ctx.cat.text("agenda.empty", prefix=ctx.prefix)
    lines = agenda_lines(items, ctx.occurrence.original, ctx.series.zone, ctx.cat, None)
    more = lambda n: ctx.cat.text("list.more_agenda", n=n, prefix=ctx.prefix)  # noqa: E731
    return listing(ctx.cat.text("agenda.in_reminder"), lines, more)

