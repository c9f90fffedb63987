"""The reporting nudge: before each meeting of a series, at the series' time for it (by default the working day
before at 12:00), the bot mentions the members of each organisation in the room that has neither reported nor said
it has nothing this period; once per meeting, across restarts."""

from __future__ import annotations

import logging
from collections.abc import Hashable
from datetime import datetime

from bot.feature import Effects, Feature, Services
from bot.features.observations import report
from bot.features.series import REPORT_NUDGES, with_decided
from bot.names import MemberNames
from bot.periods import series_periods
from bot.render import Mentions, notice
from bot.premeeting import BeforeMeeting, decide, next_due
from bot.reporting import due_at, not_reported
from bot.store.db import Connection
from bot.store.observations import ObservationRepo
from bot.store.organisations import OrganisationRepo
from bot.store.outbox import OutboxRepo
from bot.store.premeeting import NUDGE_CLAIMS, PremeetingRepo
from bot.store.series import Changes, Series
from bot.views.reporting import report_nudge_text

log = logging.getLogger(__name__)

feature = Feature("reporting")


@feature.job(REPORT_NUDGES)
async def report_nudges_job(
    services: Services, keys: frozenset[Hashable] | None, effects: Effects
) -> dict[Hashable, datetime | None]:
    """Claim and queue the reporting nudges of these series (all when None) that fell due, and say when each
    series' next one is due."""
    now = services.clock.now()
    async with services.db.reading() as conn:
        due = await with_decided(conn, keys, NUDGE_CLAIMS, now)
    speaking = [
        s.room_id for s, c, since, done in due if any(n.outcome != "skipped" for n in decide(s, c, since, done, now, due_at))
    ]
    names = await services.names_in(speaking)
    upcoming: dict[Hashable, datetime | None] = {}
    async with services.db.transaction() as tx:
        for series, changes, since, decided in await with_decided(tx, keys, NUDGE_CLAIMS, now):
            for nudge in decide(series, changes, since, decided, now, due_at):
                await _claim(tx, services, series, changes, nudge, now, names.get(series.room_id, MemberNames()))
                decided.add(nudge.meeting.original)
            upcoming[series.id] = next_due(series, changes, since, decided, now, due_at)
    return upcoming


async def _claim(
    tx: Connection,
    services: Services,
    series: Series,
    changes: Changes,
    nudge: BeforeMeeting,
    now: datetime,
    names: MemberNames,
) -> None:
    """Decide one meeting's nudge: the members of the organisations not heard from this period are mentioned; when
    every organisation has been heard from (or the room has none) nothing is posted, and the outcome says so."""
    room_id, outcome, silent = series.room_id, nudge.outcome, []
    if outcome != "skipped":
        period = (await series_periods(tx, series, changes, now, earlier=0))[0]
        organisations = await OrganisationRepo(tx).members(room_id)
        members = {user: o.name for user, o in organisations.items() if names.in_room(user)}
        silent = not_reported(members, await ObservationRepo(tx).heard_from(room_id, period))
        outcome = outcome if silent else "all_heard"
    txn_id = nudge.txn_id("report", room_id) if silent else None
    start, original = nudge.meeting.start, nudge.meeting.original
    if not await PremeetingRepo(tx, NUDGE_CLAIMS).claim(series.id, original, start, nudge.due_at, outcome, txn_id, now):
        return
    log.info("report nudge %s: series %s meeting %s", outcome, series.id, start.isoformat())
    if txn_id is None:
        return
    cat = services.cat
    word = f"{services.prefix}{report.word(cat)}"
    commands = (word, f"{services.prefix}{report.sub_word('nothing', cat)}")
    text = report_nudge_text(
        series.name, start.astimezone(series.zone).date(), silent, names, cat, commands, late=outcome == "late"
    )
    mentioned = tuple(user for _, members in silent for user in members)
    await OutboxRepo(tx).add(room_id, txn_id, notice(text, mentions=Mentions(mentioned)), now)
