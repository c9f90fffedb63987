"""Names a room has given things (organisations, areas, categories), matched as people type them: without regard
to case or diacritics ("polisen" and "Pölisen" are Polisen), by a unique beginning ("stat" is Stationsområdet), and
with the names most like a near miss to suggest."""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from bot.policy import NEAR_MISS


def normalise(name: str) -> str:
    """The name as it is compared: no case, no diacritics, single spaces."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


@dataclass(frozen=True)
class Match:
    """What a written name names: `found`, or else the names it may have meant (none when nothing is alike)."""

    found: str | None
    suggestions: tuple[str, ...] = ()


def same(written: str, names: Iterable[str]) -> str | None:
    """The name that is the written one but for case and diacritics."""
    key = normalise(written)
    return next((name for name in names if normalise(name) == key), None)


SHORTEST_BEGINNING = 4
"""A misspelt beginning this long or longer is compared with the names' beginnings too ("statoin" with
"Stationsområdet"); a shorter one would be like too many."""


def _likeness(written: str, name: str) -> float:
    whole = difflib.SequenceMatcher(None, written, name).ratio()
    if len(written) < SHORTEST_BEGINNING:
        return whole
    return max(whole, difflib.SequenceMatcher(None, written, name[: len(written)]).ratio())


def near(written: str, names: Iterable[str]) -> tuple[str, ...]:
    """The names most like a misspelt one, or like its beginning, most alike first (at most three)."""
    key = normalise(written)
    scored = sorted(((_likeness(key, normalise(name)), name) for name in names), key=lambda pair: -pair[0])
    return tuple(name for score, name in scored if score >= NEAR_MISS)[:3]


def starting(written: str, names: Iterable[str]) -> tuple[str, ...]:
    """The names that begin as the written one does."""
    key = normalise(written)
    return tuple(name for name in names if key and normalise(name).startswith(key))


def find(written: str, names: Iterable[str]) -> Match:
    """The name written, or the only one that begins so; otherwise the names it may have meant: those it begins
    (when more than one does), or the near misses."""
    names = tuple(names)
    if found := same(written, names):
        return Match(found)
    beginning = starting(written, names)
    if len(beginning) == 1:
        return Match(beginning[0])
    return Match(None, beginning or near(written, names))
