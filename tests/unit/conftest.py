"""Unit tier fixtures: settings without any outside source, a real SQLite in tmp_path, a FakeClock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.settings import Settings
from bot.store.db import Database
from bot.store.rooms import RoomRepo

ROOM = "!orat:eslov.se"
BOT = "@samverkan-bot:eslov.se"


def make_settings(**values: Any) -> Settings:
    """Like tests/conftest.py: only what the test gives, with dummy credentials."""
    values.setdefault("homeserver", "https://matrix.eslov.se")
    values.setdefault("user_id", BOT)
    values.setdefault("password", "dummy-password")
    return Settings(_env_file=None, **values)


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
