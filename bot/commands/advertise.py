"""Keeps the MSC4332 commands state event current in every room; without the power to send it, says so once."""

from __future__ import annotations

import hashlib
import logging

from nio import AsyncClient

from bot.clock import Clock
from bot.commands.registry import Registry
from bot.commands.slash import EVENT_TYPE, commands_content, digest
from bot.i18n import Catalogue
from bot.matrix.transport import SendError, Transport
from bot.render import notice
from bot.store.db import Database
from bot.store.outbox import OutboxRepo
from bot.store.rooms import Room, RoomRepo

log = logging.getLogger(__name__)


class Advertiser:
    def __init__(self, client: AsyncClient, transport: Transport, db: Database, clock: Clock, cat: Catalogue, registry: Registry, sigil: str):
        self.client = client
        self.transport = transport
        self.db = db
        self.clock = clock
        self.cat = cat
        self.sigil = sigil
        self.content = commands_content(registry, cat, sigil)
        self.digest = digest(self.content)
        self._tried: set[str] = set()

    async def after_batch(self, room_id: str, room: Room | None, power_changed: bool) -> None:
        """Tried once per process where the room's event is outdated, and again when the power levels change:
        not on every batch."""
        outdated = room is None or room.commands_advertised != self.digest
        if power_changed or (outdated and room_id not in self._tried):
            self._tried.add(room_id)
            await self._advertise(room_id)

    async def _advertise(self, room_id: str) -> None:
        try:
            await self.transport.put_state(room_id, EVENT_TYPE, self.content, self.client.user_id)
        except SendError as exc:
            if exc.code != "M_FORBIDDEN":
                log.warning("could not advertise commands in %s: %s", room_id, exc)
                return
            await self._tell_refused(room_id)
            return
        async with self.db.transaction() as tx:
            await RoomRepo(tx).set_commands_advertised(room_id, self.digest)

    async def _tell_refused(self, room_id: str) -> None:
        room = self.client.rooms.get(room_id)
        levels = room.power_levels if room else None
        needed = levels.events.get(EVENT_TYPE, levels.defaults.state_default) if levels else 50
        have = levels.get_user_level(self.client.user_id) if levels else 0
        log.info("no power to advertise commands in %s: need %s, have %s", room_id, needed, have)
        async with self.db.transaction() as tx:
            rooms = RoomRepo(tx)
            room_row = await rooms.get(room_id)
            if room_row is None or room_row.commands_refusal_told:
                return
            text = self.cat.text("commands_forbidden", needed=needed, have=have, prefix=self.sigil)
            txn = "sb-commands-" + hashlib.sha256(room_id.encode()).hexdigest()[:32]
            await OutboxRepo(tx).add(room_id, txn, notice(text), self.clock.now())
            await rooms.set_refusal_told(room_id)
