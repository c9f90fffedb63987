"""Shared steps of the integration tests: a room with the bot in it, and reading what the bot said."""

from __future__ import annotations

import asyncio
import sys
import urllib.request
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo


from bot.localclient import UserClient, content_of
from tests.conftest import PASSWORD, unique


async def room_with_bot(
    bot: Any, user: UserClient, make_room: Any, encrypted: bool = False, others: tuple[UserClient, ...] = (), **kw: Any
) -> str:
    """A room created by `user` with the bot (and `others`, who join) in it; the bot started; returns once
    everyone has joined and their devices are known."""
    kw.setdefault("power_users", {bot.user_id: 50})  # enough to advertise its commands
    room_id = make_room(user, invite=[bot.user_id, *(o.user_id for o in others)], encrypted=encrypted, **kw)
    for other in others:
        await other.join(room_id)
    if bot.app is None:
        await bot.start()
    await user.wait_for_member(room_id, bot.user_id)
    for member in (user, *others):
        for other in (user, *others):
            if other is not member:
                await member.wait_for_member(room_id, other.user_id)
        await member.wait_for_member(room_id, bot.user_id)
    return room_id


async def ask(user: UserClient, room_id: str, body: str, **extra: Any) -> dict[str, Any]:
    """Send a message and return the content of the bot's reply to it."""
    event_id = await user.send(room_id, body, **extra)
    return content_of(await user.reply_to(room_id, event_id))


def download_bytes(homeserver: Any, token: str, mxc: str) -> bytes:
    """A file the bot uploaded, as it is stored (encrypted, in an encrypted room)."""
    server, media_id = mxc.removeprefix("mxc://").split("/", 1)
    request = urllib.request.Request(
        f"{homeserver.url}/_matrix/client/v1/media/download/{server}/{media_id}",
        headers={"Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read()


def download(homeserver: Any, token: str, mxc: str) -> str:
    """A file the bot uploaded, as text."""
    return download_bytes(homeserver, token, mxc).decode()


async def posted(user: UserClient, room_id: str, bot_id: str, msgtype: str = "m.file") -> dict[str, Any]:
    """The content of the last message of this msgtype the bot posted in the room, once there is one."""
    found = await user.wait_for(
        lambda: [e for e in user.messages_from(room_id, bot_id) if content_of(e).get("msgtype") == msgtype]
    )
    return content_of(found[-1])


async def minutes_file(user: UserClient, room_id: str, bot_id: str) -> dict[str, Any]:
    """The content of the last minutes file the bot posted in the room, once there is one."""
    return await posted(user, room_id, bot_id)


async def barrier(user: UserClient, room_id: str) -> None:
    """Returns once the bot has sent whatever it was going to send about what came before: `user` says `!ping` in
    `room_id` and waits for the answer, twice. The bot handles a room's events in order and sends its outbox in order,
    so what it decided before the first ping is in the room before the first answer. The second ping comes in a later
    sync batch than the first, so it also waits out the rest of the first one's batch: other rooms' events, and the
    notices of parked messages whose grace period is over. Not jobs of the scheduler: see JobWatch."""
    for _ in range(2):
        await ask(user, room_id, "!ping")


class JobWatch:
    """The bot's scheduled jobs (reminders, nudges, closing meetings). A job's wake-up leaves the timers when it fires
    and the job sets its next one once what it decided is in the outbox; it is running from then to its end, which
    comes after it sent the outbox."""

    def __init__(self, bot: Any):
        self.timers = bot.app.runner.timers
        self.clock = bot.app.clock

    def _idle(self, until: datetime) -> bool:
        if self.timers.running:
            return False
        real = until - (self.clock.now() - datetime.now(timezone.utc))  # wake-ups are on the system clock
        return all(when > real for when in self.timers.upcoming().values())

    async def idle(self, within: timedelta = timedelta(hours=1), timeout: float = 30) -> None:
        """Until no job is running and none is due within `within` on the bot's clock: then every job that ran has
        sent what it decided, and no job sends anything before that time."""

        async def wait() -> None:
            while not self._idle(self.clock.now() + within):
                await asyncio.sleep(0.05)

        await asyncio.wait_for(wait(), timeout)


class ShiftedClock:
    """Real time moved by a fixed offset: the bot lives seconds before a chosen moment, and the scheduler,
    which waits on the system clock, still fires at the right real instant."""

    def __init__(self, now: datetime):
        self.offset = now - datetime.now(timezone.utc)

    def now(self) -> datetime:
        return datetime.now(timezone.utc) + self.offset

    def advance(self, delta: timedelta) -> None:
        """Time passes at once: a long downtime without the wait."""
        self.offset += delta

    def set(self, now: datetime) -> None:
        """The clock reads `now` from here on, ahead of where it was: after a test's set-up, however long that took.
        A job the bot schedules from then on waits the right real time; one it scheduled before keeps its real time
        until it is scheduled again (by a command that changes it, or a restart)."""
        assert now >= self.now(), "the clock only moves forward"
        self.offset = now - datetime.now(timezone.utc)


# A test whose reminder or nudge falls due while the bot runs starts the bot's clock SET_UP before that moment, so that
# no set-up is slow enough to miss it, and sets the clock LEAD before it once set up, right before the command that
# schedules it: LEAD covers one command.
SET_UP = timedelta(minutes=10)
LEAD = timedelta(seconds=6)


def next_local(weekday: int, at: time, zone: ZoneInfo, after: datetime) -> datetime:
    """The next `weekday` at `at` local time after `after`, in UTC."""
    local = after.astimezone(zone)
    day = local.date() + timedelta(days=(weekday - local.weekday()) % 7)
    candidate = datetime.combine(day, at, tzinfo=zone)
    if candidate <= local:
        candidate += timedelta(days=7)
    return candidate.astimezone(timezone.utc)


class BotProcess:
    """The bot as `python -m bot run` in a subprocess, registered on the homeserver and invited to a room."""

    def __init__(self, homeserver: Any, workdir: Path, env_of: Any):
        localpart = unique("bot")
        homeserver.register(localpart, PASSWORD)
        self.user_id = homeserver.user_id(localpart)
        self.data_dir = workdir / "data"
        self.workdir = workdir
        self.env = env_of(homeserver=homeserver.url, user_id=self.user_id, password=PASSWORD, data_dir=str(self.data_dir))

    async def start(self, stderr: int = asyncio.subprocess.DEVNULL) -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=self.env, cwd=self.workdir, stderr=stderr
        )
