"""Unit tier fixtures: a real SQLite database in tmp_path, a FakeClock, and the room as a chat with the bot."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.store.db import DB_NAME, Database
from bot.store.rooms import RoomRepo
from tests.unit.handlers import START, Chat
from tests.unit.helpers import ROOM


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)  # Monday 30 November 2026, 11:00 in Stockholm: the next Tuesday is 1 December (week 49)


@pytest.fixture
def chat(db: Database, clock: FakeClock) -> Chat:
    """The room as its members use it: commands in, the bot's replies out."""
    return Chat(db, clock)


@pytest.fixture(scope="session")
async def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with every migration applied, made once: copying it costs a fraction of migrating anew,
    and the handler tier opens one per test. test_store.py migrates databases of its own."""
    directory = tmp_path_factory.mktemp("migrated")
    await (await Database.open(directory)).close()
    return directory / DB_NAME


@pytest.fixture
async def db(tmp_path: Path, clock: FakeClock, migrated: Path) -> AsyncIterator[Database]:
    """An open database with the test room already joined, as after the bot's first sync in it.

    Without fsync: it buys durability across a crash of the machine, which no unit test exercises (the
    integration tier kills the bot for real), and costs a few milliseconds in each of hundreds of tests."""
    shutil.copyfile(migrated, tmp_path / DB_NAME)
    database = await Database.open(tmp_path)
    await database.conn.execute("PRAGMA synchronous=OFF")
    async with database.transaction() as tx:
        await RoomRepo(tx).joined(ROOM, clock.now())
    yield database
    await database.close()
