"""A feature as one unit: the commands, reminder sections, timed jobs and reactions to room events it brings,
declared in one place. The app runs the features listed in bot/features/__init__.py; nothing registers itself by
being imported."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.clock import Clock
from bot.commands.message import IncomingMessage
from bot.commands.registry import GROUPS, Arg, Command, Registry
from bot.i18n import Catalogue
from bot.names import MemberNames, NameLookup, no_names
from bot.settings import Settings
from bot.store.db import Database

if TYPE_CHECKING:
    from bot.reminders import Section

EVENTS = frozenset({"messages", "shared", "member", "meeting_opened", "meeting_closed"})
"""What a feature may react to: the messages of a room (a tuple of Seen, in order: those of a sync batch up to and
including a command, before the command runs, and the rest at the batch's end), a photo or a location posted (an
IncomingShare, which the reaction marks handled when it acts on it, in the transaction that does), a member joining
or leaving (a MemberChange), and a held meeting opened or closed (its id), each once what caused it has committed.
Ordinary chat comes a batch at a time, so that what a reaction records of it costs a write per batch, not per
message."""


@dataclass(frozen=True)
class Seen:
    """A message in a room, as reactions to messages get it."""

    message: IncomingMessage
    command: str | None
    """The command it runs, if any."""
    sender_name: str


@dataclass(frozen=True)
class MemberChange:
    """Someone joined, left or was invited, as reactions to member changes get it."""

    room_id: str
    user_id: str
    membership: str


@dataclass(frozen=True)
class Services:
    """What timed jobs and reactions work with."""

    db: Database
    clock: Clock
    cat: Catalogue
    settings: Settings
    sections: tuple[Section, ...] = ()
    member_names: NameLookup = no_names
    """How people know a room's members, for what a job posts. The app's asks the homeserver for the member list
    the first time a room is named; the default knows no names."""

    @property
    def prefix(self) -> str:
        return self.settings.command_prefix[0]

    async def names_in(self, rooms: Iterable[str]) -> dict[str, MemberNames]:
        """How people know the members of these rooms. A job asks before it opens its transaction: the homeserver
        may be asked, and no write waits for it."""
        return {room: await self.member_names(room) for room in set(rooms)}


@dataclass
class Effects:
    """What follows once a transaction commits: events for the features' reactions, and jobs to look again at
    some of their keys (a series whose schedule changed, a room whose actions changed)."""

    events: list[tuple[str, Any]] = field(default_factory=list)
    wakes: dict[str, set[Hashable]] = field(default_factory=dict)

    def emit(self, event: str, payload: Any) -> None:
        if event not in EVENTS:
            raise ValueError(f"unknown event {event!r}")
        self.events.append((event, payload))

    def wake(self, job: str, key: Hashable) -> None:
        self.wakes.setdefault(job, set()).add(key)

    def __bool__(self) -> bool:
        return bool(self.events or self.wakes)


JobRun = Callable[[Services, "frozenset[Hashable] | None", Effects], Awaitable[dict[Hashable, datetime | None]]]
Reaction = Callable[[Services, Any], Awaitable[None]]


@dataclass(frozen=True)
class Job:
    """A timed job: given some keys (None: all, at start), it does what fell due for them in one transaction and
    says when each should run next (None: not again until woken)."""

    name: str
    run: JobRun


class Feature:
    def __init__(self, name: str):
        self.name = name
        self.commands: list[Command] = []
        self.sections: list[Section] = []
        self.jobs: list[Job] = []
        self.reactions: dict[str, list[Reaction]] = {}

    def command(
        self,
        name: str,
        *aliases: str,
        sv: str | None = None,
        group: str = "other",
        unknown: str = "parse.unknown",
        selector: Arg | None = None,
        fallback: bool = False,
    ) -> Command:
        """A command, with the word a Swedish room is shown and its group in `!help` (before, during or after a
        meeting, settings, other); its forms are declared on it with `.form()` and `.sub()`, shown in that order."""
        if group not in GROUPS:
            raise ValueError(f"unknown help group {group!r}")
        command = Command(name, sv, aliases, unknown, group, selector, fallback)
        self.commands.append(command)
        return command

    def reminder_section(self, section: Section) -> Section:
        """Something every meeting reminder says after naming the meeting; it may add nothing."""
        self.sections.append(section)
        return section

    def job(self, name: str) -> Callable[[JobRun], JobRun]:
        def register(run: JobRun) -> JobRun:
            self.jobs.append(Job(name, run))
            return run

        return register

    def on(self, event: str) -> Callable[[Reaction], Reaction]:
        if event not in EVENTS:
            raise ValueError(f"unknown event {event!r}")

        def register(reaction: Reaction) -> Reaction:
            self.reactions.setdefault(event, []).append(reaction)
            return reaction

        return register


class Features:
    """The features the app runs, composed: one registry, reminder sections in order, jobs by name, reactions by
    event."""

    def __init__(self, units: Sequence[Feature], help_order: Iterable[str] = ()):
        self.units = tuple(units)
        self.registry = Registry(command for unit in units for command in unit.commands)
        self.registry.arrange(help_order)
        self.sections = tuple(section for unit in units for section in unit.sections)
        self.jobs: dict[str, Job] = {}
        for job in (job for unit in units for job in unit.jobs):
            if job.name in self.jobs:
                raise ValueError(f"job {job.name!r} declared twice")
            self.jobs[job.name] = job
        self.reactions = {event: [r for unit in units for r in unit.reactions.get(event, [])] for event in EVENTS}
