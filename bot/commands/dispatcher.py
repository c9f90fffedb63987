"""Runs a recognised command: effects and replies commit in one transaction, errors become clear replies."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiosqlite

from bot.clock import Clock
from bot.commands.context import Context, Reply
from bot.commands.message import IncomingMessage
from bot.commands.recognise import Invocation
from bot.commands.registry import Command, Registry
from bot.errors import UsageError, UserError
from bot.i18n import Catalogue, Text
from bot.permissions import RoomView
from bot.privacy import guard
from bot.render import ReplyTarget, notice
from bot.settings import Settings
from bot.store.db import Database
from bot.store.outbox import OutboxRepo
from bot.store.rooms import RoomRepo

log = logging.getLogger(__name__)

# Clients send unknown slash commands as text; "/shrug" is not meant for the bot, so it gets no hint.
QUIET_PREFIXES = frozenset({"/"})


def txn_id(event_id: str, index: int) -> str:
    """The same event always yields the same transaction ids, so a resend after a crash is de-duplicated."""
    digest = hashlib.sha256(event_id.encode()).hexdigest()[:32]
    return f"sb-{digest}-{index}"


@dataclass(frozen=True)
class Outcome:
    command: str
    result: str
    """ok, user_error, error, unknown, duplicate or ignored."""


AfterCommit = Callable[[Context], Awaitable[None]]


async def _nothing(ctx: Context) -> None:
    return None


class Dispatcher:
    def __init__(
        self, db: Database, settings: Settings, registry: Registry, clock: Clock, after_commit: AfterCommit = _nothing
    ):
        self.db = db
        self.settings = settings
        self.registry = registry
        self.clock = clock
        self.after_commit = after_commit
        self.cat = Catalogue(settings.language)

    async def dispatch(self, message: IncomingMessage, invocation: Invocation, room: RoomView) -> Outcome:
        started = time.perf_counter()
        outcome = await self._dispatch(message, invocation, room)
        log.info(
            "command room=%s sender=%s command=%s outcome=%s ms=%.1f",
            message.room_id,
            message.sender,
            outcome.command,
            outcome.result,
            (time.perf_counter() - started) * 1000,
        )
        return outcome

    async def _dispatch(self, message: IncomingMessage, invocation: Invocation, room: RoomView) -> Outcome:
        command = self.registry.find(invocation.word)
        if command is None:
            if invocation.prefix in QUIET_PREFIXES and invocation.via == "prefix":
                return Outcome("-", "ignored")
            near = self.registry.near(invocation.word)
            if near:  # a near miss is only suggested, never run
                suggestion = f"{invocation.prefix}{near} {invocation.args}".strip()
                text = self.cat.text("unknown_command_near", prefix=invocation.prefix, word=invocation.word, suggestion=suggestion)
            else:
                text = self.cat.text("unknown_command", prefix=invocation.prefix, word=invocation.word)
            return await self._answer(message, "-", [Reply(text)], "unknown")
        try:
            async with self.db.transaction() as tx:
                if await RoomRepo(tx).is_handled(message.event_id):
                    return Outcome(command.name, "duplicate")
                # Checked before any handler: an identity number is neither stored nor echoed in an error.
                guard(invocation.args)
                ctx = Context(message, tx, self.settings, self.cat, self.clock, self.registry, invocation.prefix, room)
                await command.run(ctx, invocation.args)
                await self._store(tx, message, ctx.replies)
        except UserError as error:
            text = self._user_error(error, command, invocation.prefix)
            return await self._answer(message, command.name, [Reply(text)], "user_error")
        except Exception:
            log.exception("command %s failed on event %s in %s", command.name, message.event_id, message.room_id)
            text = self.cat.text("internal_error", event_id=message.event_id)
            return await self._answer(message, command.name, [Reply(text)], "error")
        try:
            await self.after_commit(ctx)
        except Exception:  # the command stands; what follows from it is retried at the next start
            log.exception("follow-up of %s failed on event %s in %s", command.name, message.event_id, message.room_id)
        return Outcome(command.name, "ok")

    def _user_error(self, error: UserError, command: Command, prefix: str) -> Text:
        text = self.cat.text(error.key, **error.values)
        if isinstance(error, UsageError):
            line = (error.usage or command).usage(self.cat, prefix)
            text = text + Text.of("\n") + self.cat.text("usage", usage=line)
        return text

    async def notify(self, message: IncomingMessage, text: Text) -> bool:
        """Answer an event with a notice once, whatever happens to it later; False if it was answered before."""
        return (await self._answer(message, "-", [Reply(text)], "ok")).result != "duplicate"

    async def _answer(self, message: IncomingMessage, name: str, replies: list[Reply], result: str) -> Outcome:
        async with self.db.transaction() as tx:
            if await RoomRepo(tx).is_handled(message.event_id):
                return Outcome(name, "duplicate")
            await self._store(tx, message, replies)
        return Outcome(name, result)

    async def _store(self, tx: aiosqlite.Connection, message: IncomingMessage, replies: list[Reply]) -> None:
        now = self.clock.now()
        target = ReplyTarget(message.event_id, message.thread_root)
        outbox = OutboxRepo(tx)
        for index, reply in enumerate(replies):
            await outbox.add(message.room_id, txn_id(message.event_id, index), notice(reply.text, target, reply.mentions), now)
        await RoomRepo(tx).mark_handled(message.room_id, message.event_id, now, latest=not message.late)
