"""Safety walks as pure rules: how a point is written (`<place>: <what> [förslag …] [ansvarig …]`), which point a
photo or a location belongs to, and what makes a photo unreadable."""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bot.errors import UsageError
from bot.policy import ATTACH_WINDOW, MAX_PLACE, MAX_TEXT


@dataclass(frozen=True)
class PointSpec:
    place: str
    what: str
    proposal: str | None
    responsible: str | None


_CLAUSES = {
    "proposal": re.compile(r"\s(?:proposal|förslag|forslag)\s*:?\s+", re.IGNORECASE),
    "responsible": re.compile(r"\s(?:responsible|ansvarig)\s*:?\s+", re.IGNORECASE),
}


def _one_line(text: str) -> str:
    return " ".join(text.split())


def parse_point(text: str) -> PointSpec:
    """`<place>: <what> [proposal <text>] [responsible <Organisation>]`, in Swedish `förslag` and `ansvarig`; the
    clauses in either order after the what, each taken from its last mention (`Förslag` may be a word of the
    what). Raises a UsageError for a point without a place or a what, or one too long."""
    place, colon, rest = text.partition(":")
    place = _one_line(place)
    rest = " " + rest.strip()
    starts = {name: list(pattern.finditer(rest)) for name, pattern in _CLAUSES.items()}
    found = {name: matches[-1] for name, matches in starts.items() if matches}
    ordered = sorted(found.items(), key=lambda item: item[1].start())
    clauses: dict[str, str] = {}
    for index, (name, match) in enumerate(ordered):
        end = ordered[index + 1][1].start() if index + 1 < len(ordered) else len(rest)
        clauses[name] = _one_line(rest[match.end() : end])
    what = rest[: ordered[0][1].start()] if ordered else rest
    what = "\n".join(_one_line(line) for line in what.strip().splitlines() if line.strip())
    if not colon or not place or not what:
        raise UsageError("point.how")
    if any(name in found and not clauses[name] for name in _CLAUSES):
        raise UsageError("point.clause_empty")
    if len(place) > MAX_PLACE:
        raise UsageError("text.too_long", limit=MAX_PLACE)
    if sum(map(len, (what, *clauses.values()))) > MAX_TEXT:
        raise UsageError("text.too_long", limit=MAX_TEXT)
    return PointSpec(place, what, clauses.get("proposal"), clauses.get("responsible"))


@dataclass(frozen=True)
class PointRef:
    """A point of the open walk, as a photo or a location is matched to it."""

    number: int
    author: str
    sent_ms: int
    """When its `!punkt` was sent (the server's time), in milliseconds."""
    event_id: str
    """The `!punkt` message."""
    confirmed_as: str | None
    """The bot's reply confirming the point, once it is in the room."""


def point_for(points: list[PointRef], sender: str, sent_ms: int, reply_to: str | None) -> PointRef | None:
    """The point a photo or a location belongs to: the one it replies to (the `!punkt` message or the bot's
    confirmation, whoever wrote the point); else, when it replies to nothing, the sender's own latest point sent at
    most ATTACH_WINDOW before it. A reply to another message is talk about that message: nothing."""
    if reply_to is not None:
        return next((p for p in points if reply_to in (p.event_id, p.confirmed_as)), None)
    window = ATTACH_WINDOW // timedelta(milliseconds=1)
    own = [p for p in points if p.author == sender and 0 <= sent_ms - p.sent_ms <= window]
    return max(own, key=lambda p: (p.sent_ms, p.number), default=None)


def photo_fault(url: str | None, file: dict[str, Any] | None) -> str | None:
    """Why a photo cannot be kept, or None: it needs an `mxc://` address, and in an encrypted room (`file`) the key,
    the initialisation vector and the hash that open it."""
    if file is not None:
        key = file.get("key")
        hashes = file.get("hashes")
        if not (isinstance(key, dict) and isinstance(key.get("k"), str) and isinstance(file.get("iv"), str)):
            return "bad_file"
        if not (isinstance(hashes, dict) and isinstance(hashes.get("sha256"), str)):
            return "bad_file"
        url = file.get("url")
    if not (isinstance(url, str) and url.startswith("mxc://") and "/" in url.removeprefix("mxc://")):
        return "no_url"
    return None


def followup_day(ended: date, months: int) -> date:
    """The same day `months` later; the month's last day when it has no such day (31 August → 28 February)."""
    month = ended.month - 1 + months
    year, month = ended.year + month // 12, month % 12 + 1
    return date(year, month, min(ended.day, monthrange(year, month)[1]))
