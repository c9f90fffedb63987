"""Safety walks: numbered per room, at most one open; their points, numbered within the walk; and the photos and
locations attached to the points."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.store.db import Connection, Row, from_utc_text, utc_text

PHOTO, LOCATION = "photo", "location"


@dataclass(frozen=True)
class Walk:
    id: int
    room_id: str
    number: int
    area: str
    text: str | None
    started_by: str
    started_at: datetime
    ended_by: str | None
    ended_at: datetime | None
    plan_txn: str | None
    """The outbox transaction of the action plan file, once it is queued."""
    followup_at: datetime | None
    followup_txn: str | None
    """The outbox transaction of the follow-up reminder, once it is decided for `followup_at`."""


@dataclass(frozen=True)
class Attachment:
    kind: str
    """PHOTO or LOCATION."""
    event_id: str
    sender: str
    sent_ms: int
    body: str | None
    url: str | None = None
    mimetype: str | None = None
    file: dict[str, Any] | None = None
    """In an encrypted room, what opens the photo (key, iv, hashes)."""
    geo_uri: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    uncertainty: float | None = None


@dataclass(frozen=True)
class Point:
    id: int
    walk_id: int
    number: int
    place: str
    what: str
    proposal: str | None
    responsible: str | None
    author: str
    event_id: str
    sent_ms: int
    created_at: datetime
    action_number: int | None
    confirmed_as: str | None
    """The event id of the bot's confirmation, once it is sent."""
    attachments: tuple[Attachment, ...] = ()


def _when(value: str | None) -> datetime | None:
    return from_utc_text(value) if value else None


def _walk(r: Row) -> Walk:
    return Walk(
        id=r["id"],
        room_id=r["room_id"],
        number=r["number"],
        area=r["area"],
        text=r["text"],
        started_by=r["started_by"],
        started_at=from_utc_text(r["started_at"]),
        ended_by=r["ended_by"],
        ended_at=_when(r["ended_at"]),
        plan_txn=r["plan_txn"],
        followup_at=_when(r["followup_at"]),
        followup_txn=r["followup_txn"],
    )


def _attachment(r: Row) -> Attachment:
    return Attachment(
        kind=r["kind"],
        event_id=r["event_id"],
        sender=r["sender"],
        sent_ms=r["sent_ms"],
        body=r["body"],
        url=r["url"],
        mimetype=r["mimetype"],
        file=json.loads(r["file"]) if r["file"] else None,
        geo_uri=r["geo_uri"],
        latitude=r["latitude"],
        longitude=r["longitude"],
        uncertainty=r["uncertainty"],
    )


class WalkRepo:
    def __init__(self, conn: Connection):
        self.conn = conn

    async def _walks(self, where: str, params: tuple[Any, ...]) -> list[Walk]:
        async with self.conn.execute(f"SELECT * FROM walks WHERE {where}", params) as cursor:
            return [_walk(r) for r in await cursor.fetchall()]

    async def open_in(self, room_id: str) -> Walk | None:
        found = await self._walks("room_id = ? AND ended_at IS NULL", (room_id,))
        return found[0] if found else None

    async def get(self, walk_id: int) -> Walk | None:
        found = await self._walks("id = ?", (walk_id,))
        return found[0] if found else None

    async def numbered(self, room_id: str, number: int) -> Walk | None:
        found = await self._walks("room_id = ? AND number = ?", (room_id, number))
        return found[0] if found else None

    async def latest(self, room_id: str) -> Walk | None:
        found = await self._walks("room_id = ? ORDER BY number DESC LIMIT 1", (room_id,))
        return found[0] if found else None

    async def in_room(self, room_id: str) -> list[Walk]:
        return await self._walks("room_id = ? ORDER BY number", (room_id,))

    async def without_plan(self) -> list[Walk]:
        """Ended walks whose action plan file was never queued (a crash right after `!walk end`)."""
        return await self._walks("ended_at IS NOT NULL AND plan_txn IS NULL ORDER BY id", ())

    async def awaiting_followup(self) -> list[Walk]:
        """Walks whose follow-up reminder is still to be decided."""
        return await self._walks("followup_at IS NOT NULL AND followup_txn IS NULL ORDER BY id", ())

    async def start(self, room_id: str, area: str, text: str | None, by: str, now: datetime) -> Walk:
        async with self.conn.execute(
            "INSERT INTO walks(room_id, number, area, text, started_by, started_at) "
            "VALUES (?, (SELECT COALESCE(MAX(number), 0) + 1 FROM walks WHERE room_id = ?), ?, ?, ?, ?) RETURNING id",
            (room_id, room_id, area, text, by, utc_text(now)),
        ) as cursor:
            (walk_id,) = await cursor.fetchone()
        return await self.get(walk_id)

    async def end(self, walk_id: int, by: str, now: datetime, followup_at: datetime) -> None:
        """End the walk; the follow-up time set during it stands, else `followup_at`."""
        await self.conn.execute(
            "UPDATE walks SET ended_by = ?, ended_at = ?, followup_at = COALESCE(followup_at, ?) WHERE id = ?",
            (by, utc_text(now), utc_text(followup_at), walk_id),
        )

    async def plan_queued(self, walk_id: int, txn_id: str) -> None:
        await self.conn.execute("UPDATE walks SET plan_txn = ? WHERE id = ?", (txn_id, walk_id))

    async def set_followup(self, walk_id: int, at: datetime) -> None:
        """A new follow-up time, to be reminded of afresh."""
        await self.conn.execute(
            "UPDATE walks SET followup_at = ?, followup_txn = NULL WHERE id = ?", (utc_text(at), walk_id)
        )

    async def claim_followup(self, walk_id: int, at: datetime, txn_id: str) -> bool:
        """Decide the follow-up reminder for this time, once: False if it was decided already or the time changed."""
        cursor = await self.conn.execute(
            "UPDATE walks SET followup_txn = ? WHERE id = ? AND followup_at = ? AND followup_txn IS NULL",
            (txn_id, walk_id, utc_text(at)),
        )
        return cursor.rowcount == 1

    # Points.

    async def add_point(
        self, walk_id: int, place: str, what: str, proposal: str | None, responsible: str | None, author: str,
        event_id: str, reply_txn: str, sent_ms: int, now: datetime,
    ) -> int:  # fmt: skip
        """A new point, numbered after the walk's last; returns its number."""
        async with self.conn.execute(
            "INSERT INTO walk_points(walk_id, number, place, what, proposal, responsible, author, event_id, reply_txn, "
            "sent_ms, created_at) VALUES (?, (SELECT COALESCE(MAX(number), 0) + 1 FROM walk_points WHERE walk_id = ?), "
            "?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING number",
            (walk_id, walk_id, place, what, proposal, responsible, author, event_id, reply_txn, sent_ms, utc_text(now)),
        ) as cursor:
            (number,) = await cursor.fetchone()
        return number

    async def points(self, walk_id: int) -> list[Point]:
        """The walk's points in order, each with its attachments in the order they were sent."""
        async with self.conn.execute(
            "SELECT p.*, o.sent_event_id AS confirmed_as FROM walk_points p "
            "LEFT JOIN outbox o ON o.txn_id = p.reply_txn WHERE p.walk_id = ? ORDER BY p.number",
            (walk_id,),
        ) as cursor:
            rows = await cursor.fetchall()
        async with self.conn.execute(
            "SELECT a.* FROM walk_attachments a JOIN walk_points p ON p.id = a.point_id WHERE p.walk_id = ? "
            "ORDER BY a.sent_ms, a.id",
            (walk_id,),
        ) as cursor:
            attached: dict[int, list[Attachment]] = {}
            for r in await cursor.fetchall():
                attached.setdefault(r["point_id"], []).append(_attachment(r))
        return [
            Point(
                id=r["id"],
                walk_id=r["walk_id"],
                number=r["number"],
                place=r["place"],
                what=r["what"],
                proposal=r["proposal"],
                responsible=r["responsible"],
                author=r["author"],
                event_id=r["event_id"],
                sent_ms=r["sent_ms"],
                created_at=from_utc_text(r["created_at"]),
                action_number=r["action_number"],
                confirmed_as=r["confirmed_as"],
                attachments=tuple(attached.get(r["id"], ())),
            )
            for r in rows
        ]

    async def point(self, walk_id: int, number: int) -> Point | None:
        return next((p for p in await self.points(walk_id) if p.number == number), None)

    async def made_action(self, point_id: int, action_number: int) -> None:
        await self.conn.execute("UPDATE walk_points SET action_number = ? WHERE id = ?", (action_number, point_id))

    async def attach(self, point_id: int, attachment: Attachment) -> None:
        a = attachment
        await self.conn.execute(
            "INSERT INTO walk_attachments(point_id, event_id, kind, sender, sent_ms, body, url, mimetype, file, "
            "geo_uri, latitude, longitude, uncertainty) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                point_id, a.event_id, a.kind, a.sender, a.sent_ms, a.body, a.url, a.mimetype,
                json.dumps(a.file) if a.file is not None else None, a.geo_uri, a.latitude, a.longitude, a.uncertainty,
            ),  # fmt: skip
        )
