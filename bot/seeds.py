"""Meeting series from `[[series]]` in the config: created when missing, updated when the config entry changes.

The database stays the source of truth: a series changed by command keeps those changes until its
config entry itself is edited.
"""

from __future__ import annotations

import hashlib
import json
import logging
from zoneinfo import ZoneInfo

from nio import AsyncClient, RoomResolveAliasResponse

from bot.clock import Clock
from bot.parsing import parse_duration, parse_offsets
from bot.schedule import parse_schedule
from bot.settings import SeriesSeed, Settings
from bot.store.db import Database
from bot.store.rooms import RoomRepo
from bot.store.series import SeriesRepo

log = logging.getLogger(__name__)


def seed_digest(seed: SeriesSeed) -> str:
    return hashlib.sha256(json.dumps(seed.model_dump(), sort_keys=True).encode()).hexdigest()


async def resolve_room(client: AsyncClient, room: str) -> str | None:
    if room.startswith("!"):
        return room
    response = await client.room_resolve_alias(room)
    if isinstance(response, RoomResolveAliasResponse):
        return response.room_id
    log.warning("series seed: cannot resolve %s (%s)", room, response)
    return None


async def apply_seeds(db: Database, client: AsyncClient, settings: Settings, clock: Clock) -> set[int]:
    """Bring seeded series in line with the config; returns the ids of series created or changed."""
    changed: set[int] = set()
    for seed in settings.series:
        room_id = await resolve_room(client, seed.room)
        if room_id is None:
            continue
        digest = seed_digest(seed)
        zone = ZoneInfo(seed.timezone or settings.timezone)
        now = clock.now()
        today = now.astimezone(zone).date()
        async with db.transaction() as tx:
            room = await RoomRepo(tx).get(room_id)
            if room is None or room.left_at is not None:
                log.warning("series seed %r: the bot is not in %s; invite it there", seed.name, seed.room)
                continue
            repo = SeriesRepo(tx)
            existing = await repo.find(room_id, seed.name)
            if existing and existing.seed_digest == digest:
                continue
            fields = dict(
                schedule=parse_schedule(seed.schedule.split(), today, zone),
                anchor=today,
                duration=parse_duration(seed.duration),
                location=seed.location,
                reminders=parse_offsets(list(seed.reminders)) if seed.reminders else (),
                zone=zone,
                seed_digest=digest,
            )
            if existing:
                await repo.update(existing.id, now, **fields)
                await repo.forget_changes(existing.id, now)
                changed.add(existing.id)
                log.info("series %r in %s updated from the config", seed.name, room_id)
            else:
                changed.add(await repo.create(room_id=room_id, name=seed.name, now=now, **fields))
                log.info("series %r in %s created from the config", seed.name, room_id)
    return changed
