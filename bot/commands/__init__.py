"""The command layer: recognising a command in a message, declaring commands, and running them."""
