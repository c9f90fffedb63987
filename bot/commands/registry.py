"""Command registry: commands declared with a decorator, found by their exact name or alias."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.commands.context import Context
    from bot.i18n import Catalogue

Handler = Callable[["Context", str], Awaitable[None]]

SLASH_VARIABLE = re.compile(r"\{([^{}]+)\}")


@dataclass(frozen=True)
class Command:
    name: str
    aliases: tuple[str, ...]
    handler: Handler
    slash: tuple[str, ...]
    """MSC4332 syntaxes without the sigil, e.g. `help {command}`; `{name}` is a variable."""

    @property
    def words(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    def args(self, cat: Catalogue) -> str:
        return cat.raw(f"cmd.{self.name}.args")

    def usage(self, cat: Catalogue, prefix: str) -> str:
        return f"{prefix}{self.name} {self.args(cat)}".strip()

    def summary(self, cat: Catalogue) -> str:
        return cat.raw(f"cmd.{self.name}.summary")

    def slash_variables(self) -> list[str]:
        names: list[str] = []
        for syntax in self.slash:
            names += [name for name in SLASH_VARIABLE.findall(syntax) if name not in names]
        return names


class Registry:
    def __init__(self) -> None:
        self._commands: dict[str, Command] = {}
        self._by_word: dict[str, Command] = {}

    def command(
        self, name: str, *, aliases: tuple[str, ...] = (), slash: tuple[str, ...] | None = None
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            command = Command(name, aliases, handler, slash if slash is not None else (name,))
            for word in command.words:
                key = word.casefold()
                if key in self._by_word:
                    raise ValueError(f"command word {word!r} registered twice")
                self._by_word[key] = command
            self._commands[name] = command
            return handler

        return register

    def arrange(self, names: list[str]) -> None:
        """Fix the order `!help` lists the commands in; commands not named keep their place after these."""
        first = {name: self._commands[name] for name in names}
        self._commands = {**first, **{n: c for n, c in self._commands.items() if n not in first}}

    def find(self, word: str) -> Command | None:
        return self._by_word.get(word.casefold())

    def __iter__(self) -> Iterator[Command]:
        return iter(self._commands.values())
