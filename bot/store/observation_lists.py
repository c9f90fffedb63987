"""A room's areas and observation categories: given the configured defaults the first time the room uses them,
then its own to add to, rename and remove from. A removed one is kept, so the reports that name it keep its name."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.matching import normalise
from bot.store.db import Connection, utc_text

AREAS, CATEGORIES = "areas", "categories"


@dataclass(frozen=True)
class Named:
    id: int
    name: str


class ObservationListRepo:
    """One of a room's two lists: AREAS or CATEGORIES."""

    def __init__(self, conn: Connection, table: str):
        if table not in (AREAS, CATEGORIES):
            raise ValueError(f"unknown list {table!r}")
        self.conn = conn
        self.table = table

    async def seed(self, room_id: str, areas: Iterable[str], categories: Iterable[str], now: datetime) -> None:
        """Give the room the default areas and categories, the first time it uses either."""
        cursor = await self.conn.execute(
            "INSERT INTO observation_lists(room_id, seeded_at) VALUES (?, ?) ON CONFLICT(room_id) DO NOTHING",
            (room_id, utc_text(now)),
        )
        if cursor.rowcount != 1:
            return
        for table, names in ((AREAS, areas), (CATEGORIES, categories)):
            await self.conn.executemany(
                f"INSERT OR IGNORE INTO {table}(room_id, name, key, created_at) VALUES (?, ?, ?, ?)",
                [(room_id, name, normalise(name), utc_text(now)) for name in names],
            )

    async def in_room(self, room_id: str) -> list[Named]:
        """The names in use, in the order they were added."""
        async with self.conn.execute(
            f"SELECT id, name FROM {self.table} WHERE room_id = ? AND removed_at IS NULL ORDER BY id", (room_id,)
        ) as cursor:
            return [Named(*row) for row in await cursor.fetchall()]

    async def add(self, room_id: str, name: str, now: datetime) -> Named:
        """Add a name; one removed before comes back, with its old reports."""
        key = normalise(name)
        async with self.conn.execute(
            f"SELECT id FROM {self.table} WHERE room_id = ? AND key = ? ORDER BY id DESC LIMIT 1", (room_id, key)
        ) as cursor:
            row = await cursor.fetchone()
        if row:
            await self.conn.execute(
                f"UPDATE {self.table} SET name = ?, removed_at = NULL, removed_by = NULL WHERE id = ?", (name, row[0])
            )
            return Named(row[0], name)
        cursor = await self.conn.execute(
            f"INSERT INTO {self.table}(room_id, name, key, created_at) VALUES (?, ?, ?, ?)",
            (room_id, name, key, utc_text(now)),
        )
        return Named(cursor.lastrowid, name)

    async def rename(self, named: Named, name: str) -> None:
        await self.conn.execute(
            f"UPDATE {self.table} SET name = ?, key = ? WHERE id = ?", (name, normalise(name), named.id)
        )

    async def remove(self, named: Named, by: str, now: datetime) -> None:
        await self.conn.execute(
            f"UPDATE {self.table} SET removed_at = ?, removed_by = ? WHERE id = ?", (utc_text(now), by, named.id)
        )
