"""APScheduler wiring: one job per series with a fixed id, rebuilt from the database at start.

The database decides; the scheduler only wakes the bot. When a job runs, every reminder that fell due
since the series was last checked is claimed, its message put in the outbox, and the series' check mark
moved, all in one transaction; then the outbox is sent. A crash anywhere in between is repaired at the
next start: a claimed reminder is resent from the outbox with its transaction id, an unclaimed one is
found again and sent late.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import aiosqlite
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import Clock
from bot.commands.actions import nudge_text
from bot.followup import decide_nudges, next_nudge
from bot.i18n import Catalogue
from bot.minutes import close
from bot.reminders import ReminderContext, decide, next_due, reminder_text
from bot.render import Mentions, notice
from bot.store.actions import ActionRepo
from bot.store.db import Database
from bot.store.meetings import MeetingRepo
from bot.store.outbox import OutboxRepo
from bot.store.reminders import ReminderRepo
from bot.store.series import Changes, Series, SeriesRepo

log = logging.getLogger(__name__)


RETRY = timedelta(minutes=1)
AUTO_CLOSE = timedelta(hours=3)
NUDGES_JOB = "nudges"


def job_id(series_id: int) -> str:
    return f"series-{series_id}"


class ReminderScheduler:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        cat: Catalogue,
        prefix: str,
        flush: Callable[[], Awaitable[None]],
        zone: ZoneInfo = ZoneInfo("Europe/Stockholm"),
        on_closed: Callable[[int], Awaitable[None]] = lambda meeting_id: asyncio.sleep(0),
    ):
        self.on_closed = on_closed
        self.zone = zone
        self.db = db
        self.clock = clock
        self.cat = cat
        self.prefix = prefix
        self.flush = flush
        self.scheduler = AsyncIOScheduler(timezone=timezone.utc)

    async def start(self) -> int:
        """Catch up on what fell due while the bot was away, then schedule every series, the nudges and the
        closing of meetings left open; returns the job count."""
        self.scheduler.start()
        await self.check()
        await self.check_nudges()
        await self.check_meetings()
        return len(self.scheduler.get_jobs())

    async def check_meetings(self, meeting_ids: Iterable[int] | None = None) -> None:
        """Close meetings left open past their scheduled end plus AUTO_CLOSE, schedule the closing of the
        others, and have every closed meeting's minutes file queued (after its notice) before the outbox is sent."""
        now = self.clock.now()
        closed: list[int] = []
        later: dict[int, datetime | None] = {}
        async with self.db.transaction() as tx:
            repo = MeetingRepo(tx)
            if meeting_ids is None:
                wanted = await repo.all_open()
            else:
                wanted = [m for i in meeting_ids if (m := await repo.get(i))]
            for meeting in wanted:
                if meeting.ended_at is not None:
                    closed.append(meeting.id)
                    later[meeting.id] = None
                elif meeting.scheduled_end + AUTO_CLOSE <= now:
                    text = await close(tx, meeting, "", now, self.cat, True, {})
                    await OutboxRepo(tx).add(meeting.room_id, f"sb-minutes-{meeting.id}", notice(text), now)
                    log.info("meeting %s in %s closed automatically", meeting.id, meeting.room_id)
                    closed.append(meeting.id)
                    later[meeting.id] = None
                else:
                    later[meeting.id] = meeting.scheduled_end + AUTO_CLOSE
            if meeting_ids is None:
                closed += [i for i in await repo.without_file() if i not in closed]
        for meeting_id, when in later.items():
            self._at(f"meeting-{meeting_id}", when, self._run_meeting, meeting_id)
        for meeting_id in closed:
            await self.on_closed(meeting_id)
        await self.flush()

    async def _run_meeting(self, meeting_id: int) -> None:
        try:
            await self.check_meetings([meeting_id])
        except Exception:
            log.exception("closing meeting %s failed; trying again in a minute", meeting_id)
            self._at(f"meeting-{meeting_id}", self.clock.now() + RETRY, self._run_meeting, meeting_id)

    def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    async def check(self, series_ids: Iterable[int] | None = None) -> None:
        """Decide and claim due reminders of these series (all when None), send them, schedule what is next."""
        now = self.clock.now()
        wanted = set(series_ids) if series_ids is not None else None
        upcoming: dict[int, datetime | None] = {}
        async with self.db.transaction() as tx:
            repo = SeriesRepo(tx)
            every = await repo.all() if wanted is None else [s for i in wanted if (s := await repo.get(i))]
            changes = await repo.all_changes() if wanted is None else {s.id: await repo.changes(s.id) for s in every}
            for series in every:
                series_changes = changes.get(series.id, {})
                await self._claim_due(tx, series, series_changes, now)
                await repo.set_checked_until(series.id, now)
                upcoming[series.id] = next_due(series, series_changes, now)
        if wanted is not None:
            for gone in wanted - upcoming.keys():
                upcoming[gone] = None  # the series was removed
        for series_id, when in upcoming.items():
            self._schedule(series_id, when)
        await self.flush()

    async def _claim_due(self, tx: aiosqlite.Connection, series: Series, changes: Changes, now: datetime) -> None:
        reminders, outbox = ReminderRepo(tx), OutboxRepo(tx)
        for decision in decide(series, changes, now):
            if decision.outcome == "skipped":
                if await reminders.claim(
                    series.id, decision.occurrence.start, decision.offset, decision.due_at, "skipped", None, now
                ):
                    log.info(
                        "reminder skipped: series %s meeting %s offset %s was due at %s while the bot was away",
                        series.id, decision.occurrence.start.isoformat(), decision.offset, decision.due_at.isoformat(),
                    )  # fmt: skip
                continue
            claimed = await reminders.claim(
                series.id,
                decision.occurrence.start,
                decision.offset,
                decision.due_at,
                decision.outcome,
                decision.txn_id,
                now,
            )
            if not claimed:
                continue
            ctx = ReminderContext(tx, series, decision.occurrence, self.cat, self.prefix, now)
            text = await reminder_text(ctx, late=decision.outcome == "late")
            await outbox.add(series.room_id, decision.txn_id, notice(text), now)
            log.info(
                "reminder %s: series %s meeting %s offset %s",
                decision.outcome, series.id, decision.occurrence.start.isoformat(), decision.offset,
            )  # fmt: skip

    async def check_nudges(self) -> None:
        """Claim the nudges that are due, send them, and schedule the next one."""
        now = self.clock.now()
        async with self.db.transaction() as tx:
            repo, outbox = ActionRepo(tx), OutboxRepo(tx)
            actions, nudged = await repo.open_with_due(), await repo.nudged()
            for nudge in decide_nudges(actions, nudged, now, self.zone):
                action = nudge.action
                txn_id = None if nudge.outcome == "skipped" else nudge.txn_id
                if not await repo.claim_nudge(action.room_id, action.number, action.due, nudge.outcome, txn_id, now):
                    continue
                log.info("nudge %s: action %s in %s due %s", nudge.outcome, action.number, action.room_id, action.due)
                if txn_id:
                    text = nudge_text(action, self.cat, late=nudge.outcome == "late")
                    await outbox.add(action.room_id, txn_id, notice(text, mentions=Mentions(action.owners)), now)
                nudged.add((action.room_id, action.number, action.due))
            upcoming = next_nudge(actions, nudged, now, self.zone)
        self._at(NUDGES_JOB, upcoming, self._run_nudges)
        await self.flush()

    def _schedule(self, series_id: int, when: datetime | None) -> None:
        self._at(job_id(series_id), when, self._run, series_id)

    def _at(self, job: str, when: datetime | None, run: Callable[..., Awaitable[None]], *args: object) -> None:
        if when is None:
            try:
                self.scheduler.remove_job(job)
            except JobLookupError:
                pass
            return
        # APScheduler waits on the system clock; `when` is on ours, which tests may shift.
        real = when - (self.clock.now() - datetime.now(timezone.utc))
        self.scheduler.add_job(
            run,
            "date",
            run_date=real,
            args=list(args),
            id=job,
            replace_existing=True,
            misfire_grace_time=None,  # a job that runs late still runs; the decision marks it late
        )

    async def _run_nudges(self) -> None:
        try:
            await self.check_nudges()
        except Exception:
            log.exception("nudge job failed; trying again in a minute")
            self._at(NUDGES_JOB, self.clock.now() + RETRY, self._run_nudges)

    async def _run(self, series_id: int) -> None:
        """A job: the same error path as a command, logged with what it was doing, never raised into APScheduler."""
        try:
            await self.check([series_id])
        except Exception:
            log.exception("reminder job for series %s failed; trying again in a minute", series_id)
            self._schedule(series_id, self.clock.now() + RETRY)
