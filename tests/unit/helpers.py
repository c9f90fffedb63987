"""Shared values of the unit tier: the room, the bot, settings with dummy credentials, and a meeting series."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from bot.schedule import parse_schedule
from bot.settings import Settings, load_settings
from bot.store.series import Series

ROOM = "!orat:eslov.se"
BOT = "@samverkan-bot:eslov.se"
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def make_settings(**values: Any) -> Settings:
    """Like tests/conftest.py: only what the test gives (no .env), with dummy homeserver and credentials."""
    values.setdefault("homeserver", "https://matrix.eslov.se")
    values.setdefault("user_id", BOT)
    values.setdefault("password", "dummy-password")
    return load_settings(env_file=None, **values)


def make_series(**values: Any) -> Series:
    """A Series as the store returns it: Örat mot marken, weekly on Tuesday 09:00 in Stockholm, at
    Stadshuset, sal 2, reminders 1 day and 1 hour before. `schedule` may be given as text."""
    if isinstance(values.get("schedule"), str):
        values["schedule"] = parse_schedule(values["schedule"].split(), date(2026, 1, 1))
    values.setdefault("id", 1)
    values.setdefault("room_id", ROOM)
    values.setdefault("name", "Örat mot marken")
    values.setdefault("schedule", parse_schedule("weekly tuesday 09:00".split(), date(2026, 1, 1)))
    values.setdefault("anchor", date(2026, 1, 1))
    values.setdefault("duration", timedelta(minutes=30))
    values.setdefault("location", "Stadshuset, sal 2")
    values.setdefault("reminders", (timedelta(days=1), timedelta(hours=1)))
    values.setdefault("zone", STOCKHOLM)
    values.setdefault("checked_until", datetime(2026, 11, 29, 12, tzinfo=timezone.utc))
    values.setdefault("seed_digest", None)
    return Series(**values)
