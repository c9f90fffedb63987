"""Unit tier fixtures: a real SQLite database in tmp_path and a FakeClock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.store.db import Database
from bot.store.rooms import RoomRepo
from tests.unit.helpers import ROOM


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc))


@pytest.fixture
async def db(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Database]:
    """An open database with the test room already joined, as after the bot's first sync in it."""
    database = await Database.open(tmp_path)
    async with database.transaction() as tx:
        await RoomRepo(tx).joined(ROOM, clock.now())
    yield database
    await database.close()
