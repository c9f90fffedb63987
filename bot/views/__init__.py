"""How the bot's messages read: text built from the catalogue, for commands and timed jobs alike. render.py turns
it into Matrix content."""
