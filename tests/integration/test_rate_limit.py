"""A homeserver that rate-limits messages hard: every reply still arrives, once, in order."""

from __future__ import annotations

import logging

import pytest

from bot.localclient import UserClient
from bot.localserver import create_room
from tests.conftest import PASSWORD, BotRunner, make_settings, start_homeserver, unique

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def strict_homeserver(tmp_path_factory):
    server = start_homeserver(
        tmp_path_factory.mktemp("strict-synapse"), rc_message={"per_second": 5, "burst_count": 5}
    )
    yield server
    server.stop()


async def test_a_burst_of_100_is_answered_in_order_despite_rate_limits(strict_homeserver, tmp_path, caplog):
    server = strict_homeserver
    bot_name, user_name = unique("bot"), unique("user")
    server.register(bot_name, PASSWORD)
    admin = server.register(user_name, PASSWORD, admin=True)
    # Only the bot is held to the low limit, so the burst reaches it at once and its replies queue up.
    server.request(
        "POST",
        f"/_synapse/admin/v1/users/{server.user_id(user_name)}/override_ratelimit",
        {"messages_per_second": 0, "burst_count": 0},
        token=admin["access_token"],
    )
    bot = BotRunner(
        make_settings(
            homeserver=server.url, user_id=server.user_id(bot_name), password=PASSWORD, data_dir=tmp_path / "bot"
        )
    )
    user = UserClient(server.url, server.user_id(user_name), PASSWORD, tmp_path / "user")
    await user.start()
    try:
        room_id = create_room(
            server, user.client.access_token, "strict", invite=[bot.user_id], power_users={bot.user_id: 50}
        )
        await bot.start()
        await user.wait_for_member(room_id, bot.user_id)
        await bot.stop()  # the commands pile up, so the replies go out as one burst
        sent = [await user.send(room_id, f"!help ping {n}") for n in range(100)]
        with caplog.at_level(logging.INFO, logger="bot.matrix.transport"):
            await bot.start()
            await user.wait_for(lambda: all(user.replies_to(room_id, e) for e in sent), timeout=120)
    finally:
        await bot.stop()
        await user.close()

    assert all(len(user.replies_to(room_id, e)) == 1 for e in sent)
    replies = [user.replies_to(room_id, e)[0].event_id for e in sent]
    timeline = [e.event_id for e in user.messages_from(room_id, bot.user_id)]
    assert [timeline.index(r) for r in replies] == sorted(timeline.index(r) for r in replies)
    assert any("rate limited" in r.getMessage() for r in caplog.records)
