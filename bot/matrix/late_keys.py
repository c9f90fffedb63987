"""Encrypted messages whose room key has not come yet: parked, tried again after every sync, and told
about only when the key has still not come after a grace period. A parked message survives a restart."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from nio import AsyncClient, Event, MegolmEvent, ToDeviceEvent

from bot.clock import Clock
from bot.commands.message import IncomingMessage
from bot.i18n import Catalogue, Text
from bot.i18n.dates import clock
from bot.matrix.events import decrypted
from bot.store.db import Database
from bot.store.parked import ParkedEvent, ParkedRepo
from bot.store.rooms import RoomRepo

log = logging.getLogger(__name__)

WITHHELD = "m.room_key.withheld"

Notify = Callable[[IncomingMessage, Text], Awaitable[bool]]
"""Answers a message once with a notice (the dispatcher's)."""


@dataclass(frozen=True)
class Unreadable:
    """Messages of one sender and key that stayed unreadable: told about once, on the first of them."""

    first: ParkedEvent
    others: tuple[ParkedEvent, ...]
    withheld: str | None
    """The code the sender's client gave for not sharing the key (`m.unverified`, …), if it said so."""

    @property
    def sent(self) -> datetime:
        stamp = self.first.source.get("origin_server_ts")
        return datetime.fromtimestamp(stamp / 1000, timezone.utc) if isinstance(stamp, int) else self.first.parked_at

    @property
    def message(self) -> IncomingMessage:
        """The first message, as the target of the notice."""
        first = self.first
        return IncomingMessage(first.room_id, first.event_id, first.sender, "", int(self.sent.timestamp() * 1000), late=True)


class LateKeys:
    def __init__(self, client: AsyncClient, db: Database, clock: Clock, grace: timedelta):
        self.client = client
        self.db = db
        self.clock = clock
        self.grace = grace
        self.rooms: set[str] = set()
        self._oldest: datetime | None = None

    async def load(self) -> None:
        """What was parked before a restart is waited for still."""
        async with self.db.reading() as conn:
            repo = ParkedRepo(conn)
            self.rooms = await repo.rooms()
            self._oldest = await repo.oldest()

    async def note_withheld(self, to_device: list[ToDeviceEvent]) -> None:
        """Remember the keys senders' clients said they will not share with this device."""
        notes = [_withheld(event.source) for event in to_device]
        notes = [note for note in notes if note is not None]
        if not notes:
            return
        async with self.db.transaction() as tx:
            for session_id, code in notes:
                await ParkedRepo(tx).note_withheld(session_id, code, self.clock.now())
                log.info("room key %s withheld by its sender: %s", session_id, code)

    async def park(self, room_id: str, event: MegolmEvent) -> None:
        source = {**event.source, "room_id": room_id}
        now = self.clock.now()
        async with self.db.transaction() as tx:
            await ParkedRepo(tx).park(room_id, event.event_id, event.sender, event.session_id, source, now)
        self.rooms.add(room_id)
        self._oldest = min(self._oldest or now, now)
        self._request_key(event)
        log.info("event %s in %s parked until its room key arrives (session %s)", event.event_id, room_id, event.session_id)

    def _request_key(self, event: MegolmEvent) -> None:
        """Ask the device that sent the message for its key, once per key; nio sends it with the to-device queue
        and, having asked, takes the key that device sends back."""
        olm = self.client.olm
        if olm is None or event.session_id in self.client.outgoing_key_requests:
            return
        if any(getattr(m, "session_id", None) == event.session_id for m in olm.outgoing_to_device_messages):
            return
        olm.outgoing_to_device_messages.append(
            event.as_key_request(event.sender, self.client.device_id, event.session_id, event.device_id)
        )

    async def readable(self, room_id: str) -> list[Event]:
        """The room's parked events whose key has come meanwhile, decrypted, in the order they arrived.
        They stay parked until `release`d, so a crash while handling them loses nothing."""
        if room_id not in self.rooms:
            return []
        async with self.db.reading() as conn:
            waiting = await ParkedRepo(conn).waiting(room_id)
        if not waiting:
            self.rooms.discard(room_id)
        readable = []
        for parked in waiting:
            event = Event.parse_event(parked.source)
            if isinstance(event, MegolmEvent) and (clear := decrypted(self.client, room_id, event)):
                log.info("room key for parked event %s arrived", parked.event_id)
                readable.append(clear)
        return readable

    async def release(self, event_ids: list[str]) -> None:
        async with self.db.transaction() as tx:
            repo = ParkedRepo(tx)
            for event_id in event_ids:
                await repo.release(event_id)
            self._oldest = await repo.oldest()

    async def overdue(self) -> list[Unreadable]:
        """Parked events whose key has not come within the grace period, one group per sender and key."""
        if self._oldest is None or self._oldest + self.grace > self.clock.now():
            return []
        cutoff = self.clock.now() - self.grace
        async with self.db.reading() as conn:
            repo = ParkedRepo(conn)
            late = [p for p in await repo.waiting() if p.parked_at <= cutoff]
            groups: dict[tuple[str, str, str], list[ParkedEvent]] = {}
            for parked in late:
                groups.setdefault((parked.room_id, parked.sender, parked.session_id), []).append(parked)
            return [
                Unreadable(events[0], tuple(events[1:]), await repo.withheld(session_id))
                for (_, _, session_id), events in groups.items()
            ]

    async def settle(self, group: Unreadable) -> None:
        """The sender has been told: the rest of the group counts as answered, and none of it waits any longer.
        A key that comes after this changes nothing; the sender was asked to send again."""
        async with self.db.transaction() as tx:
            rooms = RoomRepo(tx)
            for other in group.others:
                if not await rooms.is_handled(other.event_id):
                    await rooms.mark_handled(other.room_id, other.event_id, self.clock.now(), latest=False)
        await self.release([group.first.event_id, *(other.event_id for other in group.others)])

    async def tell_overdue(self, notify: Notify, cat: Catalogue, zone: ZoneInfo) -> None:
        """Once the grace period is over, the sender hears which message could not be read and why."""
        for group in await self.overdue():
            first = group.first
            log.warning("event %s in %s from %s still unreadable; telling the sender", first.event_id, first.room_id, first.sender)
            await notify(group.message, explain(group, cat, zone))
            await self.settle(group)

    def wait(self, longest: timedelta) -> timedelta:
        """How long the next sync may wait for news before the oldest parked event's grace is over."""
        if self._oldest is None:
            return longest
        return max(timedelta(0), min(longest, self._oldest + self.grace - self.clock.now()))


def explain(group: Unreadable, cat: Catalogue, zone: ZoneInfo) -> Text:
    """Which message could not be read, why, and what the sender can do."""
    time = clock(group.sent.astimezone(zone), cat)
    if group.withheld is None:
        text = cat.text("unreadable.missing", time=time)
    elif cat.has(f"unreadable.{group.withheld}"):
        text = cat.text(f"unreadable.{group.withheld}", time=time)
    else:
        text = cat.text("unreadable.withheld", time=time, code=group.withheld)
    if group.others:
        n = len(group.others)
        text = text + cat.text_count("unreadable.others", n)
    return text


def _withheld(source: Any) -> tuple[str, str] | None:
    if not isinstance(source, dict) or source.get("type") != WITHHELD:
        return None
    content = source.get("content")
    if not isinstance(content, dict):
        return None
    session_id, code = content.get("session_id"), content.get("code")
    if isinstance(session_id, str) and isinstance(code, str):
        return session_id, code
    return None
