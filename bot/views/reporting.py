"""The reporting nudge as the room reads it: which organisations have not reported before the meeting, how to
report, and their members by pill."""

from __future__ import annotations

from datetime import date

from bot.i18n import Catalogue, Text
from bot.i18n.dates import weekday_day_month
from bot.names import MemberNames


def report_nudge_text(
    series_name: str,
    meeting_day: date,
    silent: list[tuple[str, list[str]]],
    names: MemberNames,
    cat: Catalogue,
    commands: tuple[str, str],
    late: bool = False,
) -> Text:
    """`Inför Örat mot marken tisdag 1 december: Polisen och Räddningstjänsten har inte rapporterat än. …`, then a
    line per organisation with its members as pills. `commands` are the command to report and the one that says
    there is nothing."""
    report, nothing = commands
    when = weekday_day_month(meeting_day, cat)
    organisations = cat.join([name for name, _ in silent])
    key = "report_nudge.organisation" if len(silent) == 1 else "report_nudge.organisations"
    lines = [cat.text(key, name=series_name, day=when, organisations=organisations, report=report, nothing=nothing)]
    for organisation, members in silent:
        pills = [Text.mention(user_id, names.display(user_id)) for user_id in members]
        lines.append(Text.of(f"{organisation}: ") + Text.join(pills, ", "))
    if late:
        lines.insert(0, cat.text("reminder.late"))
    return Text.join(lines)
