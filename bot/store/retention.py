"""Which records have been kept long enough, and deleting them: the rules of each kind in one place, asked once to
list what goes (for the export) and again, inside the deleting transaction, so that a record changed in between
(an action reopened) stays."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.store.db import Connection, utc_text

# Each kind: its table's key, and the condition (with the cutoff as its one parameter) under which a row may go.
_RULES = {
    "observations": ("number", "happened_on < ?"),
    "agenda_items": ("id", "status IN ('discussed', 'removed') AND closed_at < ?"),
    "actions": (
        "number",
        "status IN ('done', 'cancelled') AND "
        "(SELECT max(h.at) FROM action_history h WHERE h.room_id = actions.room_id AND h.number = actions.number) < ?",
    ),
    "meetings": ("id", "ended_at IS NOT NULL AND ended_at < ?"),
    "walks": ("id", "ended_at IS NOT NULL AND ended_at < ?"),
}


@dataclass
class Due:
    """What may go from one room, by kind: the keys of its rows (observation and action numbers, item and meeting
    ids), and the `!report nothing`s, which go with the observations."""

    room_id: str
    keys: dict[str, list[int]] = field(default_factory=dict)
    nothing_before: datetime | None = None
    nothing: int = 0

    def number_of(self, kind: str) -> int:
        return len(self.keys.get(kind, []))

    def __bool__(self) -> bool:
        return any(self.keys.values()) or self.nothing > 0


def _cutoff(kind: str, moment: datetime) -> str:
    return moment.date().isoformat() if kind == "observations" else utc_text(moment)


class RetentionRepo:
    def __init__(self, conn: Connection):
        self.conn = conn

    async def rooms(self) -> list[str]:
        async with self.conn.execute("SELECT room_id FROM rooms ORDER BY room_id") as cursor:
            return [row[0] for row in await cursor.fetchall()]

    async def _keys(self, table: str, room_id: str, cutoff: datetime) -> list[int]:
        key, condition = _RULES[table]
        async with self.conn.execute(
            f"SELECT {key} FROM {table} WHERE room_id = ? AND {condition} ORDER BY {key}", (room_id, _cutoff(table, cutoff))
        ) as cursor:
            return [row[0] for row in await cursor.fetchall()]

    async def due(self, room_id: str, cutoffs: dict[str, datetime]) -> Due:
        """What the room holds that has been kept long enough, for the kinds with a cutoff."""
        due = Due(room_id, {kind: await self._keys(kind, room_id, cutoff) for kind, cutoff in cutoffs.items()})
        if "observations" in cutoffs:
            due.nothing_before = cutoffs["observations"]
            async with self.conn.execute(
                "SELECT count(*) FROM nothing_reported WHERE room_id = ? AND at < ?", (room_id, utc_text(due.nothing_before))
            ) as cursor:
                due.nothing = (await cursor.fetchone())[0]
        return due

    async def _still_due(self, kind: str, room_id: str, keys: list[int], cutoff: datetime) -> None:
        """Fill the temporary table `purging_<kind>` with those of `keys` that still meet the kind's rule."""
        key, condition = _RULES[kind]
        table = f"purging_{kind}"
        await self.conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {table}(key INTEGER PRIMARY KEY)")
        await self.conn.execute(f"DELETE FROM {table}")
        for start in range(0, len(keys), 500):  # well under SQLite's limit on parameters
            chunk = keys[start : start + 500]
            await self.conn.execute(
                f"INSERT INTO {table} SELECT {key} FROM {kind} "
                f"WHERE room_id = ? AND {key} IN ({','.join('?' * len(chunk))}) AND {condition}",
                (room_id, *chunk, _cutoff(kind, cutoff)),
            )

    async def _run(self, *statements: tuple[str, tuple]) -> int:
        """The statements in order; the rows the last one touched."""
        touched = 0
        for sql, params in statements:
            touched = (await self.conn.execute(sql, params)).rowcount
        return touched

    async def delete(self, due: Due, cutoffs: dict[str, datetime]) -> dict[str, int]:
        """Delete what `due` lists and still meets its kind's rule, with what hangs on it; how many of each went.
        Run in the caller's transaction: all of it goes, or none."""
        room, gone = due.room_id, {}
        for kind in _RULES:
            if kind in cutoffs and due.keys.get(kind):
                await self._still_due(kind, room, due.keys[kind], cutoffs[kind])
        if due.keys.get("actions"):
            numbers = "room_id = ? AND number IN (SELECT key FROM purging_actions)"
            gone["actions"] = await self._run(
                *((f"DELETE FROM {table} WHERE {numbers}", (room,)) for table in ("action_owners", "action_history", "nudges")),
                # An agreement is kept for good; its priority no longer lists an action that went.
                ("DELETE FROM action_priorities WHERE room_id = ? AND action IN (SELECT key FROM purging_actions)", (room,)),
                (f"DELETE FROM actions WHERE {numbers}", (room,)),
            )
        if due.keys.get("agenda_items"):
            gone["agenda_items"] = await self._run(
                ("DELETE FROM agenda_items WHERE id IN (SELECT key FROM purging_agenda_items)", ()),
            )
        if due.keys.get("observations"):
            gone["observations"] = await self._run(
                ("DELETE FROM observations WHERE room_id = ? AND number IN (SELECT key FROM purging_observations)", (room,)),
            )
        if due.nothing_before is not None:
            gone["nothing_reported"] = await self._run(
                ("DELETE FROM nothing_reported WHERE room_id = ? AND at < ?", (room, utc_text(due.nothing_before))),
            )
        if due.keys.get("meetings"):
            ids = "IN (SELECT key FROM purging_meetings)"
            # What is kept of a meeting that goes (an open action agreed in it, an item carried on) no longer names it.
            gone["meetings"] = await self._run(
                (f"UPDATE actions SET meeting_id = NULL WHERE meeting_id {ids}", ()),
                (f"UPDATE agenda_items SET meeting_id = NULL WHERE meeting_id {ids}", ()),
                (f"DELETE FROM participants WHERE meeting_id {ids}", ()),
                (f"DELETE FROM decisions WHERE meeting_id {ids}", ()),
                (f"DELETE FROM meetings WHERE id {ids}", ()),
            )
        if due.keys.get("walks"):
            points = "point_id IN (SELECT id FROM walk_points WHERE walk_id IN (SELECT key FROM purging_walks))"
            gone["walks"] = await self._run(
                (f"DELETE FROM walk_attachments WHERE {points}", ()),  # photos' addresses and keys, locations
                ("DELETE FROM walk_points WHERE walk_id IN (SELECT key FROM purging_walks)", ()),
                ("DELETE FROM walks WHERE id IN (SELECT key FROM purging_walks)", ()),
            )
        return gone
