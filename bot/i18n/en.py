"""English messages."""

MESSAGES: dict[str, str] = {
    "usage": "Usage: `{usage}`",
    "unknown_command": "Unknown command `{prefix}{word}`. Write `{prefix}help` to see what I can do.",
    "internal_error": "Something went wrong while running the command. The error was logged (event {event_id}).",
    "undecryptable": (
        "I could not decrypt your message, so I do not know what you asked. "
        "Your client has not shared the encryption key with me; please send the command again in a moment."
    ),
    "commands_forbidden": (
        "I need power level {needed} in this room to offer my commands as slash commands "
        "(I have {have}). Commands starting with `{prefix}` work all the same."
    ),
    "help.header": "Commands:",
    "help.line": "`{usage}` — {summary}",
    "help.line_alias": "`{usage}` (`{alias}`) — {summary}",
    "help.aliases": "Also: {aliases}",
    "help.footer": "Write `{prefix}help <command>` for more about one command.",
    "help.unknown": "There is no command called `{word}`. Write `{prefix}help` to see them all.",
    "cmd.help.args": "[command]",
    "cmd.help.summary": "Lists the commands, or shows how one command is used.",
    "cmd.help.var.command": "The command you want to know more about",
    "cmd.ping.args": "",
    "cmd.ping.summary": "Answers if I am running.",
    "ping.reply": "Pong! I am running (samverkan-bot {version}).",
}
