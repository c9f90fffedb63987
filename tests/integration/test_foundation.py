"""The bot in real rooms on a real Synapse: invites, help, replies, restarts, encryption, slash commands."""

from __future__ import annotations

import asyncio
import urllib.parse

import pytest
from nio import RoomMessageNotice

from bot.commands.slash import EVENT_TYPE as COMMANDS_EVENT
from bot.localclient import content_of
from tests.integration.helpers import ask, room_with_bot

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
async def test_help_is_answered_as_threaded_notice(make_bot, make_user, make_room, encrypted):
    bot = make_bot()
    user = await make_user()
    room_id = await room_with_bot(bot, user, make_room, encrypted=encrypted)

    event_id = await user.send(room_id, "!hjälp")
    reply = await user.reply_to(room_id, event_id)

    assert isinstance(reply, RoomMessageNotice)
    assert reply.sender == bot.user_id
    content = content_of(reply)
    assert content["body"].startswith("Kommandon, i den ordning ett möte går:")
    assert "`!hjälp` — " in content["body"] and "`!ping` — " in content["body"]
    assert content["m.mentions"] == {}
    assert content["format"] == "org.matrix.custom.html"
    assert content["m.relates_to"]["m.in_reply_to"]["event_id"] == event_id
    if encrypted:
        assert reply.decrypted


async def test_help_for_one_command_and_english(make_bot, make_user, make_room):
    bot = make_bot(language="en")
    user = await make_user()
    room_id = await room_with_bot(bot, user, make_room)

    content = await ask(user, room_id, "!help ping")
    assert content["body"] == "Answers if I am running.\n`!ping`"

    content = await ask(user, room_id, "!help nosuch")
    assert "There is no command called `nosuch`" in content["body"]


async def test_unknown_command_gets_hint_but_slash_word_does_not(make_bot, make_user, make_room):
    bot = make_bot(command_prefix="!,/")
    user = await make_user()
    room_id = await room_with_bot(bot, user, make_room)

    content = await ask(user, room_id, "!frukost")
    assert content["body"] == "Okänt kommando `!frukost`. Skriv `!hjälp` för att se vad jag kan."

    shrug = await user.send(room_id, "/shrug hej")
    content = await ask(user, room_id, "/ping")  # answered, and strictly after /shrug was seen
    assert content["body"].startswith("Pong!")
    assert user.replies_to(room_id, shrug) == []


async def test_markup_in_command_is_escaped(make_bot, make_user, make_room):
    bot = make_bot()
    user = await make_user()
    room_id = await room_with_bot(bot, user, make_room)

    event_id = await user.send(room_id, "!help <b>x</b>")
    content = content_of(await user.reply_to(room_id, event_id))
    assert "&lt;b&gt;x&lt;/b&gt;" in content["formatted_body"]
    assert "<b>" not in content["formatted_body"]
    assert content["m.relates_to"]["m.in_reply_to"]["event_id"] == event_id


async def test_reply_stays_in_thread(make_bot, make_user, make_room):
    bot = make_bot()
    user = await make_user()
    room_id = await room_with_bot(bot, user, make_room)
    root = await user.send(room_id, "Inför mötet")

    thread = {"m.relates_to": {"rel_type": "m.thread", "event_id": root, "is_falling_back": True,
                               "m.in_reply_to": {"event_id": root}}}
    event_id = await user.send(room_id, "!ping", **thread)
    content = content_of(await user.reply_to(room_id, event_id))
    assert content["m.relates_to"]["rel_type"] == "m.thread"
    assert content["m.relates_to"]["event_id"] == root


async def test_mention_style_addressing(make_bot, make_user, make_room):
    bot = make_bot()
    user = await make_user()
    room_id = await room_with_bot(bot, user, make_room)
    localpart = bot.user_id[1:].split(":")[0]

    content = await ask(user, room_id, f"{localpart}: ping", **{"m.mentions": {"user_ids": [bot.user_id]}})
    assert content["body"].startswith("Pong!")


async def test_invites_only_from_allowed_users(make_bot, make_user, make_room, homeserver):
    allowed = await make_user("allowed")
    stranger = await make_user("stranger")
    bot = make_bot(allowed_users=f"{allowed.user_id},@someone-else:*")
    yes = make_room(allowed, invite=[bot.user_id])
    no = make_room(stranger, invite=[bot.user_id])
    await bot.start()

    await allowed.wait_for_member(yes, bot.user_id)

    def membership(room_id):
        path = f"/_matrix/client/v3/rooms/{urllib.parse.quote(room_id)}/state/m.room.member/{bot.user_id}"
        return homeserver.request("GET", path, token=stranger.client.access_token)["membership"]

    async def declined():
        while membership(no) != "leave":
            await asyncio.sleep(0.1)

    await asyncio.wait_for(declined(), 20)
    assert membership(no) == "leave"


async def test_commands_advertised_as_msc4332_state(make_bot, make_user, make_room, homeserver):
    bot = make_bot()
    user = await make_user()
    room_id = await room_with_bot(bot, user, make_room)
    path = (
        f"/_matrix/client/v3/rooms/{urllib.parse.quote(room_id)}/state/{COMMANDS_EVENT}/"
        f"{urllib.parse.quote(bot.user_id)}"
    )

    async def advertised():
        while True:
            try:
                return homeserver.request("GET", path, token=user.client.access_token)
            except Exception:
                await asyncio.sleep(0.1)

    content = await asyncio.wait_for(advertised(), 20)
    assert content["sigil"] == "!"
    syntaxes = [c["syntax"] for c in content["commands"]]
    assert "help {command}" in syntaxes and "ping" in syntaxes
    help_entry = next(c for c in content["commands"] if c["syntax"] == "help {command}")
    assert help_entry["variables"]["command"]["m.text"][0]["body"] == "Kommandot du vill veta mer om"


async def test_msc4332_command_block_is_read(make_bot, make_user, make_room):
    bot = make_bot(language="en")
    user = await make_user()
    room_id = await room_with_bot(bot, user, make_room)
    block = {"syntax": "help {command}", "variables": {"command": "ping"}}

    # The body says something else: the block is what counts.
    content = await ask(
        user, room_id, "!help",
        **{"org.matrix.msc4332.command": block, "m.mentions": {"user_ids": [bot.user_id]}},
    )
    assert content["body"] == "Answers if I am running.\n`!ping`"


async def test_without_power_to_advertise_the_room_is_told_once(make_bot, make_user, make_room):
    bot = make_bot()
    user = await make_user()
    room_id = make_room(user, invite=[bot.user_id])
    await bot.start()
    await user.wait_for_member(room_id, bot.user_id)

    told = await user.wait_for(lambda: user.messages_from(room_id, bot.user_id))
    assert "behörighetsnivå 50" in content_of(told[0])["body"]
    assert "(jag har 0)" in content_of(told[0])["body"]

    await bot.stop()
    await bot.start()
    content = await ask(user, room_id, "!ping")
    assert content["body"].startswith("Pong!")
    assert len(user.messages_from(room_id, bot.user_id)) == 2  # the notice once, and the pong


async def test_commands_sent_while_stopped_are_answered_once_in_order(make_bot, make_user, make_room):
    bot = make_bot()
    user = await make_user()
    room_id = await room_with_bot(bot, user, make_room)
    await ask(user, room_id, "!ping")
    await bot.stop()

    first = await user.send(room_id, "!ping")
    second = await user.send(room_id, "!help ping")
    await bot.start()

    reply_first = await user.reply_to(room_id, first)
    reply_second = await user.reply_to(room_id, second)
    assert content_of(reply_first)["body"].startswith("Pong!")
    assert content_of(reply_second)["body"] == "Svarar om jag är igång.\n`!ping`"
    assert reply_first.server_timestamp <= reply_second.server_timestamp
    order = [e.event_id for e in user.messages_from(room_id, bot.user_id)]
    assert order.index(reply_first.event_id) < order.index(reply_second.event_id)

    await bot.stop()
    await bot.start()
    await ask(user, room_id, "!ping")  # a fresh command proves the bot synced past the earlier ones
    assert len(user.replies_to(room_id, first)) == 1
    assert len(user.replies_to(room_id, second)) == 1


async def test_burst_beyond_sync_limit_loses_nothing(make_bot, make_user, make_room):
    bot = make_bot()
    user = await make_user()
    room_id = await room_with_bot(bot, user, make_room)
    await ask(user, room_id, "!ping")
    await bot.stop()

    sent = [await user.send(room_id, f"!help ping {n}") for n in range(130)]
    await bot.start()

    await user.wait_for(lambda: all(user.replies_to(room_id, e) for e in sent), timeout=90)
    assert all(len(user.replies_to(room_id, e)) == 1 for e in sent)


async def test_restart_reuses_the_device(make_bot, make_user, make_room, homeserver):
    bot = make_bot()
    user = await make_user()
    room_id = await room_with_bot(bot, user, make_room, encrypted=True)
    device = bot.app.client.device_id

    def devices():
        token = bot.app.client.access_token
        return sorted(d["device_id"] for d in homeserver.request("GET", "/_matrix/client/v3/devices", token=token)["devices"])

    before = devices()
    await bot.stop()
    await bot.start()

    assert bot.app.client.device_id == device
    assert devices() == before
    session = bot.settings.data_dir / "session.json"
    assert session.stat().st_mode & 0o777 == 0o600
    content = await ask(user, room_id, "!ping")  # and it still reads and writes the encrypted room
    assert content["body"].startswith("Pong!")


async def test_history_from_before_the_join_is_ignored(make_bot, make_user, make_room):
    bot = make_bot()
    user = await make_user()
    room_id = make_room(user, invite=[bot.user_id], power_users={bot.user_id: 50})
    before = await user.send(room_id, "!ping")  # written while the bot is only invited

    await bot.start()
    await user.wait_for_member(room_id, bot.user_id)
    content = await ask(user, room_id, "!help ping")
    assert content["body"] == "Svarar om jag är igång.\n`!ping`"
    assert user.replies_to(room_id, before) == []


async def test_notices_from_other_bots_are_ignored(make_bot, make_user, make_room):
    bot = make_bot()
    other_bot = await make_user("otherbot")
    room_id = await room_with_bot(bot, other_bot, make_room)

    notice = await other_bot.send(room_id, "!ping", msgtype="m.notice")
    content = await ask(other_bot, room_id, "!ping")  # answered, and strictly after the notice was seen
    assert content["body"].startswith("Pong!")
    assert other_bot.replies_to(room_id, notice) == []


async def test_moderator_level_follows_the_rooms_power_levels(make_bot, make_user, make_room, homeserver):
    bot = make_bot()
    chair = await make_user("chair")
    per = await make_user("per")
    room_id = await room_with_bot(bot, chair, make_room, others=(per,))

    refused = await ask(per, room_id, "!schema weekly tisdag 09:00")
    assert refused["body"] == "Det här får bara moderatorer göra: det krävs behörighetsnivå 50 i rummet, och du har 0."

    levels = homeserver.request(
        "GET", f"/_matrix/client/v3/rooms/{room_id}/state/m.room.power_levels/", token=chair.client.access_token
    )
    levels["users"][per.user_id] = 50
    homeserver.request(
        "PUT", f"/_matrix/client/v3/rooms/{room_id}/state/m.room.power_levels/", levels, token=chair.client.access_token
    )
    await per.wait_for(lambda: per.client.rooms[room_id].power_levels.get_user_level(per.user_id) == 50)

    allowed = await ask(per, room_id, "!schema weekly tisdag 09:00")
    assert allowed["body"].startswith("Schemat för ")
