"""Runs what the features declared, besides their commands: timed jobs and reactions to events.

The database decides; the timers only wake the bot. A job claims what fell due and queues its messages in one
transaction, then the outbox is sent; a crash in between is repaired at the next start, when every job looks at
all its keys again. Every job run, whether woken by the clock, by a command or at start, goes through one error
path: logged with what it was doing and tried again a minute later. On shutdown a running job is finished, never
cut in the middle.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable, Iterable
from datetime import datetime, timezone
from typing import Any

from bot.feature import Effects, Features, Job, Services
from bot.policy import JOB_RETRY
from bot.timers import Timers

log = logging.getLogger(__name__)


def job_id(job: str, key: Hashable) -> str:
    return f"{job}:{key}"


class Runner:
    def __init__(self, features: Features, services: Services, flush: Callable[[], Awaitable[None]]):
        self.features = features
        self.services = services
        self.flush = flush
        self.timers = Timers()
        self._running: set[asyncio.Task] = set()
        self._stopping = False

    async def start(self) -> int:
        """Catch up on what fell due while the bot was away and schedule what is next, for every job; returns the
        number of scheduled runs."""
        self.timers.start()
        for job in self.features.jobs.values():
            await self._run(job, None)
        await self.flush()
        return len(self.timers.upcoming())

    async def stop(self) -> None:
        """No new runs; the ones under way finish (their transaction commits or rolls back whole)."""
        self._stopping = True
        self.timers.close()
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)

    async def follow(self, effects: Effects) -> None:
        """After a command or a job committed: the reactions to its events, then the jobs it woke, then send."""
        for event, payload in effects.events:
            await self.react(event, payload)
        if effects.wakes:
            await self.flush()  # what was decided goes out first: a woken job may take a while (a chart is drawn)
        for name, keys in effects.wakes.items():
            await self._run(self.features.jobs[name], frozenset(keys))
        await self.flush()

    async def react(self, event: str, payload: Any) -> None:
        """Each reaction in turn; one that fails is logged and keeps no other from running."""
        for reaction in self.features.reactions[event]:
            try:
                await reaction(self.services, payload)
            except Exception:
                log.exception("reaction %s to %s failed (%r)", reaction.__qualname__, event, payload)

    async def _run(self, job: Job, keys: frozenset[Hashable] | None) -> None:
        if self._stopping:
            return
        task = asyncio.current_task()
        self._running.add(task)
        effects = Effects()
        try:
            upcoming = await job.run(self.services, keys, effects)
        except Exception:
            what = "all" if keys is None else ", ".join(sorted(map(str, keys)))
            log.exception("job %s (%s) failed; trying again in a minute", job.name, what)
            retry = self.services.clock.now() + JOB_RETRY
            if keys is None:
                self._at(job, None, retry)
            else:
                for key in keys:
                    self._at(job, key, retry)
            return
        finally:
            self._running.discard(task)
        if keys is not None:
            for gone in keys - upcoming.keys():
                upcoming[gone] = None  # what the key named is gone (a series removed, a room without actions)
        for key, when in upcoming.items():
            self._at(job, key, when)
        if effects:
            await self.follow(effects)

    async def check(self, name: str, keys: Iterable[Hashable] | None = None) -> None:
        """Run a job now for these keys (all when None), as the clock would, then send what it queued."""
        await self._run(self.features.jobs[name], None if keys is None else frozenset(keys))
        await self.flush()

    async def _woken(self, name: str, key: Hashable | None) -> None:
        await self.check(name, None if key is None else [key])

    def _at(self, job: Job, key: Hashable | None, when: datetime | None) -> None:
        scheduled = job_id(job.name, "*" if key is None else key)
        if when is None:
            self.timers.cancel(scheduled)
            return
        # The timers wait on the system clock; `when` is on ours, which tests may shift. A job that runs late still
        # runs; its decision marks what it sends late.
        real = when - (self.services.clock.now() - datetime.now(timezone.utc))
        self.timers.at(scheduled, real, lambda: self._woken(job.name, key))
