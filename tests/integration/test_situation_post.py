"""The situation picture before a meeting in a real room: with the first reminder the bot posts the picture of the
round the meeting closes and its chart, once, and not again after a restart."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.chart import png_size
from bot.localclient import content_of
from bot.policy import DEFAULT_REMINDERS
from tests.integration.helpers import (
    LEAD, SET_UP, JobWatch, ShiftedClock, ask, barrier, download_bytes, next_local, posted, room_with_bot,
)  # fmt: skip

pytestmark = pytest.mark.integration

STOCKHOLM = ZoneInfo("Europe/Stockholm")
TUESDAY = 1


def pictures_in(user, room_id, bot_id):
    return [e for e in user.messages_from(room_id, bot_id) if "\nLägesbild " in content_of(e).get("body", "")]


def images_in(user, room_id, bot_id):
    return [e for e in user.messages_from(room_id, bot_id) if content_of(e).get("msgtype") == "m.image"]


async def test_the_picture_is_posted_once_before_the_meeting_with_its_chart(
    make_bot, make_user, make_room, homeserver
):
    meeting = next_local(TUESDAY, time(9, 0), STOCKHOLM, datetime.now(timezone.utc) + timedelta(days=7))
    due = meeting - max(DEFAULT_REMINDERS)  # with the first reminder
    clock = ShiftedClock(due - SET_UP)
    bot = make_bot(clock=clock)
    chair = await make_user("chair")
    per = await make_user("per")
    room_id = await room_with_bot(bot, chair, make_room, others=(per,))
    await ask(chair, room_id, "!schema weekly tisdag 09:00")
    await ask(per, room_id, "!org set Polisen")
    assert (await ask(per, room_id, "!rapport Centrum Klotter på muren"))["body"].startswith("Rapport 1:")
    assert (await ask(per, room_id, "!rapport Berga Klotter på skolan"))["body"].startswith("Rapport 2:")
    jobs = JobWatch(bot)
    clock.set(due - LEAD)

    await ask(chair, room_id, "!schema plats Stadshuset")  # scheduled anew, on the clock as it is now

    await chair.wait_for(lambda: pictures_in(chair, room_id, bot.user_id), timeout=30)
    image = await posted(chair, room_id, bot.user_id, "m.image")
    await jobs.idle()
    await barrier(chair, room_id)
    [event] = pictures_in(chair, room_id, bot.user_id)
    content = content_of(event)
    lines = content["body"].splitlines()
    assert re.fullmatch(rf"Inför .+ tisdag {meeting.astimezone(STOCKHOLM).day} \w+:", lines[0])
    assert lines[2].startswith("2 iakttagelser.")
    assert "Har rapporterat: Polisen." in lines
    assert "<table>" in content["formatted_body"] and "<td>Centrum</td>" in content["formatted_body"]
    assert "m.relates_to" not in content and "m.relates_to" not in image
    data = download_bytes(homeserver, chair.client.access_token, image["url"])
    assert png_size(data) == (image["info"]["w"], image["info"]["h"])

    await bot.stop()
    await bot.start()  # a restart posts it no second time
    await JobWatch(bot).idle()
    await barrier(chair, room_id)
    assert len(pictures_in(chair, room_id, bot.user_id)) == 1
    assert len(images_in(chair, room_id, bot.user_id)) == 1
