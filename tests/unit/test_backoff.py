"""Retry delays: growing, capped, and jittered between half and all of the nominal delay."""

from __future__ import annotations

import random

import pytest

from bot.matrix.transport import Backoff


@pytest.fixture
def no_jitter(monkeypatch: pytest.MonkeyPatch) -> None:
    """The random part at its largest, so each delay is exactly the nominal one."""
    monkeypatch.setattr(random, "uniform", lambda low, high: high)


def test_delays_double_from_the_base(no_jitter: None) -> None:
    backoff = Backoff(base=0.5, cap=30.0)

    assert [backoff.next() for _ in range(5)] == [0.5, 1.0, 2.0, 4.0, 8.0]


def test_delays_stop_growing_at_the_cap(no_jitter: None) -> None:
    backoff = Backoff(base=0.5, cap=30.0)

    delays = [backoff.next() for _ in range(12)]

    assert delays[5:] == [16.0] + [30.0] * 6
    assert max(delays) == 30.0


def test_a_long_outage_stays_at_the_cap(no_jitter: None) -> None:
    backoff = Backoff(base=0.5, cap=30.0)

    delays = [backoff.next() for _ in range(2000)]

    assert set(delays[6:]) == {30.0}


@pytest.fixture
def seeded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real jitter from a generator of its own, so the test repeats and leaves the global one alone."""
    monkeypatch.setattr(random, "uniform", random.Random(4711).uniform)


def test_jitter_stays_between_half_and_all_of_the_delay(seeded: None) -> None:
    nominal = [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    for _ in range(200):
        backoff = Backoff(base=0.5, cap=30.0)
        for expected in nominal:
            assert expected / 2 <= backoff.next() <= expected


def test_jitter_uses_the_whole_range(seeded: None) -> None:
    first = [Backoff(base=1.0, cap=30.0).next() for _ in range(500)]

    assert min(first) < 0.6
    assert max(first) > 0.9


def test_smallest_delay_is_half_the_nominal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(random, "uniform", lambda low, high: low)
    backoff = Backoff(base=0.5, cap=30.0)

    assert [backoff.next() for _ in range(8)] == [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 15.0]


def test_reset_starts_over(no_jitter: None) -> None:
    backoff = Backoff(base=0.5, cap=30.0)
    for _ in range(6):
        backoff.next()

    backoff.reset()

    assert backoff.attempt == 0
    assert backoff.next() == 0.5


def test_attempts_are_counted(no_jitter: None) -> None:
    backoff = Backoff()
    for _ in range(3):
        backoff.next()

    assert backoff.attempt == 3
