"""The MSC4332 state event that advertises the bot's commands as slash commands, in the room's language, generated
from the commands' declared forms."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from bot.commands.registry import Registry
from bot.i18n import Catalogue

EVENT_TYPE = "org.matrix.msc4332.commands"
COMMAND_BLOCK = "org.matrix.msc4332.command"


def _text(body: str) -> dict[str, Any]:
    return {"m.text": [{"body": body}]}


def commands_content(registry: Registry, cat: Catalogue, sigil: str) -> dict[str, Any]:
    commands = []
    for command in registry:
        for syntax in command.slash():
            variables = {
                name: _text(cat.raw(f"cmd.{command.name}.var.{name}"))
                for name in command.slash_variables()
                if f"{{{name}}}" in syntax
            }
            commands.append({"syntax": syntax, "variables": variables, "description": _text(command.summary(cat))})
    return {"sigil": sigil, "commands": commands}


def digest(content: dict[str, Any]) -> str:
    """Identifies what was advertised, so a room is only updated when the commands change."""
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
