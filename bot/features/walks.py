"""Safety walks (trygghetsvandringar): `!walk start|end` opens and closes a walk in the room, `!point` records what
the walk finds, and a photo or a location posted as a reply to a point (or by its author within two minutes) is
attached to it. On close the action plan is posted, and follows as a Markdown file; `!point action` makes a point an
action for its responsible organisation; a timed job reminds the room of a follow-up walk."""

from __future__ import annotations

import logging
from collections.abc import Hashable
from dataclasses import replace
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from bot.commands.context import Context
from bot.commands.dispatcher import txn_id
from bot.commands.message import IncomingShare
from bot.commands.registry import Arg
from bot.errors import NotFoundError, StateError, UsageError, UserError
from bot.feature import Effects, Feature, Services
from bot.features.actions import NUDGES
from bot.features.actions import action as action_command
from bot.features.observation_lists import leading_name, missed, room_lists
from bot.features.observation_lists import areas as areas_command
from bot.features.observations import WORD
from bot.features.organisations import room_spelling
from bot.geo import parse_geo_uri
from bot.i18n import Catalogue, Text
from bot.i18n.dates import day
from bot.parsing import checked_text, parse_date, parse_due, parse_from, parse_number
from bot.policy import MAX_BODY, MAX_ORGANISATION, WALK_FOLLOWUP_AT, WALK_FOLLOWUP_MONTHS
from bot.privacy import guard
from bot.render import ReplyTarget, file_message, markdown_blocks, markdown_page, notice
from bot.store.actions import CANCELLED, DONE, OPEN, Action, ActionRepo
from bot.store.db import Connection
from bot.store.meetings import MeetingRepo
from bot.store.observation_lists import AREAS, Named
from bot.store.outbox import OutboxRepo
from bot.store.rooms import RoomRepo
from bot.store.walks import LOCATION, PHOTO, Attachment, Point, Walk, WalkRepo
from bot.views.actions import action_line
from bot.views.walk import followup_text, map_link, plan_filename, plan_markdown, point_text
from bot.walks import PointRef, PointSpec, followup_day, parse_point, photo_fault, point_for

log = logging.getLogger(__name__)

feature = Feature("walks")
WALKS = "walks"
"""The job that queues an ended walk's action plan file and posts its follow-up reminder when due."""


async def _actions(tx: Connection, room_id: str) -> dict[int, Action]:
    return {a.number: a for a in await ActionRepo(tx).in_room(room_id, (OPEN, DONE, CANCELLED))}


async def plan_of(tx: Connection, walk: Walk, cat: Catalogue, zone: ZoneInfo) -> tuple[list[Point], str]:
    """A walk's points and its action plan as it reads now."""
    points = await WalkRepo(tx).points(walk.id)
    return points, plan_markdown(walk, points, await _actions(tx, walk.room_id), cat, zone)


def _start_command(ctx: Context) -> str:
    return f"{ctx.prefix}{walk.sub_word('start', ctx.cat)}"


async def _open_walk(ctx: Context) -> Walk:
    running = await WalkRepo(ctx.tx).open_in(ctx.message.room_id)
    if running is None:
        raise StateError("walk.none_open", command=_start_command(ctx))
    return running


walk = feature.command("walk", "trygghetsvandring", sv="vandring", unknown="walk.what")


async def _area_and_text(ctx: Context, text: str) -> tuple[Named, str | None]:
    """`<area> [<text>]`: the area named by the longest run of first words that names one, as `!rapport` reads it,
    and what is said of the walk after it."""
    areas, _ = await room_lists(ctx)
    if not areas:
        raise StateError("report.no_areas", command=f"{ctx.prefix}{areas_command.sub_word('add', ctx.cat)}")
    words = list(WORD.finditer(text))
    area, used, suggestions = leading_name(words, areas)
    if area is None:
        raise missed(ctx, AREAS, words[0].group() if words else "", suggestions, areas)
    said = text[words[used].start() :].strip() if used < len(words) else ""
    return area, checked_text(said) if said else None


@walk.sub(
    "start", "börja", "begin", sv="starta",
    args=[Arg("walk", _area_and_text, rest=True, missing="walk.area_missing")], moderator=True,
)  # fmt: skip
async def _start(ctx: Context, started: tuple[Named, str | None]) -> None:
    area, text = started
    repo, room_id = WalkRepo(ctx.tx), ctx.message.room_id
    if running := await repo.open_in(room_id):
        end = f"{ctx.prefix}{walk.sub_word('end', ctx.cat)}"
        raise StateError("walk.already_open", n=running.number, area=running.area, command=end)
    opened = await repo.start(room_id, area.name, text, ctx.message.sender, ctx.now)
    point_word = f"{ctx.prefix}{point.word(ctx.cat)}"
    ctx.reply(ctx.cat.text("walk.started", n=opened.number, area=opened.area, command=point_word))


def _followup_at(on: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(on, WALK_FOLLOWUP_AT, tzinfo=zone).astimezone(timezone.utc)


def _show_command(ctx: Context, shown: Walk) -> str:
    return f"{ctx.prefix}{walk.word(ctx.cat)} {shown.number} {ctx.cat('list.from')}"


def _page(ctx: Context, shown: Walk, plan: str, start: int | None, budget: int = MAX_BODY) -> Text:
    """The plan from block `start` on, as much as fits; the rest is a command away."""
    blocks = markdown_blocks(plan)
    if start is not None and start > len(blocks):
        raise NotFoundError("walk.no_such_line", count=len(blocks))
    command = _show_command(ctx, shown)
    more = lambda n, position: ctx.cat.text_count("minutes.more", n, command=f"{command} {position}")  # noqa: E731
    return markdown_page(blocks, more, budget=budget, first=start or 1)


@walk.sub("end", "avsluta", "stäng", "stopp", "stop", sv="slut", moderator=True)
async def _end(ctx: Context) -> None:
    running = await _open_walk(ctx)
    repo, cat = WalkRepo(ctx.tx), ctx.cat
    default = _followup_at(followup_day(ctx.today, WALK_FOLLOWUP_MONTHS), ctx.zone)
    await repo.end(running.id, ctx.message.sender, ctx.now, default)
    ended = await repo.get(running.id)
    points, plan = await plan_of(ctx.tx, ended, cat, ctx.zone)
    header = cat.text_count("walk.ended", len(points), number=ended.number, area=ended.area)
    followup = ended.followup_at.astimezone(ctx.zone).date()
    change = f"{ctx.prefix}{walk.sub_word('followup', cat)}"
    footer = cat.text("walk.followup_planned", day=day(followup, cat), command=change)
    budget = MAX_BODY - len(header.plain) - len(footer.plain) - 4
    ctx.reply(Text.join([header, _page(ctx, ended, plan, None, budget), footer], "\n\n"))
    ctx.effects.wake(WALKS, ended.id)


def _future_day(ctx: Context, text: str) -> date:
    on = parse_date(text, ctx.today)
    if on < ctx.today:
        raise UsageError("parse.due_past", date=on.isoformat())
    return on


@walk.sub(
    "followup", "follow-up", "uppfoljning", sv="uppföljning",
    args=[Arg("date", _future_day, rest=True, missing="parse.date_missing")], moderator=True,
)  # fmt: skip
async def _followup(ctx: Context, on: date) -> None:
    """The room's latest walk (the one going on, or the last one held) is followed up on this day."""
    repo = WalkRepo(ctx.tx)
    latest = await repo.latest(ctx.message.room_id)
    if latest is None:
        raise NotFoundError("walk.none_yet", command=_start_command(ctx))
    await repo.set_followup(latest.id, _followup_at(on, ctx.zone))
    ctx.reply(ctx.cat.text("walk.followup_set", n=latest.number, area=latest.area, day=day(on, ctx.cat)))
    ctx.effects.wake(WALKS, latest.id)


def _which(ctx: Context, text: str) -> tuple[int | None, int | None]:
    """`2`, `2 från 14`, `från 14`: which walk (the latest when not said), and from where in its plan."""
    rest, start = parse_from(text)
    return (parse_number(rest) if rest.strip() else None), start


@walk.form(Arg("which", _which, rest=True, optional=True))
async def _show(ctx: Context, which: tuple[int | None, int | None] | None) -> None:
    number, start = which or (None, None)
    repo, room_id = WalkRepo(ctx.tx), ctx.message.room_id
    shown = await (repo.numbered(room_id, number) if number is not None else repo.latest(room_id))
    if shown is None and number is None:
        raise NotFoundError("walk.none_yet", command=_start_command(ctx))
    if shown is None:
        raise NotFoundError("walk.no_such", n=number)
    _, plan = await plan_of(ctx.tx, shown, ctx.cat, ctx.zone)
    ctx.reply(_page(ctx, shown, plan, start))


point = feature.command("point", sv="punkt", unknown="point.how")


async def _point_number(ctx: Context, text: str) -> tuple[Walk, Point]:
    """A point of the walk going on, or else of the last one held."""
    number = parse_number(text)
    repo = WalkRepo(ctx.tx)
    latest = await repo.open_in(ctx.message.room_id) or await repo.latest(ctx.message.room_id)
    if latest is None:
        raise NotFoundError("walk.none_yet", command=_start_command(ctx))
    found = await repo.point(latest.id, number)
    if found is None:
        raise NotFoundError("point.no_such", n=number, walk=latest.number)
    return latest, found


DUE_WORDS = ("due", "senast", "deadline")


def _due(ctx: Context, text: str) -> date | None:
    """`senast fredag` / `due friday`, or just the date."""
    word, _, rest = text.strip().partition(" ")
    return parse_due(rest if word.casefold() in DUE_WORDS and rest.strip() else text, ctx.today)


@point.sub(
    "action", "atgard", sv="åtgärd",
    args=[Arg("number", _point_number, missing="parse.number_missing"), Arg("due", _due, rest=True, optional=True)],
    moderator=True,
)  # fmt: skip
async def _make_action(ctx: Context, found: tuple[Walk, Point], due: date | None) -> None:
    """The point becomes an action of the room, owned by its responsible organisation; the point keeps its number."""
    held, chosen = found
    cat, room_id = ctx.cat, ctx.message.room_id
    if chosen.action_number is not None:
        raise StateError("point.already_action", n=chosen.number, action=chosen.action_number)
    if chosen.responsible is None:
        command = f"{ctx.prefix}{action_command.word(cat)}"
        raise StateError("point.no_responsible", n=chosen.number, command=command)
    proposal = cat("walk.action_proposal", proposal=chosen.proposal) if chosen.proposal else ""
    text = cat("walk.action_text", place=chosen.place, what=" ".join(chosen.what.split()), proposal=proposal,
               walk=held.number, n=chosen.number)  # fmt: skip
    meeting = await MeetingRepo(ctx.tx).open_in(room_id)  # agreed in the running meeting, if any
    actions = ActionRepo(ctx.tx)
    number = await actions.create(
        room_id, text, (), chosen.responsible, due, ctx.message.sender, ctx.now, meeting.id if meeting else None
    )
    await WalkRepo(ctx.tx).made_action(chosen.id, number)
    ctx.effects.wake(NUDGES, room_id)
    made = await actions.get(room_id, number)
    said = cat.text("point.action_made", n=chosen.number, walk=held.number, action=number)
    ctx.reply(said + Text.of("\n") + action_line(made, ctx.today, cat, ctx.room))


async def _point_spec(ctx: Context, text: str) -> PointSpec:
    """A point as written, its text guarded, its responsible organisation as the room spells it."""
    spec = parse_point(text)
    for said in (spec.place, spec.what, spec.proposal or ""):
        checked_text(said)
    if spec.responsible:
        responsible = await room_spelling(ctx, checked_text(spec.responsible, MAX_ORGANISATION))
        spec = replace(spec, responsible=responsible)
    return spec


@point.form(Arg("point", _point_spec, rest=True, missing="point.how"))
async def _record(ctx: Context, spec: PointSpec) -> None:
    running = await _open_walk(ctx)
    message, repo = ctx.message, WalkRepo(ctx.tx)
    # The confirmation is the command's first reply: a photo that answers it finds the point by its transaction.
    number = await repo.add_point(
        running.id, spec.place, spec.what, spec.proposal, spec.responsible, message.sender, message.event_id,
        txn_id(message.event_id, 0), message.timestamp_ms, ctx.now,
    )  # fmt: skip
    recorded = await repo.point(running.id, number)
    ctx.reply(point_text(recorded, ctx.cat) + Text.of("\n") + ctx.cat.text("point.attach_hint"))


# Photos and locations.


def _kept(shared: IncomingShare) -> tuple[Attachment | None, str | None]:
    """What is kept of a photo or a location, or why it cannot be (a catalogue key)."""
    name = shared.body or None
    try:
        guard(name or "")
    except UserError:
        name = None  # a file name or a caption is text in the record too: one that points at a person is not kept
    if shared.kind == LOCATION:
        found = parse_geo_uri(shared.geo_uri or "")
        if found is None:
            return None, "shared.location_unreadable"
        return Attachment(
            LOCATION, shared.event_id, shared.sender, shared.timestamp_ms, name,
            geo_uri=shared.geo_uri, latitude=found.latitude, longitude=found.longitude, uncertainty=found.uncertainty,
        ), None  # fmt: skip
    if photo_fault(shared.url, shared.file) is not None:
        return None, "shared.photo_unreadable"
    url = shared.file["url"] if shared.file is not None else shared.url
    return Attachment(PHOTO, shared.event_id, shared.sender, shared.timestamp_ms, name, url, shared.mimetype, shared.file), None


@feature.on("shared")
async def attach(services: Services, shared: IncomingShare) -> None:
    """A photo or a location that belongs to a point of the walk going on is kept with it, and the sender is told
    in a reply, once: what it did and the mark that it was handled commit together. Anything else posted is chat,
    and left alone."""
    cat, now = services.cat, services.clock.now()
    async with services.db.transaction() as tx:
        repo = WalkRepo(tx)
        running = await repo.open_in(shared.room_id)
        if running is None or await RoomRepo(tx).is_handled(shared.event_id):
            return
        points = await repo.points(running.id)
        refs = [PointRef(p.number, p.author, p.sent_ms, p.event_id, p.confirmed_as) for p in points]
        target = point_for(refs, shared.sender, shared.timestamp_ms, shared.reply_to)
        if target is None:
            return
        chosen = next(p for p in points if p.number == target.number)
        kept, fault = _kept(shared)
        if kept is None:
            text = cat.text(fault, n=chosen.number, place=chosen.place)
        elif kept.kind == LOCATION:
            await repo.attach(chosen.id, kept)
            text = cat.text("shared.location", n=chosen.number, place=chosen.place, link=map_link(kept))
        else:
            await repo.attach(chosen.id, kept)
            text = cat.text("shared.photo", n=chosen.number, place=chosen.place)
        reply = notice(text, ReplyTarget(shared.event_id, shared.thread_root))
        await OutboxRepo(tx).add(shared.room_id, txn_id(shared.event_id, 0), reply, now)
        await RoomRepo(tx).mark_handled(shared.room_id, shared.event_id, now, latest=not shared.late)
    log.info("%s %s in %s: point %s of walk %s", shared.kind, shared.event_id, shared.room_id, chosen.number, running.number)


# The plan file and the follow-up reminder.


@feature.job(WALKS)
async def walks_job(services: Services, keys: frozenset[Hashable] | None, effects: Effects) -> dict[Hashable, datetime | None]:
    """For these walks (every one with something left to do when None): queue an ended walk's action plan file,
    once, and post its follow-up reminder once its time has come, once per time set; say when each is due next."""
    now, cat, zone = services.clock.now(), services.cat, services.settings.zone
    upcoming: dict[Hashable, datetime | None] = {}
    async with services.db.transaction() as tx:
        repo, outbox = WalkRepo(tx), OutboxRepo(tx)
        if keys is None:
            chosen = {w.id: w for w in [*await repo.without_plan(), *await repo.awaiting_followup()]}.values()
        else:
            chosen = [w for key in keys if (w := await repo.get(key)) is not None]
        for held in chosen:
            upcoming[held.id] = None
            if held.ended_at is None:
                continue
            if held.plan_txn is None:
                _, plan = await plan_of(tx, held, cat, zone)
                data, txn = plan.encode(), f"sb-walk-plan-{held.id}"
                content = file_message(plan_filename(held, cat, zone), "text/markdown", len(data))
                await outbox.add(held.room_id, txn, content, now, file=data)
                await repo.plan_queued(held.id, txn)
            if held.followup_at is None or held.followup_txn is not None:
                continue
            if held.followup_at > now:
                upcoming[held.id] = held.followup_at
                continue
            txn = f"sb-walk-followup-{held.id}-{int(held.followup_at.timestamp())}"
            if await repo.claim_followup(held.id, held.followup_at, txn):
                points = await repo.points(held.id)
                shows = f"{services.prefix}{walk.word(cat)} {held.number}"
                text = followup_text(held, points, await _actions(tx, held.room_id), cat, zone, shows)
                await outbox.add(held.room_id, txn, notice(text), now)
                log.info("follow-up of walk %s in %s posted", held.number, held.room_id)
    return upcoming
