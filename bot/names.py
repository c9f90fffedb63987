"""How a room's members are named to people: by display name, told apart where two share one."""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field


def told_apart(display_names: Mapping[str, str | None]) -> dict[str, str]:
    """The name to show for each member that has a display name. A name that two members share is shown with the
    user id for both (`Anna (@anna:eslov.se)`), as Element shows it, so nobody passes for someone else."""
    shared = Counter(name for name in display_names.values() if name)
    return {user: name if shared[name] == 1 else f"{name} ({user})" for user, name in display_names.items() if name}


@dataclass(frozen=True)
class MemberNames:
    """How people know the members of a room."""

    names: Mapping[str, str] = field(default_factory=dict, kw_only=True)
    """The names of members that have a display name, by user id, told apart (see told_apart)."""
    present: frozenset[str] | None = field(default=None, kw_only=True)
    """Who is in the room, joined or invited; None when that is not known."""

    def in_room(self, user_id: str) -> bool:
        """Whether the member is in the room, as far as is known: someone who has left is not mentioned."""
        return self.present is None or user_id in self.present

    def display(self, user_id: str) -> str:
        """How people know a member: the display name, or the user id."""
        return self.names.get(user_id) or user_id


NameLookup = Callable[[str], Awaitable[MemberNames]]
"""The names of a room's members, by room id."""


async def no_names(room_id: str) -> MemberNames:
    """Knows no names: everyone is shown by user id."""
    return MemberNames()
