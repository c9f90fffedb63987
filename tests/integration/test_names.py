"""People by their names in what timed jobs post to a real room: a reminder and a nudge name a member by the display
name she set, the nudge by a pill."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from nio import ProfileSetDisplayNameResponse

from bot.localclient import content_of
from bot.nudges import working_day_before
from tests.integration.helpers import LEAD, SET_UP, JobWatch, ShiftedClock, ask, barrier, next_local, room_with_bot

pytestmark = pytest.mark.integration

STOCKHOLM = ZoneInfo("Europe/Stockholm")
TUESDAY = 1


async def test_a_reminder_and_a_nudge_name_the_owner_by_display_name(make_bot, make_user, make_room):
    # Next week's Tuesday 09:00 meeting, and an action due that day: its nudge (08:00 on the working day before) and
    # a reminder set to go out at that same moment fall due together, seconds after the bot's clock once set up.
    meeting = next_local(TUESDAY, time(9, 0), STOCKHOLM, datetime.now(timezone.utc) + timedelta(days=7))
    due = meeting.astimezone(STOCKHOLM).date()
    nudge_at = datetime.combine(working_day_before(due), time(8, 0), tzinfo=STOCKHOLM)
    hours_before = int((meeting - nudge_at) / timedelta(hours=1))
    clock = ShiftedClock(nudge_at - SET_UP)
    bot = make_bot(clock=clock)
    anna = await make_user("anna")
    assert isinstance(await anna.client.set_displayname("Anna Andersson"), ProfileSetDisplayNameResponse)
    room_id = await room_with_bot(bot, anna, make_room)
    await ask(anna, room_id, "!schema weekly tisdag 09:00")
    await ask(anna, room_id, "!dagordning ny Klotter vid busstationen")
    jobs = JobWatch(bot)
    clock.set(nudge_at - 2 * LEAD)  # two commands schedule what follows

    await ask(anna, room_id, f"!schema påminnelser {hours_before}h")
    await ask(anna, room_id, f"!åtgärd Kolla skyltningen {anna.user_id} senast {due.isoformat()}")

    def posted(start: str) -> list:
        return [e for e in anna.messages_from(room_id, bot.user_id) if content_of(e)["body"].startswith(start)]

    await anna.wait_for(lambda: posted("Påminnelse:") and posted("Påminnelse om åtgärd #1"), timeout=30)
    await jobs.idle()
    await barrier(anna, room_id)
    [reminder], [nudge] = posted("Påminnelse:"), posted("Påminnelse om åtgärd #1")

    reminded = content_of(reminder)
    assert "\n1. Klotter vid busstationen (Anna Andersson)\n" in reminded["body"]
    assert "\n#1 Kolla skyltningen — Anna Andersson — senast " in reminded["body"]
    assert anna.user_id not in reminded["body"]
    assert reminded["m.mentions"] == {}
    assert "<a " not in reminded["formatted_body"]  # a reminder pings nobody

    nudged = content_of(nudge)
    assert "#1 Kolla skyltningen — Anna Andersson — senast " in nudged["body"]
    assert anna.user_id not in nudged["body"]
    assert f'<a href="https://matrix.to/#/{anna.user_id}">Anna Andersson</a>' in nudged["formatted_body"]
    assert nudged["m.mentions"] == {"user_ids": [anna.user_id]}
