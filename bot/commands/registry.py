"""Commands as declared: each is a list of forms (a subcommand word or none, and typed arguments), and from that
one declaration come the parser, the usage lines, `!help` and the MSC4332 entries, in both languages."""

from __future__ import annotations

import difflib
import inspect
import re
import unicodedata
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.errors import UsageError, UserError
from bot.policy import NEAR_MISS

if TYPE_CHECKING:
    from bot.commands.context import Context
    from bot.i18n import Catalogue, Text

Handler = Callable[..., Awaitable[None]]
Howto = Callable[["Context", int], Awaitable["Text"]]
Converter = Callable[["Context", str], Any]
"""Text to a typed value; raises a UsageError that says what was wrong. May be async (to read the room's data)."""

SLASH_VARIABLE = re.compile(r"\{([^{}]+)\}")


def text(ctx: Context, value: str) -> str:
    return value


def plain(parse: Callable[[str], Any]) -> Converter:
    """A converter that needs nothing but the text."""
    return lambda ctx, value: parse(value)


@dataclass(frozen=True)
class Arg:
    """One argument of a form: a word, or (`rest`) everything after the words before it, as written."""

    name: str
    convert: Converter = text
    rest: bool = False
    optional: bool = False
    missing: str = "parse.missing"
    """The user error when a required argument is not given."""
    flag: str | None = None
    """A word that may end the command (`confirm`): the argument is whether it was given. It comes last, and may
    follow a `rest` argument."""
    sv: str | None = None
    """The flag as a Swedish room is shown it (`bekräfta`); it works like the others, in either language."""
    aliases: tuple[str, ...] = ()

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(w for w in (self.flag, self.sv, *self.aliases) if w))

    def word(self, cat: Catalogue) -> str | None:
        """The flag in the catalogue's language."""
        return self.sv if cat.language == "sv" and self.sv else self.flag


@dataclass(frozen=True)
class Form:
    """One way to write a command: `!agenda add <text>` is the form `add` of `agenda` with the argument text."""

    command: Command
    sub: str | None
    sv: str | None
    """The subcommand word a Swedish room is shown (`ny` for `add`); it works like the others."""
    aliases: tuple[str, ...]
    args: tuple[Arg, ...]
    handler: Handler
    moderator: bool = False

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(w for w in (self.sub, self.sv, *self.aliases) if w))

    @property
    def id(self) -> str:
        """Names the form in the catalogue: its subcommand, or its arguments but a flag (`show` for none)."""
        return self.sub or "_".join(arg.name for arg in self.args if not arg.flag) or "show"

    def word(self, cat: Catalogue) -> str | None:
        """The subcommand word shown in the catalogue's language."""
        return self.sv if cat.language == "sv" and self.sv else self.sub

    def label(self, cat: Catalogue) -> str:
        """`ny <text>`: the form as help and usage lines show it, in the catalogue's language."""
        word = self.word(cat)
        parts = [word] if word else []
        parts += [cat.raw(f"cmd.{self.command.name}.arg.{arg.name}") for arg in self.args]
        return " ".join(parts)

    def usage(self, cat: Catalogue, prefix: str) -> str:
        return f"{prefix}{self.command.word(cat)} {self.label(cat)}".strip()

    def example(self, cat: Catalogue, prefix: str) -> str | None:
        """`!dagordning ny Klotter vid busstationen`; None for a form without arguments, its usage is example enough."""
        if not self.args:
            return None
        return f"{prefix}{self.command.word(cat)} {cat.raw(f'cmd.{self.command.name}.ex.{self.id}')}"

    def slash(self) -> list[str]:
        """MSC4332 syntaxes: the required arguments, and all of them when some are optional."""
        head = [self.command.name, *([self.sub] if self.sub else [])]
        required = [f"{{{a.name}}}" for a in self.args if not (a.optional or a.flag)]
        every = [f"{{{a.name}}}" for a in self.args]
        return [" ".join(head + required)] + ([" ".join(head + every)] if every != required else [])


def _norm(word: str) -> str:
    return unicodedata.normalize("NFC", word).casefold()


GROUPS = ("before", "during", "after", "settings", "other")
"""How `!help` groups the commands: the way a meeting runs, settings last."""


@dataclass(eq=False)
class Command:
    name: str
    sv: str | None
    """The command word a Swedish room is shown (`dagordning` for `agenda`); it works like the others."""
    aliases: tuple[str, ...]
    unknown: str
    """The user error when the text fits no form; it gets the first word as {word}."""
    group: str = "other"
    selector: Arg | None = None
    """An optional argument before the subcommand word (`!schedule 2 skip …`: which series)."""
    fallback: bool = False
    """A subcommand word whose first argument does not read is text for the plain forms: `!action edit the
    guidelines` logs an action about editing the guidelines."""
    forms: list[Form] = field(default_factory=list)
    edits: dict[str, Edits] = field(default_factory=dict)
    """How an edit or a redaction of a command reaches what it created, by the form's id."""

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(w for w in (self.name, self.sv, *self.aliases) if w))

    def word(self, cat: Catalogue) -> str:
        return self.sv if cat.language == "sv" and self.sv else self.name

    # Declaring.

    def sub(
        self, name: str, *aliases: str, sv: str | None = None, args: Iterable[Arg] = (), moderator: bool = False
    ) -> Callable[[Handler], Handler]:
        """A subcommand, with the word a Swedish room is shown; an alias may be two words (`ta bort`)."""
        return self._add(name, sv, aliases, tuple(args), moderator)

    def form(self, *args: Arg, moderator: bool = False) -> Callable[[Handler], Handler]:
        """A form without a subcommand word; these are tried in the order declared, after the subcommands."""
        return self._add(None, None, (), args, moderator)

    def _add(self, sub: str | None, sv: str | None, aliases: tuple[str, ...], args: tuple[Arg, ...], moderator: bool):
        def register(handler: Handler) -> Handler:
            self.forms.append(Form(self, sub, sv, aliases, args, handler, moderator))
            return handler

        return register

    def follows_edits(self, form_id: str, howto: Howto) -> Callable[[Handler], Handler]:
        """The form's commands can be edited for a while: the handler gets the context (its message is the edit), what
        the command created (the ref its handler gave ctx.created) and the edit's arguments; it changes that, and
        replies as the command's reply would read now. `howto` says how to change it instead, once the edit comes too
        late."""

        def register(handler: Handler) -> Handler:
            self.edits[form_id] = Edits(handler, howto)
            return handler

        return register

    def follows_redactions(self, form_id: str) -> Callable[[Handler], Handler]:
        """A redacted command of the form: the handler gets the context (its message is the redaction), what the
        command created (its ref), and whether the redaction came too late to undo it; it may remove it, and say so,
        never repeating what was redacted."""

        def register(handler: Handler) -> Handler:
            edits = self.edits[form_id]
            self.edits[form_id] = Edits(edits.edit, edits.howto, handler)
            return handler

        return register

    def form_by_id(self, form_id: str) -> Form | None:
        return next((form for form in self.forms if form.id == form_id), None)

    # What people read.

    def args(self, cat: Catalogue) -> str:
        """`[ny <text> | ta bort <nummer>]`; an optional part every form ends with is said once, at the end:
        `[öppna | mina | alla] [från <nummer>]`."""
        labels = [form.label(cat) for form in self.forms]
        tail = _common_tail(labels)
        if tail:
            labels = [label.removesuffix(tail).strip() for label in labels]
        shown = [label for label in labels if label]
        listed = "[" + " | ".join(shown) + "]" if len(shown) < len(labels) and shown else " | ".join(shown)
        return f"{listed} {tail}".strip()

    def usage(self, cat: Catalogue, prefix: str) -> str:
        return f"{prefix}{self.word(cat)} {self.args(cat)}".strip()

    def summary(self, cat: Catalogue) -> str:
        return cat.raw(f"cmd.{self.name}.summary")

    def slash(self) -> list[str]:
        return [syntax for form in self.forms for syntax in form.slash()]

    def sub_word(self, sub: str, cat: Catalogue) -> str:
        """`!dagordning från`: the command with one of its subcommands, in the catalogue's language."""
        form = next(f for f in self.forms if f.sub == sub)
        return f"{self.word(cat)} {form.word(cat)}"

    def slash_variables(self) -> list[str]:
        return list(dict.fromkeys(arg.name for form in self.forms for arg in form.args))

    # Running.

    async def run(self, ctx: Context, text: str) -> Form:
        """Find the form the text is written in, convert its arguments, and run its handler; the form that ran. A
        usage error, from a converter or the handler, carries the form's usage line."""
        values: list[Any] = []
        if self.selector is not None:
            head, rest = _first_word(text)
            if head and head.isdigit():
                values.append(await _convert(self.selector, ctx, head))
                text = rest
                if not text:
                    raise UsageError(self.unknown, word=head)
            else:
                values.append(None)
        form, converted = await self.parse(ctx, text)
        try:
            await form.handler(ctx, *values, *converted)
        except UsageError as error:
            error.usage = error.usage or form
            raise
        return form

    async def parse(self, ctx: Context, text: str) -> tuple[Form, list[Any]]:
        """The form the text is written in, and its arguments converted."""
        subs = [f for f in self.forms if f.sub]
        plain = [f for f in self.forms if not f.sub]
        failed: UsageError | None = None
        head, rest = _first_word(text)
        matched = next(((f, after) for f in subs if (after := _after_word(text, f.words)) is not None), None)
        if matched is not None:
            form, after = matched
            try:
                return form, await _arguments(form, ctx, after, first_may_fail=self.fallback)
            except _FirstFailed as first:
                failed = first.error  # `!action edit the guidelines` is an action about the guidelines
        elif head and ctx.registry.find(head) not in (None, self) and rest[:1].isdigit():
            # `!åtgärd klar 3` is `!klar 3`, not an action with the text "klar 3".
            raise UserError("parse.did_you_mean", suggestion=f"{ctx.prefix}{head} {rest}".strip())
        tried: UsageError | None = None
        for form in plain:
            if not form.args and text and len(self.forms) > 1:
                continue  # `!agenda foo` is no way to show the agenda; `!ping foo` still pings
            try:
                return form, await _arguments(form, ctx, text, first_may_fail=False)
            except UsageError as error:
                tried = error  # the last form tried is the one the text was most likely meant for
        if tried or failed:
            raise tried or failed
        words = {_norm(w): w for f in subs for w in f.words if len(w.split()) == 1}
        near = difflib.get_close_matches(_norm(head), words, n=1, cutoff=NEAR_MISS)
        if near:
            # `!möte stäg` is `!möte stäng`; only suggested, never run.
            suggestion = f"{ctx.prefix}{self.word(ctx.cat)} {words[near[0]]} {rest}".strip()
            raise UserError("parse.did_you_mean", suggestion=suggestion)
        raise UsageError(self.unknown, word=head, value=text.strip())


def _common_tail(labels: list[str]) -> str:
    """The optional part (`[från <nummer>]`) that every one of several labels ends with, or ""."""
    if len(labels) < 2 or not labels[0].endswith("]"):
        return ""
    tail = labels[0][labels[0].rfind("[") :]
    return tail if all(label == tail or label.endswith(" " + tail) for label in labels) else ""


@dataclass(frozen=True)
class Edits:
    """What follows an edit of a form's command, and a redaction of it (see Command.follows_edits)."""

    edit: Handler
    howto: Howto
    redaction: Handler | None = None


class _FirstFailed(Exception):
    def __init__(self, error: UsageError):
        self.error = error


_WORD = re.compile(r"\s*(\S+)\s*(.*)", re.DOTALL)


def _first_word(text: str) -> tuple[str, str]:
    """The first word and the text after it, as written (line breaks kept)."""
    match = _WORD.fullmatch(text)
    return (match.group(1), match.group(2)) if match else ("", "")


_LAST_WORD = re.compile(r"(.*?)\s*(\S+)\s*", re.DOTALL)


def _before_flag(text: str, arg: Arg) -> str | None:
    """The text before the flag it ends with (`… bekräfta`), as written; None when it does not end with it."""
    match = _LAST_WORD.fullmatch(text)
    if match is None or _norm(match.group(2)) not in {_norm(word) for word in arg.words}:
        return None
    return match.group(1)


def _after_word(text: str, words: tuple[str, ...]) -> str | None:
    """The text after a subcommand word (the longest that fits), or None."""
    for word in sorted(words, key=lambda w: len(w.split()), reverse=True):
        pattern = r"\s*" + r"\s+".join(re.escape(part) for part in word.split()) + r"(?:\s+|$)(.*)"
        match = re.fullmatch(pattern, text, re.IGNORECASE | re.DOTALL)
        if match:
            return match.group(1)
    return None


async def _convert(arg: Arg, ctx: Context, value: str) -> Any:
    result = arg.convert(ctx, value)
    return await result if inspect.isawaitable(result) else result


async def _arguments(form: Form, ctx: Context, text: str, first_may_fail: bool) -> list[Any]:
    """The form's arguments from the text: split first (so text left over means this is not the form), then
    converted in order. A flag that ends the text is taken off it first."""
    if form.moderator:
        ctx.require_moderator()
    args, flagged = form.args, None
    if form.args and form.args[-1].flag:
        args = form.args[:-1]
        before = _before_flag(text, form.args[-1])
        flagged, text = (False, text) if before is None else (True, before)
    raws: list[str] = []
    rest = text
    for arg in args:
        if arg.rest:
            raw, rest = rest.strip(), ""
        else:
            raw, rest = _first_word(rest)
        raws.append(raw)
    if rest.strip() and (form.args or form.sub):
        extra = UsageError("parse.extra", usage=form, value=rest.strip())
        raise _FirstFailed(extra) if first_may_fail else extra
    values: list[Any] = []
    for index, (arg, raw) in enumerate(zip(args, raws)):
        try:
            if not raw:
                if not arg.optional:
                    raise UsageError(arg.missing)
                values.append(None)
                continue
            values.append(await _convert(arg, ctx, raw))
        except UsageError as error:
            error.usage = error.usage or form
            if index == 0 and first_may_fail:
                raise _FirstFailed(error) from None
            raise
    return values if flagged is None else [*values, flagged]


class Registry:
    def __init__(self, commands: Iterable[Command] = ()) -> None:
        self._commands: dict[str, Command] = {}
        self._by_word: dict[str, Command] = {}
        for command in commands:
            self.add(command)

    def add(self, command: Command) -> None:
        if command.name in self._commands:
            raise ValueError(f"command {command.name!r} declared twice")
        for word in command.words:
            key = _norm(word)
            if key in self._by_word:
                raise ValueError(f"command word {word!r} registered twice")
            self._by_word[key] = command
        self._commands[command.name] = command

    def arrange(self, names: Iterable[str]) -> None:
        """Fix the order `!help` lists the commands in; commands not named keep their place after these."""
        first = {name: self._commands[name] for name in names if name in self._commands}
        self._commands = {**first, **{n: c for n, c in self._commands.items() if n not in first}}

    def find(self, word: str) -> Command | None:
        return self._by_word.get(_norm(word))

    def near(self, word: str) -> str | None:
        """The command word most like a misspelt one (`dagordnig`: `dagordning`), if one is close enough."""
        found = difflib.get_close_matches(_norm(word), self._by_word, n=1, cutoff=NEAR_MISS)
        return found[0] if found else None

    def __iter__(self) -> Iterator[Command]:
        return iter(self._commands.values())
