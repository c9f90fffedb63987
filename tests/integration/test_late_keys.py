"""An encrypted command whose room key comes late is answered once when it comes; one whose key never comes
gets one notice after the grace period; a withheld key is named; a restart loses nothing parked."""

from __future__ import annotations

import asyncio

import pytest
from nio import RoomMessageNotice

from bot.localclient import content_of
from tests.integration.helpers import ask, barrier, room_with_bot
from tests.integration.room_keys import KeyHolder

pytestmark = pytest.mark.integration

GRACE = 3.0


def now() -> float:
    return asyncio.get_running_loop().time()


async def grace_over(parked_by: float) -> None:
    """Until the grace period of a message the bot parked by `parked_by` (a `now()`) is over: the bot's own timer,
    waited out. What the bot then does about it is seen after a barrier."""
    await asyncio.sleep(max(0.0, parked_by + GRACE - now()))


async def encrypted_room(make_bot, make_user, make_room, **settings):
    settings.setdefault("key_grace_seconds", GRACE)
    bot = make_bot(**settings)
    user = await make_user()
    room_id = await room_with_bot(bot, user, make_room, encrypted=True)
    await ask(user, room_id, "!ping")  # keys flow both ways before the test starts
    return bot, user, room_id, KeyHolder(user, bot.user_id)


async def test_a_command_whose_key_comes_late_is_answered_once(make_bot, make_user, make_room):
    bot, user, room_id, holder = await encrypted_room(make_bot, make_user, make_room)
    plain = await room_with_bot(bot, user, make_room)  # where the bot reads her while her key is held back
    held = await holder.hold(room_id)
    command = await user.send(room_id, "!dagordning ny Belysningen vid stationen")
    await barrier(user, plain)
    parked_by = now()
    assert user.replies_to(room_id, command) == []  # parked, not answered and not refused

    await holder.share(held)
    reply = content_of(await user.reply_to(room_id, command))
    assert reply["body"].startswith("Punkt 1")
    await holder.stop_holding(room_id)
    await grace_over(parked_by)
    await barrier(user, room_id)  # past the grace period: no notice comes after the answer
    assert len(user.replies_to(room_id, command)) == 1
    listing = await ask(user, room_id, "!dagordning")
    assert listing["body"].count("Belysningen vid stationen") == 1


async def test_a_key_that_never_comes_gets_one_notice(make_bot, make_user, make_room):
    bot, user, room_id, holder = await encrypted_room(make_bot, make_user, make_room)
    await holder.hold(room_id)
    first = await user.send(room_id, "!dagordning ny Klotter i tunneln")
    second = await user.send(room_id, "!nästa")

    notice = await user.reply_to(room_id, first, timeout=GRACE + 30)
    assert isinstance(notice, RoomMessageNotice)
    body = content_of(notice)["body"]
    assert body.startswith("Jag kunde inte läsa ditt meddelande från kl. ")
    assert "kom aldrig fram" in body and "ett meddelande till" in body
    await holder.stop_holding(room_id)  # the bot reads what she writes next: the barriers
    await barrier(user, room_id)  # both are parked by now
    await grace_over(now())
    await barrier(user, room_id)
    assert len(user.replies_to(room_id, first)) == 1
    assert user.replies_to(room_id, second) == []  # told about with the first, not once more

    listing = await ask(user, room_id, "!dagordning")  # the bot reads the room again, and stored nothing
    assert "Klotter i tunneln" not in listing["body"]


async def test_a_withheld_key_is_named_in_the_notice(make_bot, make_user, make_room):
    bot, user, room_id, holder = await encrypted_room(make_bot, make_user, make_room)
    held = await holder.hold(room_id)
    command = await user.send(room_id, "!hjälp")
    await holder.withhold(held, "m.unverified")

    body = content_of(await user.reply_to(room_id, command, timeout=GRACE + 30))["body"]
    assert "din app delade inte krypteringsnyckeln med mig, eftersom den inte litar på min enhet" in body
    assert "samverkan-bot check" in body


async def test_the_key_the_bot_asks_the_sender_for_is_taken(make_bot, make_user, make_room):
    bot, user, room_id, holder = await encrypted_room(make_bot, make_user, make_room, key_grace_seconds=60)
    held = await holder.hold(room_id)
    command = await user.send(room_id, "!dagordning ny Trasig lampa i parken")

    await holder.answer_request(held)  # the bot asked the sending device; that device forwards its own key
    reply = content_of(await user.reply_to(room_id, command))
    assert reply["body"].startswith("Punkt 1")


async def test_a_parked_command_survives_a_restart(make_bot, make_user, make_room):
    bot, user, room_id, holder = await encrypted_room(make_bot, make_user, make_room, key_grace_seconds=60)
    plain = await room_with_bot(bot, user, make_room)
    held = await holder.hold(room_id)
    command = await user.send(room_id, "!dagordning ny Nedskräpning vid skolan")
    await barrier(user, plain)  # the bot has parked it
    assert user.replies_to(room_id, command) == []
    await bot.stop()

    await holder.share(held)  # the key reaches the bot only while it is down
    await bot.start()
    reply = content_of(await user.reply_to(room_id, command))
    assert reply["body"].startswith("Punkt 1")
    await holder.stop_holding(room_id)
    await barrier(user, room_id)
    assert len(user.replies_to(room_id, command)) == 1
