"""The reporting nudge: before each meeting of a series, at the series' time for it (by default the working day
before at 12:00), the bot mentions the members of each organisation in the room that has neither reported nor said
it has nothing this period; once per meeting, across restarts."""

from __future__ import annotations

import logging
from collections.abc import Hashable
from datetime import datetime

import aiosqlite

from bot.feature import Effects, Feature, Services
from bot.features.observations import report
from bot.features.series import REPORT_NUDGES, with_changes
from bot.names import MemberNames
from bot.periods import meeting_periods
from bot.render import Mentions, notice
from bot.reporting import ReportNudge, decide, next_due, not_reported
from bot.store.meetings import MeetingRepo
from bot.store.observations import ObservationRepo
from bot.store.organisations import OrganisationRepo
from bot.store.outbox import OutboxRepo
from bot.store.report_nudges import ReportNudgeRepo
from bot.store.series import Changes, Series
from bot.views.reporting import report_nudge_text

log = logging.getLogger(__name__)

feature = Feature("reporting")


async def _due(
    conn: aiosqlite.Connection, keys: frozenset[Hashable] | None, now: datetime
) -> list[tuple[Series, Changes, datetime, set[datetime]]]:
    """These series (all when None), each with its changes, the start of the latest meeting decided (now for a
    series with none: a series' first nudge is for a meeting still ahead when the bot first looks), and the meetings
    decided (by original start)."""
    repo = ReportNudgeRepo(conn)
    found = []
    for series, changes in await with_changes(conn, keys):
        latest, decided = await repo.decided(series.id)
        found.append((series, changes, latest or now, decided))
    return found


@feature.job(REPORT_NUDGES)
async def report_nudges_job(
    services: Services, keys: frozenset[Hashable] | None, effects: Effects
) -> dict[Hashable, datetime | None]:
    """Claim and queue the reporting nudges of these series (all when None) that fell due, and say when each
    series' next one is due."""
    now = services.clock.now()
    async with services.db.reading() as conn:
        due = await _due(conn, keys, now)
    speaking = [
        s.room_id for s, c, since, done in due if any(n.outcome != "skipped" for n in decide(s, c, since, done, now))
    ]
    names = await services.names_in(speaking)
    upcoming: dict[Hashable, datetime | None] = {}
    async with services.db.transaction() as tx:
        for series, changes, since, decided in await _due(tx, keys, now):
            for nudge in decide(series, changes, since, decided, now):
                await _claim(tx, services, series, changes, nudge, now, names.get(series.room_id, MemberNames()))
                decided.add(nudge.meeting.original)
            upcoming[series.id] = next_due(series, changes, since, decided, now)
    return upcoming


async def _claim(
    tx: aiosqlite.Connection,
    services: Services,
    series: Series,
    changes: Changes,
    nudge: ReportNudge,
    now: datetime,
    names: MemberNames,
) -> None:
    """Decide one meeting's nudge: the members of the organisations not heard from this period are mentioned; when
    every organisation has been heard from (or the room has none) nothing is posted, and the outcome says so."""
    room_id, outcome, silent = series.room_id, nudge.outcome, []
    if outcome != "skipped":
        meetings = MeetingRepo(tx)
        held = [*await meetings.ended_in(room_id), *filter(None, [await meetings.open_in(room_id)])]
        period = meeting_periods(series, changes, held, now, earlier=0)[0]
        members = {user: o.name for user, o in (await OrganisationRepo(tx).members(room_id)).items()}
        silent = not_reported(members, await ObservationRepo(tx).heard_from(room_id, period))
        outcome = outcome if silent else "all_heard"
    txn_id = nudge.txn_id(room_id) if silent else None
    start, original = nudge.meeting.start, nudge.meeting.original
    if not await ReportNudgeRepo(tx).claim(series.id, original, start, nudge.due_at, outcome, txn_id, now):
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
