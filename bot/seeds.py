"""Meeting series from `[[series]]` in the config: created when missing, updated when the config entry changes.

The database stays the source of truth: a series changed by command keeps those changes until its
config entry itself is edited.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from zoneinfo import ZoneInfo

from nio import RoomResolveAliasResponse

from bot.clock import Clock
from bot.matrix.transport import SendError, Transport
from bot.parsing import parse_duration, parse_offsets
from bot.schedule import parse_schedule, under_new_schedule
from bot.settings import SeriesSeed, Settings
from bot.store.db import Database
from bot.store.rooms import RoomRepo
from bot.store.series import SeriesRepo

log = logging.getLogger(__name__)


def seed_digest(seed: SeriesSeed) -> str:
    return hashlib.sha256(json.dumps(dataclasses.asdict(seed), sort_keys=True).encode()).hexdigest()


async def resolve_room(transport: Transport, room: str) -> str | None:
    """A room id as given, or the room an alias names; None (logged) when the homeserver knows no such alias.
    Raises Unavailable while the homeserver does not answer."""
    if room.startswith("!"):
        return room
    try:
        response = await transport.request(
            f"alias {room}", lambda: transport.client.room_resolve_alias(room), RoomResolveAliasResponse
        )
    except SendError as exc:
        log.warning("cannot resolve %s (%s)", room, exc)
        return None
    return response.room_id


async def apply_seeds(db: Database, transport: Transport, settings: Settings, clock: Clock) -> set[int]:
    """Bring seeded series in line with the config; returns the ids of series created or changed. Every alias is
    resolved before anything is stored: while the homeserver is away this raises Unavailable and changes nothing,
    so no changed series goes unscheduled."""
    rooms = [await resolve_room(transport, seed.room) for seed in settings.series]
    changed: set[int] = set()
    for seed, room_id in zip(settings.series, rooms):
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
            schedule = parse_schedule(seed.schedule.split(), today, zone)
            # An entry edited elsewhere keeps its meetings: every other week keeps its weeks.
            anchor = existing.anchor if existing and existing.schedule.spec == schedule.spec else today
            fields = dict(
                schedule=schedule,
                anchor=anchor,
                duration=parse_duration(seed.duration),
                location=seed.location,
                reminders=parse_offsets(list(seed.reminders)) if seed.reminders else (),
                zone=zone,
                seed_digest=digest,
            )
            if existing:
                # Nobody is there to confirm: skips and moves that the new schedule has no meeting for are dropped.
                changes = await repo.changes(existing.id)
                _, dropped = under_new_schedule(schedule, anchor, zone, changes, now)
                await repo.update(existing.id, now, **fields)
                await repo.drop_changes(existing.id, dropped)
                changed.add(existing.id)
                log.info("series %r in %s updated from the config", seed.name, room_id)
            else:
                changed.add(await repo.create(room_id=room_id, name=seed.name, now=now, **fields))
                log.info("series %r in %s created from the config", seed.name, room_id)
    return changed
