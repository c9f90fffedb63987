"""`!situation [week <n>]`: the situation picture of the round now going on (or of an ISO week), with its chart; and,
unasked, the picture of the round a series' meeting closes, once before each meeting (job `situation_posts`).

The reply is decided in the command's transaction; the chart, which takes up to a couple of seconds to draw, is
asked for there (a row in chart_requests) and drawn by the `charts` job outside any transaction, then queued in
the outbox in the same transaction that deletes the request: once, across crashes.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.chart import chart, png_size
from bot.commands.context import Context
from bot.commands.registry import Arg
from bot.feature import Effects, Feature, Services
from bot.features.observations import week_number
from bot.features.series import SITUATION_POSTS, with_decided
from bot.i18n import Catalogue
from bot.periods import Period, iso_week, kept_from, room_periods, room_week, series_periods
from bot.premeeting import BeforeMeeting, decide, next_due, picture_due_at
from bot.render import ReplyTarget, image_message, notice
from bot.situation import Count, Situation, situation
from bot.store.charts import ChartRepo, ChartRequest
from bot.store.db import Connection
from bot.store.observations import ObservationRepo
from bot.store.organisations import OrganisationRepo
from bot.store.outbox import OutboxRepo
from bot.store.premeeting import SITUATION_CLAIMS, PremeetingRepo
from bot.store.series import Changes, Series, SeriesRepo
from bot.views.situation import before_meeting_text, situation_text

log = logging.getLogger(__name__)

feature = Feature("situation")

CHARTS = "charts"
HEAT_WEEKS = 8
"""The chart's heat map: area by ISO week, over this many weeks up to the period's."""


@dataclass(frozen=True)
class Picture:
    period: Period
    situation: Situation


async def periods(
    tx: Connection, room_id: str, week: int | None, now: datetime, zone: ZoneInfo
) -> list[Period]:
    """The round now going on (or ISO week `week`) and the periods before it, in the room's zone."""
    if week is None:
        return await room_periods(tx, room_id, now, zone)
    return await room_week(tx, room_id, week, now, zone)


async def picture(tx: Connection, room_id: str, asked: list[Period]) -> Picture | None:
    """The situation picture of `asked[0]`, against those of the periods after it that come after the room's first
    observation; None in a room without any observation. The counts come from one grouped query."""
    repo = ObservationRepo(tx)
    origin = await repo.first_written(room_id)
    if origin is None:
        return None
    kept = kept_from(asked, origin)
    tallies = await repo.tallies(room_id, kept)
    organisations = [o.name for o in await OrganisationRepo(tx).in_room(room_id)]
    reported = await repo.reporters(room_id, kept[0])
    nothing = [n.organisation for n in await repo.nothing_in(room_id, kept[0])]
    found = situation(
        [Count(t.period, t.area, t.category, t.n) for t in tallies],
        len(kept) - 1,
        organisations,
        [name for name in organisations if name in reported],
        nothing,
    )
    return Picture(kept[0], found)


situation_command = feature.command("situation", sv="lägesbild", group="before")


async def _reply(ctx: Context, week: int | None) -> None:
    room_id = ctx.message.room_id
    asked = await periods(ctx.tx, room_id, week, ctx.now, ctx.zone)
    found = await picture(ctx.tx, room_id, asked)
    if found is None:
        ctx.reply(ctx.cat.text("situation.no_observations", prefix=ctx.prefix))
        return
    ctx.reply(situation_text(found.situation, found.period, ctx.cat))
    event = ctx.message.event_id
    request = ChartRequest(chart_txn(event), room_id, event, ctx.message.thread_root, week, ctx.now)
    await ChartRepo(ctx.tx).add(request)
    ctx.effects.wake(CHARTS, request.txn_id)


@situation_command.sub("week", sv="vecka", args=[Arg("week", week_number, missing="reports.week_missing")])
async def _of_week(ctx: Context, week: int) -> None:
    await _reply(ctx, week)


@situation_command.form()
async def _now(ctx: Context) -> None:
    await _reply(ctx, None)


@feature.job(SITUATION_POSTS)
async def situation_posts_job(
    services: Services, keys: frozenset[Hashable] | None, effects: Effects
) -> dict[Hashable, datetime | None]:
    """Claim and queue the situation pictures of these series (all when None) that fell due, each asking for its
    chart, and say when each series' next one is due."""
    now = services.clock.now()
    upcoming: dict[Hashable, datetime | None] = {}
    async with services.db.transaction() as tx:
        for series, changes, since, decided in await with_decided(tx, keys, SITUATION_CLAIMS, now):
            for post in decide(series, changes, since, decided, now, picture_due_at):
                txn_id = await _claim_picture(tx, services, series, changes, post, now)
                if txn_id is not None:
                    effects.wake(CHARTS, chart_txn(txn_id))
                decided.add(post.meeting.original)
            upcoming[series.id] = next_due(series, changes, since, decided, now, picture_due_at)
    return upcoming


async def _claim_picture(
    tx: Connection, services: Services, series: Series, changes: Changes, post: BeforeMeeting, now: datetime
) -> str | None:
    """Decide one meeting's picture: that of the round the meeting closes, with its chart asked for; nothing is
    posted when the round has no observations (outcome `no_observations`). The message's transaction id when one
    was queued."""
    room_id, outcome, found = series.room_id, post.outcome, None
    if outcome != "skipped":
        found = await picture(tx, room_id, await series_periods(tx, series, changes, now))
        if found is None or not found.situation.total.now:
            outcome = "no_observations"
    txn_id = post.txn_id("situation", room_id) if outcome in ("sent", "late") else None
    start = post.meeting.start
    if not await PremeetingRepo(tx, SITUATION_CLAIMS).claim(
        series.id, post.meeting.original, start, post.due_at, outcome, txn_id, now
    ):
        return None
    log.info("situation picture %s: series %s meeting %s", outcome, series.id, start.isoformat())
    if txn_id is None or found is None:
        return None
    meeting_day = start.astimezone(series.zone).date()
    text = before_meeting_text(
        series.name, meeting_day, found.situation, found.period, services.cat, late=outcome == "late"
    )
    await OutboxRepo(tx).add(room_id, txn_id, notice(text), now)
    request = ChartRequest(chart_txn(txn_id), room_id, None, None, None, now, series.id)
    await ChartRepo(tx).add(request)
    return txn_id


def chart_txn(event_id: str) -> str:
    """The chart's transaction id, from the command's event (or the picture's own transaction id): a command answered
    twice has one chart."""
    return f"sb-chart-{hashlib.sha256(event_id.encode()).hexdigest()[:32]}"


def heat_weeks(period: Period, now: datetime) -> list[Period]:
    """The ISO weeks of the heat map, most recent first: HEAT_WEEKS of them up to the period's last (for the round
    going on, up to this week)."""
    day = min(period.last_day, now.astimezone(period.zone).date())
    year, number, _ = day.isocalendar()
    return iso_week(number, day, period.zone, year=year, earlier=HEAT_WEEKS - 1)


async def chart_inputs(
    conn: Connection, request: ChartRequest, cat: Catalogue, zone: ZoneInfo
) -> tuple | None:
    """What the chart of a request shows: the bars of its picture and its heat map, as of when it was asked for."""
    if request.series_id is None:
        asked = await periods(conn, request.room_id, request.week, request.asked_at, zone)
    else:
        repo = SeriesRepo(conn)
        series = await repo.get(request.series_id)
        if series is None:
            return None
        asked = await series_periods(conn, series, await repo.changes(series.id), request.asked_at)
    found = await picture(conn, request.room_id, asked)
    if found is None:
        return None
    weeks = heat_weeks(found.period, request.asked_at)
    heat: dict[str, list[int]] = {}
    for t in await ObservationRepo(conn).tallies(request.room_id, weeks):
        heat.setdefault(t.area, [0] * len(weeks))[len(weeks) - 1 - t.period] += t.n
    ordered = dict(sorted(heat.items(), key=lambda kv: (-sum(kv[1]), kv[0].casefold(), kv[0])))
    places = found.situation.places
    earlier = found.situation.total.earlier
    return places, earlier, [w.week[1] for w in reversed(weeks)], ordered, cat


@feature.job(CHARTS)
async def charts_job(services: Services, keys: frozenset[Hashable] | None, effects: Effects) -> dict[Hashable, datetime | None]:
    """Draw the charts asked for (every one left when None: a crash came between the command and its chart), each
    outside any transaction, then queue it and settle its request in one."""
    async with services.db.reading() as conn:
        requests = await ChartRepo(conn).asked(keys)
    for request in requests:
        async with services.db.reading() as conn:
            inputs = await chart_inputs(conn, request, services.cat, services.settings.zone)
        png = await chart(*inputs) if inputs else None
        async with services.db.transaction() as tx:
            repo = ChartRepo(tx)
            if not await repo.settle(request.txn_id):
                continue  # settled meanwhile
            outbox = OutboxRepo(tx)
            if png is not None and not await outbox.has(request.txn_id):
                width, height = png_size(png)
                content = image_message(
                    services.cat("chart.filename"), "image/png", len(png), width, height,
                    ReplyTarget(request.reply_to, request.thread_root) if request.reply_to else None,
                )  # fmt: skip
                await outbox.add(request.room_id, request.txn_id, content, services.clock.now(), file=png)
                log.info("chart %s queued for %s", request.txn_id, request.room_id)
    return {}
