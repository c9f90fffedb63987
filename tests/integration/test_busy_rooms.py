"""A busy room: the bot reads every message, most of them ordinary chat. Chat costs it no database write of its
own; during a meeting, who wrote is recorded once per sync batch, not once per message."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import asynccontextmanager

import pytest
from nio.store import DefaultStore

from bot.localclient import content_of
from bot.store.db import DB_NAME
from tests.integration.helpers import ask, room_with_bot

pytestmark = pytest.mark.integration


def watch(bot, monkeypatch) -> dict[str, int]:
    """Counts of the sync batches the bot handles, the write transactions it opens in its database, and the writes
    of the encryption store's list of encrypted rooms (which nio makes after every sync)."""
    app, counts = bot.app, {"batches": 0, "writes": 0, "store_writes": 0}
    process, transaction = app._process, app.db.transaction
    save = DefaultStore.save_encrypted_rooms

    def counted_save(store, rooms):
        if store is app.client.store:  # the users' clients have stores too
            counts["store_writes"] += 1
        save(store, rooms)

    async def counted_process(response):
        counts["batches"] += 1
        await process(response)

    @asynccontextmanager
    async def counted_transaction():
        counts["writes"] += 1
        async with transaction() as tx:
            yield tx

    monkeypatch.setattr(app, "_process", counted_process)
    monkeypatch.setattr(app.db, "transaction", counted_transaction)
    monkeypatch.setattr(DefaultStore, "save_encrypted_rooms", counted_save)
    return counts


async def handled(bot, room_id: str, event_id: str) -> None:
    """Until the bot has stored its position past `event_id` (read as another process would)."""

    def last() -> str | None:
        conn = sqlite3.connect(bot.settings.data_dir / DB_NAME)
        try:
            return conn.execute("SELECT last_event_id FROM rooms WHERE room_id = ?", (room_id,)).fetchone()[0]
        finally:
            conn.close()

    async def wait() -> None:
        while last() != event_id:
            await asyncio.sleep(0.05)

    await asyncio.wait_for(wait(), 20)


async def chat(room_id: str, *speakers, messages: int = 30) -> str:
    last = ""
    for n in range(messages):
        last = await speakers[n % len(speakers)].send(room_id, f"Har någon sett lamporna vid torget? ({n})")
    return last


async def test_chat_costs_no_write_of_its_own_and_meeting_chat_one_per_batch(make_bot, make_user, make_room, monkeypatch):
    bot = make_bot()
    chair = await make_user("chair")
    per = await make_user("per")
    room_id = await room_with_bot(bot, chair, make_room, others=(per,))
    await ask(chair, room_id, "!ping")

    counts = watch(bot, monkeypatch)
    await handled(bot, room_id, await chat(room_id, chair, per))
    # The position stored at the end of each batch is the one write; the chat itself adds none.
    assert counts["batches"] >= 1 and counts["writes"] == counts["batches"] and counts["store_writes"] == 0

    await ask(chair, room_id, "!möte start")
    counts.update(batches=0, writes=0, store_writes=0)
    await handled(bot, room_id, await chat(room_id, chair, per))
    assert counts["writes"] <= 2 * counts["batches"]  # the position, and who wrote: per batch, however many in it
    assert counts["store_writes"] == 0
    ended = await ask(chair, room_id, "!möte slut")
    (participants,) = [line for line in ended["body"].splitlines() if line.startswith("Deltagare")]
    assert "chair" in participants and "per" in participants, ended["body"]


async def test_chat_before_a_command_in_the_same_batch_counts_before_it_runs(make_bot, make_user, make_room):
    """Per writes and the chair ends the meeting at once: Per is in the minutes all the same."""
    bot = make_bot()
    chair = await make_user("chair")
    per = await make_user("per")
    room_id = await room_with_bot(bot, chair, make_room, others=(per,))
    await ask(chair, room_id, "!möte start")

    await per.send(room_id, "Polisen har sett mer klotter i helgen.")
    end = await chair.send(room_id, "!möte slut")

    ended = content_of(await chair.reply_to(room_id, end))
    (participants,) = [line for line in ended["body"].splitlines() if line.startswith("Deltagare")]
    assert "per" in participants, ended["body"]
