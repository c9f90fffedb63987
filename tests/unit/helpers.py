"""Shared values of the unit tier: the room, the bot, and settings with dummy credentials."""

from __future__ import annotations

from typing import Any

from bot.settings import Settings

ROOM = "!orat:eslov.se"
BOT = "@samverkan-bot:eslov.se"


def make_settings(**values: Any) -> Settings:
    """Like tests/conftest.py: only what the test gives (no .env), with dummy homeserver and credentials."""
    values.setdefault("homeserver", "https://matrix.eslov.se")
    values.setdefault("user_id", BOT)
    values.setdefault("password", "dummy-password")
    return Settings(_env_file=None, **values)
