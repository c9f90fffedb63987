"""A room's areas (`!areas`) and observation categories (`!categories`): anyone lists them, moderators add, rename
and remove. The room gets the configured ones the first time it uses either list; a removed one keeps its reports.
A name is found as people write it (bot/matching.py), and a miss only gets "did you mean"."""

from __future__ import annotations

import re

from bot.commands.context import Context
from bot.commands.registry import Arg, Command, plain
from bot.errors import NotFoundError, StateError, UsageError
from bot.feature import Feature
from bot.i18n import Text
from bot.matching import find, normalise
from bot.parsing import checked_text
from bot.policy import MAX_PLACE
from bot.store.observation_lists import AREAS, CATEGORIES, Named, ObservationListRepo

feature = Feature("observation_lists")


async def room_lists(ctx: Context) -> tuple[list[Named], list[Named]]:
    """The room's areas and categories, given the configured ones if this is the first time it uses them."""
    defaults, room_id = ctx.settings.observations, ctx.message.room_id
    areas, categories = ObservationListRepo(ctx.tx, AREAS), ObservationListRepo(ctx.tx, CATEGORIES)
    await areas.seed(room_id, defaults.areas, defaults.categories, ctx.now)
    return await areas.in_room(room_id), await categories.in_room(room_id)


def missed(ctx: Context, table: str, written: str, suggestions: tuple[str, ...], names: list[Named]) -> NotFoundError:
    """The error for a name the list does not have: the names it may have meant, and the whole list."""
    every = ", ".join(n.name for n in names)
    if suggestions:
        either = ctx.cat.either(list(suggestions))
        return NotFoundError(f"{table}.did_you_mean", written=written, suggestions=either, names=every)
    return NotFoundError(f"{table}.no_such", written=written, names=every)


def leading_name(words: list[re.Match[str]], names: list[Named]) -> tuple[Named | None, int, tuple[str, ...]]:
    """The name the longest run of first words names, and how many words it took; or else what the first word
    (or the first two) may have meant."""
    by_name = {n.name: n for n in names}
    longest = max(len(name.split()) for name in by_name)  # a run longer than every name names none
    for count in range(min(len(words), longest), 0, -1):
        match = find(" ".join(w.group() for w in words[:count]), list(by_name))
        if match.found:
            return by_name[match.found], count, ()
    for count in (1, 2):
        if suggestions := find(" ".join(w.group() for w in words[:count]), list(by_name)).suggestions:
            return None, 0, suggestions
    return None, 0, ()


def pick(ctx: Context, table: str, written: str, names: list[Named]) -> Named:
    """The name in the list that the text names (case, diacritics and a unique beginning aside)."""
    match = find(written, [n.name for n in names])
    if match.found is None:
        raise missed(ctx, table, written, match.suggestions, names)
    return next(n for n in names if n.name == match.found)


def _name(text: str) -> str:
    return checked_text(" ".join(text.split()), MAX_PLACE)


async def _listed(ctx: Context, table: str) -> list[Named]:
    areas, categories = await room_lists(ctx)
    return areas if table == AREAS else categories


def _declare(command: Command, table: str) -> None:
    """The list and its changes, the same for areas and categories."""

    async def existing(ctx: Context, text: str) -> Named:
        return pick(ctx, table, " ".join(text.split()), await _listed(ctx, table))

    async def renaming(ctx: Context, text: str) -> tuple[Named, str]:
        """`<name> till <new name>`, or two words: the old name and the new."""
        parts = re.split(r"\s+(?:till|to)\s+", text.strip(), maxsplit=1, flags=re.IGNORECASE)
        if len(parts) != 2:
            parts = text.split()
        if len(parts) != 2:
            raise UsageError(f"{table}.rename_how")
        return await existing(ctx, parts[0]), _name(parts[1])

    @command.form()
    async def _show(ctx: Context) -> None:
        names = await _listed(ctx, table)
        if not names:
            add = f"{ctx.prefix}{command.sub_word('add', ctx.cat)}"
            ctx.reply(ctx.cat.text(f"{table}.none", command=add))
            return
        ctx.reply(Text.join([ctx.cat.text(f"{table}.header"), *(Text.of(n.name) for n in names)]))

    @command.sub("add", "nytt", "lägg", sv="ny", args=[Arg("name", plain(_name), rest=True)], moderator=True)
    async def _add(ctx: Context, name: str) -> None:
        names = await _listed(ctx, table)
        if taken := next((n for n in names if normalise(n.name) == normalise(name)), None):
            raise StateError(f"{table}.exists", name=taken.name)
        added = await ObservationListRepo(ctx.tx, table).add(ctx.message.room_id, name, ctx.now)
        ctx.reply(ctx.cat.text(f"{table}.added", name=added.name))

    @command.sub("rename", "byt", sv="byt namn", args=[Arg("names", renaming, rest=True)], moderator=True)
    async def _rename(ctx: Context, renamed: tuple[Named, str]) -> None:
        old, name = renamed
        names = await _listed(ctx, table)
        if taken := next((n for n in names if normalise(n.name) == normalise(name) and n.id != old.id), None):
            raise StateError(f"{table}.exists", name=taken.name)
        await ObservationListRepo(ctx.tx, table).rename(old, name)
        ctx.reply(ctx.cat.text(f"{table}.renamed", old=old.name, name=name))

    @command.sub("remove", "bort", "radera", "delete", sv="ta bort", args=[Arg("name", existing, rest=True)], moderator=True)
    async def _remove(ctx: Context, named: Named) -> None:
        await ObservationListRepo(ctx.tx, table).remove(named, ctx.message.sender, ctx.now)
        ctx.reply(ctx.cat.text(f"{table}.removed", name=named.name))


areas = feature.command("areas", "omraden", sv="områden", group="settings", unknown="parse.unknown")
_declare(areas, AREAS)
categories = feature.command("categories", sv="kategorier", group="settings", unknown="parse.unknown")
_declare(categories, CATEGORIES)
