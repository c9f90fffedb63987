"""Retention on a schedule: once any retention period is set, the bot purges daily at `[retention] purge_at`
(local time), exporting first (bot/purge.py). The time of the last purge is stored, so a restart neither skips
a day nor purges twice in one."""

from __future__ import annotations

import logging
from collections.abc import Hashable
from datetime import datetime, timedelta

from bot.feature import Effects, Feature, Services
from bot.parsing import parse_time
from bot.store.db import from_utc_text, utc_text
from bot.store.state import StateRepo

log = logging.getLogger(__name__)

feature = Feature("retention")

PURGES = "purges"
LAST_PURGE = "last_purge"
KEY = "daily"


def next_purge(after: datetime, at: str, zone) -> datetime:
    """The first local `at` strictly after `after`."""
    local = after.astimezone(zone)
    moment = datetime.combine(local.date(), parse_time(at), tzinfo=zone)
    while moment <= local:
        moment = datetime.combine(moment.date() + timedelta(days=1), parse_time(at), tzinfo=zone)
    return moment


@feature.job(PURGES)
async def purge_job(services: Services, keys: frozenset[Hashable] | None, effects: Effects) -> dict[Hashable, datetime | None]:
    settings, now = services.settings, services.clock.now()
    if not settings.retention.periods():
        return {KEY: None}
    async with services.db.reading() as conn:
        last = await StateRepo(conn).get(LAST_PURGE)
    due = next_purge(from_utc_text(last), settings.retention.purge_at, settings.zone) if last else None
    if due is None or due > now:
        if due is None:  # never purged: the first purge is at the next purge time
            async with services.db.transaction() as tx:
                await StateRepo(tx).set(LAST_PURGE, utc_text(now))
        return {KEY: next_purge(now, settings.retention.purge_at, settings.zone)}
    from bot.purge import PurgeError, purge  # the export it writes first is loaded only when a purge is due

    try:
        await purge(services.db, settings, now)
    except PurgeError as exc:
        log.error("purge: %s", exc)
    async with services.db.transaction() as tx:
        await StateRepo(tx).set(LAST_PURGE, utc_text(now))
    return {KEY: next_purge(now, settings.retention.purge_at, settings.zone)}
