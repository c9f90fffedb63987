"""A crash at the worst moments of answering a command: nothing lost, nothing doubled."""

from __future__ import annotations

import pytest

from bot.app import App
from bot.localclient import content_of
from bot.matrix.transport import Transport
from bot.store.outbox import OutboxRepo
from tests.integration.helpers import ask, room_with_bot

pytestmark = pytest.mark.integration


class Crash(BaseException):
    """Stands in for the process dying: nothing after it runs, no handler catches it."""


async def crash_once(bot, monkeypatch, target, name):
    """Start the bot with `target.name` dying on first use; then restart it normally."""
    original = getattr(target, name)

    async def dying(*args, **kwargs):
        monkeypatch.setattr(target, name, original)
        if name == "mark_sent":
            await original(*args, **kwargs)  # keep the row pending only in the lost transaction
        raise Crash

    monkeypatch.setattr(target, name, dying)
    app = App(bot.settings)
    with pytest.raises(Crash):
        await app.start()
    await app.stop()
    await bot.start()


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
@pytest.mark.parametrize(
    ("target", "name"),
    [(Transport, "send"), (OutboxRepo, "mark_sent")],
    ids=["before-send", "after-send-before-marked"],
)
async def test_crash_while_answering_gives_exactly_one_reply(
    make_bot, make_user, make_room, monkeypatch, target, name, encrypted
):
    bot = make_bot()
    user = await make_user()
    room_id = await room_with_bot(bot, user, make_room, encrypted=encrypted)
    await ask(user, room_id, "!ping")
    await bot.stop()
    command = await user.send(room_id, "!help ping")

    await crash_once(bot, monkeypatch, target, name)

    reply = await user.reply_to(room_id, command)
    assert content_of(reply)["body"] == "Svarar om jag är igång.\n`!ping`"
    await ask(user, room_id, "!ping")  # later traffic flushes any second copy through
    assert len(user.replies_to(room_id, command)) == 1
