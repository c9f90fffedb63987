"""The bot as an Element user sees it: Element's own stack (matrix-js-sdk, Rust crypto, her cross-signing,
"exclude insecure devices"), so in an encrypted room she reads only what a cross-signed device sent her."""

from __future__ import annotations

import asyncio
import urllib.error
from typing import Any

import pytest

pytestmark = pytest.mark.integration

ROOMS = pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])


async def room_with_bot(bot: Any, user: Any, encrypted: bool) -> str:
    """A room she creates (so she is its creator, a moderator for the bot), with the bot invited and joined."""
    room_id = await user.create_room(encrypted=encrypted, invite=[bot.user_id])
    await bot.start()
    await user.wait_joined(room_id, bot.user_id)
    return room_id


async def ask(user: Any, bot: Any, room_id: str, body: str) -> dict[str, Any]:
    """Send a command; she sees exactly one reply to it, from the bot, readable, and a notice."""
    event_id = await user.send(room_id, body)
    replies = await user.replies(room_id, event_id)
    seen = [(reply["sender"], reply["type"], reply["decryption_failure"]) for reply in replies]
    assert seen == [(bot.user_id, "m.room.message", None)], f"{body!r} got {replies}"
    content = replies[0]["content"]
    assert content["msgtype"] == "m.notice"
    return content


def unreadable(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if e["decryption_failure"] or e["type"] == "m.room.encrypted"]


@ROOMS
async def test_commands_are_answered_once_and_she_reads_the_answers(make_bot, element_user, encrypted):
    bot = make_bot()
    anna = await element_user("anna")
    room_id = await room_with_bot(bot, anna, encrypted)

    assert (await ask(anna, bot, room_id, "!help"))["body"].startswith("Kommandon, i den ordning ett möte går:")
    added = await ask(anna, bot, room_id, "!agenda add Klotter vid busstationen")
    assert added["body"] == "Punkt 1 på dagordningen för nästa möte."
    assert unreadable(await anna.events(room_id)) == []


@ROOMS
async def test_she_opens_the_minutes_file_of_a_meeting(make_bot, element_user, encrypted):
    bot = make_bot()
    anna = await element_user("anna")
    room_id = await room_with_bot(bot, anna, encrypted)

    assert (await ask(anna, bot, room_id, "!meeting start"))["body"].startswith("Mötet ")
    await ask(anna, bot, room_id, "!agenda add Belysning i parken")
    await ask(anna, bot, room_id, "!decision Kommunen sätter upp ny belysning")
    assert (await ask(anna, bot, room_id, "!meeting end"))["body"].startswith("Protokoll från ")

    def minutes_file(event: dict[str, Any]) -> bool:
        return event["sender"] == bot.user_id and event["content"].get("msgtype") == "m.file"

    content = (await anna.wait_for(room_id, minutes_file))[0]["content"]
    assert ("file" in content) == encrypted
    text = await anna.download(content)
    assert text.startswith("# Protokoll: ")
    assert "- Kommunen sätter upp ny belysning" in text.split("## Beslut")[1]
    assert "Belysning i parken" in text
    assert unreadable(await anna.events(room_id)) == []


async def test_a_restart_changes_nothing_she_sees(make_bot, element_user):
    """Same device, still cross-signed: what she wrote while the bot was down is answered, once, and readable."""
    bot = make_bot()
    anna = await element_user("anna")
    room_id = await room_with_bot(bot, anna, encrypted=True)
    device = bot.app.client.device_id
    await ask(anna, bot, room_id, "!agenda add Klotter vid busstationen")

    await bot.stop()
    while_down = await anna.send(room_id, "!agenda add Trasig belysning i Berga")
    await bot.start()

    assert bot.app.client.device_id == device
    replies = await anna.replies(room_id, while_down)
    assert [(r["sender"], r["decryption_failure"]) for r in replies] == [(bot.user_id, None)]
    assert replies[0]["content"]["body"] == "Punkt 2 på dagordningen för nästa möte."
    listing = await ask(anna, bot, room_id, "!agenda")
    assert "Trasig belysning i Berga" in listing["body"]
    assert unreadable(await anna.events(room_id)) == []


async def test_a_bot_logged_out_comes_back_on_a_new_signed_device_she_reads(make_bot, element_user, homeserver):
    """Someone removed the bot's device: it logs in again, cross-signs the new device and still answers her."""
    bot = make_bot()
    anna = await element_user("anna")
    room_id = await room_with_bot(bot, anna, encrypted=True)
    old_device = bot.app.client.device_id
    await ask(anna, bot, room_id, "!agenda add Klotter vid busstationen")

    homeserver.request("POST", "/_matrix/client/v3/logout", {}, token=bot.app.client.access_token)

    def cross_signed_anew() -> bool:
        client = bot.app.client
        query = {"device_keys": {bot.user_id: [client.device_id]}}
        try:
            answer = homeserver.request("POST", "/_matrix/client/v3/keys/query", query, token=client.access_token)
        except urllib.error.HTTPError:  # the old token, until the bot has logged in again
            return False
        device = answer.get("device_keys", {}).get(bot.user_id, {}).get(client.device_id)
        return client.device_id != old_device and device is not None and len(device["signatures"][bot.user_id]) == 2

    async def back() -> None:
        while not cross_signed_anew():
            await asyncio.sleep(0.2)

    await asyncio.wait_for(back(), 30)
    # Her client learns of the signature from its next device-list update; a message sent before that is
    # encrypted only for the devices it already trusts.
    await anna.wait_signed(bot.user_id, bot.app.client.device_id)
    listing = await ask(anna, bot, room_id, "!agenda")
    assert "Klotter vid busstationen" in listing["body"]
    assert unreadable(await anna.events(room_id)) == []
