"""Product policy: the times and limits the bot works by, each named once. Those a group may reasonably want to
change are settings (bot/settings.py), with these as their defaults."""

from __future__ import annotations

from datetime import time, timedelta

# Meetings.
DEFAULT_REMINDERS = (timedelta(days=1), timedelta(hours=1))
"""Reminders of a series made by command; a seeded series says its own."""
DEFAULT_DURATION = timedelta(minutes=30)
MAX_REMINDER_BEFORE = timedelta(days=28)
NEAR_SCHEDULED = timedelta(hours=3)
"""A meeting started this long before or after a scheduled one is that one; otherwise it is ad hoc."""
AD_HOC_LENGTH = timedelta(hours=1)
CLOSE_AFTER = timedelta(hours=3)
"""A meeting left open is closed this long after its planned end (setting `meeting_close_after`)."""

# Edits.
EDIT_WINDOW = timedelta(minutes=10)
"""A command edited (or deleted) this long after it ran still changes (or removes) what it created; later, the reply
says how to change it instead."""

# Timed messages.
ON_TIME = timedelta(minutes=2)
"""A reminder or nudge sent within this of its time is on time; later, it says it is late."""
NUDGE_AT = time(8, 0)
"""Owners are nudged at this local time on the working day before an action is due (setting `nudge_at`)."""
REPORT_NUDGE_AT = time(12, 0)
"""The organisations that have not reported are nudged at this local time on the working day before a meeting, unless
the series says another time."""
SITUATION_AT = time(12, 0)
"""A series without reminders has its situation picture posted at this local time on the working day before a
meeting (one with reminders: with the first), unless the series says another time."""
AGREEMENT_STATUS_MONTHS = 3
"""The yearly agreement's status is posted after each part of its period this many months long (a quarter)…"""
AGREEMENT_POST_AT = time(9, 0)
"""…at this local time on the day after the part ends; the reminder to prepare the next agreement too…"""
AGREEMENT_PREPARE_BEFORE = timedelta(days=30)
"""…this long before the period's last day."""
LONGEST_AGREEMENT = timedelta(days=2 * 366)
"""An agreement's period is usually a calendar year; longer than two is a typo."""
PURGE_AT = time(3, 30)
"""When, local time, the daily purge runs once a retention period is set (setting `[retention] purge_at`)."""
JOB_RETRY = timedelta(minutes=1)
"""A timed job that failed runs again after this."""

# Text people write.
MAX_TEXT = 2000
"""An agenda item, an action, a decision, a note or a comment."""
MAX_NAME = 200
"""A series' name or place."""
MAX_ORGANISATION = 100
MAX_PLACE = 100
"""An area's or an observation category's name."""

# Names people write.
NEAR_MISS = 0.75
"""How alike a misspelt word must be to a command word, an organisation, an area or a category for "did you mean"
(difflib's ratio)."""

# What a message holds.
MAX_BODY = 4000
"""A reply stays readable, and well under the homeserver's 64 KiB event limit even when encrypted (base64 grows it
by a third)."""
LIST_BUDGET = MAX_BODY // 3
"""A cut list takes at most a third of a message: a reply holds at most two lists and some lines around them."""
HISTORY_BUDGET = MAX_BODY // 2
"""An action's history keeps its newest changes within this; the older ones are counted."""
ECHO_LENGTH = 200
"""How much of a removed item's text the reply repeats."""

# What is kept.
HANDLED_KEPT = timedelta(days=30)
"""Handled event ids are kept this long, to skip a replayed batch; older ones are forgotten at start."""
KEY_GRACE = timedelta(minutes=2)
"""An encrypted command waits this long for its room key before the sender is told (setting `key_grace_seconds`)."""

# Safety walks.
ATTACH_WINDOW = timedelta(minutes=2)
"""A photo or a location a member posts this long after their own point of a walk is attached to it, no reply needed."""
WALK_FOLLOWUP_MONTHS = 6
"""A follow-up walk is proposed this many months after a walk ends, unless the room sets another day."""
WALK_FOLLOWUP_AT = time(9, 0)
"""The local time on that day the room is reminded."""
