"""Wake-ups at a time of the system clock, each by a name: all the runner needs to wait for its jobs' next runs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone

log = logging.getLogger(__name__)

LONGEST_WAIT_S = 3600.0
"""A long wait is taken in steps of at most this: the loop waits on a monotonic clock, which stands still while the
machine sleeps, so each step looks at the wall clock again."""


class Timers:
    """At most one wake-up per name: setting a name again moves it, cancelling drops it. Once started, a wake-up that
    is due runs as a task of its own; one that is late (the machine slept, the loop was busy) runs as soon as it can."""

    def __init__(self) -> None:
        self._due: dict[str, tuple[datetime, Callable[[], Awaitable[None]]]] = {}
        self._handles: dict[str, asyncio.TimerHandle] = {}
        self.running: set[asyncio.Task] = set()
        """Wake-ups under way, from when they fire to when their coroutine returns."""
        self._started = False

    def start(self) -> None:
        """Wake-ups fire from now on, those set before too."""
        self._started = True
        for name in self._due:
            self._arm(name)

    def at(self, name: str, when: datetime, wake: Callable[[], Awaitable[None]]) -> None:
        self.cancel(name)
        self._due[name] = (when, wake)
        if self._started:
            self._arm(name)

    def cancel(self, name: str) -> None:
        self._due.pop(name, None)
        if handle := self._handles.pop(name, None):
            handle.cancel()

    def close(self) -> None:
        """No wake-up fires any more; those under way go on (see `running`)."""
        self._started = False
        for name in list(self._due):
            self.cancel(name)

    def when(self, name: str) -> datetime | None:
        """When the wake-up of this name is due, or None when there is none."""
        return self._due[name][0] if name in self._due else None

    def upcoming(self) -> dict[str, datetime]:
        return {name: when for name, (when, _) in self._due.items()}

    def _arm(self, name: str) -> None:
        wait = (self._due[name][0] - datetime.now(timezone.utc)).total_seconds()
        step = min(max(wait, 0.0), LONGEST_WAIT_S)
        self._handles[name] = asyncio.get_running_loop().call_later(step, self._fire, name)

    def _fire(self, name: str) -> None:
        del self._handles[name]
        when, wake = self._due[name]
        if when > datetime.now(timezone.utc):
            self._arm(name)  # a step of a long wait, or the monotonic clock ran ahead of the wall clock
            return
        del self._due[name]
        task = asyncio.get_running_loop().create_task(wake(), name=name)
        self.running.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task) -> None:
        self.running.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            log.error("wake-up %s failed", task.get_name(), exc_info=error)
