"""Swedish messages (the default language)."""

MESSAGES: dict[str, str] = {
    "usage": "Användning: `{usage}`",
    "unknown_command": "Okänt kommando `{prefix}{word}`. Skriv `{prefix}hjälp` för att se vad jag kan.",
    "internal_error": "Något gick fel när jag skulle utföra kommandot. Felet är loggat (händelse {event_id}).",
    "undecryptable": (
        "Jag kunde inte dekryptera ditt meddelande, så jag vet inte vad du bad om. "
        "Din klient har inte delat krypteringsnyckeln med mig; skicka gärna kommandot igen om en stund."
    ),
    "commands_forbidden": (
        "Jag behöver behörighetsnivå {needed} i rummet för att visa mina kommandon som snedstreckskommandon "
        "(jag har {have}). Kommandon som börjar med `{prefix}` fungerar ändå."
    ),
    "help.header": "Kommandon:",
    "help.line": "`{usage}` — {summary}",
    "help.line_alias": "`{usage}` (`{alias}`) — {summary}",
    "help.aliases": "Även: {aliases}",
    "help.footer": "Skriv `{prefix}hjälp <kommando>` för mer om ett kommando.",
    "help.unknown": "Det finns inget kommando som heter `{word}`. Skriv `{prefix}hjälp` för att se alla.",
    "cmd.help.args": "[kommando]",
    "cmd.help.summary": "Visar kommandona, eller hur ett kommando används.",
    "cmd.help.var.command": "Kommandot du vill veta mer om",
    "cmd.ping.args": "",
    "cmd.ping.summary": "Svarar om jag är igång.",
    "ping.reply": "Pong! Jag är igång (samverkan-bot {version}).",
}
