"""Held meetings: `!meeting start|end`, `!here`, `!decision`, `!minutes`. Whoever writes during a meeting takes
part in it; a meeting left open is closed by a timed job; a closed meeting's minutes follow as a Markdown file."""

from __future__ import annotations

import logging
from collections.abc import Hashable
from datetime import date, datetime

from bot.commands.context import Context
from bot.commands.registry import Arg, plain
from bot.errors import NotFoundError, StateError, UsageError
from bot.feature import Effects, Feature, Seen, Services
from bot.features.actions import followups
from bot.features.agenda import more_items
from bot.followup import upcoming
from bot.i18n import Catalogue, Text
from bot.i18n.dates import when
from bot.minutes import close
from bot.names import MemberNames
from bot.occurrences import current_in_room, next_in_room
from bot.parsing import checked_text, parse_date, parse_from
from bot.policy import AD_HOC_LENGTH, MAX_BODY
from bot.render import file_message, listing, markdown_blocks, markdown_page, notice
from bot.store.actions import ActionRepo
from bot.store.agenda import AgendaRepo
from bot.store.db import Connection
from bot.store.meetings import Meeting, MeetingRepo
from bot.store.outbox import OutboxRepo
from bot.views.agenda import agenda_lines
from bot.views.minutes import filename

log = logging.getLogger(__name__)

feature = Feature("meetings")
CLOSE = "meeting-close"


async def open_meeting(ctx: Context) -> Meeting:
    meeting = await MeetingRepo(ctx.tx).open_in(ctx.message.room_id)
    if meeting is None:
        raise StateError("meeting.none_open", prefix=ctx.prefix)
    return meeting


meeting = feature.command("meeting", "mote", sv="möte", group="during", unknown="meeting.what")


EARLY = ("now", "nu")
EXTRA = ("extra",)


def _which(ctx: Context, text: str) -> str:
    """`nu`: the next scheduled meeting, started early; `extra`: a meeting besides the schedule."""
    word = text.casefold()
    if word in EARLY:
        return "now"
    if word in EXTRA:
        return "extra"
    raise UsageError("meeting.which", value=text)


@meeting.sub("start", "börja", "öppna", sv="starta", args=[Arg("which", _which, optional=True)], moderator=True)
async def _start(ctx: Context, which: str | None) -> None:
    meetings = MeetingRepo(ctx.tx)
    room_id = ctx.message.room_id
    running = await meetings.open_in(room_id)
    if running:
        started = when(running.started_at.astimezone(running.zone), ctx.cat)
        raise StateError("meeting.already_open", name=running.name, when=started, prefix=ctx.prefix)
    current = None if which == "extra" else await current_in_room(ctx.tx, room_id, ctx.now)
    soonest = await next_in_room(ctx.tx, room_id, ctx.now)
    if current is None and which == "now" and soonest:
        current = soonest  # started early: it is still that meeting, with its agenda and name
    if current is None and which is None and soonest:
        # Well before the next meeting: no ad-hoc meeting named after the room without being asked for.
        series, occurrence = soonest
        word = f"{ctx.prefix}{meeting.sub_word('start', ctx.cat)}"
        next_when = when(occurrence.start.astimezone(series.zone), ctx.cat)
        raise StateError("meeting.not_yet", name=series.name, when=next_when, command=word)
    if current:
        series, occurrence = current
        name, zone, start, end = series.name, series.zone, occurrence.start, occurrence.start + series.duration
        series_id = series.id
    else:
        if soonest:  # an extra meeting of the room's group carries the series' name
            name = ctx.cat("meeting.extra_name", name=soonest[0].name)
        else:
            name = ctx.room.name or ctx.cat("series.default_name")
        zone, start, end, series_id = ctx.zone, None, ctx.now + AD_HOC_LENGTH, None
    meeting_id = await meetings.start(ctx.message.room_id, series_id, name, zone, start, end, ctx.message.sender, ctx.now)
    await meetings.note_participant(meeting_id, ctx.message.sender, ctx.room.display(ctx.message.sender), "wrote", ctx.now)
    ctx.effects.emit("meeting_opened", meeting_id)
    ctx.effects.wake(CLOSE, meeting_id)
    cat, prefix = ctx.cat, ctx.prefix
    today = ctx.now.astimezone(zone).date()
    opened = cat.text("meeting.started", name=name, when=when(ctx.now.astimezone(zone), cat), prefix=prefix)
    found = upcoming(await ActionRepo(ctx.tx).in_room(ctx.message.room_id), today)
    listed = followups(cat.text("meeting.followup"), found, today, cat, ctx.room, prefix)
    parts = [opened]
    items = await AgendaRepo(ctx.tx).open_items(ctx.message.room_id)
    if items:
        # The agenda the meeting works through gets what the message has left, not a share of it.
        space = MAX_BODY - len(opened.plain) - (len(listed.plain) if listed else 0) - 4
        lines = agenda_lines(items, start, zone, cat, ctx.room)
        parts.append(listing(cat.text("agenda.in_reminder"), lines, more_items(cat, prefix), budget=space))
    ctx.reply(Text.join([*parts, *([listed] if listed else [])], "\n\n"))


@meeting.sub("end", "avsluta", "stäng", "stopp", "stop", sv="slut", moderator=True)
async def _end(ctx: Context) -> None:
    running = await open_meeting(ctx)
    shows = await _shows(ctx.tx, running, ctx.cat, ctx.prefix)
    ctx.reply(await close(ctx.tx, running, ctx.message.sender, ctx.now, ctx.cat, ctx.room.names, shows))
    ctx.effects.emit("meeting_closed", running.id)
    ctx.effects.wake(CLOSE, running.id)


here = feature.command("here", "narvarande", sv="närvarande", group="during")


@here.form()
async def _here(ctx: Context) -> None:
    running = await open_meeting(ctx)
    sender = ctx.message.sender
    await MeetingRepo(ctx.tx).note_participant(running.id, sender, ctx.room.display(sender), "here", ctx.now)
    ctx.reply(ctx.cat.text("meeting.here", who=ctx.room.display(sender), name=running.name))


decision = feature.command("decision", sv="beslut", group="during", unknown="decision.empty")


@decision.form(Arg("text", plain(checked_text), rest=True, missing="decision.empty"), moderator=True)
async def _decide(ctx: Context, text: str) -> None:
    running = await open_meeting(ctx)
    repo = MeetingRepo(ctx.tx)
    ctx.created(await repo.decide(running.id, text, ctx.message.sender, ctx.now))
    ctx.reply(ctx.cat.text("decision.recorded", n=len(await repo.decisions(running.id)), text=text))


async def _decision_howto(ctx: Context, decision_id: int) -> Text:
    return ctx.cat.text("decision.edit_howto", command=f"{ctx.prefix}{decision.word(ctx.cat)}")


@decision.follows_edits("text", howto=_decision_howto)
async def _redecide(ctx: Context, decision_id: int, text: str) -> None:
    """`!beslut` edited while its meeting runs: the decision reads as the edit says. The minutes are written when the
    meeting ends; after that, a decision stays as it was."""
    running = await MeetingRepo(ctx.tx).open_in(ctx.message.room_id)
    decided = await MeetingRepo(ctx.tx).decisions(running.id) if running else []
    number = next((n for n, d in enumerate(decided, 1) if d.id == decision_id), None)
    if number is None:
        raise StateError("decision.edit_closed")
    await MeetingRepo(ctx.tx).redecide(decision_id, text)
    ctx.reply(ctx.cat.text("decision.recorded", n=number, text=text))


minutes = feature.command("minutes", sv="protokoll", group="after")


def _day(held: Meeting) -> date:
    return held.started_at.astimezone(held.zone).date()


def _on_day(held: list[Meeting], day: date) -> list[Meeting]:
    """The meetings held on a local day, in the order they were held."""
    return [m for m in held if _day(m) == day]


async def _number_in_day(tx: Connection, held: Meeting) -> int:
    """Which of its day's meetings this is, in the order they were held: the same before and after it ends."""
    same_day = _on_day(await MeetingRepo(tx).ended_in(held.room_id), _day(held))
    return 1 + sum(1 for m in same_day if (m.started_at, m.id) < (held.started_at, held.id))


def _command(held: Meeting, number: int, cat: Catalogue, prefix: str) -> str:
    return f"{prefix}{minutes.word(cat)} {_day(held).isoformat()} {number}"


async def _shows(tx: Connection, held: Meeting, cat: Catalogue, prefix: str) -> str:
    """`!protokoll 2026-12-01 1`: the command that shows this meeting's minutes, whatever is held after it."""
    return _command(held, await _number_in_day(tx, held), cat, prefix)


async def _held(ctx: Context) -> list[Meeting]:
    held = await MeetingRepo(ctx.tx).ended_in(ctx.message.room_id)
    if not held:
        raise NotFoundError("minutes.none_yet")
    return held


def _position(ctx: Context, text: str) -> int:
    """`från 31`: where minutes too long for one message go on."""
    rest, start = parse_from(text)
    if rest or start is None:
        raise UsageError("parse.unknown", value=text)
    return start


START = Arg("start", _position, rest=True, optional=True)


async def _show(ctx: Context, held: list[Meeting], shown: Meeting, start: int | None) -> None:
    """One meeting's minutes, rendered, from line `start` on; one too long for a message ends with the command
    that shows the rest. With two meetings on its day, the first page says which this is and names the others."""
    same_day = _on_day(held, _day(shown))
    number = same_day.index(shown) + 1
    blocks = markdown_blocks(shown.minutes or "")
    if start is not None and start > len(blocks):
        raise NotFoundError("minutes.no_such_line", count=len(blocks))
    parts = []
    if len(same_day) > 1 and start is None:
        others = [
            Text.of(_command(m, n, ctx.cat, ctx.prefix), code=True) for n, m in enumerate(same_day, 1) if m is not shown
        ]
        which = ctx.cat.text_count("minutes.of_day", len(same_day), which=number)
        parts.append(which + Text.of(" ") + Text.join(others, ", "))
    command = f"{_command(shown, number, ctx.cat, ctx.prefix)} {ctx.cat('list.from')}"
    more = lambda n, position: ctx.cat.text_count("minutes.more", n, command=f"{command} {position}")  # noqa: E731
    space = MAX_BODY - sum(len(part.plain) + 2 for part in parts)
    parts.append(markdown_page(blocks, more, budget=space, first=start or 1))
    ctx.reply(Text.join(parts, "\n\n"))


@minutes.sub("last", "sista", sv="senaste", args=[START])
@minutes.form(START)  # declared first: decorators apply from the bottom
async def _last(ctx: Context, start: int | None) -> None:
    held = await _held(ctx)
    await _show(ctx, held, held[-1], start)


def _past_date(ctx: Context, text: str) -> tuple[date, int | None, int | None]:
    """`1/12`, `1/12 2` for the second meeting held that day, and either with `från 31` after it."""
    text, start = parse_from(text)
    try:
        return parse_date(text, ctx.today, past=True), None, start
    except UsageError:
        head, _, last = text.rpartition(" ")
        if not (head and last.isdigit() and 0 < int(last) < 10):
            raise
        return parse_date(head, ctx.today, past=True), int(last), start


@minutes.form(Arg("date", _past_date, rest=True))
async def _on(ctx: Context, wanted: tuple[date, int | None, int | None]) -> None:
    day, number, start = wanted
    held = await _held(ctx)
    found = _on_day(held, day)
    if not found:
        raise NotFoundError("minutes.none_on", date=day.isoformat())
    if number is not None and number > len(found):
        raise NotFoundError("minutes.no_such_number", date=day.isoformat(), number=number, count=len(found))
    await _show(ctx, held, found[(number or len(found)) - 1], start)


@feature.on("messages")
async def note_presence(services: Services, seen: tuple[Seen, ...]) -> None:
    """Whoever writes during a meeting takes part in it; `!here` is how a listener is counted, not speaking. Chat
    outside a meeting costs one read per batch; during one, the batch's writers are noted in one transaction."""
    writers = [s for s in seen if s.command != "here"]
    if not writers:
        return
    room_id = writers[0].message.room_id  # a batch is one room's
    async with services.db.reading() as conn:
        running = await MeetingRepo(conn).open_in(room_id)
    if running is None:
        return
    async with services.db.transaction() as tx:
        repo, now = MeetingRepo(tx), services.clock.now()
        for one in writers:
            await repo.note_participant(running.id, one.message.sender, one.sender_name, "wrote", now)


@feature.on("meeting_closed")
async def post_minutes_file(services: Services, meeting_id: int) -> None:
    """Attach a closed meeting's minutes as a Markdown file, once: the outbox entry is the record, and the
    outbox uploads it when it is sent (after the minutes notice, queued before it)."""
    txn = f"sb-minutes-file-{meeting_id}"
    async with services.db.transaction() as tx:
        outbox = OutboxRepo(tx)
        repo = MeetingRepo(tx)
        held = await repo.get(meeting_id)
        if held is None or held.minutes is None or await outbox.has(txn):
            return
        data = held.minutes.encode()
        content = file_message(filename(held, services.cat, await _number_in_day(tx, held)), "text/markdown", len(data))
        await outbox.add(held.room_id, txn, content, services.clock.now(), file=data)


@feature.job(CLOSE)
async def close_job(services: Services, keys: frozenset[Hashable] | None, effects: Effects) -> dict[Hashable, datetime | None]:
    """Close these meetings (every open one when None) once they are left open past their planned end by the
    close-after setting, and say when the others will be; every meeting closed has its minutes file follow. At
    start, closed meetings whose file was never queued (a crash right after closing) get it too."""
    now, after = services.clock.now(), services.settings.close_after
    async with services.db.reading() as conn:
        closing = [m.room_id for m in await _open(conn, keys) if m.scheduled_end + after <= now]
    names = await services.names_in(closing)
    later: dict[Hashable, datetime | None] = {}
    async with services.db.transaction() as tx:
        if keys is None:
            for meeting_id in await MeetingRepo(tx).without_file():
                effects.emit("meeting_closed", meeting_id)
        for held in await _open(tx, keys):
            if held.scheduled_end + after <= now:
                known = names.get(held.room_id, MemberNames()).names
                shows = await _shows(tx, held, services.cat, services.prefix)
                text = await close(tx, held, "", now, services.cat, known, shows, closed_after=after)
                await OutboxRepo(tx).add(held.room_id, f"sb-minutes-{held.id}", notice(text), now)
                log.info("meeting %s in %s closed automatically", held.id, held.room_id)
                effects.emit("meeting_closed", held.id)
                later[held.id] = None
            else:
                later[held.id] = held.scheduled_end + after
        later.update({key: None for key in keys or () if key not in later})
    return later


async def _open(conn: Connection, keys: frozenset[Hashable] | None) -> list[Meeting]:
    """These meetings (every open one when None) that are still open."""
    repo = MeetingRepo(conn)
    if keys is None:
        return await repo.all_open()
    return [m for key in keys if (m := await repo.get(key)) and m.ended_at is None]
