"""The one error hierarchy: a UserError's message is safe to show; anything else is a bug."""

from __future__ import annotations

from typing import Any


class UserError(Exception):
    """Something the user did wrong. Carries a catalogue key and its values, rendered in the room's language."""

    def __init__(self, key: str, **values: Any):
        super().__init__(key)
        self.key = key
        self.values = values


class UsageError(UserError):
    """The command was written wrongly; the reply adds a usage line: that of the form being run (the command
    layer sets it), or else that of the whole command."""

    def __init__(self, key: str, usage: Any = None, **values: Any):
        super().__init__(key, **values)
        self.usage = usage


class StateError(UserError):
    """What was asked does not fit how things stand (no meeting is running, the action is already closed): the
    command was written right, so the reply carries no usage line."""


class NotFoundError(UserError):
    """The thing the user named does not exist in this room."""


class ForbiddenError(UserError):
    """The user may not do this here."""


class StartupError(Exception):
    """The bot cannot start; the message is one clear line for the operator."""
