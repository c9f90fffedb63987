"""How long each kind of record is kept (gallring): the periods the municipality decides, read from settings,
and the moment before which a kind's records may go."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from dateutil.relativedelta import relativedelta

KINDS = ("observations", "agenda_items", "actions", "meetings", "walks")
"""What retention settings name, in the order a purge reports them."""

_UNITS = {
    "year": "years", "years": "years", "år": "years", "y": "years",
    "month": "months", "months": "months", "månad": "months", "månader": "months",
    "week": "weeks", "weeks": "weeks", "vecka": "weeks", "veckor": "weeks", "w": "weeks",
    "day": "days", "days": "days", "dag": "days", "dagar": "days", "d": "days",
}  # fmt: skip
_PERIOD = re.compile(r"^\s*(\d{1,4})\s*([a-zåäö]+)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Period:
    """A retention period as written ("3 år", "18 months"), counted in calendar units."""

    text: str
    delta: relativedelta

    def cutoff(self, now: datetime) -> datetime:
        """Records from before this moment have been kept long enough."""
        return now - self.delta


def parse_period(text: str) -> Period:
    """`<n> years|months|weeks|days`, in English or Swedish (`3 år`, `18 månader`); ValueError otherwise."""
    match = _PERIOD.match(text)
    unit = _UNITS.get(match.group(2).lower()) if match else None
    if match is None or unit is None or int(match.group(1)) == 0:
        raise ValueError(f"{text!r} is not a retention period such as '3 years', '18 months' or '3 år'")
    return Period(" ".join(text.split()), relativedelta(**{unit: int(match.group(1))}))
