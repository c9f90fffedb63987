"""Meeting series: `!schedule` shows them and lets moderators change schedule, reminders, place, name and single
meetings; `!next` tells the next meeting; the reminders job posts each reminder exactly once."""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot import premeeting
from bot.commands.context import Context
from bot.commands.registry import Arg
from bot.errors import NotFoundError, StateError, UsageError
from bot.feature import Effects, Feature, Services
from bot.i18n import Catalogue, Text
from bot.i18n.dates import clock, day, span, when
from bot.names import MemberNames
from bot.occurrences import next_in_room, next_of
from bot.parsing import parse_date, parse_duration, parse_offsets, parse_time
from bot.policy import DEFAULT_DURATION, DEFAULT_REMINDERS, MAX_NAME, MAX_REMINDER_BEFORE, REPORT_NUDGE_AT, SITUATION_AT
from bot.privacy import guard
from bot.reminders import ReminderContext, decide, next_due
from bot.reporting import due_at as report_nudge_due_at
from bot.render import listing, notice
from bot.schedule import Occurrence, Schedule, meeting_on, parse_schedule, to_utc, under_new_schedule
from bot.store.agenda import AgendaRepo
from bot.store.db import Connection
from bot.store.outbox import OutboxRepo
from bot.store.premeeting import NUDGE_CLAIMS, SITUATION_CLAIMS, PremeetingRepo
from bot.store.reminders import ReminderRepo
from bot.store.series import Changes, Series, SeriesRepo
from bot.views.occurrence import describe, holiday_warning
from bot.views.reminder import reminder_text
from bot.views.series import describe_reminders, describe_schedule

log = logging.getLogger(__name__)

feature = Feature("series")
REMINDERS = "reminders"
REPORT_NUDGES = "report_nudges"
SITUATION_POSTS = "situation_posts"


def _rescheduled(ctx: Context, series_id: int) -> None:
    """A series changed: its reminders, its reporting nudges and its situation pictures are looked at again."""
    ctx.effects.wake(REMINDERS, series_id)
    ctx.effects.wake(REPORT_NUDGES, series_id)
    ctx.effects.wake(SITUATION_POSTS, series_id)


def _series_number(ctx: Context, text: str) -> int:
    return int(text)


def _offsets(ctx: Context, text: str) -> tuple:
    words = text.split()
    if [w.casefold() for w in words] in (["off"], ["av"], ["inga"], ["none"]):
        return ()
    offsets = parse_offsets(words)
    if any(offset > MAX_REMINDER_BEFORE for offset in offsets):
        raise UsageError("schedule.reminder_too_early")
    return offsets


def _short_text(ctx: Context, text: str) -> str:
    if len(text) > MAX_NAME:
        raise UsageError("schedule.text_too_long", limit=MAX_NAME)
    guard(text)
    return text


schedule = feature.command(
    "schedule", sv="schema", group="settings", unknown="schedule.missing", selector=Arg("series", _series_number)
)


async def _pick(ctx: Context, number: int | None) -> tuple[list[Series], int]:
    """The room's series and which one a command means: the first, unless a number says otherwise."""
    all_series = await SeriesRepo(ctx.tx).in_room(ctx.message.room_id)
    index = 0 if number is None else number - 1
    if number is not None and not 0 <= index < len(all_series):
        raise NotFoundError("schedule.no_such_series", n=number, prefix=ctx.prefix)
    return all_series, index


async def _one(ctx: Context, number: int | None) -> Series:
    all_series, index = await _pick(ctx, number)
    if not all_series:
        raise NotFoundError("schedule.none", prefix=ctx.prefix)
    return all_series[index]


def _change_lines(series: Series, changes: Changes, cat: Catalogue) -> list[Text]:
    """`Inställt: tisdag 8 december 2026`, `Flyttat: tisdag 15 december 2026 → onsdag 16 december 2026 kl. 10.00`."""
    lines = []
    for original, new in sorted(changes.items()):
        was = day(original.astimezone(series.zone).date(), cat)
        if new is None:
            lines.append(cat.text("schedule.skipped", day=was))
        else:
            lines.append(cat.text("schedule.moved", day=was, when=when(new.astimezone(series.zone), cat)))
    return lines


@schedule.form()
async def _show(ctx: Context, number: int | None) -> None:
    cat = ctx.cat
    all_series, _ = await _pick(ctx, number)
    if not all_series:
        ctx.reply(cat.text("schedule.none", prefix=ctx.prefix))
        return
    repo = SeriesRepo(ctx.tx)
    blocks = [cat.text("schedule.header")]
    for n, series in enumerate(all_series, start=1):
        changes = await repo.changes(series.id)
        lines = [
            cat.text(
                "schedule.series",
                n=n,
                name=series.name,
                schedule=describe_schedule(series.schedule, cat),
                duration=span(series.duration, cat),
            ),
            Text.of(describe_reminders(series, cat)),
            cat.text("schedule.posts", situation=_situation_at(series, cat), nudge=_report_nudge_at(series, cat)),
        ]
        if series.location:
            lines.append(cat.text("schedule.place", place=series.location))
        upcoming = next_of(series, changes, ctx.now)
        if upcoming:
            lines.append(cat.text("schedule.next", when=when(upcoming.start.astimezone(series.zone), cat)))
        ahead = {original: new for original, new in changes.items() if (new or original) > ctx.now}
        lines += _change_lines(series, ahead, cat)
        blocks.append(Text.join(lines))
    ctx.reply(Text.join(blocks, "\n\n"))


def _read_schedule(words: list[str], today: date, zone: ZoneInfo) -> tuple[Schedule, timedelta | None]:
    """`veckovis tisdag 09:00 45 min`: the schedule, and the length of one or two words that may follow it."""
    try:
        return parse_schedule(words, today, zone), None
    except UsageError as error:
        for cut in (2, 1):
            if len(words) > cut:
                try:
                    duration = parse_duration(" ".join(words[-cut:]))
                except UsageError:
                    continue
                return parse_schedule(words[:-cut], today, zone), duration
        raise error from None  # what was wrong with the schedule, not with a duration it did not have


CONFIRM = Arg("confirm", flag="confirm", sv="bekräfta", aliases=("bekrafta",))
"""Said after a new schedule that drops skips or moves: change it all the same."""


@schedule.form(Arg("schedule", rest=True, missing="schedule.missing"), CONFIRM, moderator=True)
async def _set_schedule(ctx: Context, number: int | None, text: str, confirmed: bool) -> None:
    """`weekly tuesday 09:00 [45m] [confirm]`: a new series, or the new schedule of one. Skips and moves the new
    schedule has no meeting for are listed and nothing changes, unless the command ends with the confirmation."""
    all_series, index = await _pick(ctx, number)
    words = text.split()
    zone = ZoneInfo(all_series[index].zone.key if all_series else ctx.settings.timezone)
    today = ctx.now.astimezone(zone).date()
    parsed, duration = _read_schedule(words, today, zone)
    repo = SeriesRepo(ctx.tx)
    kept: Changes = {}
    dropped: Changes = {}
    if all_series:
        series = all_series[index]
        # The same schedule again (with a new length, say) keeps its meetings: every other week keeps its weeks.
        anchor = series.anchor if parsed.spec == series.schedule.spec else today
        kept, dropped = under_new_schedule(parsed, anchor, zone, await repo.changes(series.id), ctx.now)
        if dropped and not confirmed:
            ctx.reply(_would_drop(ctx, series, dropped, number, words))
            return
        fields = {"schedule": parsed, "anchor": anchor}
        if duration:
            fields["duration"] = duration
        await repo.update(series.id, ctx.now, **fields)
        await repo.drop_changes(series.id, dropped)
        series_id = series.id
    else:
        series_id = await repo.create(
            room_id=ctx.message.room_id,
            name=(ctx.room.name or ctx.cat("series.default_name"))[:MAX_NAME],
            schedule=parsed,
            anchor=today,
            duration=duration or DEFAULT_DURATION,
            location="",
            reminders=DEFAULT_REMINDERS,
            zone=zone,
            now=ctx.now,
        )
    _rescheduled(ctx, series_id)
    series = await repo.get(series_id)
    reply = ctx.cat.text("schedule.changed", name=series.name, schedule=describe_schedule(parsed, ctx.cat))
    if dropped:
        reply = reply + Text.of(" ") + ctx.cat.text_count("schedule.changes_dropped", len(dropped))
    if kept:
        reply = reply + Text.of(" ") + ctx.cat.text_count("schedule.changes_kept", len(kept))
    upcoming = next_of(series, await repo.changes(series_id), ctx.now)
    if upcoming:
        reply = reply + Text.of("\n") + ctx.cat.text("next.line") + Text.of(" ") + describe(series, upcoming, ctx.cat)
        if warning := holiday_warning(series, upcoming, ctx.cat, ctx.prefix):
            reply = reply + Text.of("\n") + warning
    ctx.reply(reply)


def _would_drop(ctx: Context, series: Series, dropped: Changes, number: int | None, words: list[str]) -> Text:
    """The skips and moves a new schedule would drop, and the command that changes it all the same."""
    cat = ctx.cat
    again = " ".join([f"{ctx.prefix}{schedule.word(cat)}", *([str(number)] if number else []), *words, CONFIRM.word(cat)])
    return Text.join(
        [
            listing(
                cat.text_count("schedule.would_drop", len(dropped), name=series.name),
                _change_lines(series, dropped, cat),
                lambda left, _: cat.text_count("schedule.would_drop_more", left, prefix=ctx.prefix),
            ),
            cat.text("schedule.confirm", command=again),
        ]
    )


@schedule.sub(
    "reminders", "påminnelse", sv="påminnelser",
    args=[Arg("offsets", _offsets, rest=True, missing="parse.offsets_missing")],
    moderator=True,
)  # fmt: skip
async def _set_reminders(ctx: Context, number: int | None, offsets: tuple) -> None:
    series = await _one(ctx, number)
    await SeriesRepo(ctx.tx).update(series.id, ctx.now, reminders=offsets)
    _rescheduled(ctx, series.id)
    updated = await SeriesRepo(ctx.tx).get(series.id)
    ctx.reply(ctx.cat.text("schedule.reminders_changed", name=series.name, reminders=describe_reminders(updated, ctx.cat)))


def _future_date(ctx: Context, words: list[str], zone: ZoneInfo) -> date:
    today = ctx.now.astimezone(zone).date()
    value = parse_date(" ".join(words), today)
    if value < today:
        raise UsageError("schedule.past", date=value.isoformat())
    return value


def _upcoming_meeting_on(ctx: Context, series: Series, changes: Changes, value: date) -> Occurrence:
    occurrence = meeting_on(series.schedule, series.anchor, series.zone, value, changes)
    if occurrence is None:
        raise NotFoundError("schedule.no_meeting_on", name=series.name, day=day(value, ctx.cat))
    if occurrence.start <= ctx.now:
        raise UsageError("schedule.past", date=value.isoformat())
    return occurrence


@schedule.sub(
    "skip", "hoppa", "ställ in", "ställin", sv="inställt",
    args=[Arg("date", rest=True, missing="parse.date_missing")], moderator=True,
)  # fmt: skip
async def _skip(ctx: Context, number: int | None, text: str) -> None:
    series = await _one(ctx, number)
    repo = SeriesRepo(ctx.tx)
    changes = await repo.changes(series.id)
    occurrence = _upcoming_meeting_on(ctx, series, changes, _future_date(ctx, text.split(), series.zone))
    await repo.change_meeting(series.id, occurrence.original, None, ctx.message.sender, ctx.now)
    _rescheduled(ctx, series.id)
    local = occurrence.start.astimezone(series.zone)
    ctx.reply(ctx.cat.text("schedule.skip_done", name=series.name, when=when(local, ctx.cat)))


LONGEST_DATE = 4
"""No date is longer than "the day before yesterday" (four words)."""


def _read_move(words: list[str], today: date) -> tuple[list[str], list[str], time | None]:
    """`<date> <new date> [<HH:MM>]` cut into its parts, where a date may be several words (`4 dec`, `vecka 50`).
    When no cut reads as two dates, the error is that of the side that does not read (`31/2 3/3`: 31/2 does not
    exist)."""
    at: time | None = None
    body = words
    if len(words) >= 3:
        try:
            at = parse_time(words[-1])
            body = words[:-1]
        except UsageError:
            pass
    if len(body) < 2:
        raise UsageError("parse.date_missing")

    def unreadable(side: list[str]) -> UsageError | None:
        try:
            parse_date(" ".join(side), today)
        except UsageError as error:
            return error
        return None

    # The cut to blame reads the most words on one side; a specific error (31/2, week 54) says more than
    # "cannot read". Where nothing reads at all, the whole text is what cannot be read. Cuts leaving more words
    # on a side than a date has are not tried, so a long text costs a few reads, not one per word.
    blame: tuple[int, UsageError] | None = None
    for cut in range(max(1, len(body) - LONGEST_DATE), min(len(body) - 1, LONGEST_DATE) + 1):
        sides = (body[:cut], body[cut:])
        errors = [unreadable(side) for side in sides]
        if errors == [None, None]:
            return sides[0], sides[1], at
        read = sum(len(side) for side, error in zip(sides, errors) if error is None)
        error = next(error for error in errors if error is not None)
        weight = 2 * read + (error.key != "parse.date")
        if weight and (blame is None or weight > blame[0]):
            blame = (weight, error)
    if blame is None:
        raise UsageError("parse.date", value=" ".join(body))
    raise blame[1]


def _split_move(ctx: Context, series: Series, words: list[str]) -> tuple[date, date, time | None]:
    """The meeting's day, its new day, and the new time if one is given."""
    today = ctx.now.astimezone(series.zone).date()
    try:
        old, new, at = _read_move(words, today)
    except UsageError as error:
        # `1/12 2/12 blursday`: when the words before the last ones read, the last ones are what is not understood.
        for end in range(min(len(words) - 1, 2 * LONGEST_DATE + 1), 1, -1):
            try:
                _read_move(words[:end], today)
            except UsageError:
                continue
            raise UsageError("parse.extra", value=" ".join(words[end:])) from None
        raise error
    return _future_date(ctx, old, series.zone), _future_date(ctx, new, series.zone), at


@schedule.sub("move", sv="flytta", args=[Arg("dates", rest=True, missing="parse.date_missing")], moderator=True)
async def _move(ctx: Context, number: int | None, text: str) -> None:
    series = await _one(ctx, number)
    repo = SeriesRepo(ctx.tx)
    changes = await repo.changes(series.id)
    old_day, new_day, at = _split_move(ctx, series, text.split())
    occurrence = _upcoming_meeting_on(ctx, series, changes, old_day)
    local = occurrence.start.astimezone(series.zone)
    new_start = to_utc(datetime.combine(new_day, at or local.time()), series.zone)
    if new_start <= ctx.now:
        raise UsageError("schedule.past", date=new_day.isoformat())
    await repo.change_meeting(series.id, occurrence.original, new_start, ctx.message.sender, ctx.now)
    _rescheduled(ctx, series.id)
    ctx.reply(
        ctx.cat.text(
            "schedule.move_done",
            name=series.name,
            old=when(local, ctx.cat),
            new=when(new_start.astimezone(series.zone), ctx.cat),
        )
    )


@schedule.sub("place", sv="plats", args=[Arg("place", _short_text, rest=True, missing="schedule.text_missing")], moderator=True)
async def _place(ctx: Context, number: int | None, text: str) -> None:
    series = await _one(ctx, number)
    await SeriesRepo(ctx.tx).update(series.id, ctx.now, location=text)
    _rescheduled(ctx, series.id)
    ctx.reply(ctx.cat.text("schedule.place_done", name=series.name, place=text))


@schedule.sub("name", sv="namn", args=[Arg("name", _short_text, rest=True, missing="schedule.text_missing")], moderator=True)
async def _name(ctx: Context, number: int | None, text: str) -> None:
    series = await _one(ctx, number)
    if await SeriesRepo(ctx.tx).find(ctx.message.room_id, text) not in (None, series):
        raise StateError("schedule.name_taken", name=text)
    await SeriesRepo(ctx.tx).update(series.id, ctx.now, name=text)
    _rescheduled(ctx, series.id)
    ctx.reply(ctx.cat.text("schedule.name_done", old=series.name, name=text))


def _day_before(at: time, cat: Catalogue) -> str:
    return cat("schedule.day_before", time=clock(at, cat))


def _situation_at(series: Series, cat: Catalogue) -> str:
    """When a series' situation pictures are posted, as bot.premeeting.picture_due_at decides it."""
    if series.situation_at is None and series.reminders:
        return cat("schedule.with_first_reminder")
    return _day_before(series.situation_at or SITUATION_AT, cat)


def _report_nudge_at(series: Series, cat: Catalogue) -> str:
    return _day_before(series.report_nudge_at or REPORT_NUDGE_AT, cat)


DEFAULT = ("standard", "default")
WITH_REMINDER = ("påminnelse", "paminnelse", "reminder", *DEFAULT)
"""The words that set a post's time back to its default (the situation picture's: with the first reminder)."""


def _post_time(defaults: tuple[str, ...]) -> Callable[[Context, str], time | None]:
    """A time of day (`08:00`), or None for one of the words that mean the default."""

    def convert(ctx: Context, text: str) -> time | None:
        return None if text.casefold() in defaults else parse_time(text)

    return convert


POSTS: dict[str, tuple[str, str, premeeting.DueAt, Callable[[Series, Catalogue], str]]] = {
    "situation_at": ("situation", SITUATION_CLAIMS, premeeting.picture_due_at, _situation_at),
    "report_nudge_at": ("report_nudge", NUDGE_CLAIMS, report_nudge_due_at, _report_nudge_at),
}
"""The posts before each meeting whose time a series sets, by field: the catalogue's word for it, the table its
claims are in, when it is due, and how its time reads."""


async def _set_post_time(ctx: Context, number: int | None, field: str, at: time | None) -> None:
    """Store the time of one kind of post before each meeting and say when the next one goes. A meeting whose post
    would have fallen due already by the new time goes without one, as bot.premeeting decides for any series changed
    after the time: the reply says so."""
    kind, table, due_at, describe_at = POSTS[field]
    series = await _one(ctx, number)
    await SeriesRepo(ctx.tx).update(series.id, ctx.now, **{field: at})
    _rescheduled(ctx, series.id)
    cat, now = ctx.cat, ctx.now
    [(updated, changes, since, decided)] = await with_decided(ctx.tx, frozenset({series.id}), table, now)
    lines = [cat.text(f"schedule.{kind}_done", name=series.name, at=describe_at(updated, cat))]
    due = premeeting.decide(updated, changes, since, decided, now, due_at)
    missed = [post.meeting for post in due if post.meeting.start > now]
    if missed:
        lines.append(cat.text(f"schedule.{kind}_missed", day=day(missed[0].start.astimezone(series.zone).date(), cat)))
    upcoming = premeeting.next_due(updated, changes, since, decided | {m.original for m in missed}, now, due_at)
    if upcoming:
        lines.append(cat.text(f"schedule.{kind}_next", when=when(upcoming.astimezone(series.zone), cat)))
    ctx.reply(Text.join(lines))


@schedule.sub(
    "situation", "lagesbild", sv="lägesbild",
    args=[Arg("situation_at", _post_time(WITH_REMINDER), missing="schedule.time_missing")],
    moderator=True,
)  # fmt: skip
async def _situation(ctx: Context, number: int | None, at: time | None) -> None:
    await _set_post_time(ctx, number, "situation_at", at)


@schedule.sub(
    "reportnudge", "reporting", "rapportering", "rapportpaminnelse", sv="rapportpåminnelse",
    args=[Arg("report_nudge_at", _post_time(DEFAULT), missing="schedule.time_missing")],
    moderator=True,
)  # fmt: skip
async def _report_nudge(ctx: Context, number: int | None, at: time | None) -> None:
    await _set_post_time(ctx, number, "report_nudge_at", at)


next_meeting = feature.command("next", "nasta", sv="nästa", group="before")


@next_meeting.form()
async def _next(ctx: Context) -> None:
    soonest = await next_in_room(ctx.tx, ctx.message.room_id, ctx.now)
    if soonest is None:
        ctx.reply(ctx.cat.text("next.none", prefix=ctx.prefix))
        return
    series, upcoming = soonest
    items = len(await AgendaRepo(ctx.tx).open_items(ctx.message.room_id))
    text = ctx.cat.text("next.line") + Text.of(" ") + describe(series, upcoming, ctx.cat)
    text = text + Text.of(" ") + ctx.cat.text_count("next.items", items)
    if warning := holiday_warning(series, upcoming, ctx.cat, ctx.prefix):
        text = text + Text.of("\n") + warning
    ctx.reply(text)


@feature.job(REMINDERS)
async def reminders_job(services: Services, keys: frozenset[Hashable] | None, effects: Effects) -> dict[Hashable, datetime | None]:
    """Claim the reminders of these series (all when None) that fell due since each was last checked, queue
    them, and say when each series' next reminder is due."""
    now = services.clock.now()
    async with services.db.reading() as conn:
        speaking = [s.room_id for s, c in await with_changes(conn, keys) if any(d.outcome != "skipped" for d in decide(s, c, now))]
    names = await services.names_in(speaking)
    upcoming: dict[Hashable, datetime | None] = {}
    async with services.db.transaction() as tx:
        for series, changes in await with_changes(tx, keys):
            await _claim_due(tx, services, series, changes, now, names.get(series.room_id, MemberNames()))
            await SeriesRepo(tx).set_checked_until(series.id, now)
            upcoming[series.id] = next_due(series, changes, now)
    return upcoming


async def with_changes(conn: Connection, keys: frozenset[Hashable] | None) -> list[tuple[Series, Changes]]:
    """These series (all when None), each with its moves and cancellations."""
    repo = SeriesRepo(conn)
    every = await repo.all() if keys is None else [s for i in keys if (s := await repo.get(i))]
    changes = await repo.all_changes() if keys is None else {s.id: await repo.changes(s.id) for s in every}
    return [(series, changes.get(series.id, {})) for series in every]


async def with_decided(
    conn: Connection, keys: frozenset[Hashable] | None, table: str, now: datetime
) -> list[tuple[Series, Changes, datetime, set[datetime]]]:
    """For a kind of post before each meeting (bot.premeeting, claimed in `table`): these series (all when None),
    each with its changes, the start of the latest meeting decided (now for a series with none: a series' first post
    is for a meeting still ahead when the bot first looks), and the meetings decided (by original start)."""
    repo = PremeetingRepo(conn, table)
    found = []
    for series, changes in await with_changes(conn, keys):
        latest, decided = await repo.decided(series.id)
        found.append((series, changes, latest or now, decided))
    return found


async def _claim_due(
    tx: Connection, services: Services, series: Series, changes: Changes, now: datetime, names: MemberNames
) -> None:
    reminders, outbox = ReminderRepo(tx), OutboxRepo(tx)
    for decision in decide(series, changes, now):
        txn_id = None if decision.outcome == "skipped" else decision.txn_id
        claimed = await reminders.claim(
            series.id, decision.occurrence.start, decision.offset, decision.due_at, decision.outcome, txn_id, now
        )
        if not claimed:
            continue
        log.info(
            "reminder %s: series %s meeting %s offset %s due at %s",
            decision.outcome, series.id, decision.occurrence.start.isoformat(), decision.offset, decision.due_at.isoformat(),
        )  # fmt: skip
        if txn_id is None:
            continue
        ctx = ReminderContext(tx, series, decision.occurrence, services.cat, services.prefix, now, names=names)
        text = await reminder_text(ctx, decision.outcome == "late", services.sections)
        await outbox.add(series.room_id, txn_id, notice(text), now)
