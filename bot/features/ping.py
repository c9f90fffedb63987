"""`!ping`: a liveness check."""

from __future__ import annotations

from bot import __version__
from bot.commands.context import Context
from bot.feature import Feature

feature = Feature("ping")

ping = feature.command("ping")


@ping.form()
async def _ping(ctx: Context) -> None:
    ctx.reply(ctx.cat.text("ping.reply", version=__version__))
