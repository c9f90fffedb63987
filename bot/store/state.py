"""Bot state: the stored sync position."""

from __future__ import annotations

from bot.store.db import Connection

SYNC_TOKEN = "sync_token"


class StateRepo:
    def __init__(self, conn: Connection):
        self.conn = conn

    async def get(self, key: str) -> str | None:
        async with self.conn.execute("SELECT value FROM bot_state WHERE key = ?", (key,)) as cursor:
            row = await cursor.fetchone()
        return row[0] if row else None

    async def set(self, key: str, value: str) -> None:
        await self.conn.execute(
            "INSERT INTO bot_state(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
