"""The reporting nudge in a real room: the working day before the meeting at 12:00, the members of the organisation
that has not reported are mentioned, once, and not again after a restart."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.localclient import content_of
from bot.nudges import nudge_time
from bot.policy import REPORT_NUDGE_AT
from tests.integration.helpers import LEAD, SET_UP, JobWatch, ShiftedClock, ask, barrier, next_local, room_with_bot

pytestmark = pytest.mark.integration

STOCKHOLM = ZoneInfo("Europe/Stockholm")
TUESDAY = 1


def nudges_in(user, room_id, bot_id):
    return [e for e in user.messages_from(room_id, bot_id) if content_of(e).get("body", "").startswith("Inför ")]


async def test_the_organisation_that_has_not_reported_is_nudged_once(make_bot, make_user, make_room):
    meeting = next_local(TUESDAY, time(9, 0), STOCKHOLM, datetime.now(timezone.utc) + timedelta(days=7))
    due = nudge_time(meeting.astimezone(STOCKHOLM).date(), STOCKHOLM, REPORT_NUDGE_AT)
    clock = ShiftedClock(due - SET_UP)
    bot = make_bot(clock=clock)
    chair = await make_user("chair")
    per = await make_user("per")
    lisa = await make_user("lisa")
    olle = await make_user("olle")
    room_id = await room_with_bot(bot, chair, make_room, others=(per, lisa, olle))
    await ask(chair, room_id, "!schema weekly tisdag 09:00")
    await ask(per, room_id, "!org set Polisen")
    await ask(lisa, room_id, "!org set Räddningstjänsten")
    await ask(olle, room_id, "!org set räddningstjänsten")
    assert (await ask(per, room_id, "!rapport Centrum Klotter på muren"))["body"].startswith("Rapport 1:")
    jobs = JobWatch(bot)
    clock.set(due - LEAD)

    await ask(chair, room_id, "!schema plats Stadshuset")  # the nudge is scheduled anew, on the clock as it is now

    await chair.wait_for(lambda: nudges_in(chair, room_id, bot.user_id), timeout=30)
    await jobs.idle()
    await barrier(chair, room_id)
    [nudge] = nudges_in(chair, room_id, bot.user_id)
    content = content_of(nudge)
    first, second = content["body"].splitlines()
    assert re.fullmatch(
        rf"Inför .+ tisdag {meeting.astimezone(STOCKHOLM).day} \w+: Räddningstjänsten har inte rapporterat än\. "
        r"Rapportera med `!rapport <område> <kategori> <text>` eller `!rapport inget`\.",
        first,
    )
    assert second.startswith("Räddningstjänsten: ")
    assert sorted(content["m.mentions"]["user_ids"]) == sorted([lisa.user_id, olle.user_id])
    assert per.user_id not in content["formatted_body"] and chair.user_id not in content["formatted_body"]
    assert f'href="https://matrix.to/#/{lisa.user_id}"' in content["formatted_body"]

    await bot.stop()
    await bot.start()  # a restart does not nudge again
    await JobWatch(bot).idle()
    await barrier(chair, room_id)
    assert len(nudges_in(chair, room_id, bot.user_id)) == 1
