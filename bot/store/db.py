"""The database connection: PRAGMAs, migrations, and one transaction at a time.

SQLite runs on the event loop's own thread. The bot's statements touch a few rows of a small local database and
take microseconds; handing each to a worker thread, as aiosqlite does, cost some 25 times that in CPU (two thread
switches a statement), which made up most of what a command cost beyond a bare nio bot (bench.budget). The
connection keeps aiosqlite's awaitable shape, so the repositories read the same either way."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Generator, Iterable, Sequence
from datetime import datetime, timezone
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bot.errors import StartupError
from bot.store.migrations import LATEST, STEPS

log = logging.getLogger(__name__)

DB_NAME = "samverkan.sqlite3"


def utc_text(moment: datetime) -> str:
    """How instants are stored: UTC, to the second, so text order is time order."""
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def from_utc_text(text: str) -> datetime:
    return datetime.fromisoformat(text)


class Cursor:
    """A statement's outcome as the repositories use it: awaited (`await conn.execute(…)`), or entered
    (`async with conn.execute(…) as cursor`), then its rows awaited."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor: sqlite3.Cursor):
        self._cursor = cursor

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    def __await__(self) -> Generator[Any, None, Cursor]:
        return self._itself().__await__()

    async def _itself(self) -> Cursor:
        return self

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()


class Connection:
    """One sqlite3 connection with an awaitable face: each statement runs when it is called."""

    def __init__(self, conn: sqlite3.Connection):
        self._conn = conn

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> Cursor:
        return Cursor(self._conn.execute(sql, parameters))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> Cursor:
        return Cursor(self._conn.executemany(sql, rows))

    @property
    def row_factory(self) -> Any:
        return self._conn.row_factory

    @row_factory.setter
    def row_factory(self, factory: Any) -> None:
        self._conn.row_factory = factory

    async def close(self) -> None:
        self._conn.close()


Row = sqlite3.Row


class Database:
    """One connection; reads and writes both take the lock, so a reader never sees half a transaction (a transaction
    may await something between its statements)."""

    def __init__(self, path: Path):
        self.path = path
        self._conn: Connection | None = None
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
            self._conn = Connection(sqlite3.connect(self.path, isolation_level=None))
            await self._conn.execute("PRAGMA journal_mode=WAL")
            await self._conn.execute("PRAGMA foreign_keys=ON")
            await self._conn.execute("PRAGMA busy_timeout=5000")
            await self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.row_factory = Row
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
    def conn(self) -> Connection:
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
    async def transaction(self) -> AsyncIterator[Connection]:
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
    async def reading(self) -> AsyncIterator[Connection]:
        async with self._lock:
            yield self.conn
