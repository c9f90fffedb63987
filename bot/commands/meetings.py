"""`!meeting start|end`, `!here`, `!decision`, `!minutes`: holding a meeting and keeping its minutes."""

from __future__ import annotations

from datetime import timedelta

from bot.commands import REGISTRY
from bot.commands.actions import action_line
from bot.commands.agenda import agenda_lines
from bot.commands.context import Context
from bot.errors import NotFoundError, UsageError
from bot.i18n import Text
from bot.i18n.dates import when
from bot.minutes import close
from bot.parsing import parse_date
from bot.privacy import guard
from bot.render import listing
from bot.schedule import occurrences
from bot.store.actions import ActionRepo
from bot.store.agenda import AgendaRepo
from bot.store.meetings import Meeting, MeetingRepo
from bot.store.series import SeriesRepo

# A meeting started this long before or after a scheduled one is that one; otherwise it is ad hoc.
NEAR = timedelta(hours=3)
AD_HOC_LENGTH = timedelta(hours=1)
MAX_DECISION = 2000

START = ("start", "börja", "starta", "öppna")
END = ("end", "slut", "avsluta", "stäng")


async def open_meeting(ctx: Context) -> Meeting:
    meeting = await MeetingRepo(ctx.tx).open_in(ctx.message.room_id)
    if meeting is None:
        raise UsageError("meeting.none_open", prefix=ctx.prefix)
    return meeting


async def _current_occurrence(ctx: Context):
    """The scheduled meeting nearest to now, within NEAR on either side; else None (an ad-hoc meeting)."""
    repo = SeriesRepo(ctx.tx)
    best = None
    for series in await repo.in_room(ctx.message.room_id):
        changes = await repo.changes(series.id)
        for occurrence in occurrences(series.schedule, series.anchor, series.zone, ctx.now - NEAR, changes):
            if occurrence.start > ctx.now + NEAR:
                break
            distance = abs(occurrence.start - ctx.now)
            if best is None or distance < best[0]:
                best = (distance, series, occurrence)
    return best[1:] if best else None


async def _start(ctx: Context) -> None:
    ctx.require_moderator()
    meetings = MeetingRepo(ctx.tx)
    running = await meetings.open_in(ctx.message.room_id)
    if running:
        started = when(running.started_at.astimezone(running.zone), ctx.cat)
        raise UsageError("meeting.already_open", name=running.name, when=started, prefix=ctx.prefix)
    current = await _current_occurrence(ctx)
    if current:
        series, occurrence = current
        name, zone, start, end = series.name, series.zone, occurrence.start, occurrence.start + series.duration
        series_id = series.id
    else:
        name = ctx.room.name or ctx.cat("series.default_name")
        zone, start, end, series_id = ctx.zone, None, ctx.now + AD_HOC_LENGTH, None
    meeting_id = await meetings.start(
        ctx.message.room_id, series_id, name, zone, start, end, ctx.message.sender, ctx.now
    )
    await meetings.note_participant(
        meeting_id, ctx.message.sender, ctx.room.display(ctx.message.sender), "wrote", ctx.now
    )
    ctx.changed_meetings.add(meeting_id)
    today = ctx.now.astimezone(zone).date()
    parts = [ctx.cat.text("meeting.started", name=name, when=when(ctx.now.astimezone(zone), ctx.cat), prefix=ctx.prefix)]
    items = await AgendaRepo(ctx.tx).open_items(ctx.message.room_id)
    if items:
        lines = agenda_lines(items, start, zone, ctx.cat, ctx.room)
        parts.append(listing(ctx.cat.text("agenda.in_reminder"), lines, lambda n: ctx.cat.text("list.more_agenda", n=n, prefix=ctx.prefix)))
    followups = await ActionRepo(ctx.tx).in_room(ctx.message.room_id)
    if followups:
        lines = [action_line(a, today, ctx.cat, ctx.room) for a in followups]
        parts.append(listing(ctx.cat.text("meeting.followup"), lines, lambda n: ctx.cat.text("list.more_actions", n=n, prefix=ctx.prefix)))
    ctx.reply(Text.join(parts, "\n\n"))


async def _end(ctx: Context) -> None:
    ctx.require_moderator()
    meeting = await open_meeting(ctx)
    ctx.reply(await close(ctx.tx, meeting, ctx.message.sender, ctx.now, ctx.cat, False, ctx.room.names))
    ctx.changed_meetings.add(meeting.id)


@REGISTRY.command("meeting", aliases=("möte", "mote"), slash=("meeting start", "meeting end"))
async def meeting_command(ctx: Context, args: str) -> None:
    word = args.strip().casefold()
    if word in START:
        await _start(ctx)
    elif word in END:
        await _end(ctx)
    else:
        raise UsageError("meeting.what")


@REGISTRY.command("here", aliases=("närvarande", "narvarande"))
async def here_command(ctx: Context, args: str) -> None:
    meeting = await open_meeting(ctx)
    sender = ctx.message.sender
    await MeetingRepo(ctx.tx).note_participant(meeting.id, sender, ctx.room.display(sender), "here", ctx.now)
    ctx.reply(ctx.cat.text("meeting.here", who=ctx.room.display(sender), name=meeting.name))


@REGISTRY.command("decision", aliases=("beslut",), slash=("decision {text}",))
async def decision_command(ctx: Context, args: str) -> None:
    ctx.require_moderator()
    meeting = await open_meeting(ctx)
    text = args.strip()
    if not text:
        raise UsageError("decision.empty")
    if len(text) > MAX_DECISION:
        raise UsageError("text.too_long", limit=MAX_DECISION)
    guard(text)
    repo = MeetingRepo(ctx.tx)
    await repo.decide(meeting.id, text, ctx.message.sender, ctx.now)
    ctx.reply(ctx.cat.text("decision.recorded", n=len(await repo.decisions(meeting.id)), text=text))


@REGISTRY.command("minutes", aliases=("protokoll",), slash=("minutes", "minutes {date}"))
async def minutes_command(ctx: Context, args: str) -> None:
    held = await MeetingRepo(ctx.tx).ended_in(ctx.message.room_id)
    if not held:
        raise NotFoundError("minutes.none_yet")
    word = args.strip()
    if word.casefold() in ("", "last", "senaste", "sista"):
        meeting = held[-1]
    else:
        wanted = parse_date(word, ctx.today, past=True)
        found = [m for m in held if m.started_at.astimezone(m.zone).date() == wanted]
        if not found:
            raise NotFoundError("minutes.none_on", date=wanted.isoformat())
        meeting = found[-1]
    ctx.reply(Text.of(meeting.minutes or ""))
