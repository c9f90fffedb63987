"""The handler tier's room: members send commands through the real Dispatcher, on a real SQLite database and a
FakeClock, and read what the bot would post (the outbox). Shared by the agenda and action tests."""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from bot.clock import FakeClock
from bot.features import FEATURES
from bot.commands.context import Context
from bot.commands.dispatcher import Dispatcher, txn_id
from bot.commands.message import IncomingMessage
from bot.commands.recognise import recognise
from bot.names import MemberNames, NameLookup
from bot.permissions import RoomView
from bot.store.actions import ActionRepo
from bot.store.agenda import AgendaRepo
from bot.store.db import Database, utc_text
from bot.store.rooms import RoomRepo
from tests.unit.helpers import BOT, ROOM, make_settings

NAME = "Örat mot marken"
ANNA = "@anna:eslov.se"  # the safety coordinator, a moderator
OLLE = "@olle:eslov.se"  # the housing company, a member
KIM = "@kim:eslov.se"  # the police, a member without a display name
LISA = "@lisa:eslov.se"  # a security firm, a member who neither owns nor logged the actions in the tests
EVA = "@eva:eslov.se"  # not in the room
NAMES = {ANNA: "Anna Andersson", OLLE: "Olle Olsson"}
OTHER_ROOM = "!radet:eslov.se"  # Trygghetsrådet, in the same database

# Skatteverket's published test personnummer (valid check digit), as tests/unit/test_privacy.py uses it.
PNR = "811218-9876"
PRIVACY_SV = (
    "Jag sparar inte texten: den innehåller ett personnummer eller samordningsnummer. "
    "Rummet är ingen plats för personuppgifter, och det som skrivs här kan bli allmän handling. "
    "Beskriv platser och situationer, inte personer, och skicka kommandot igen utan numret. "
    "Ta gärna bort ditt meddelande också."
)

ACTION_USAGE = "Användning: `!åtgärd <text> [@ansvarig …] [för <Organisation>] [senast <datum>]`"
MORE_ACTIONS = "… och {n} åtgärder till: `!åtgärder öppna från {position}`"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


# Monday 30 November 2026, 11:00 in Stockholm (week 49). A weekly Tuesday 09:00 series meets on 1 December.
START = utc(2026, 11, 30, 10)
TODAY = date(2026, 11, 30)


def view(room_id: str = ROOM, **values: Any) -> RoomView:
    """The room as the client knows it: Anna is a moderator; Anna, Olle, Kim, Lisa and the bot have joined."""
    values.setdefault("name", NAME)
    values.setdefault("users", {ANNA: 50, OLLE: 0, KIM: 0, LISA: 0})
    values.setdefault("members", frozenset({ANNA, OLLE, KIM, LISA, BOT}))
    values.setdefault("names", NAMES)
    return RoomView(room_id, **values)


def member_names(db: Database) -> NameLookup:
    """The members' names as the app gives them to timed jobs: Anna's and Olle's; Kim and Lisa have none. Asking
    waits for the database, as asking a slow homeserver keeps a job waiting: a job that asked while holding it
    would fail, and its run with it."""

    async def lookup(room_id: str) -> MemberNames:
        async with asyncio.timeout(1):
            async with db.reading():
                return MemberNames(names=NAMES)

    return lookup


def pill(user_id: str, label: str) -> str:
    return f'<a href="https://matrix.to/#/{user_id}">{label}</a>'


@dataclass
class Committed:
    changed_series: set[int]
    actions_changed: bool


class Chat:
    """One room of the shared database: send a command, get the one reply the room sees."""

    _events = itertools.count(1)

    def __init__(
        self, db: Database, clock: FakeClock, room_id: str = ROOM, room: RoomView | None = None, **settings: Any
    ):
        self.db = db
        self.clock = clock
        self.room_id = room_id
        self.room = room or view(room_id)
        self.committed: list[Committed] = []
        self.dispatcher = Dispatcher(db, make_settings(**settings), FEATURES.registry, clock, self._after_commit)

    async def _after_commit(self, ctx: Context) -> None:
        self.committed.append(Committed(set(ctx.effects.wakes.get("reminders", ())), "nudges" in ctx.effects.wakes))

    async def joined(self) -> Chat:
        async with self.db.transaction() as tx:
            await RoomRepo(tx).joined(self.room_id, self.clock.now())
        return self

    async def reply(
        self,
        body: str,
        sender: str = ANNA,
        formatted_body: str | None = None,
        mentions: tuple[str, ...] = (),
        room: RoomView | None = None,
    ) -> dict[str, Any]:
        """Dispatch a command as the app does; the content of the one reply it gets."""
        event_id = f"$event{next(self._events)}"
        message = IncomingMessage(
            self.room_id, event_id, sender, body, 0, formatted_body=formatted_body, mentions=mentions
        )
        invocation = recognise(message, self.dispatcher.settings.command_prefix, BOT, ("samverkan-bot",))
        assert invocation is not None, f"{body!r} was not recognised as a command"
        await self.dispatcher.dispatch(message, invocation, room or self.room)
        # The replies to an event are stored under transaction ids derived from it (sb-<digest>-<index>).
        first = txn_id(event_id, 0)
        async with self.db.reading() as conn:
            async with conn.execute(
                "SELECT room_id, txn_id, content FROM outbox WHERE txn_id LIKE ? ORDER BY id", (first[:-1] + "%",)
            ) as cursor:
                rows = await cursor.fetchall()
        assert [row[1] for row in rows] == [first], f"{body!r} got {len(rows)} replies"
        content = json.loads(rows[0][2])
        assert rows[0][0] == self.room_id
        assert content["msgtype"] == "m.notice"
        assert content["m.relates_to"] == {"m.in_reply_to": {"event_id": event_id}}
        return content

    async def send(self, body: str, sender: str = ANNA, **kw: Any) -> str:
        """The plain body of the reply."""
        return (await self.reply(body, sender, **kw))["body"]

    async def tables(self) -> tuple[list[tuple], ...]:
        """Everything the agenda and action features store, in every room."""
        found = []
        async with self.db.reading() as conn:
            for table in ("agenda_items", "action_numbers", "actions", "action_owners", "action_history", "nudges"):
                async with conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2") as cursor:
                    found.append([tuple(row) for row in await cursor.fetchall()])
        return tuple(found)

    async def actions(self, *statuses: str) -> list:
        async with self.db.reading() as conn:
            return await ActionRepo(conn).in_room(self.room_id, statuses or ("open", "done", "cancelled"))

    async def bulk_actions(
        self, count: int, text: str = "Åtgärd nummer {i}", owner: str | None = KIM, spread: int = 40
    ) -> None:
        """`count` open actions logged by Anna at START, owned by `owner`, due over the next `spread` days (the
        `spread`th, 2 × `spread`th, … today), stored in three statements where ActionRepo.create takes five each."""
        rows = [
            (self.room_id, i, text.format(i=i), (TODAY + timedelta(days=i % spread)).isoformat(), utc_text(START), ANNA,
             utc_text(START))
            for i in range(1, count + 1)
        ]  # fmt: skip
        async with self.db.transaction() as tx:
            await tx.executemany(
                "INSERT INTO actions(room_id, number, text, due, due_set_at, status, created_by, created_at) "
                "VALUES (?, ?, ?, ?, ?, 'open', ?, ?)",
                rows,
            )
            await tx.executemany(
                "INSERT INTO action_owners(room_id, number, user_id) VALUES (?, ?, ?)",
                [(self.room_id, i, owner) for i in range(1, count + 1) if owner],
            )
            await tx.execute("INSERT INTO action_numbers(room_id, last) VALUES (?, ?)", (self.room_id, count))
        assert len(await self.actions()) == count

    async def agenda(self) -> list:
        async with self.db.reading() as conn:
            return await AgendaRepo(conn).open_items(self.room_id)
