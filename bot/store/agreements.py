"""Agreements (samverkansöverenskommelser): a room's agreements one after another, the latest the current one; their
numbered priorities (a removed one kept, marked, its number never used again); the actions linked to them; and
the claims of the posts the agreement makes of its own."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from bot.store.db import Connection, Row, from_utc_text, utc_text


@dataclass(frozen=True)
class Agreement:
    id: int
    room_id: str
    name: str
    starts: date
    ends: date
    """The period's first and last day, both included, local days."""
    created_by: str
    created_at: datetime


@dataclass(frozen=True)
class Priority:
    agreement_id: int
    number: int
    text: str
    goal: str | None
    organisations: tuple[str, ...]
    categories: tuple[int, ...]
    """Observation categories, by id: a renamed category stays the same."""
    carried_from: tuple[int, int] | None = None
    """(agreement id, priority number) of the priority it carries on."""
    removed_at: datetime | None = None


@dataclass(frozen=True)
class Link:
    action: int
    priority: int


_AGREEMENT = "SELECT id, room_id, name, starts, ends, created_by, created_at FROM agreements "


def _agreement(row: Row) -> Agreement:
    return Agreement(
        row[0], row[1], row[2], date.fromisoformat(row[3]), date.fromisoformat(row[4]), row[5], from_utc_text(row[6])
    )


class AgreementRepo:
    def __init__(self, conn: Connection):
        self.conn = conn

    # Agreements.

    async def create(self, room_id: str, name: str, starts: date, ends: date, by: str, now: datetime) -> Agreement:
        async with self.conn.execute(
            "INSERT INTO agreements(room_id, name, starts, ends, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?) "
            "RETURNING id",
            (room_id, name, starts.isoformat(), ends.isoformat(), by, utc_text(now)),
        ) as cursor:
            agreement_id = (await cursor.fetchone())[0]
        return Agreement(agreement_id, room_id, name, starts, ends, by, now)

    async def in_room(self, room_id: str) -> list[Agreement]:
        """The room's agreements, oldest first: the last is the current one."""
        async with self.conn.execute(_AGREEMENT + "WHERE room_id = ? ORDER BY id", (room_id,)) as cursor:
            return [_agreement(row) for row in await cursor.fetchall()]

    async def current(self, room_id: str) -> Agreement | None:
        async with self.conn.execute(_AGREEMENT + "WHERE room_id = ? ORDER BY id DESC LIMIT 1", (room_id,)) as cursor:
            row = await cursor.fetchone()
        return _agreement(row) if row else None

    async def every(self, ids: Iterable[int] | None = None) -> list[Agreement]:
        """Agreements by id (every one when None), oldest first."""
        if ids is None:
            where, params = "", ()
        else:
            params = tuple(ids)
            where = f"WHERE id IN ({','.join('?' * len(params))}) "
        async with self.conn.execute(_AGREEMENT + where + "ORDER BY id", params) as cursor:
            return [_agreement(row) for row in await cursor.fetchall()]

    # Priorities.

    async def add_priority(
        self,
        agreement_id: int,
        text: str,
        goal: str | None,
        organisations: tuple[str, ...],
        categories: tuple[int, ...],
        by: str,
        now: datetime,
        carried_from: tuple[int, int] | None = None,
    ) -> int:
        async with self.conn.execute(
            "UPDATE agreements SET last_priority = last_priority + 1 WHERE id = ? RETURNING last_priority",
            (agreement_id,),
        ) as cursor:
            number = (await cursor.fetchone())[0]
        await self.conn.execute(
            "INSERT INTO priorities(agreement_id, number, text, goal, carried_from, carried_number, created_by, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (agreement_id, number, text, goal, *(carried_from or (None, None)), by, utc_text(now)),
        )
        await self._set_parts(agreement_id, number, organisations, categories)
        return number

    async def _set_parts(
        self, agreement_id: int, number: int, organisations: tuple[str, ...], categories: tuple[int, ...]
    ) -> None:
        key = (agreement_id, number)
        await self.conn.execute("DELETE FROM priority_organisations WHERE agreement_id = ? AND number = ?", key)
        await self.conn.execute("DELETE FROM priority_categories WHERE agreement_id = ? AND number = ?", key)
        await self.conn.executemany(
            "INSERT INTO priority_organisations(agreement_id, number, name) VALUES (?, ?, ?)",
            [(*key, name) for name in organisations],
        )
        await self.conn.executemany(
            "INSERT INTO priority_categories(agreement_id, number, category_id) VALUES (?, ?, ?)",
            [(*key, category) for category in categories],
        )

    async def change_priority(
        self, found: Priority, text: str, goal: str | None, organisations: tuple[str, ...], categories: tuple[int, ...]
    ) -> None:
        await self.conn.execute(
            "UPDATE priorities SET text = ?, goal = ? WHERE agreement_id = ? AND number = ?",
            (text, goal, found.agreement_id, found.number),
        )
        await self._set_parts(found.agreement_id, found.number, organisations, categories)

    async def remove_priority(self, found: Priority, by: str, now: datetime) -> None:
        await self.conn.execute(
            "UPDATE priorities SET removed_at = ?, removed_by = ? WHERE agreement_id = ? AND number = ?",
            (utc_text(now), by, found.agreement_id, found.number),
        )

    async def priorities(self, agreement_id: int, removed: bool = False) -> list[Priority]:
        """An agreement's priorities by number; those removed too when asked."""
        where = "" if removed else " AND removed_at IS NULL"
        async with self.conn.execute(
            "SELECT number, text, goal, carried_from, carried_number, removed_at FROM priorities "
            f"WHERE agreement_id = ?{where} ORDER BY number",
            (agreement_id,),
        ) as cursor:
            rows = await cursor.fetchall()
        organisations: dict[int, list[str]] = {}
        async with self.conn.execute(
            "SELECT number, name FROM priority_organisations WHERE agreement_id = ? ORDER BY rowid", (agreement_id,)
        ) as cursor:
            for number, name in await cursor.fetchall():
                organisations.setdefault(number, []).append(name)
        categories: dict[int, list[int]] = {}
        async with self.conn.execute(
            "SELECT number, category_id FROM priority_categories WHERE agreement_id = ? ORDER BY rowid", (agreement_id,)
        ) as cursor:
            for number, category in await cursor.fetchall():
                categories.setdefault(number, []).append(category)
        return [
            Priority(
                agreement_id, r[0], r[1], r[2], tuple(organisations.get(r[0], ())), tuple(categories.get(r[0], ())),
                (r[3], r[4]) if r[3] is not None else None, from_utc_text(r[5]) if r[5] else None,
            )
            for r in rows
        ]  # fmt: skip

    async def priority(self, agreement_id: int, number: int) -> Priority | None:
        """A priority not removed."""
        return next((p for p in await self.priorities(agreement_id) if p.number == number), None)

    # Links between actions and priorities.

    async def link(self, room_id: str, action: int, agreement_id: int, priority: int) -> None:
        """Link the action to a priority of the agreement, instead of any other of its priorities."""
        await self.conn.execute(
            "INSERT INTO action_priorities(room_id, action, agreement_id, priority) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(room_id, action, agreement_id) DO UPDATE SET priority = excluded.priority",
            (room_id, action, agreement_id, priority),
        )

    async def links(self, room_id: str, agreement_id: int) -> list[Link]:
        async with self.conn.execute(
            "SELECT action, priority FROM action_priorities WHERE room_id = ? AND agreement_id = ? ORDER BY action",
            (room_id, agreement_id),
        ) as cursor:
            return [Link(*row) for row in await cursor.fetchall()]

    async def linked_to(self, room_id: str, action: int, agreement_id: int) -> int | None:
        """The priority of the agreement the action is linked to, if any."""
        async with self.conn.execute(
            "SELECT priority FROM action_priorities WHERE room_id = ? AND action = ? AND agreement_id = ?",
            (room_id, action, agreement_id),
        ) as cursor:
            row = await cursor.fetchone()
        return row[0] if row else None

    # The agreement's own posts.

    async def claim(
        self, agreement_id: int, kind: str, seq: int, due_at: datetime, outcome: str, txn_id: str | None, now: datetime
    ) -> bool:
        """Record the decision on one post; False when it was decided before."""
        cursor = await self.conn.execute(
            "INSERT OR IGNORE INTO agreement_posts(agreement_id, kind, seq, due_at, outcome, txn_id, decided_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (agreement_id, kind, seq, utc_text(due_at), outcome, txn_id, utc_text(now)),
        )
        return cursor.rowcount == 1

    async def decided(self, agreement_id: int) -> set[tuple[str, int]]:
        async with self.conn.execute(
            "SELECT kind, seq FROM agreement_posts WHERE agreement_id = ?", (agreement_id,)
        ) as cursor:
            return {(row[0], row[1]) for row in await cursor.fetchall()}

    async def outcomes(self, agreement_id: int) -> list[tuple[str, int, str]]:
        """(kind, seq, outcome) of every decided post, by when it was due."""
        async with self.conn.execute(
            "SELECT kind, seq, outcome FROM agreement_posts WHERE agreement_id = ? ORDER BY due_at", (agreement_id,)
        ) as cursor:
            return [tuple(row) for row in await cursor.fetchall()]
