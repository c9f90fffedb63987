"""Faults: the homeserver away for 30 s, the bot killed mid-burst, a data dir it cannot write, a kick."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sqlite3
import subprocess
import sys

import pytest

from bot.localclient import UserClient
from bot.localserver import create_room
from bot.store.db import DB_NAME
from tests.conftest import PASSWORD, BotRunner, make_settings, start_homeserver, unique
from tests.integration.helpers import BotProcess, ask, barrier, room_with_bot
from tests.integration.test_process import bot_env

pytestmark = pytest.mark.integration


@pytest.fixture
def own_homeserver(tmp_path_factory):
    """A homeserver of this test's own, so stopping it disturbs no other test."""
    server = start_homeserver(tmp_path_factory.mktemp("own-synapse"))
    yield server
    server.stop()


async def test_homeserver_away_for_30_seconds(own_homeserver, tmp_path):
    server = own_homeserver
    bot_name, user_name = unique("bot"), unique("user")
    server.register(bot_name, PASSWORD)
    server.register(user_name, PASSWORD)
    bot = BotRunner(make_settings(homeserver=server.url, user_id=server.user_id(bot_name), password=PASSWORD,
                                  data_dir=tmp_path / "bot"))  # fmt: skip
    user = UserClient(server.url, server.user_id(user_name), PASSWORD, tmp_path / "user")
    await user.start()
    try:
        room_id = create_room(server, user.client.access_token, "faults", invite=[bot.user_id],
                              power_users={bot.user_id: 50})  # fmt: skip
        await bot.start()
        await user.wait_for_member(room_id, bot.user_id)
        await ask(user, room_id, "!ping")

        await user.close()
        server.stop()
        await asyncio.sleep(30)
        assert not bot.task.done()  # still running, waiting for the server
        server.start()

        user = UserClient(server.url, server.user_id(user_name), PASSWORD, tmp_path / "user-2")
        await user.start()
        sent = [await user.send(room_id, f"!help ping {n}") for n in range(5)]
        await user.wait_for(lambda: all(user.replies_to(room_id, e) for e in sent), timeout=90)
        await barrier(user, room_id)
        assert all(len(user.replies_to(room_id, e)) == 1 for e in sent)
        assert not bot.task.done()
    finally:
        await bot.stop()
        await user.close()


async def test_sigkill_in_a_burst_loses_and_doubles_nothing(tmp_path, homeserver, make_user, make_room):
    bot = BotProcess(homeserver, tmp_path, bot_env)
    bot_id, data_dir = bot.user_id, bot.data_dir
    user = await make_user()
    room_id = make_room(user, invite=[bot_id], power_users={bot_id: 50})

    def start_bot():
        return bot.start(asyncio.subprocess.DEVNULL)

    process = await start_bot()
    await user.wait_for_member(room_id, bot_id)
    await ask(user, room_id, "!ping")

    sent = [await user.send(room_id, f"!help ping {n}") for n in range(50)]
    await user.wait_for(lambda: sum(bool(user.replies_to(room_id, e)) for e in sent) >= 10, timeout=60)
    process.kill()  # in the middle of answering the burst
    await process.wait()

    process = await start_bot()
    try:
        await user.wait_for(lambda: all(user.replies_to(room_id, e) for e in sent), timeout=90)
        await barrier(user, room_id)
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 30)
    counts = [len(user.replies_to(room_id, e)) for e in sent]
    assert counts == [1] * 50, f"lost {counts.count(0)}, doubled {sum(c > 1 for c in counts)}"
    with sqlite3.connect(data_dir / DB_NAME) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def run_bot(tmp_path, data_dir, prefix=()):
    """`samverkan-bot run` with `data_dir`, as a process; the homeserver is never reached."""
    return subprocess.run(
        [*prefix, sys.executable, "-m", "bot", "run"],
        env=bot_env(homeserver="http://127.0.0.1:9", user_id="@b:localhost", password="x", data_dir=str(data_dir)),
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def assert_one_clear_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1, result.stderr
    assert len(lines) == 1 and "data dir" in lines[0] and "cannot be written" in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


# As root (as CI runs) a directory's permissions do not stop a write; a read-only mount does. `unshare --mount` gives
# the bot a mount namespace of its own, where the directory is bound onto itself read-only: a volume mounted read-only.
READ_ONLY_MOUNT = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" || exit 125; exec "$@"'


def test_read_only_data_dir_exits_non_zero_with_a_clear_line(tmp_path):
    data_dir = tmp_path / "ro"
    data_dir.mkdir()
    if os.geteuid() == 0:
        unshare = shutil.which("unshare")
        assert unshare, "as root the data dir is made read-only by a mount: this test needs unshare (util-linux)"
        result = run_bot(tmp_path, data_dir, [unshare, "--mount", "sh", "-c", READ_ONLY_MOUNT, str(data_dir)])
        assert result.returncode != 125, f"could not mount the data dir read-only: {result.stderr}"
        assert "Read-only file system" in assert_one_clear_line(result)
    else:
        data_dir.chmod(0o500)
        try:
            assert "Permission denied" in assert_one_clear_line(run_bot(tmp_path, data_dir))
        finally:
            data_dir.chmod(0o700)


def test_unwritable_data_dir_exits_non_zero_with_a_clear_line(tmp_path):
    # A file where the data dir should be: unwritable for root too, like a full volume.
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    assert_one_clear_line(run_bot(tmp_path, blocker / "data"))


async def test_after_a_kick_nothing_is_sent_and_the_data_stays(make_bot, make_user, make_room, homeserver):
    bot = make_bot()
    chair = await make_user("chair")
    room_id = await room_with_bot(bot, chair, make_room)
    elsewhere = await room_with_bot(bot, chair, make_room)  # where the bot stays, to see that it is done
    await ask(chair, room_id, "!åtgärd Städa parken")
    homeserver.request(
        "POST", f"/_matrix/client/v3/rooms/{room_id}/kick", {"user_id": bot.user_id}, token=chair.client.access_token
    )
    await chair.wait_for(lambda: bot.user_id not in chair.client.rooms[room_id].users)
    before = len(chair.messages_from(room_id, bot.user_id))
    await chair.send(room_id, "!åtgärder")
    await barrier(chair, elsewhere)  # it has read whatever it can of the room it was kicked from
    assert len(chair.messages_from(room_id, bot.user_id)) == before

    async with bot.app.db.reading() as conn:
        async with conn.execute("SELECT text FROM actions WHERE room_id = ?", (room_id,)) as cursor:
            assert [row[0] for row in await cursor.fetchall()] == ["Städa parken"]
