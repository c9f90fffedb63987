"""`!ping`: a liveness check."""

from __future__ import annotations

from bot import __version__
from bot.commands import REGISTRY
from bot.commands.context import Context


@REGISTRY.command("ping")
async def ping_command(ctx: Context, args: str) -> None:
    ctx.reply(ctx.cat.text("ping.reply", version=__version__))
