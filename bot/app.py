"""The App owns the client, the store and the sync loop; start() and stop() mirror each other."""

from __future__ import annotations

import asyncio
import fnmatch
import logging
import os
import signal
import time
from dataclasses import replace
from datetime import timedelta

from nio import (
    AsyncClient,
    Event,
    InviteMemberEvent,
    JoinedMembersResponse,
    JoinResponse,
    MegolmEvent,
    PowerLevelsEvent,
    RoomCreateEvent,
    RoomLeaveResponse,
    RoomMemberEvent,
    SyncResponse,
)

from bot.clock import Clock, SystemClock
from bot.commands.advertise import Advertiser
from bot.commands.context import Context
from bot.commands.dispatcher import Dispatcher
from bot.commands.message import IncomingMessage
from bot.commands.recognise import recognise
from bot.errors import StartupError
from bot.feature import Features, MemberChange, Seen, Services
from bot.features import FEATURES
from bot.features.series import REMINDERS, REPORT_NUDGES, SITUATION_POSTS
from bot.i18n import Catalogue
from bot.matrix.client import make_client
from bot.matrix.crosssigning import CrossSigningError, cross_sign_device
from bot.matrix.events import redacted_by, to_message, to_share
from bot.matrix.late_keys import LateKeys
from bot.matrix.session import establish, relogin, resume
from bot.matrix.sync import Syncer, TokenRejected
from bot.matrix.transport import NETWORK_ERRORS, Backoff, SendError, Transport, Unavailable
from bot.names import MemberNames, told_apart
from bot.permissions import RoomView
from bot.policy import HANDLED_KEPT
from bot.restored import RESTORING, settle_restored
from bot.runner import Runner
from bot.seeds import apply_seeds
from bot.settings import Settings
from bot.store.db import Database
from bot.store.outbox import OutboxRepo
from bot.store.parked import ParkedRepo
from bot.store.created import CreatedRepo
from bot.store.rooms import RoomRepo
from bot.store.state import SYNC_TOKEN, StateRepo

log = logging.getLogger(__name__)

SYNC_TIMEOUT = timedelta(seconds=30)


def prepare_data_dir(settings: Settings) -> None:
    """The data dir exists, is private and writable, or the bot stops with a clear line."""
    path = settings.data_dir
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        probe = path / ".write-test"
        with open(probe, "wb") as handle:
            handle.write(b"\0" * 4096)
            handle.flush()
            os.fsync(handle.fileno())
        probe.unlink()
    except OSError as exc:
        raise StartupError(f"data dir {path} cannot be written ({exc.strerror or exc}); check BOT_DATA_DIR") from None
    if (path / RESTORING).exists():
        raise StartupError(f"a restore into {path} did not finish; run `samverkan-bot restore` again")


class App:
    def __init__(self, settings: Settings, clock: Clock | None = None, features: Features = FEATURES):
        self.settings = settings
        self.clock = clock or SystemClock()
        self.features = features
        self.registry = features.registry
        self.cat = Catalogue(settings.language)
        self.db: Database | None = None
        self.client: AsyncClient | None = None
        self.ready = asyncio.Event()
        self._stopping = asyncio.Event()
        self._poll: asyncio.Task | None = None
        self._token: str | None = None
        self._creators: dict[str, tuple[frozenset[str], str]] = {}
        self._first = False  # the first batch of a first start: history, not commands
        self._seeds_due = bool(settings.series)  # applied after the first batch, and again after each join
        self.runner: Runner | None = None

    @property
    def user_id(self) -> str:
        return self.settings.user_id

    async def start(self) -> None:
        """Open the store, log in (reusing the device), and do the first sync."""
        started = time.perf_counter()
        prepare_data_dir(self.settings)
        self.db = await Database.open(self.settings.data_dir)
        self.client = make_client(self.settings)
        self.transport = Transport(self.client)
        self.syncer = Syncer(self.transport)
        self.late_keys = LateKeys(self.client, self.db, self.clock, self.settings.key_grace)
        self.dispatcher = Dispatcher(self.db, self.settings, self.registry, self.clock, self._after_command)
        sigil = self.settings.command_prefix[0]
        self.advertiser = Advertiser(self.client, self.transport, self.db, self.clock, self.cat, self.registry, sigil)
        try:
            session = await establish(self.client, self.settings)
            resume(self.client, session)
            await self.syncer.upload_filter()
            log.info("session %s device %s", session.user_id, session.device_id)
        except (*NETWORK_ERRORS, Unavailable) as exc:
            raise StartupError(f"cannot reach the homeserver at {self.settings.homeserver} ({exc})") from None
        # Reached the homeserver, so a key request failing now is a passing fault: waited out, not a reason to stop.
        await self._retrying(lambda: self._cross_sign(started))
        await self._retrying(lambda: settle_restored(self.settings.data_dir, self.transport, self.db, self.clock))
        await self.late_keys.load()
        async with self.db.transaction() as tx:
            self._token = await StateRepo(tx).get(SYNC_TOKEN)
            await RoomRepo(tx).forget_handled_before(self.clock.now() - HANDLED_KEPT)
            await CreatedRepo(tx).forget_before(self.clock.now() - HANDLED_KEPT)
            await ParkedRepo(tx).forget_withheld_before(self.clock.now() - HANDLED_KEPT)
        # After a restart nio knows no room state; full state tells it which rooms are encrypted.
        self._first = self._token is None
        response = await self._retrying(lambda: self.syncer.sync(self._token, 0, full_state=not self._first))
        # Reminders that fell due while the bot was away are decided before the commands sent meanwhile
        # are handled: a command changing a series must not hide a reminder that was due before it.
        services = Services(self.db, self.clock, self.cat, self.settings, self.features.sections, self.member_names)
        self.runner = Runner(self.features, services, self._flush_quietly)
        scheduling = time.perf_counter()
        jobs = await self.runner.start()
        log.info("timed jobs caught up: %d scheduled in %.0f ms", jobs, (time.perf_counter() - scheduling) * 1000)
        try:
            await self._process(response)
        except Unavailable as exc:
            # The position was not stored: run() syncs the same batch again.
            log.warning("first batch not finished, the homeserver went away (%s)", exc)
        except Exception:
            log.exception("first batch not finished; it is handled again")
        log.info("ready: first sync done in %.0f ms", (time.perf_counter() - started) * 1000)
        self.ready.set()

    async def _cross_sign(self, started: float) -> None:
        """Before the bot says anything: Element shows what an unsigned device sends as not to be trusted."""
        try:
            keys = await cross_sign_device(self.transport, self.settings)
        except (CrossSigningError, SendError) as exc:
            log.warning("device not cross-signed: %s", exc)
            return
        if keys is not None:
            log.info(
                "device cross-signed (master key %s) %.0f ms after start",
                keys.master.public,
                (time.perf_counter() - started) * 1000,
            )

    async def run(self) -> None:
        """Sync and handle until stop is requested; the command in hand is finished first. Nothing that goes wrong
        with one batch ends the loop: after a pause the same batch is synced again, and what was handled of it
        is skipped, so nothing is answered twice."""
        backoff = Backoff()
        while not self._stopping.is_set():
            # A parked command's grace period ending is news too: the sync waits no longer than that.
            wait = self.late_keys.wait(SYNC_TIMEOUT)
            self._poll = asyncio.ensure_future(self.syncer.sync(self._token, int(wait.total_seconds() * 1000)))
            try:
                response = await self._poll
            except asyncio.CancelledError:
                if self._stopping.is_set():
                    break
                raise
            except Unavailable as exc:
                await self._pause(backoff, f"homeserver unavailable ({exc})")
                continue
            except TokenRejected:
                log.warning("the homeserver no longer accepts the access token")
                try:
                    await relogin(self.client, self.settings)
                    await self._cross_sign(time.perf_counter())  # a new device, signed before it says anything
                except (Unavailable, *NETWORK_ERRORS) as exc:
                    await self._pause(backoff, f"homeserver unavailable ({type(exc).__name__}: {exc})")
                continue
            except Exception:
                log.exception("sync failed")
                await self._pause(backoff, "sync failed")
                continue
            finally:
                self._poll = None
            try:
                await self._process(response)
                backoff.reset()
            except Unavailable as exc:
                await self._pause(backoff, f"homeserver unavailable ({exc})")
            except Exception:
                log.exception("batch not finished; it is synced and handled again")
                await self._pause(backoff, "batch not finished")

    def request_stop(self) -> None:
        self._stopping.set()
        if self._poll is not None:
            self._poll.cancel()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.stop()
            self.runner = None
        if self.client is not None:
            await self.client.close()
            self.client = None
        if self.db is not None:
            await self.db.close()
            self.db = None

    async def _flush_quietly(self) -> None:
        """Send the outbox; if the homeserver is away, what is left goes with the next sync's flush."""
        try:
            await self.transport.flush(self.db, self.clock)
        except Unavailable as exc:
            log.warning("outbox not sent yet: %s", exc)

    async def _after_command(self, ctx: Context) -> None:
        if self.runner is not None and ctx.effects:
            await self.runner.follow(ctx.effects)

    async def _pause(self, backoff: Backoff, why: str) -> None:
        delay = backoff.next()
        log.warning("%s; trying again in %.1fs", why, delay)
        try:
            await asyncio.wait_for(self._stopping.wait(), delay)
        except TimeoutError:
            pass

    async def _retrying(self, call):
        backoff = Backoff()
        while True:
            try:
                return await call()
            except Unavailable as exc:
                if backoff.attempt >= 6:
                    raise StartupError(f"the homeserver at {self.settings.homeserver} does not answer ({exc})") from None
                await self._pause(backoff, f"homeserver unavailable ({exc})")

    async def _process(self, response: SyncResponse) -> None:
        """Handle one sync batch, then store its position: a crash before that replays the batch,
        and handled events are skipped on the replay."""
        await self.syncer.after_sync()
        if self.transport.behind:  # replies decided before a crash or outage; the batch's own go at its end
            await self.transport.flush(self.db, self.clock)
        await self.late_keys.note_withheld(response.to_device_events)
        for room_id in response.rooms.leave:
            async with self.db.transaction() as tx:
                if await RoomRepo(tx).get(room_id):
                    await RoomRepo(tx).left(room_id, self.clock.now())
                    await OutboxRepo(tx).settle_left(room_id)
            log.info("left room %s", room_id)
        # Commands whose room key came with this batch go first, in the order they were sent.
        for room_id in sorted(self.late_keys.rooms):
            await self._handle_late(room_id)
        last_events: dict[str, str] = {}
        for room_id, info in response.rooms.join.items():
            async with self.db.reading() as conn:
                room = await RoomRepo(conn).get(room_id)
            if room is None:
                async with self.db.transaction() as tx:
                    await RoomRepo(tx).joined(room_id, self.clock.now())
                room = None
            self._note_creation(room_id, [*info.state, *info.timeline.events])
            if self._first:
                # First start: what was said before is history, not commands.
                events = []
            else:
                last = room.last_event_id if room else None
                events = await self.syncer.events_to_handle(room_id, info.timeline, last, self.user_id)
            await self._on_events(room_id, events)
            for event in events:
                if isinstance(event, RoomMemberEvent):
                    await self.runner.react("member", MemberChange(room_id, event.state_key, event.membership))
            if info.timeline.events:
                last_events[room_id] = info.timeline.events[-1].event_id
            power_changed = any(isinstance(e, PowerLevelsEvent) for e in info.timeline.events)
            await self.advertiser.after_batch(room_id, room, power_changed)
        await self.late_keys.tell_overdue(self.dispatcher.notify, self.cat, self.settings.zone)
        await self.syncer.after_sync()  # key requests for what was parked go out now, not after the next sync
        await self.transport.flush(self.db, self.clock)
        # Invites last: a join the homeserver cannot take now fails the batch, so the invite comes back with it,
        # and the commands in the batch are answered all the same (skipped when it comes back).
        for room_id, info in response.rooms.invite.items():
            await self._on_invite(room_id, info.invite_state)
        async with self.db.transaction() as tx:
            rooms = RoomRepo(tx)
            for room_id, event_id in last_events.items():
                await rooms.set_last_event(room_id, event_id)
            await StateRepo(tx).set(SYNC_TOKEN, response.next_batch)
        self._token = response.next_batch
        self._first = False
        if self._seeds_due:
            await self._apply_seeds()

    async def _apply_seeds(self) -> None:
        """The series of the config, once the bot is in their rooms. While the homeserver is away they wait for the
        next batch."""
        try:
            changed = await apply_seeds(self.db, self.transport, self.settings, self.clock)
        except Unavailable as exc:
            log.warning("series from the config not applied yet (%s); tried again after the next sync", exc)
            return
        self._seeds_due = False
        if changed:
            await self.runner.check(REMINDERS, changed)
            await self.runner.check(REPORT_NUDGES, changed)
            await self.runner.check(SITUATION_POSTS, changed)

    async def _on_invite(self, room_id: str, invite_state: list[Event]) -> None:
        """Join on an allowed inviter's invite, decline any other. Only the inviter decides: a join the homeserver
        cannot take now raises Unavailable, so the batch is not stored and the invite comes back with it; a join
        refused for good (the invite was withdrawn) is logged and left."""
        inviter = next(
            (e.sender for e in invite_state if isinstance(e, InviteMemberEvent) and e.state_key == self.user_id),
            None,
        )
        if not (inviter and any(fnmatch.fnmatchcase(inviter, p) for p in self.settings.invite_patterns)):
            log.warning("declined invite to %s from %s: not in BOT_ALLOWED_USERS", room_id, inviter)
            try:
                await self.transport.request(
                    f"decline {room_id}", lambda: self.client.room_leave(room_id), RoomLeaveResponse
                )
            except SendError as exc:
                log.warning("could not decline invite to %s: %s", room_id, exc)
            return
        try:
            await self.transport.request(f"join {room_id}", lambda: self.client.join(room_id), JoinResponse)
        except SendError as exc:
            log.warning("could not join %s on invite from %s: %s", room_id, inviter, exc)
            return
        async with self.db.transaction() as tx:
            await RoomRepo(tx).joined(room_id, self.clock.now())
        log.info("joined %s on invite from %s", room_id, inviter)
        if self.settings.series:
            self._seeds_due = True

    def _note_creation(self, room_id: str, events: list[Event]) -> None:
        """Remember who created the room: in room version 12 they outrank every power level."""
        for event in events:
            if isinstance(event, RoomCreateEvent):
                content = event.source.get("content", {})
                extra = content.get("additional_creators")
                creators = {event.sender, *(u for u in extra if isinstance(u, str))} if isinstance(extra, list) else {event.sender}
                self._creators[room_id] = (frozenset(creators), str(content.get("room_version", "1")))

    async def member_names(self, room_id: str) -> MemberNames:
        """How people know the room's members (joined or invited), from the client's room state. Members are
        lazy-loaded: the whole list is fetched the first time a room's members are named."""
        room = self.client.rooms.get(room_id)
        if room is None:
            return MemberNames()
        if not room.members_synced:
            await self.transport.tolerate(
                f"members of {room_id}", lambda: self.client.joined_members(room_id), JoinedMembersResponse
            )
        return MemberNames(
            names=told_apart({user_id: user.display_name for user_id, user in room.users.items()}),
            present=frozenset(room.users),
        )

    async def room_view(self, room_id: str) -> RoomView:
        named = await self.member_names(room_id)
        room = self.client.rooms.get(room_id)
        creators, version = self._creators.get(room_id, (frozenset(), "12"))
        if room is None:
            return RoomView(room_id, creators=creators, room_version=version)
        levels = room.power_levels
        joined = {u for u in room.users if u not in room.invited_users}
        return RoomView(
            room_id,
            name=room.name or "",
            users=dict(levels.users),
            users_default=levels.defaults.users_default,
            creators=creators,
            room_version=version,
            members=frozenset(joined),
            names=named.names,
            present=named.present,
        )

    def _names(self, room_id: str) -> tuple[str, ...]:
        """What people call the bot when addressing it: its localpart and its display name in the room."""
        localpart = self.user_id[1:].split(":", 1)[0]
        room = self.client.rooms.get(room_id)
        display = room.user_name(self.user_id) if room else None
        return (localpart, display or localpart)

    async def _on_event(self, room_id: str, event: Event, seen: list[Seen], late: bool = False) -> None:
        if redacted := redacted_by(event, self.user_id):
            redaction = IncomingMessage(room_id, event.event_id, event.sender, "", event.server_timestamp)
            await self.dispatcher.redaction(redaction, redacted, await self.room_view(room_id))
            return
        if shared := to_share(room_id, event, self.user_id):
            await self.runner.react("shared", replace(shared, late=True) if late else shared)
            return
        message = to_message(room_id, event, self.user_id)
        if message is None:
            if isinstance(event, MegolmEvent) and event.sender != self.user_id:
                await self.late_keys.park(room_id, event)
            return
        if late:
            message = replace(message, late=True)
        invocation = recognise(message, self.settings.command_prefix, self.user_id, self._names(room_id))
        if message.replaces is not None:
            await self.dispatcher.edit(message, invocation, await self.room_view(room_id))
            return
        command = self.registry.find(invocation.word) if invocation else None
        room = self.client.rooms.get(room_id)
        name = (room.user_name(message.sender) if room else None) or message.sender
        seen.append(Seen(message, command.name if command else None, name))
        if invocation is not None:
            await self._react_to_messages(seen)  # what was said before a command counts before it runs
            await self.dispatcher.dispatch(message, invocation, await self.room_view(room_id))

    async def _react_to_messages(self, seen: list[Seen]) -> None:
        if seen:
            batch = tuple(seen)
            seen.clear()
            await self.runner.react("messages", batch)

    async def _on_events(self, room_id: str, events: list[Event], late: bool = False) -> None:
        """Each event in turn; one that fails is logged and does not keep the others from being handled. The chat
        among them reaches the features' reactions a batch at a time."""
        seen: list[Seen] = []
        for event in events:
            try:
                await self._on_event(room_id, event, seen, late)
            except (Unavailable, asyncio.CancelledError):
                raise
            except Exception:
                log.exception("event %s in %s could not be handled", event.event_id, room_id)
        await self._react_to_messages(seen)

    async def _handle_late(self, room_id: str) -> None:
        """Parked events of the room that can be read now: handled as if they had just arrived."""
        events = await self.late_keys.readable(room_id)
        await self._on_events(room_id, events, late=True)
        if events:
            await self.late_keys.release([event.event_id for event in events])


async def serve(settings: Settings) -> None:
    """Run until SIGTERM or SIGINT, then finish the batch in hand, store the position and return."""
    app = App(settings)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, app.request_stop)
    try:
        await app.start()
        await app.run()
    finally:
        await app.stop()
    log.info("stopped")
