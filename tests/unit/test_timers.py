"""The runner's timers: one wake-up per name, on the system clock, each run once."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone

import pytest

from bot import timers as timers_module
from bot.timers import Timers


def soon(seconds: float) -> datetime:
    return datetime.now(timezone.utc) + timedelta(seconds=seconds)


class Woken:
    def __init__(self) -> None:
        self.names: list[str] = []
        self.event = asyncio.Event()

    def __call__(self, name: str):
        async def wake() -> None:
            self.names.append(name)
            self.event.set()

        return wake


async def settle(timers: Timers, seconds: float) -> None:
    await asyncio.sleep(seconds)
    while timers.running:
        await asyncio.sleep(0.01)


async def test_a_wake_up_runs_once_when_due_and_leaves_the_timers() -> None:
    timers, woken = Timers(), Woken()
    timers.start()
    timers.at("reminders:1", soon(0.05), woken("reminders:1"))

    assert timers.when("reminders:1") is not None
    await asyncio.wait_for(woken.event.wait(), 5)
    await settle(timers, 0.1)

    assert woken.names == ["reminders:1"]
    assert timers.upcoming() == {}


async def test_setting_a_name_again_moves_its_wake_up() -> None:
    timers, woken = Timers(), Woken()
    timers.start()
    timers.at("close:7", soon(0.05), woken("first"))
    later = soon(0.3)
    timers.at("close:7", later, woken("second"))

    await settle(timers, 0.15)
    assert woken.names == [] and timers.when("close:7") == later
    await asyncio.wait_for(woken.event.wait(), 5)

    assert woken.names == ["second"]


async def test_a_cancelled_wake_up_never_runs() -> None:
    timers, woken = Timers(), Woken()
    timers.start()
    timers.at("nudges:!room", soon(0.05), woken("nudges:!room"))
    timers.cancel("nudges:!room")
    timers.cancel("nudges:!room")  # cancelling what is not there is no error

    await settle(timers, 0.15)

    assert woken.names == [] and timers.upcoming() == {}


async def test_nothing_runs_before_start_or_after_close_and_a_late_one_runs_at_start() -> None:
    timers, woken = Timers(), Woken()
    timers.at("late", soon(-60), woken("late"))
    timers.at("closed", soon(0.3), woken("closed"))
    await settle(timers, 0.05)
    assert woken.names == []

    timers.start()
    await settle(timers, 0.05)
    assert woken.names == ["late"]

    timers.close()
    await settle(timers, 0.4)
    assert woken.names == ["late"]


async def test_a_long_wait_is_taken_in_steps_and_still_fires_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timers_module, "LONGEST_WAIT_S", 0.02)
    timers, woken = Timers(), Woken()
    timers.start()
    timers.at("walks", soon(0.15), woken("walks"))

    await settle(timers, 0.08)
    assert woken.names == [] and timers.when("walks") is not None
    await asyncio.wait_for(woken.event.wait(), 5)
    await settle(timers, 0.1)

    assert woken.names == ["walks"]


async def test_a_failing_wake_up_is_logged_and_the_others_still_run(caplog: pytest.LogCaptureFixture) -> None:
    timers, woken = Timers(), Woken()
    timers.start()

    async def fail() -> None:
        raise RuntimeError("homeserver away")

    timers.at("broken", soon(0.01), fail)
    timers.at("fine", soon(0.05), woken("fine"))
    with caplog.at_level(logging.ERROR, logger="bot.timers"):
        await asyncio.wait_for(woken.event.wait(), 5)
        await settle(timers, 0.05)

    assert woken.names == ["fine"]
    assert "wake-up broken failed" in caplog.text and "homeserver away" in caplog.text
