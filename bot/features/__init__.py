"""The features the bot runs, in the order their reminder sections appear. A new feature is a new module here
and one line in FEATURES."""

from __future__ import annotations

from bot.feature import Features
from bot.features import (
    actions,
    agenda,
    agreement,
    help,
    meetings,
    observation_lists,
    observations,
    organisations,
    ping,
    reporting,
    retention,
    series,
    situation,
    walks,
)

FEATURES = Features(
    [
        help.feature,
        series.feature,
        agenda.feature,
        actions.feature,
        meetings.feature,
        organisations.feature,
        observation_lists.feature,
        observations.feature,
        situation.feature,
        reporting.feature,
        agreement.feature,
        walks.feature,
        retention.feature,
        ping.feature,
    ],
    # `!help` lists the commands as the group uses them: before, during and after a meeting.
    help_order=[
        "help", "next", "report", "reports", "situation", "agenda", "action", "actions", "done", "meeting", "here", "decision",
        "minutes", "schedule", "org", "areas", "categories", "agreement",
    ],  # fmt: skip
)
