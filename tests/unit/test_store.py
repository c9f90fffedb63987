"""The database: migrations, a newer schema refused, a private file, PRAGMAs, and all-or-nothing transactions."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.errors import StartupError
from bot.store.db import DB_NAME, Database
from bot.store.migrations import LATEST
from bot.store.rooms import RoomRepo
from bot.store.state import StateRepo
from tests.unit.helpers import ROOM


def set_user_version(path: Path, version: int) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {version:d}")


async def pragma(db: Database, name: str) -> object:
    async with db.reading() as conn, conn.execute(f"PRAGMA {name}") as cursor:
        return (await cursor.fetchone())[0]


async def test_new_database_is_migrated_to_the_latest_version(tmp_path: Path) -> None:
    db = await Database.open(tmp_path)
    try:
        assert LATEST >= 1
        assert await db.version() == LATEST
    finally:
        await db.close()


async def test_reopening_keeps_the_data_and_the_version(tmp_path: Path, clock: FakeClock) -> None:
    db = await Database.open(tmp_path)
    async with db.transaction() as tx:
        await StateRepo(tx).set("sync_token", "s123")
    await db.close()

    db = await Database.open(tmp_path)
    try:
        assert await db.version() == LATEST
        async with db.reading() as conn:
            assert await StateRepo(conn).get("sync_token") == "s123"
    finally:
        await db.close()


async def test_older_database_is_brought_up_to_date(tmp_path: Path) -> None:
    sqlite3.connect(tmp_path / DB_NAME).close()  # an empty database at version 0

    db = await Database.open(tmp_path)
    try:
        assert await db.version() == LATEST
    finally:
        await db.close()


async def test_newer_database_is_refused_naming_the_versions(tmp_path: Path) -> None:
    await (await Database.open(tmp_path)).close()
    path = tmp_path / DB_NAME
    set_user_version(path, LATEST + 7)

    db = Database(path)
    try:
        with pytest.raises(StartupError) as caught:
            await db.connect()
    finally:
        await db.close()

    message = str(caught.value)
    assert f"schema version {LATEST + 7}" in message
    assert f"({LATEST})" in message
    assert str(path) in message


async def test_refused_database_is_not_left_open(tmp_path: Path) -> None:
    db = await Database.open(tmp_path)
    await db.close()
    set_user_version(tmp_path / DB_NAME, LATEST + 1)

    refused = Database(tmp_path / DB_NAME)
    try:
        with pytest.raises(StartupError):
            await refused.connect()
        with pytest.raises(RuntimeError, match="not open"):
            refused.conn
    finally:
        await refused.close()  # so a failing run does not leave the worker thread behind


async def test_unreadable_file_is_a_startup_error(tmp_path: Path) -> None:
    (tmp_path / DB_NAME).write_bytes(b"this is not an SQLite database, just some text " * 100)

    db = Database(tmp_path / DB_NAME)
    with pytest.raises(StartupError, match=DB_NAME):
        await db.connect()


async def test_database_file_is_private(tmp_path: Path) -> None:
    db = await Database.open(tmp_path)
    try:
        async with db.transaction() as tx:
            await StateRepo(tx).set("k", "v")  # so the -wal file exists too
        for path in tmp_path.iterdir():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    finally:
        await db.close()


async def test_foreign_keys_are_enforced(db: Database, clock: FakeClock) -> None:
    assert await pragma(db, "foreign_keys") == 1
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as tx:
            await RoomRepo(tx).mark_handled("!unknown:eslov.se", "$e", clock.now())


async def test_wal_mode(db: Database) -> None:
    assert await pragma(db, "journal_mode") == "wal"


async def test_busy_timeout_is_set(db: Database) -> None:
    assert await pragma(db, "busy_timeout") > 0


async def test_transaction_commits(db: Database, clock: FakeClock) -> None:
    async with db.transaction() as tx:
        await RoomRepo(tx).mark_handled(ROOM, "$e", clock.now())

    async with db.reading() as conn:
        assert await RoomRepo(conn).is_handled("$e")
        assert (await RoomRepo(conn).get(ROOM)).last_event_id == "$e"


async def test_transaction_that_raises_rolls_back(db: Database, clock: FakeClock) -> None:
    with pytest.raises(ValueError, match="halfway"):
        async with db.transaction() as tx:
            await StateRepo(tx).set("sync_token", "s1")
            await RoomRepo(tx).mark_handled(ROOM, "$e", clock.now())
            raise ValueError("halfway")

    async with db.reading() as conn:
        assert await StateRepo(conn).get("sync_token") is None
        assert not await RoomRepo(conn).is_handled("$e")


async def test_database_is_usable_after_a_rollback(db: Database) -> None:
    with pytest.raises(ValueError):
        async with db.transaction() as tx:
            await StateRepo(tx).set("k", "first")
            raise ValueError

    async with db.transaction() as tx:
        await StateRepo(tx).set("k", "second")

    async with db.reading() as conn:
        assert await StateRepo(conn).get("k") == "second"


async def test_state_value_is_replaced(db: Database) -> None:
    for token in ("s1", "s2"):
        async with db.transaction() as tx:
            await StateRepo(tx).set("sync_token", token)

    async with db.reading() as conn:
        assert await StateRepo(conn).get("sync_token") == "s2"
