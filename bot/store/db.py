"""The database connection: PRAGMAs, migrations, and one transaction at a time."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from bot.errors import StartupError
from bot.store.migrations import LATEST, STEPS

log = logging.getLogger(__name__)

DB_NAME = "samverkan.sqlite3"


def utc_text(moment: datetime) -> str:
    """How instants are stored: UTC, to the second, so text order is time order."""
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def from_utc_text(text: str) -> datetime:
    return datetime.fromisoformat(text)


class Database:
    """One aiosqlite connection; reads and writes both take the lock, so a reader never sees half a transaction."""

    def __init__(self, path: Path):
        self.path = path
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, data_dir: Path) -> Database:
        db = cls(data_dir / DB_NAME)
        await db.connect()
        return db

    async def connect(self) -> None:
        try:
            if not self.path.exists():
                # Created private before SQLite touches it; the -wal and -shm files inherit the mode.
                os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
            self._conn = await aiosqlite.connect(self.path, isolation_level=None)
            await self._conn.execute("PRAGMA journal_mode=WAL")
            await self._conn.execute("PRAGMA foreign_keys=ON")
            await self._conn.execute("PRAGMA busy_timeout=5000")
            await self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.row_factory = aiosqlite.Row
            await self.migrate()
        except (sqlite3.Error, OSError) as exc:
            await self.close()
            raise StartupError(f"database {self.path}: {exc}") from exc
        except StartupError:
            await self.close()  # an open connection's worker thread would keep the process alive
            raise

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("database is not open")
        return self._conn

    async def version(self) -> int:
        async with self.conn.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0])

    async def migrate(self) -> None:
        current = await self.version()
        if current > LATEST:
            raise StartupError(
                f"database {self.path} has schema version {current}, newer than this samverkan-bot "
                f"understands ({LATEST}); run a newer version of the bot"
            )
        for number in range(current + 1, LATEST + 1):
            async with self.transaction() as conn:
                for statement in STEPS[number - 1]:
                    await conn.execute(statement)
                # PRAGMA takes no parameters; number is an int from our own table.
                await conn.execute(f"PRAGMA user_version = {number:d}")
            log.info("database migrated to schema version %d", number)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction: committed when the block ends, rolled back if it raises."""
        async with self._lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            await self.conn.execute("COMMIT")

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            yield self.conn
