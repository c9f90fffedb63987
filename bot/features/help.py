"""`!help [command]`: the command list, or the full usage of one command, generated from the declarations."""

from __future__ import annotations

from bot.commands.context import Context
from bot.commands.registry import Arg
from bot.feature import Feature
from bot.i18n import Text

feature = Feature("help")

help_command = feature.command("help", "hjälp", "hjalp")


@help_command.form(Arg("command", optional=True))
async def _help(ctx: Context, word: str | None) -> None:
    cat, prefix = ctx.cat, ctx.prefix
    if word:
        word = word.lstrip("".join(ctx.settings.command_prefix))
        command = ctx.registry.find(word)
        if command is None:
            ctx.reply(cat.text("help.unknown", word=word, prefix=prefix))
            return
        lines = [cat.text("usage", usage=command.usage(cat, prefix)), Text.of(command.summary(cat))]
        if command.aliases:
            aliases = ", ".join(f"{prefix}{alias}" for alias in command.aliases)
            lines.append(cat.text("help.aliases", aliases=aliases))
        ctx.reply(Text.join(lines))
        return
    lines = [cat.text("help.header")]
    for command in ctx.registry:
        usage, summary = command.usage(cat, prefix), command.summary(cat)
        if command.aliases:
            alias = prefix + command.aliases[0]
            lines.append(cat.text("help.line_alias", usage=usage, alias=alias, summary=summary))
        else:
            lines.append(cat.text("help.line", usage=usage, summary=summary))
    lines.append(cat.text("help.footer", prefix=prefix))
    ctx.reply(Text.join(lines))
