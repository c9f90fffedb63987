"""Organisations of a room, spelt as first written there, and the organisation each member represents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.matching import normalise
from bot.store.db import Connection, utc_text


@dataclass(frozen=True)
class Organisation:
    id: int
    name: str


class OrganisationRepo:
    def __init__(self, conn: Connection):
        self.conn = conn

    async def in_room(self, room_id: str) -> list[Organisation]:
        async with self.conn.execute(
            "SELECT id, name FROM organisations WHERE room_id = ? ORDER BY key", (room_id,)
        ) as cursor:
            return [Organisation(*row) for row in await cursor.fetchall()]

    async def named(self, room_id: str, name: str, now: datetime) -> Organisation:
        """The room's organisation of this name (case and diacritics aside), made if it is new."""
        await self.conn.execute(
            "INSERT INTO organisations(room_id, name, key, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(room_id, key) DO NOTHING",
            (room_id, name, normalise(name), utc_text(now)),
        )
        async with self.conn.execute(
            "SELECT id, name FROM organisations WHERE room_id = ? AND key = ?", (room_id, normalise(name))
        ) as cursor:
            return Organisation(*await cursor.fetchone())

    async def set_member(self, room_id: str, user_id: str, organisation: Organisation, by: str, now: datetime) -> None:
        await self.conn.execute(
            "INSERT INTO member_organisations(room_id, user_id, organisation_id, set_by, set_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(room_id, user_id) DO UPDATE SET organisation_id = excluded.organisation_id, "
            "set_by = excluded.set_by, set_at = excluded.set_at",
            (room_id, user_id, organisation.id, by, utc_text(now)),
        )

    async def of_member(self, room_id: str, user_id: str) -> Organisation | None:
        async with self.conn.execute(
            "SELECT o.id, o.name FROM member_organisations m JOIN organisations o ON o.id = m.organisation_id "
            "WHERE m.room_id = ? AND m.user_id = ?",
            (room_id, user_id),
        ) as cursor:
            row = await cursor.fetchone()
        return Organisation(*row) if row else None

    async def members(self, room_id: str) -> dict[str, Organisation]:
        """Every member's organisation in the room, by user id."""
        async with self.conn.execute(
            "SELECT m.user_id, o.id, o.name FROM member_organisations m JOIN organisations o ON o.id = m.organisation_id "
            "WHERE m.room_id = ?",
            (room_id,),
        ) as cursor:
            return {row[0]: Organisation(row[1], row[2]) for row in await cursor.fetchall()}
