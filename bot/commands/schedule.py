"""`!schedule`: show the room's meeting series; moderators change schedule, reminders, place, single meetings."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.commands import REGISTRY
from bot.commands.context import Context
from bot.errors import NotFoundError, UsageError, usage
from bot.i18n import Catalogue, Text
from bot.i18n.dates import clock, day, span, when
from bot.meetings import describe, holiday_warning, next_in_room, next_of
from bot.privacy import guard
from bot.parsing import parse_date, parse_duration, parse_offsets, parse_time
from bot.schedule import Occurrence, Schedule, meeting_on, parse_schedule, to_utc
from bot.store.agenda import AgendaRepo
from bot.store.series import Series, SeriesRepo

DEFAULT_REMINDERS = (timedelta(days=1), timedelta(hours=1))
DEFAULT_DURATION = timedelta(minutes=30)
MAX_TEXT = 200

Sub = Callable[[Context, list[Series], int, list[str], str], Awaitable[None]]


def describe_schedule(schedule: Schedule, cat: Catalogue) -> str:
    at = clock(schedule.at, cat)
    if schedule.kind == "weekly":
        weekday = cat(f"weekday.{schedule.weekday}")
        if schedule.interval == 1:
            return cat("schedule.weekly", weekday=weekday, time=at)
        if schedule.interval == 2:
            return cat("schedule.biweekly", weekday=weekday, time=at)
        return cat("schedule.every_n", n=schedule.interval, weekday=weekday, time=at)
    if schedule.kind == "monthly":
        return cat("schedule.monthly", ordinal=cat(f"ordinal.{schedule.ordinal}"), weekday=cat(f"weekday.{schedule.weekday}"), time=at)
    return cat("schedule.rrule", rule=schedule.rrule_text, time=at)


def _reminders(series: Series, cat: Catalogue) -> str:
    if not series.reminders:
        return cat("schedule.no_reminders")
    spans = [span(r, cat) for r in series.reminders]
    listed = spans[0] if len(spans) == 1 else cat("list.and", first=", ".join(spans[:-1]), last=spans[-1])
    return cat("schedule.reminders", spans=listed)


async def _show(ctx: Context, all_series: list[Series]) -> None:
    cat = ctx.cat
    if not all_series:
        ctx.reply(cat.text("schedule.none", prefix=ctx.prefix))
        return
    repo = SeriesRepo(ctx.tx)
    blocks = [cat.text("schedule.header")]
    for number, series in enumerate(all_series, start=1):
        changes = await repo.changes(series.id)
        lines = [
            cat.text(
                "schedule.series",
                n=number,
                name=series.name,
                schedule=describe_schedule(series.schedule, cat),
                duration=span(series.duration, cat),
            ),
            Text.of(_reminders(series, cat)),
        ]
        if series.location:
            lines.append(cat.text("schedule.place", place=series.location))
        upcoming = next_of(series, changes, ctx.now)
        if upcoming:
            lines.append(cat.text("schedule.next", when=when(upcoming.start.astimezone(series.zone), cat)))
        for original, new in sorted(changes.items()):
            if (new or original) > ctx.now:
                was = day(original.astimezone(series.zone).date(), cat)
                if new is None:
                    lines.append(cat.text("schedule.skipped", day=was))
                else:
                    lines.append(cat.text("schedule.moved", day=was, when=when(new.astimezone(series.zone), cat)))
        blocks.append(Text.join(lines))
    ctx.reply(Text.join(blocks, "\n\n"))


def _today(ctx: Context, zone: ZoneInfo) -> date:
    return ctx.now.astimezone(zone).date()


def _future_date(ctx: Context, words: list[str], zone: ZoneInfo) -> date:
    value = parse_date(" ".join(words), _today(ctx, zone))
    if value < _today(ctx, zone):
        raise UsageError("schedule.past", date=value.isoformat())
    return value


def _upcoming_meeting_on(ctx: Context, series: Series, changes: dict, value: date) -> Occurrence:
    occurrence = meeting_on(series.schedule, series.anchor, series.zone, value, changes)
    if occurrence is None:
        raise NotFoundError("schedule.no_meeting_on", name=series.name, day=day(value, ctx.cat))
    if occurrence.start <= ctx.now:
        raise UsageError("schedule.past", date=value.isoformat())
    return occurrence


async def _set_schedule(ctx: Context, all_series: list[Series], index: int, words: list[str], raw: str) -> None:
    zone = ZoneInfo(all_series[index].zone.key if all_series else ctx.settings.timezone)
    today = _today(ctx, zone)
    duration = None
    try:
        schedule = parse_schedule(words, today, zone)
    except UsageError as error:
        # `weekly tuesday 09:00 45m`: a duration may follow the schedule.
        if len(words) < 2:
            raise
        try:
            duration = parse_duration(words[-1])
        except UsageError:
            raise error from None  # what was wrong with the schedule, not with a duration it did not have
        schedule = parse_schedule(words[:-1], today, zone)
    repo = SeriesRepo(ctx.tx)
    dropped = 0
    if all_series:
        series = all_series[index]
        fields = {"schedule": schedule, "anchor": today}
        if duration:
            fields["duration"] = duration
        await repo.update(series.id, ctx.now, **fields)
        # Skips and moves were made for meetings of the old schedule.
        dropped = await repo.forget_changes(series.id, ctx.now)
        series_id = series.id
    else:
        series_id = await repo.create(
            room_id=ctx.message.room_id,
            name=(ctx.room.name or ctx.cat("series.default_name"))[:MAX_TEXT],
            schedule=schedule,
            anchor=today,
            duration=duration or DEFAULT_DURATION,
            location="",
            reminders=DEFAULT_REMINDERS,
            zone=zone,
            now=ctx.now,
        )
    ctx.changed_series.add(series_id)
    series = await repo.get(series_id)
    text = ctx.cat.text("schedule.changed", name=series.name, schedule=describe_schedule(schedule, ctx.cat))
    if dropped:
        text = text + Text.of(" ") + ctx.cat.text("schedule.changes_dropped", n=dropped)
    upcoming = next_of(series, await repo.changes(series_id), ctx.now)
    if upcoming:
        text = text + Text.of("\n") + ctx.cat.text("next.line") + Text.of(" ") + describe(series, upcoming, ctx.cat)
        if warning := holiday_warning(series, upcoming, ctx.cat, ctx.prefix):
            text = text + Text.of("\n") + warning
    ctx.reply(text)


async def _set_reminders(ctx: Context, all_series: list[Series], index: int, words: list[str], raw: str) -> None:
    series = all_series[index]
    with usage("usage.schedule.reminders"):
        offsets = () if [w.casefold() for w in words] in (["off"], ["av"], ["inga"], ["none"]) else parse_offsets(words)
    if any(offset > timedelta(days=28) for offset in offsets):
        raise UsageError("schedule.reminder_too_early", usage="usage.schedule.reminders")
    await SeriesRepo(ctx.tx).update(series.id, ctx.now, reminders=offsets)
    ctx.changed_series.add(series.id)
    updated = await SeriesRepo(ctx.tx).get(series.id)
    ctx.reply(ctx.cat.text("schedule.reminders_changed", name=series.name, reminders=_reminders(updated, ctx.cat)))


async def _skip(ctx: Context, all_series: list[Series], index: int, words: list[str], raw: str) -> None:
    series = all_series[index]
    repo = SeriesRepo(ctx.tx)
    changes = await repo.changes(series.id)
    with usage("usage.schedule.skip"):
        if not words:
            raise UsageError("parse.date_missing")
        occurrence = _upcoming_meeting_on(ctx, series, changes, _future_date(ctx, words, series.zone))
    await repo.change_meeting(series.id, occurrence.original, None, ctx.message.sender, ctx.now)
    ctx.changed_series.add(series.id)
    local = occurrence.start.astimezone(series.zone)
    ctx.reply(ctx.cat.text("schedule.skip_done", name=series.name, when=when(local, ctx.cat)))


def _split_move(ctx: Context, series: Series, words: list[str]) -> tuple[date, date, time | None]:
    """`<date> <new date> [<HH:MM>]` where a date may be several words (`4 dec`, `vecka 50`)."""
    at: time | None = None
    body = words
    if len(words) >= 3:
        try:
            at = parse_time(words[-1])
            body = words[:-1]
        except UsageError:
            pass
    for cut in range(1, len(body)):
        try:
            return _future_date(ctx, body[:cut], series.zone), _future_date(ctx, body[cut:], series.zone), at
        except UsageError as error:
            if error.key == "schedule.past":
                raise
    if len(body) < 2:
        raise UsageError("parse.date_missing")
    raise UsageError("parse.date", value=" ".join(body))


async def _move(ctx: Context, all_series: list[Series], index: int, words: list[str], raw: str) -> None:
    series = all_series[index]
    repo = SeriesRepo(ctx.tx)
    changes = await repo.changes(series.id)
    with usage("usage.schedule.move"):
        old_day, new_day, at = _split_move(ctx, series, words)
        occurrence = _upcoming_meeting_on(ctx, series, changes, old_day)
        local = occurrence.start.astimezone(series.zone)
        new_start = to_utc(datetime.combine(new_day, at or local.time()), series.zone)
        if new_start <= ctx.now:
            raise UsageError("schedule.past", date=new_day.isoformat())
    await repo.change_meeting(series.id, occurrence.original, new_start, ctx.message.sender, ctx.now)
    ctx.changed_series.add(series.id)
    ctx.reply(
        ctx.cat.text(
            "schedule.move_done",
            name=series.name,
            old=when(local, ctx.cat),
            new=when(new_start.astimezone(series.zone), ctx.cat),
        )
    )


def _text_argument(raw: str, key: str) -> str:
    text = raw.split(None, 1)[1].strip() if len(raw.split(None, 1)) > 1 else ""
    if not text:
        raise UsageError("schedule.text_missing", usage=key)
    if len(text) > MAX_TEXT:
        raise UsageError("schedule.text_too_long", usage=key, limit=MAX_TEXT)
    guard(text)
    return text


async def _place(ctx: Context, all_series: list[Series], index: int, words: list[str], raw: str) -> None:
    series = all_series[index]
    text = _text_argument(raw, "usage.schedule.place")
    await SeriesRepo(ctx.tx).update(series.id, ctx.now, location=text)
    ctx.changed_series.add(series.id)
    ctx.reply(ctx.cat.text("schedule.place_done", name=series.name, place=text))


async def _name(ctx: Context, all_series: list[Series], index: int, words: list[str], raw: str) -> None:
    series = all_series[index]
    text = _text_argument(raw, "usage.schedule.name")
    if any(s.name == text and s.id != series.id for s in all_series):
        raise UsageError("schedule.name_taken", usage="usage.schedule.name", name=text)
    await SeriesRepo(ctx.tx).update(series.id, ctx.now, name=text)
    ctx.changed_series.add(series.id)
    ctx.reply(ctx.cat.text("schedule.name_done", old=series.name, name=text))


SUBCOMMANDS: dict[str, Sub] = {
    "reminders": _set_reminders, "påminnelser": _set_reminders, "påminnelse": _set_reminders,
    "skip": _skip, "hoppa": _skip, "ställin": _skip, "inställt": _skip,
    "move": _move, "flytta": _move,
    "place": _place, "plats": _place,
    "name": _name, "namn": _name,
}  # fmt: skip


@REGISTRY.command(
    "schedule",
    aliases=("schema",),
    slash=(
        "schedule",
        "schedule weekly {weekday} {time}",
        "schedule reminders {offsets}",
        "schedule skip {date}",
        "schedule move {date} {newdate}",
    ),
)
async def schedule_command(ctx: Context, args: str) -> None:
    all_series = await SeriesRepo(ctx.tx).in_room(ctx.message.room_id)
    words = args.split()
    if not words:
        await _show(ctx, all_series)
        return
    ctx.require_moderator()
    index = 0
    if words[0].isdigit():
        index = int(words[0]) - 1
        if not 0 <= index < len(all_series):
            raise NotFoundError("schedule.no_such_series", n=words[0], prefix=ctx.prefix)
        words = words[1:]
        args = args.strip().split(None, 1)[1] if len(words) else ""
    if not words:
        raise UsageError("schedule.missing")
    sub = SUBCOMMANDS.get(words[0].casefold())
    if sub is None:
        await _set_schedule(ctx, all_series, index, words, args)
        return
    if not all_series:
        raise NotFoundError("schedule.none", prefix=ctx.prefix)
    await sub(ctx, all_series, index, words[1:], args)


@REGISTRY.command("next", aliases=("nästa", "nasta"))
async def next_command(ctx: Context, args: str) -> None:
    soonest = await next_in_room(ctx.tx, ctx.message.room_id, ctx.now)
    if soonest is None:
        ctx.reply(ctx.cat.text("next.none", prefix=ctx.prefix))
        return
    series, upcoming = soonest
    items = len(await AgendaRepo(ctx.tx).open_items(ctx.message.room_id))
    text = ctx.cat.text("next.line") + Text.of(" ") + describe(series, upcoming, ctx.cat)
    text = text + Text.of(" ") + ctx.cat.text("next.items.one" if items == 1 else "next.items.many", n=items)
    if warning := holiday_warning(series, upcoming, ctx.cat, ctx.prefix):
        text = text + Text.of("\n") + warning
    ctx.reply(text)
