"""Who may do what in a room: power levels, and the creators that room version 12 puts above them."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from bot.errors import ForbiddenError
from bot.names import MemberNames

# Room versions before 12 list creators in the power levels like everyone else.
_CREATORS_LISTED = frozenset(str(v) for v in range(1, 12))


@dataclass(frozen=True)
class RoomView(MemberNames):
    """What the command layer knows about a room, taken from the client's room state: who is in it, who may do
    what, and how its members are named."""

    room_id: str
    name: str = ""
    users: dict[str, int] = field(default_factory=dict)
    users_default: int = 0
    creators: frozenset[str] = frozenset()
    room_version: str = "12"
    members: frozenset[str] = frozenset()
    """Users who have joined the room."""

    def level(self, user_id: str) -> float:
        if user_id in self.creators and self.room_version not in _CREATORS_LISTED:
            return math.inf  # creators outrank every power level
        return self.users.get(user_id, self.users_default)

    def require(self, user_id: str, needed: int) -> None:
        """Raise ForbiddenError naming the level needed when the user's level is below it."""
        have = self.level(user_id)
        if have < needed:
            raise ForbiddenError("forbidden.moderator", needed=needed, have=int(have))
