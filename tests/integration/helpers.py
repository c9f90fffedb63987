"""Shared steps of the integration tests: a room with the bot in it, and reading what the bot said."""

from __future__ import annotations

from typing import Any

from bot.localclient import UserClient, content_of


async def room_with_bot(bot: Any, user: UserClient, make_room: Any, encrypted: bool = False, **kw: Any) -> str:
    """A room created by `user` with the bot invited; the bot started; returns once the bot has joined."""
    kw.setdefault("power_users", {bot.user_id: 50})  # enough to advertise its commands
    room_id = make_room(user, invite=[bot.user_id], encrypted=encrypted, **kw)
    if bot.app is None:
        await bot.start()
    await user.wait_for_member(room_id, bot.user_id)
    return room_id


async def ask(user: UserClient, room_id: str, body: str, **extra: Any) -> dict[str, Any]:
    """Send a message and return the content of the bot's reply to it."""
    event_id = await user.send(room_id, body, **extra)
    return content_of(await user.reply_to(room_id, event_id))
