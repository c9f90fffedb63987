"""Reminders in a real room: on time and once, late once after downtime, once across SIGKILL,
schedule changes by command taking effect at once, and a cancelled meeting staying cancelled when the
schedule is set again (a new one that would drop it asks first, across a restart too)."""

from __future__ import annotations

import asyncio
import signal
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.localclient import content_of
from bot.parsing import parse_offsets
from bot.schedule import occurrences, parse_schedule
from bot.store.db import Database
from bot.store.series import SeriesRepo
from tests.conftest import unique
from tests.integration.helpers import (
    LEAD,
    SET_UP,
    BotProcess,
    JobWatch,
    ShiftedClock,
    ask,
    barrier,
    next_local,
    room_with_bot,
)
from tests.integration.test_process import bot_env

pytestmark = pytest.mark.integration

STOCKHOLM = ZoneInfo("Europe/Stockholm")
TUESDAY, WEDNESDAY = 1, 2
NINE = time(9, 0)
HOUR = timedelta(hours=1)


def reminders_in(user, room_id, bot_id, marker="Påminnelse:"):
    return [e for e in user.messages_from(room_id, bot_id) if content_of(e).get("body", "").startswith(marker)]


def next_weeks_meeting() -> datetime:
    """Next week's Tuesday 09:00: the reminder an hour before it is the one the tests watch."""
    return next_local(TUESDAY, NINE, STOCKHOLM, datetime.now(timezone.utc) + timedelta(days=7))


async def test_reminder_is_posted_once_on_time(make_bot, make_user, make_room):
    meeting = next_weeks_meeting()
    clock = ShiftedClock(meeting - HOUR - SET_UP)
    bot = make_bot(clock=clock)
    user = await make_user()
    room_id = await room_with_bot(bot, user, make_room)

    content = await ask(user, room_id, "!schema weekly tisdag 09:00")  # the room's creator is a moderator
    assert content["body"].startswith("Schemat för ")
    assert "tisdag" in content["body"] and "kl. 09.00 (vecka" in content["body"]
    jobs = JobWatch(bot)
    clock.set(meeting - HOUR - LEAD)
    await ask(user, room_id, "!schema reminders 1h")  # scheduled anew, on the clock as it is now

    await user.wait_for(lambda: reminders_in(user, room_id, bot.user_id), timeout=30)
    arrived = clock.now()
    await jobs.idle()  # a second copy would come from a job that runs again
    await barrier(user, room_id)
    [reminder] = reminders_in(user, room_id, bot.user_id)
    body = content_of(reminder)["body"]
    local = meeting.astimezone(STOCKHOLM)
    assert f"kl. 09.00 (vecka {local.isocalendar().week})" in body
    assert f"tisdag {local.day} " in body
    assert content_of(reminder)["m.mentions"] == {}
    assert meeting - HOUR <= arrived < meeting - HOUR + timedelta(seconds=10)


async def test_schedule_changed_by_command_takes_effect_without_restart(make_bot, make_user, make_room):
    meeting = next_weeks_meeting()
    clock = ShiftedClock(meeting - HOUR - SET_UP)
    bot = make_bot(clock=clock)
    user = await make_user()
    room_id = await room_with_bot(bot, user, make_room)
    await ask(user, room_id, "!schema weekly onsdag 09:00")  # nothing due for a day
    await ask(user, room_id, "!schema reminders 1h")
    jobs = JobWatch(bot)
    clock.set(meeting - HOUR - LEAD)

    await ask(user, room_id, "!schema weekly tisdag 09:00")  # now one is due in seconds

    await user.wait_for(lambda: reminders_in(user, room_id, bot.user_id), timeout=30)
    await jobs.idle()
    await barrier(user, room_id)
    assert len(reminders_in(user, room_id, bot.user_id)) == 1


async def test_down_across_the_reminder_sends_one_late_reminder(make_bot, make_user, make_room):
    meeting = next_weeks_meeting()
    clock = ShiftedClock(meeting - HOUR - SET_UP)  # the bot is stopped before the 1h reminder, however slow set-up is
    bot = make_bot(clock=clock)
    user = await make_user()
    room_id = await room_with_bot(bot, user, make_room)
    await ask(user, room_id, "!schema weekly tisdag 09:00")
    await ask(user, room_id, "!schema reminders 1d 1h")
    await bot.stop()

    clock.set(meeting - HOUR + timedelta(minutes=10))  # the 1h reminder fell due while the bot was away
    await bot.start()  # it decides and sends the late reminder before it returns

    await user.wait_for(lambda: reminders_in(user, room_id, bot.user_id, "Försenad påminnelse"), timeout=30)
    await JobWatch(bot).idle()
    await barrier(user, room_id)
    assert len(reminders_in(user, room_id, bot.user_id, "Försenad påminnelse")) == 1
    assert reminders_in(user, room_id, bot.user_id) == []  # no on-time copy either

    await bot.stop()
    await bot.start()  # and a restart does not send it again
    await JobWatch(bot).idle()
    await barrier(user, room_id)
    assert len(reminders_in(user, room_id, bot.user_id, "Försenad påminnelse")) == 1


async def test_sigkill_right_after_a_reminder_fell_due_leaves_one_reminder(tmp_path, homeserver, make_user, make_room):
    bot = BotProcess(homeserver, tmp_path, bot_env)
    bot_id, data_dir = bot.user_id, bot.data_dir
    user = await make_user()
    room_id = make_room(user, invite=[bot_id], power_users={bot_id: 50})

    def start_bot():
        return bot.start(asyncio.subprocess.PIPE)

    process = await start_bot()
    await user.wait_for_member(room_id, bot_id)
    process.send_signal(signal.SIGTERM)
    await asyncio.wait_for(process.communicate(), 30)

    # With the bot stopped, a meeting an hour and a few seconds ahead, reminded an hour before.
    now = datetime.now(timezone.utc)
    db = await Database.open(data_dir)
    async with db.transaction() as tx:
        repo = SeriesRepo(tx)
        schedule = parse_schedule(["weekly", "tuesday", "09:00"], now.date())
        series_id = await repo.create(
            room_id=room_id, name="Örat mot marken", schedule=schedule, anchor=now.date(),
            duration=timedelta(minutes=30), location="Stadshuset", reminders=parse_offsets(["1h"]),
            zone=STOCKHOLM, now=now,
        )  # fmt: skip
        first = next(occurrences(schedule, now.date(), STOCKHOLM, now))
        await repo.change_meeting(series_id, first.original, now + timedelta(hours=1, seconds=8), "@test", now)
    await db.close()

    process = await start_bot()
    try:
        async def until_due() -> None:
            while b"reminder sent" not in await process.stderr.readline():
                pass

        await asyncio.wait_for(until_due(), 60)
        process.kill()  # SIGKILL, right as the reminder is claimed
        await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL

    process = await start_bot()
    try:
        await user.wait_for(lambda: reminders_in(user, room_id, bot_id), timeout=30)
        # A second copy would be sent by the restart's catch-up (the outbox, or the reminder found unclaimed), which
        # is done before the restarted bot handles its first batch; its next job is a week away.
        await barrier(user, room_id)
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.communicate(), 30)
    assert len(reminders_in(user, room_id, bot_id)) == 1
    assert reminders_in(user, room_id, bot_id, "Försenad påminnelse") == []  # nor found again and sent late


async def test_series_seeded_from_the_config_by_alias(make_bot, make_user, make_room, homeserver):
    user = await make_user()
    alias_name = unique("orat")
    seed = {
        "room": f"#{alias_name}:{homeserver.server_name}",
        "name": "Örat mot marken",
        "schedule": "weekly tuesday 09:00",
        "duration": "45m",
        "location": "Stadshuset, sal 2",
        "reminders": ["1d", "1h"],
    }
    bot = make_bot(series=[seed])
    room_id = await room_with_bot(bot, user, make_room, room_alias_name=alias_name)

    content = await ask(user, room_id, "!schema")
    body = content["body"]
    assert "1. Örat mot marken: varje tisdag kl. 09.00, 45 minuter." in body
    assert "Påminnelser 1 dag och 1 timme före." in body
    assert "Plats: Stadshuset, sal 2" in body

    # Changed by command, the database wins over the unchanged config at the next start.
    await ask(user, room_id, "!schema reminders 2h")
    await bot.stop()
    await bot.start()
    content = await ask(user, room_id, "!schema")
    assert "Påminnelser 2 timmar före." in content["body"]


async def test_a_cancelled_meeting_gets_no_reminder_after_the_same_schedule_is_set_again(make_bot, make_user, make_room):
    meeting = next_weeks_meeting()
    clock = ShiftedClock(meeting - HOUR - SET_UP)
    bot = make_bot(clock=clock)
    user = await make_user()
    room_id = await room_with_bot(bot, user, make_room)
    await ask(user, room_id, "!schema weekly tisdag 09:00")
    await ask(user, room_id, "!schema reminders 1h")
    await ask(user, room_id, f"!schema inställt {meeting.astimezone(STOCKHOLM).date().isoformat()}")
    jobs = JobWatch(bot)
    clock.set(meeting - HOUR - LEAD)

    # Set again right before the cancelled meeting's reminder: forgotten, the cancellation would let it through.
    content = await ask(user, room_id, "!schema weekly tisdag 09:00")

    changed, upcoming = content["body"].split("\nNästa möte: ")
    assert changed.endswith("Ett inställt eller flyttat möte gäller fortfarande.")
    assert f", tisdag {(meeting + timedelta(days=7)).astimezone(STOCKHOLM).day} " in upcoming  # the week after
    await jobs.idle()  # the series' next reminder is a week away: nothing is due within the hour
    await barrier(user, room_id)
    assert reminders_in(user, room_id, bot.user_id) == []


async def test_a_restart_between_the_warning_and_the_confirmation_changes_nothing(make_bot, make_user, make_room):
    meeting = next_weeks_meeting()
    bot = make_bot(clock=ShiftedClock(meeting - timedelta(days=2)))
    user = await make_user()
    room_id = await room_with_bot(bot, user, make_room)
    await ask(user, room_id, "!schema weekly tisdag 09:00")
    cancelled = meeting.astimezone(STOCKHOLM).date().isoformat()
    await ask(user, room_id, f"!schema inställt {cancelled}")

    warning = (await ask(user, room_id, "!schema weekly onsdag 10:00 45 min"))["body"]

    assert warning.startswith("Med det nya schemat skulle ett inställt eller flyttat möte i ")
    assert "\nInställt: tisdag " in warning
    assert warning.endswith("Skriv `!schema weekly onsdag 10:00 45 min bekräfta` om du vill ändra det ändå.")
    await bot.stop()
    await bot.start()
    shown = (await ask(user, room_id, "!schema"))["body"]
    assert ": varje tisdag kl. 09.00, 30 minuter." in shown and "\nInställt: tisdag " in shown

    confirmed = (await ask(user, room_id, "!schema weekly onsdag 10:00 45 min bekräfta"))["body"]

    assert ": varje onsdag kl. 10.00. Ett inställt eller flyttat möte i det gamla schemat gäller inte längre.\n" in confirmed
    shown = (await ask(user, room_id, "!schema"))["body"]
    assert ": varje onsdag kl. 10.00, 45 minuter." in shown and "Inställt:" not in shown
    await bot.stop()
    await bot.start()  # and neither the warning nor the change is answered again
    await barrier(user, room_id)
    bodies = [content_of(e).get("body", "") for e in user.messages_from(room_id, bot.user_id)]
    assert sum(body.startswith("Med det nya schemat") for body in bodies) == 1
    assert sum(": varje onsdag kl. 10.00. " in body for body in bodies) == 1
