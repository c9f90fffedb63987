"""`!help [command]`: the commands grouped the way a meeting runs, or how one command is written, with an example
of each form; all of it generated from the declarations, in the room's language."""

from __future__ import annotations

from functools import lru_cache

from bot.commands.context import Context
from bot.commands.registry import GROUPS, Arg, Command, Registry
from bot.feature import Feature
from bot.i18n import Catalogue, Text

feature = Feature("help")

help_command = feature.command("help", "hjalp", sv="hjälp")


def _details(command: Command, cat: Catalogue, prefix: str) -> Text:
    """The summary, each form with an example, and the other words the command answers to."""
    lines = [Text.of(command.summary(cat))]
    for form in command.forms:
        usage, example = form.usage(cat, prefix), form.example(cat, prefix)
        key = "help.form_example" if example else "help.form"
        lines.append(cat.text(key, usage=usage, example=example))
    # Other spellings that work, in the room's language: a Swedish room is not taught the English word.
    other_language = command.name if cat.language == "sv" else command.sv
    others = [f"{prefix}{word}" for word in command.words if word not in (command.word(cat), other_language)]
    if others:
        lines.append(cat.text("help.aliases", aliases=", ".join(others)))
    return Text.join(lines)


@help_command.form(Arg("command", optional=True))
async def _help(ctx: Context, word: str | None) -> None:
    cat, prefix = ctx.cat, ctx.prefix
    if word:
        word = word.lstrip("".join(ctx.settings.command_prefix))
        command = ctx.registry.find(word)
        if command is None:
            ctx.reply(cat.text("help.unknown", word=word, prefix=prefix))
        else:
            ctx.reply(_details(command, cat, prefix))
        return
    ctx.reply(_overview(ctx.registry, cat, prefix))


@lru_cache(maxsize=8)
def _overview(registry: Registry, cat: Catalogue, prefix: str) -> Text:
    """Every command by group. The same for every `!help` the bot answers (its commands and language are fixed
    while it runs), so it is built once."""
    blocks = [cat.text("help.header")]
    for group in GROUPS:
        lines = [
            cat.text("help.command", command=f"{prefix}{command.word(cat)}", summary=command.summary(cat))
            for command in registry
            if command.group == group
        ]
        if lines:
            blocks.append(Text.join([cat.text(f"help.group.{group}"), *lines]))
    blocks.append(cat.text("help.footer", prefix=prefix))
    return Text.join(blocks, "\n\n")
