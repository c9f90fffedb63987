"""Recognising a command in a message: by prefix, by mentioning the bot, or by an MSC4332 command block."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Literal

from bot.commands.message import IncomingMessage
from bot.commands.registry import SLASH_VARIABLE

# A command word is letters (any script, so `hjälp` works) and inner hyphens; `!!`, `!5` or `! hej` are not commands.
WORD = re.compile(r"^([^\W\d_][\w-]*)(?:\s+|$)", re.UNICODE)


@dataclass(frozen=True)
class Invocation:
    word: str
    args: str
    prefix: str
    """The prefix to show in hints: the one used, or the first configured one."""
    via: Literal["prefix", "mention", "slash"]


def _split(text: str, prefix: str, via: Literal["prefix", "mention", "slash"]) -> Invocation | None:
    match = WORD.match(text)
    if match is None:
        return None
    return Invocation(match.group(1), text[match.end() :].strip(), prefix, via)


def _from_block(block: dict[str, Any]) -> str | None:
    syntax = block.get("syntax")
    variables = block.get("variables") or {}
    if not isinstance(syntax, str) or not isinstance(variables, dict):
        return None
    return SLASH_VARIABLE.sub(lambda m: str(variables.get(m.group(1), "")), syntax).strip()


def recognise(
    message: IncomingMessage, prefixes: tuple[str, ...], bot_user_id: str, bot_names: tuple[str, ...]
) -> Invocation | None:
    """The command in a message, or None when the message is not addressed to the bot."""
    if message.command_block is not None:
        if message.mentions and bot_user_id not in message.mentions:
            return None  # a slash command meant for another bot
        line = _from_block(message.command_block)
        if line:
            return _split(line, prefixes[0], "slash")
    # NFC, so "hjälp" typed as a + combining diaeresis is still the word hjälp.
    body = unicodedata.normalize("NFC", message.body).strip()
    for prefix in sorted(prefixes, key=len, reverse=True):
        if body.startswith(prefix):
            return _split(body[len(prefix) :], prefix, "prefix")
    for name in sorted({n for n in (bot_user_id, *bot_names) if n}, key=len, reverse=True):
        match = re.match(rf"^{re.escape(name)}\s*([:,])?\s+", body, re.IGNORECASE)
        # "samverkan-bot: hjälp", or a pill that mentions the bot; not "samverkan-bot is great".
        if match and (match.group(1) or bot_user_id in message.mentions):
            rest = body[match.end() :]
            for prefix in prefixes:
                rest = rest.removeprefix(prefix)
            return _split(rest, prefixes[0], "mention")
    return None
