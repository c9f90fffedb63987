"""A meeting reminder: the meeting, a warning if it falls on a day off, then what each feature adds."""

from __future__ import annotations

from collections.abc import Iterable

from bot.i18n import Text
from bot.reminders import ReminderContext, Section
from bot.views.occurrence import describe, holiday_warning


async def reminder_text(ctx: ReminderContext, late: bool, sections: Iterable[Section]) -> Text:
    cat = ctx.cat
    header = cat.text("reminder.late" if late else "reminder.header")
    parts = [header + Text.of(" ") + describe(ctx.series, ctx.occurrence, cat)]
    if warning := holiday_warning(ctx.series, ctx.occurrence, cat, ctx.prefix):
        parts.append(warning)
    for section in sections:
        if (text := await section(ctx)) is not None:
            parts.append(text)
    return Text.join(parts, "\n\n")
