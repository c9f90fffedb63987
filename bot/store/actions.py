"""Agreed actions: numbered per room, with owners, an optional due date, and every change in their history."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.store.db import Connection, from_utc_text, utc_text

OPEN, DONE, CANCELLED = "open", "done", "cancelled"


@dataclass(frozen=True)
class Action:
    room_id: str
    number: int
    text: str
    organisation: str | None
    due: date | None
    due_set_at: datetime | None
    """When the due date was last set: a nudge time before this is not nudged for."""
    status: str
    created_by: str
    created_at: datetime
    owners: tuple[str, ...]
    meeting_id: int | None = None
    """The meeting it was agreed in, if it was logged during one."""


@dataclass(frozen=True)
class Change:
    at: datetime
    by: str
    kind: str
    """created, edited, due, assigned, done, reopened or cancelled."""
    detail: dict[str, Any]


_COLUMNS = "room_id, number, text, organisation, due, due_set_at, status, created_by, created_at, meeting_id"


class ActionRepo:
    def __init__(self, conn: Connection):
        self.conn = conn

    async def _owners(self, room_id: str, numbers: list[int]) -> dict[int, tuple[str, ...]]:
        owners: dict[int, list[str]] = {n: [] for n in numbers}
        if not numbers:
            return {}
        marks = ",".join("?" * len(numbers))
        async with self.conn.execute(
            f"SELECT number, user_id FROM action_owners WHERE room_id = ? AND number IN ({marks}) ORDER BY rowid",
            (room_id, *numbers),
        ) as cursor:
            for number, user_id in await cursor.fetchall():
                owners[number].append(user_id)
        return {n: tuple(users) for n, users in owners.items()}

    async def _select(self, where: str, params: tuple[Any, ...]) -> list[Action]:
        async with self.conn.execute(f"SELECT {_COLUMNS} FROM actions WHERE {where}", params) as cursor:
            rows = await cursor.fetchall()
        by_room: dict[str, list[int]] = {}
        for row in rows:
            by_room.setdefault(row[0], []).append(row[1])
        owners = {room: await self._owners(room, numbers) for room, numbers in by_room.items()}
        return [
            Action(
                room_id=r[0],
                number=r[1],
                text=r[2],
                organisation=r[3],
                due=date.fromisoformat(r[4]) if r[4] else None,
                due_set_at=from_utc_text(r[5]) if r[5] else None,
                status=r[6],
                created_by=r[7],
                created_at=from_utc_text(r[8]),
                owners=owners[r[0]][r[1]],
                meeting_id=r[9],
            )
            for r in rows
        ]

    async def get(self, room_id: str, number: int) -> Action | None:
        found = await self._select("room_id = ? AND number = ?", (room_id, number))
        return found[0] if found else None

    async def in_room(self, room_id: str, statuses: tuple[str, ...] = (OPEN,)) -> list[Action]:
        marks = ",".join("?" * len(statuses))
        return await self._select(f"room_id = ? AND status IN ({marks}) ORDER BY number", (room_id, *statuses))

    async def in_meeting(self, meeting_id: int) -> list[Action]:
        return await self._select("meeting_id = ? ORDER BY number", (meeting_id,))

    async def open_with_due(self, room_ids: Iterable[str] | None = None) -> list[Action]:
        """Open actions that have a due date, in these rooms (every room when None): what nudges are computed from."""
        if room_ids is None:
            return await self._select("status = 'open' AND due IS NOT NULL ORDER BY room_id, number", ())
        rooms = list(room_ids)
        marks = ",".join("?" * len(rooms))
        return await self._select(f"status = 'open' AND due IS NOT NULL AND room_id IN ({marks}) ORDER BY number", tuple(rooms))

    async def create(
        self,
        room_id: str,
        text: str,
        owners: tuple[str, ...],
        organisation: str | None,
        due: date | None,
        by: str,
        now: datetime,
        meeting_id: int | None = None,
    ) -> int:
        async with self.conn.execute(
            "INSERT INTO action_numbers(room_id, last) VALUES (?, 1) "
            "ON CONFLICT(room_id) DO UPDATE SET last = last + 1 RETURNING last",
            (room_id,),
        ) as cursor:
            number = (await cursor.fetchone())[0]
        await self.conn.execute(
            f"INSERT INTO actions({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?, ?)",
            (
                room_id,
                number,
                text,
                organisation,
                due.isoformat() if due else None,
                utc_text(now) if due else None,
                by,
                utc_text(now),
                meeting_id,
            ),
        )
        await self._set_owners(room_id, number, owners)
        await self.record(room_id, number, by, now, "created", {})
        return number

    async def _set_owners(self, room_id: str, number: int, owners: tuple[str, ...]) -> None:
        await self.conn.execute("DELETE FROM action_owners WHERE room_id = ? AND number = ?", (room_id, number))
        await self.conn.executemany(
            "INSERT INTO action_owners(room_id, number, user_id) VALUES (?, ?, ?)",
            [(room_id, number, user_id) for user_id in owners],
        )

    async def change(
        self, action: Action, by: str, now: datetime, kind: str, detail: dict[str, Any], **fields: Any
    ) -> None:
        """Apply a change (text, organisation, due, status, owners) and append it to the history."""
        columns: dict[str, Any] = {}
        for key, value in fields.items():
            if key == "owners":
                await self._set_owners(action.room_id, action.number, value)
            elif key == "due":
                columns["due"] = value.isoformat() if value else None
                columns["due_set_at"] = utc_text(now) if value else None
            elif key in ("text", "organisation", "status"):
                columns[key] = value
            else:
                raise ValueError(f"unknown action field {key}")
        if columns:
            assignments = ", ".join(f"{column} = ?" for column in columns)
            await self.conn.execute(
                f"UPDATE actions SET {assignments} WHERE room_id = ? AND number = ?",
                (*columns.values(), action.room_id, action.number),
            )
        await self.record(action.room_id, action.number, by, now, kind, detail)

    async def record(self, room_id: str, number: int, by: str, now: datetime, kind: str, detail: dict[str, Any]) -> None:
        await self.conn.execute(
            "INSERT INTO action_history(room_id, number, at, by, kind, detail) VALUES (?, ?, ?, ?, ?, ?)",
            (room_id, number, utc_text(now), by, kind, json.dumps(detail, ensure_ascii=False)),
        )

    async def history(self, room_id: str, number: int) -> list[Change]:
        async with self.conn.execute(
            "SELECT at, by, kind, detail FROM action_history WHERE room_id = ? AND number = ? ORDER BY id",
            (room_id, number),
        ) as cursor:
            rows = await cursor.fetchall()
        return [Change(from_utc_text(r[0]), r[1], r[2], json.loads(r[3])) for r in rows]

    async def histories(self, room_id: str) -> dict[int, list[Change]]:
        """Every action's history in a room, by number."""
        found: dict[int, list[Change]] = {}
        async with self.conn.execute(
            "SELECT number, at, by, kind, detail FROM action_history WHERE room_id = ? ORDER BY id", (room_id,)
        ) as cursor:
            for r in await cursor.fetchall():
                found.setdefault(r[0], []).append(Change(from_utc_text(r[1]), r[2], r[3], json.loads(r[4])))
        return found

    async def claim_nudge(
        self, room_id: str, number: int, due: date, outcome: str, txn_id: str | None, now: datetime
    ) -> bool:
        """Record the nudge for this action and due date; False when it was decided before."""
        cursor = await self.conn.execute(
            "INSERT OR IGNORE INTO nudges(room_id, number, due, outcome, txn_id, decided_at) VALUES (?, ?, ?, ?, ?, ?)",
            (room_id, number, due.isoformat(), outcome, txn_id, utc_text(now)),
        )
        return cursor.rowcount == 1

    async def nudged(self, room_ids: Iterable[str] | None = None) -> set[tuple[str, int, date]]:
        rooms = list(room_ids or ())
        where = f" WHERE room_id IN ({','.join('?' * len(rooms))})" if room_ids is not None else ""
        async with self.conn.execute(f"SELECT room_id, number, due FROM nudges{where}", tuple(rooms)) as cursor:
            return {(r[0], r[1], date.fromisoformat(r[2])) for r in await cursor.fetchall()}
