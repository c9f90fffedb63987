"""A backup of a running bot, restored into a new data dir: the same bot, which answers nothing twice."""

from __future__ import annotations

import dataclasses
import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.backup import restore, take
from bot.localclient import UserClient, content_of
from bot.localserver import LocalHomeserver, create_room
from bot.store.db import DB_NAME
from tests.conftest import PASSWORD, BotRunner, make_settings, start_homeserver, unique
from tests.integration.helpers import ask, barrier, room_with_bot
from tests.integration.proxy import FaultyProxy
from tests.integration.test_cross_signing import assert_cross_signed, keys_of

pytestmark = pytest.mark.integration

PASSPHRASE = "Stadshuset sal 2, tisdagar"


def agenda_items(data_dir: Path) -> int:
    conn = sqlite3.connect(data_dir / DB_NAME)
    try:
        return conn.execute("SELECT count(*) FROM agenda_items").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def own_homeserver(tmp_path: Path) -> Iterator[LocalHomeserver]:
    """A homeserver of this test's own, to be stopped and changed in it."""
    server = start_homeserver(tmp_path / "synapse")
    yield server
    server.stop()


def days_pass(server: LocalHomeserver) -> None:
    """What a day does to the homeserver's memory of a device's transaction ids: Synapse keeps them for 24 hours
    (in a table) to answer a repeated send with the event it made the first time; after that a repeat is new."""
    server.stop()
    conn = sqlite3.connect(server.workdir / "homeserver.db")
    try:
        assert conn.execute("DELETE FROM event_txn_id_device_id").rowcount > 0
        conn.commit()
    finally:
        conn.close()
    server.start()


async def test_a_backup_taken_during_a_burst_restores_the_same_bot_answering_nothing_twice(own_homeserver, tmp_path):
    homeserver = own_homeserver
    bot_name, user_name = unique("bot"), unique("user")
    homeserver.register(bot_name, PASSWORD)
    homeserver.register(user_name, PASSWORD)
    bot = BotRunner(
        make_settings(homeserver=homeserver.url, user_id=homeserver.user_id(bot_name), password=PASSWORD, data_dir=tmp_path / "data")
    )
    user = UserClient(homeserver.url, homeserver.user_id(user_name), PASSWORD, tmp_path / "user-store")
    await user.start()
    proxy = FaultyProxy(homeserver.url)
    restored: BotRunner | None = None
    try:
        def make_room(owner, **kw):
            return create_room(homeserver, owner.client.access_token, unique("room"), **kw)

        room_id = await room_with_bot(bot, user, make_room, encrypted=True)
        device = bot.app.client.device_id
        burst = [await user.send(room_id, f"!dagordning ny Punkt {n}") for n in range(1, 11)]
        await user.reply_to(room_id, burst[4])  # the bot is in the middle of the burst
        await asyncio.to_thread(take, bot.settings, tmp_path / "backup", PASSPHRASE)
        burst += [await user.send(room_id, f"!dagordning ny Punkt {n}") for n in range(11, 21)]
        for event_id in burst:
            await user.reply_to(room_id, event_id)
        await bot.stop()
        days_pass(homeserver)

        # A new machine: another data dir, and the homeserver reached at another address.
        settings = dataclasses.replace(bot.settings, data_dir=tmp_path / "restored", homeserver=await proxy.start())
        restore(settings, tmp_path / "backup", PASSPHRASE)
        assert 5 <= agenda_items(settings.data_dir) <= 10  # what the backup holds: the burst up to some point in it
        restored = BotRunner(settings)
        await restored.start()

        assert restored.app.client.device_id == device
        assert_cross_signed(keys_of(homeserver, user, bot.user_id), bot.user_id, device)
        help_text = await ask(user, room_id, "!hjälp")
        assert help_text["msgtype"] == "m.notice" and "!dagordning" in help_text["body"]
        listing = await ask(user, room_id, "!dagordning")
        assert all(f"{n}. Punkt {n}" in listing["body"] for n in range(1, 21))  # the burst's later part, run again
        await barrier(user, room_id)
        replies = [user.replies_to(room_id, event_id) for event_id in burst]
        assert [len(found) for found in replies] == [1] * 20
        assert [content_of(found[0])["body"] for found in replies] == [
            f"Punkt {n} på dagordningen för nästa möte." for n in range(1, 21)
        ]
    finally:
        if restored is not None:
            await restored.stop()
        await bot.stop()
        await proxy.stop()
        await user.close()
