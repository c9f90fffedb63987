"""The times of the posts before each meeting in a real room: a moderator sets when the situation picture and the
reporting nudge go out, bad input is refused with its usage, and the times are still there after a restart."""

from __future__ import annotations

import pytest

from tests.integration.helpers import ask, room_with_bot

pytestmark = pytest.mark.integration


async def test_a_moderator_sets_the_times_and_they_survive_a_restart(make_bot, make_user, make_room):
    bot = make_bot()
    user = await make_user()
    room_id = await room_with_bot(bot, user, make_room)
    await ask(user, room_id, "!schema veckovis tisdag 09:00")

    reply = (await ask(user, room_id, "!schema lägesbild 08:00"))["body"]
    assert reply.startswith("Lägesbilden för ")
    assert " läggs nu ut kl. 08.00 vardagen före mötet.\n" in reply
    assert "\nNästa lägesbild: " in reply
    reply = (await ask(user, room_id, "!schema rapportpåminnelse 25:00"))["body"]
    assert reply == (
        '"25:00" är inget klockslag jag kan läsa. Skriv TT:MM, till exempel 09:00 eller 13.30.\n'
        "Användning: `!schema rapportpåminnelse <TT:MM | standard>`"
    )
    reply = (await ask(user, room_id, "!schema rapportering 14:00"))["body"]
    assert " går nu ut kl. 14.00 vardagen före mötet.\n" in reply

    await bot.stop()
    await bot.start()
    listing = (await ask(user, room_id, "!schema"))["body"]
    assert (
        "Lägesbilden läggs ut kl. 08.00 vardagen före mötet och rapportpåminnelsen går ut kl. 14.00 vardagen före "
        "mötet." in listing.split("\n")
    )
