"""What a period's observations show: the count and its change against the periods before, the table of area by
category, the places that stand out, and who has reported. Plain numbers in, plain numbers out.

The input is what one GROUP BY over the observations gives: a count per (period, area, category), where period 0
is the period shown and 1, 2, … the periods before it, most recent first.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

STAND_OUT = 3
"""How many places are named for the largest counts, and how many for the largest rises."""
RISE_AT_LEAST = 3
"""A rise stands out only for a place with at least this many observations this period…"""
RISE_MIN = 2.0
"""…at least this many more than its own average…"""
RISE_RATIO = 1.5
"""…and at least this many times its average: 0 → 1, or 20 → 22, is no rise worth naming."""


@dataclass(frozen=True)
class Count:
    period: int
    area: str
    category: str
    n: int


@dataclass(frozen=True)
class Change:
    """A count against the average of the `earlier` periods before it (None when there were none)."""

    now: int
    earlier: int
    average: float | None

    @property
    def difference(self) -> float | None:
        return None if self.average is None else self.now - self.average

    @property
    def percent(self) -> float | None:
        """The change in per cent of the average; None when there is no average or it is nought."""
        return None if not self.average else 100 * (self.now - self.average) / self.average


@dataclass(frozen=True)
class Table:
    """Counts by area (rows) and category (columns), only those with any; the largest first, then by name."""

    areas: tuple[str, ...]
    categories: tuple[str, ...]
    cells: dict[tuple[str, str], int]
    by_area: dict[str, int]
    by_category: dict[str, int]
    total: int

    def cell(self, area: str, category: str) -> int:
        return self.cells.get((area, category), 0)


@dataclass(frozen=True)
class Place:
    area: str
    change: Change


@dataclass(frozen=True)
class Reporting:
    """Organisations that reported observations, that said they had nothing, and those of the room that did
    neither; each in the order given, spelt as the room spells them."""

    reported: tuple[str, ...]
    nothing: tuple[str, ...]
    missing: tuple[str, ...]


@dataclass(frozen=True)
class Situation:
    total: Change
    table: Table
    places: tuple[Place, ...]
    """Every area with observations in the period or the periods before: the most this period first, then by name."""
    largest: tuple[Place, ...]
    rises: tuple[Place, ...]
    reporting: Reporting


def _order(totals: Counter[str]) -> tuple[str, ...]:
    return tuple(sorted((k for k, n in totals.items() if n), key=lambda k: (-totals[k], k.casefold(), k)))


def table(counts: Iterable[Count]) -> Table:
    """The table of period 0."""
    cells: Counter[tuple[str, str]] = Counter()
    for count in counts:
        if count.period == 0 and count.n:
            cells[count.area, count.category] += count.n
    by_area: Counter[str] = Counter()
    by_category: Counter[str] = Counter()
    for (area, category), n in cells.items():
        by_area[area] += n
        by_category[category] += n
    return Table(_order(by_area), _order(by_category), dict(cells), dict(by_area), dict(by_category), sum(cells.values()))


def change(now: int, earlier_counts: Iterable[int], earlier: int) -> Change:
    """`now` against the average over `earlier` periods, whose counts (those with any) are `earlier_counts`."""
    return Change(now, earlier, sum(earlier_counts) / earlier if earlier else None)


def _rises(places: Iterable[Place]) -> tuple[Place, ...]:
    def stands_out(place: Place) -> bool:
        c = place.change
        return (
            c.average is not None
            and c.now >= RISE_AT_LEAST
            and c.now - c.average >= RISE_MIN
            and c.now >= RISE_RATIO * c.average
        )

    def order(place: Place) -> tuple[float, float, str]:
        c = place.change  # of two equal rises, the one from less is the more remarkable
        return -(c.difference or 0), -(c.now + 1) / ((c.average or 0) + 1), place.area.casefold()

    rising = sorted((p for p in places if stands_out(p)), key=order)
    return tuple(rising[:STAND_OUT])


def _unique(names: Iterable[str], leaving_out: Iterable[str] = ()) -> tuple[str, ...]:
    """Each name once, as first spelt, compared case-insensitively, without those in `leaving_out` (casefolded)."""
    seen = set(leaving_out)
    kept = []
    for name in names:
        if name.casefold() not in seen:
            seen.add(name.casefold())
            kept.append(name)
    return tuple(kept)


def reporting(organisations: Iterable[str], reported: Iterable[str], nothing: Iterable[str]) -> Reporting:
    """Who reported, who had nothing, and which of the room's `organisations` did neither. Names are compared
    case-insensitively; one that both reported and said it had nothing has reported."""
    said = _unique(reported)
    had_nothing = _unique(nothing, {n.casefold() for n in said})
    return Reporting(said, had_nothing, _unique(organisations, {n.casefold() for n in (*said, *had_nothing)}))


def situation(
    counts: Iterable[Count],
    earlier: int,
    organisations: Iterable[str] = (),
    reported: Iterable[str] = (),
    nothing: Iterable[str] = (),
) -> Situation:
    """The picture of period 0 from the counts of it and of the `earlier` periods before it (0 to 4: those that
    exist; a period that exists with nothing in it counts as nought). Counts of periods beyond `earlier` are
    left out."""
    counts = [c for c in counts if 0 <= c.period <= earlier]
    per_area: dict[str, list[int]] = defaultdict(lambda: [0] * (earlier + 1))
    for count in counts:
        per_area[count.area][count.period] += count.n
    places = [Place(area, change(n[0], n[1:], earlier)) for area, n in per_area.items()]
    places.sort(key=lambda p: (-p.change.now, p.area.casefold(), p.area))
    largest = [p for p in places if p.change.now]
    overall = [sum(n[k] for n in per_area.values()) for k in range(earlier + 1)]
    return Situation(
        total=change(overall[0], overall[1:], earlier),
        table=table(counts),
        places=tuple(places),
        largest=tuple(largest[:STAND_OUT]),
        rises=_rises(places),
        reporting=reporting(organisations, reported, nothing),
    )
