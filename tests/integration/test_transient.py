"""Passing faults between the bot and the homeserver (a gateway's 502, a 429, a request refused for good, an
error nio raises): they cost no room, no file, no command and not the process, and nothing is answered twice."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from nio import LocalProtocolError

from bot.localclient import content_of
from bot.store.state import StateRepo
from tests.conftest import unique
from tests.integration.helpers import ask, barrier, download, room_with_bot
from tests.integration.proxy import FaultyProxy

pytestmark = pytest.mark.integration

JOIN = r"^/_matrix/client/v3/join/"
LEAVE = r"/leave$"
ALIAS = r"^/_matrix/client/v3/directory/room/"
UPLOAD = r"^/_matrix/media/v3/upload$"
LOGIN = r"^/_matrix/client/v3/login$"
RATE_LIMITED = {"errcode": "M_LIMIT_EXCEEDED", "error": "Too Many Requests", "retry_after_ms": 300}
# One request is tried five times before the bot puts it off; six failures outlast that.
MORE_THAN_ONE_ROUND = 6


@pytest.fixture
async def gateway(homeserver):
    proxy = FaultyProxy(homeserver.url)
    await proxy.start()
    yield proxy
    await proxy.stop()


@pytest.mark.parametrize(("status", "body"), [(502, None), (429, RATE_LIMITED)], ids=["502", "429"])
async def test_a_join_that_first_fails_still_ends_in_the_room(gateway, make_bot, make_user, make_room, status, body):
    gateway.fail("POST", JOIN, times=2, status=status, body=body)
    bot = make_bot(homeserver=gateway.url)
    user = await make_user()

    room_id = await room_with_bot(bot, user, make_room)

    assert (await ask(user, room_id, "!ping"))["body"].startswith("Pong")
    assert gateway.count("POST", JOIN, status) == 2 and gateway.count("POST", JOIN, 200) == 1
    assert gateway.count("POST", LEAVE) == 0


@pytest.mark.parametrize("batch", ["first", "later"])
async def test_an_invite_whose_join_keeps_failing_is_not_declined_but_tried_again(
    gateway, make_bot, make_user, make_room, batch
):
    bot = make_bot(homeserver=gateway.url)
    user = await make_user()
    if batch == "later":
        home = await room_with_bot(bot, user, make_room)
    gateway.fail("POST", JOIN, times=MORE_THAN_ONE_ROUND + 2)
    room_id = make_room(user, invite=[bot.user_id], power_users={bot.user_id: 50})

    if batch == "first":
        await bot.start()
    else:  # meanwhile the bot answers elsewhere
        assert (await ask(user, home, "!ping"))["body"].startswith("Pong")
    await user.wait_for_member(room_id, bot.user_id, timeout=60)

    assert gateway.count("POST", JOIN, 502) == MORE_THAN_ONE_ROUND + 2
    assert gateway.count("POST", JOIN, 200) == (1 if batch == "first" else 2)
    assert gateway.count("POST", LEAVE) == 0  # the invite was never declined
    assert (await ask(user, room_id, "!ping"))["body"].startswith("Pong")


async def test_a_join_refused_for_good_is_logged_not_declined_nor_repeated(
    gateway, make_bot, make_user, make_room, caplog
):
    gateway.fail("POST", JOIN, times=1, status=403, body={"errcode": "M_FORBIDDEN", "error": "You are not invited"})
    bot = make_bot(homeserver=gateway.url)
    user = await make_user()
    refused = make_room(user, invite=[bot.user_id])

    with caplog.at_level(logging.WARNING, logger="bot.app"):
        await bot.start()
        later = make_room(user, invite=[bot.user_id])
        await user.wait_for_member(later, bot.user_id)  # the bot goes on with the next invite

    assert gateway.count("POST", JOIN, 403) == 1 and gateway.count("POST", JOIN) == 2
    assert gateway.count("POST", LEAVE) == 0
    logged = [r.getMessage() for r in caplog.records]
    assert any(f"could not join {refused}" in line and "M_FORBIDDEN" in line for line in logged)


async def test_a_series_seeded_by_an_alias_that_first_fails_to_resolve_is_created_all_the_same(
    gateway, make_bot, make_user, make_room, homeserver
):
    gateway.fail("GET", ALIAS, times=MORE_THAN_ONE_ROUND)
    user = await make_user()
    alias_name = unique("orat")
    seed = {
        "room": f"#{alias_name}:{homeserver.server_name}",
        "name": "Örat mot marken",
        "schedule": "weekly tuesday 09:00",
    }
    bot = make_bot(homeserver=gateway.url, series=[seed])
    room_id = await room_with_bot(bot, user, make_room, room_alias_name=alias_name)

    await user.wait_for(lambda: gateway.count("GET", ALIAS, 200), timeout=60)

    assert "1. Örat mot marken: varje tisdag kl. 09.00" in (await ask(user, room_id, "!schema"))["body"]
    assert gateway.count("GET", ALIAS, 502) == MORE_THAN_ONE_ROUND


async def test_an_upload_that_first_fails_still_posts_the_minutes_file_once(
    gateway, make_bot, make_user, make_room, homeserver
):
    bot = make_bot(homeserver=gateway.url)
    chair = await make_user("chair")
    room_id = await room_with_bot(bot, chair, make_room)
    await ask(chair, room_id, "!möte start")
    await ask(chair, room_id, "!beslut Ny belysning vid stationen")
    gateway.fail("POST", UPLOAD, times=MORE_THAN_ONE_ROUND)

    ended = await chair.send(room_id, "!möte slut")

    def files() -> list:
        return [e for e in chair.messages_from(room_id, bot.user_id) if content_of(e).get("msgtype") == "m.file"]

    await chair.wait_for(files, timeout=60)
    await barrier(chair, room_id)  # a second copy would go out with later traffic
    [file] = files()
    timeline = [e.event_id for e in chair.messages_from(room_id, bot.user_id)]
    assert timeline.index(chair.replies_to(room_id, ended)[0].event_id) < timeline.index(file.event_id)
    assert "- Ny belysning vid stationen" in download(homeserver, chair.client.access_token, content_of(file)["url"])
    assert gateway.count("POST", UPLOAD, 502) == MORE_THAN_ONE_ROUND and gateway.count("POST", UPLOAD, 200) == 1


async def test_key_and_member_requests_failing_for_a_while_do_not_stop_the_bot(
    gateway, make_bot, make_user, make_room
):
    failing = [("POST", r"/keys/query$"), ("POST", r"/keys/claim$"), ("GET", r"/joined_members$")]
    for method, path in failing:
        gateway.fail(method, path, times=MORE_THAN_ONE_ROUND)
    bot = make_bot(homeserver=gateway.url)
    user = await make_user()
    # Without the power to advertise its commands the bot says so first, before the user has written: so it has
    # no Olm session with the user's device yet and must claim a one-time key for the room key.
    room_id = await room_with_bot(bot, user, make_room, encrypted=True, power_users={})
    [told] = await user.wait_for(lambda: user.messages_from(room_id, bot.user_id), timeout=120)  # decrypted
    assert "50" in content_of(told)["body"]

    command = await user.send(room_id, "!ping")

    reply = await user.reply_to(room_id, command, timeout=120)
    assert content_of(reply)["body"].startswith("Pong")
    assert [gateway.count(method, path, 502) for method, path in failing] == [MORE_THAN_ONE_ROUND] * 3
    await barrier(user, room_id)
    assert len(user.replies_to(room_id, command)) == 1
    assert not bot.task.done()


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
async def test_an_error_in_a_batch_costs_no_command_and_answers_nothing_twice(
    make_bot, make_user, make_room, monkeypatch, encrypted
):
    bot = make_bot()
    user = await make_user()
    room_id = await room_with_bot(bot, user, make_room, encrypted=encrypted)
    failed: list[str] = []

    def fail_once_in_the_batch_of(body: str, before_handling: bool) -> None:
        """The batch that brings `body` fails once: before its events are handled, or after they were answered,
        when its position is stored."""
        syncer = bot.app.syncer
        original = syncer.events_to_handle

        async def watching(room_id: str, timeline: Any, *args: Any) -> list:
            if any(getattr(event, "body", None) == body for event in timeline.events):
                monkeypatch.setattr(syncer, "events_to_handle", original)
                if before_handling:
                    failed.append(body)
                    raise LocalProtocolError("an error nio raises")
                store_position = StateRepo.set

                async def failing(*args: Any) -> None:
                    monkeypatch.setattr(StateRepo, "set", store_position)
                    failed.append(body)
                    raise LocalProtocolError("an error nio raises")

                monkeypatch.setattr(StateRepo, "set", failing)
            return await original(room_id, timeline, *args)

        monkeypatch.setattr(syncer, "events_to_handle", watching)

    fail_once_in_the_batch_of("!help ping", before_handling=True)
    before = await user.send(room_id, "!help ping")
    await user.reply_to(room_id, before, timeout=30)

    fail_once_in_the_batch_of("!help next", before_handling=False)
    after = await user.send(room_id, "!help next")
    await user.reply_to(room_id, after, timeout=30)
    await barrier(user, room_id)  # after the batch that failed once it was answered is handled again

    assert [len(user.replies_to(room_id, e)) for e in (before, after)] == [1, 1]
    assert content_of(user.replies_to(room_id, before)[0])["body"] == "Svarar om jag är igång.\n`!ping`"
    assert failed == ["!help ping", "!help next"]
    assert not bot.task.done()


async def test_a_login_again_that_first_fails_does_not_end_the_process(
    gateway, make_bot, make_user, make_room, homeserver, caplog
):
    bot = make_bot(homeserver=gateway.url)
    user = await make_user()
    room_id = await room_with_bot(bot, user, make_room)
    logins = gateway.count("POST", LOGIN, 200)
    caplog.set_level(logging.INFO, logger="bot.app")
    caplog.clear()
    gateway.fail("POST", LOGIN, times=2)
    homeserver.request("POST", "/_matrix/client/v3/logout", {}, token=bot.app.client.access_token)  # token gone

    assert (await ask(user, room_id, "!ping"))["body"].startswith("Pong")
    assert gateway.count("POST", LOGIN, 502) == 2 and gateway.count("POST", LOGIN, 200) == logins + 1
    assert any("device cross-signed" in r.getMessage() for r in caplog.records)  # the new device too
