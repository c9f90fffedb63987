"""Bot commands: one module per feature, each registering into the shared registry."""

from bot.commands.registry import Registry

REGISTRY = Registry()

# Importing a feature module registers its commands; help lists them in this order.
from bot.commands import help, ping, schedule, agenda, actions, meetings  # noqa: E402,F401,I001
from bot.reminders import SECTIONS  # noqa: E402

# Help lists the commands as the group uses them: before, during and after a meeting.
REGISTRY.arrange(
    ["help", "next", "agenda", "action", "actions", "done", "meeting", "here", "decision", "minutes", "schedule"]
)

# What a reminder says after naming the meeting: the agenda so far, then the actions due by then.
SECTIONS.extend([agenda.agenda_section, actions.actions_section])
