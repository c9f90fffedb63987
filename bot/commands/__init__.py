"""Bot commands: one module per feature, each registering into the shared registry."""

from bot.commands.registry import Registry

REGISTRY = Registry()

# Importing a feature module registers its commands.
from bot.commands import help, ping, schedule  # noqa: E402,F401
