"""What a command handler gets: the message, the open transaction, settings, language, and a way to reply."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.commands.message import IncomingMessage
from bot.commands.registry import Registry
from bot.feature import Effects
from bot.i18n import Catalogue, Text
from bot.permissions import RoomView
from bot.render import Mentions
from bot.settings import Settings
from bot.store.db import Connection


@dataclass(frozen=True)
class Reply:
    text: Text
    mentions: Mentions = Mentions()


@dataclass
class Context:
    message: IncomingMessage
    tx: Connection
    settings: Settings
    cat: Catalogue
    clock: Clock
    registry: Registry
    prefix: str
    room: RoomView
    replies: list[Reply] = field(default_factory=list)
    effects: Effects = field(default_factory=Effects)
    """Events and job wakes that follow once the transaction commits."""
    made: int | None = None
    """What the command created (see created)."""
    files: list[tuple[dict[str, Any], bytes]] = field(default_factory=list)
    """Files to post after the replies: an m.file message (render.file_message) and its bytes."""

    def reply(self, text: Text, mentions: Mentions = Mentions()) -> None:
        """Queue a reply; it is stored with the command's effects and sent after they commit."""
        self.replies.append(Reply(text, mentions))

    def attach(self, content: dict[str, Any], data: bytes) -> None:
        """Queue a file after the replies (a report as a Markdown file), stored with them: sent once, in order."""
        self.files.append((content, data))

    def created(self, ref: int) -> None:
        """Remember what the command created (an id, or an action's number), so an edit or a redaction of the command
        can reach it."""
        self.made = ref

    def require_moderator(self) -> None:
        self.room.require(self.message.sender, self.settings.moderator_level)

    @property
    def now(self) -> datetime:
        return self.clock.now()

    @property
    def zone(self) -> ZoneInfo:
        """The bot's zone, for what belongs to no series (actions' due dates)."""
        return self.settings.zone

    @property
    def today(self) -> date:
        return self.now.astimezone(self.zone).date()
