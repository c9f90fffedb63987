"""Runs a recognised command: effects and replies commit in one transaction, errors become clear replies."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.clock import Clock
from bot.commands.context import Context, Reply
from bot.commands.message import IncomingMessage
from bot.commands.recognise import Invocation
from bot.commands.registry import Command, Edits, Form, Registry
from bot.errors import ForbiddenError, UsageError, UserError
from bot.i18n import Catalogue, Text
from bot.permissions import RoomView
from bot.policy import EDIT_WINDOW
from bot.privacy import guard
from bot.render import ReplyTarget, edit, notice
from bot.settings import Settings
from bot.store.created import Created, CreatedRepo
from bot.store.db import Connection, Database
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
    """ok, user_error, error, unknown, duplicate or ignored; for an edit also not_followed, too_late, superseded or
    other_command."""


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
                form = await command.run(ctx, invocation.args)
                if ctx.made is not None:
                    kind, sender = f"{command.name}.{form.id}", message.sender
                    await CreatedRepo(tx).add(message.event_id, message.room_id, kind, ctx.made, sender, ctx.now)
                await self._store(tx, message, ctx.replies, _target(message))
                outbox = OutboxRepo(tx)
                for index, (content, data) in enumerate(ctx.files, start=len(ctx.replies)):
                    await outbox.add(message.room_id, txn_id(message.event_id, index), content, ctx.now, file=data)
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

    async def _answer(
        self, message: IncomingMessage, name: str, replies: list[Reply], result: str, target: ReplyTarget | None = None
    ) -> Outcome:
        async with self.db.transaction() as tx:
            if await RoomRepo(tx).is_handled(message.event_id):
                return Outcome(name, "duplicate")
            await self._store(tx, message, replies, target or _target(message))
        return Outcome(name, result)

    async def _store(
        self,
        tx: Connection,
        message: IncomingMessage,
        replies: list[Reply],
        target: ReplyTarget | None,
        replaces: str | None = None,
    ) -> None:
        """The replies to an event (in reply to `target`, or to nothing), and the mark that it was handled. With
        `replaces`, the one reply is an edit of the bot's first reply to that event."""
        now = self.clock.now()
        outbox = OutboxRepo(tx)
        for index, reply in enumerate(replies):
            txn = txn_id(message.event_id, index)
            if replaces is not None:
                content = edit(reply.text, reply.mentions)
                await outbox.add(message.room_id, txn, content, now, replaces_txn=txn_id(replaces, 0))
            else:
                await outbox.add(message.room_id, txn, notice(reply.text, target, reply.mentions), now)
        await RoomRepo(tx).mark_handled(message.room_id, message.event_id, now, latest=not message.late)

    # Edits and redactions of commands.

    def _edits(self, created: Created | None) -> tuple[Command, Form, Edits] | None:
        """The command that created something, its form, and what follows an edit of it."""
        if created is None:
            return None
        name, _, form_id = created.kind.partition(".")
        command = self.registry.find(name)
        form = command.form_by_id(form_id) if command else None
        edits = command.edits.get(form_id) if command else None
        return (command, form, edits) if command and form and edits else None

    async def edit(self, message: IncomingMessage, invocation: Invocation | None, room: RoomView) -> Outcome:
        """An edit of a message; `invocation` is the command in its new content, if any."""
        started = time.perf_counter()
        outcome = await self._edit(message, invocation, room)
        log.info(
            "edit room=%s sender=%s of=%s command=%s outcome=%s ms=%.1f",
            message.room_id,
            message.sender,
            message.replaces,
            outcome.command,
            outcome.result,
            (time.perf_counter() - started) * 1000,
        )
        return outcome

    async def _edit(self, message: IncomingMessage, invocation: Invocation | None, room: RoomView) -> Outcome:
        """Within EDIT_WINDOW of the command, an edit changes what the command created, through the same parsing and
        checks as a new command, and the bot's reply to the command is edited to match; in one transaction with the
        mark that the edit was handled, so it happens once. Later, or for a command an edit cannot change, the reply
        says how to change it instead. An edit older than one applied already changes nothing; an edit of a message
        that was not a command is not run as one."""
        original = message.replaces
        target = ReplyTarget(original)  # what the room sees is the message as first sent, now edited
        prefix = invocation.prefix if invocation else self.settings.command_prefix[0]
        name = "-"
        try:
            async with self.db.transaction() as tx:
                rooms = RoomRepo(tx)
                if await rooms.is_handled(message.event_id):
                    return Outcome(name, "duplicate")
                created = await CreatedRepo(tx).get(message.room_id, original)
                if created is not None and created.sender != message.sender:
                    return Outcome(name, "ignored")  # clients show no edit of someone else's message either
                found = self._edits(created)
                if found is None:
                    if not await rooms.is_handled(original):
                        return Outcome(name, "ignored")  # a chat message (or so old the bot has forgotten it)
                    await self._store(tx, message, [Reply(self.cat.text("edit.not_followed", prefix=prefix))], target)
                    return Outcome(name, "not_followed")
                command, form, edits = found
                name = command.name
                ctx = Context(message, tx, self.settings, self.cat, self.clock, self.registry, prefix, room)
                if ctx.now - created.at > EDIT_WINDOW:
                    late = self.cat.text("edit.too_late", minutes=int(EDIT_WINDOW.total_seconds() // 60))
                    howto = await edits.howto(ctx, created.ref)
                    await self._store(tx, message, [Reply(late + Text.of(" ") + howto)], target)
                    return Outcome(name, "too_late")
                if message.timestamp_ms <= created.edited_ts:
                    await self._store(tx, message, [], None)
                    return Outcome(name, "superseded")
                chosen, values = None, []
                if invocation is not None and self.registry.find(invocation.word) is command:
                    guard(invocation.args)
                    chosen, values = await command.parse(ctx, invocation.args)
                if chosen is not form:
                    other = self.cat.text("edit.other_command") + Text.of(" ") + await edits.howto(ctx, created.ref)
                    await self._store(tx, message, [Reply(other)], target)
                    return Outcome(name, "other_command")
                try:
                    await edits.edit(ctx, created.ref, *values)
                except UsageError as error:
                    error.usage = error.usage or form
                    raise
                await CreatedRepo(tx).edited(original, message.timestamp_ms)
                await self._store(tx, message, ctx.replies, target, replaces=original)
        except UserError as error:
            text = self._user_error(error, command, prefix)
            return await self._answer(message, name, [Reply(text)], "user_error", target)
        except Exception:
            log.exception("edit of %s failed on event %s in %s", name, message.event_id, message.room_id)
            text = self.cat.text("internal_error", event_id=message.event_id)
            return await self._answer(message, name, [Reply(text)], "error", target)
        try:
            await self.after_commit(ctx)
        except Exception:
            log.exception("follow-up of an edit of %s failed on %s in %s", name, message.event_id, message.room_id)
        return Outcome(name, "ok")

    async def redaction(self, message: IncomingMessage, redacted: str, room: RoomView) -> Outcome:
        """A command redacted by its sender or a moderator: what follows is its feature's to decide (within
        EDIT_WINDOW it may undo the command), once. `message` is the redaction, with no text."""
        async with self.db.transaction() as tx:
            if await RoomRepo(tx).is_handled(message.event_id):
                return Outcome("-", "duplicate")
            created = await CreatedRepo(tx).get(message.room_id, redacted)
            found = self._edits(created)
            if found is None or found[2].redaction is None:
                return Outcome("-", "ignored")
            command, _, edits = found
            name = command.name
            prefix = self.settings.command_prefix[0]
            ctx = Context(message, tx, self.settings, self.cat, self.clock, self.registry, prefix, room)
            if message.sender != created.sender:
                try:
                    ctx.require_moderator()
                except ForbiddenError:
                    return Outcome(name, "ignored")
            await edits.redaction(ctx, created.ref, ctx.now - created.at > EDIT_WINDOW)
            # Not in reply to the redacted message: nothing of it is shown again.
            await self._store(tx, message, ctx.replies, None)
        log.info("redaction room=%s sender=%s of=%s command=%s", message.room_id, message.sender, redacted, name)
        return Outcome(name, "ok")


def _target(message: IncomingMessage) -> ReplyTarget:
    return ReplyTarget(message.event_id, message.thread_root)
