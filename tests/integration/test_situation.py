"""The situation picture in real rooms: reports, then `!lägesbild` shows the table, and its chart arrives as an
image that downloads as a PNG (in an encrypted room, one that decrypts to a PNG)."""

from __future__ import annotations

import struct

import pytest
from nio.crypto.attachments import decrypt_attachment

from bot.localclient import content_of
from tests.integration.helpers import ask, download_bytes, posted, room_with_bot

pytestmark = pytest.mark.integration

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """A PNG's width and height from its IHDR chunk, which must come first."""
    assert data.startswith(PNG_SIGNATURE)
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


async def picture(bot, anna, kim, room_id) -> dict:
    assert (await ask(kim, room_id, "!org sätt Polisen"))["body"].endswith("företräder Polisen.")
    await ask(anna, room_id, "!org sätt Eslövs kommun")
    await ask(kim, room_id, "!rapport Centrum Klotter på muren vid torget")
    await ask(kim, room_id, "!rapport Centrum Klotter på busskuren")
    await ask(anna, room_id, "!rapport Berga Nedskräpning vid återvinningen")
    return await ask(anna, room_id, "!lägesbild")


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
async def test_the_picture_shows_the_table_and_its_chart_arrives_as_a_png(
    make_bot, make_user, make_room, homeserver, encrypted
):
    bot = make_bot()
    anna = await make_user("anna")
    kim = await make_user("kim")
    room_id = await room_with_bot(bot, anna, make_room, encrypted=encrypted, others=(kim,))

    reply = await picture(bot, anna, kim, room_id)

    lines = reply["body"].splitlines()
    assert lines[0].startswith("Lägesbild ")
    assert lines[1] == "3 iakttagelser. Det finns inga tidigare uppgifter att jämföra med."
    assert "Har rapporterat: Eslövs kommun och Polisen." in lines
    assert "<table>" in reply["formatted_body"] and "<td>Centrum</td>" in reply["formatted_body"]

    image = await posted(anna, room_id, bot.user_id, "m.image")
    assert image["info"]["mimetype"] == "image/png"
    if encrypted:
        assert "url" not in image
        stored = download_bytes(homeserver, anna.client.access_token, image["file"]["url"])
        assert not stored.startswith(PNG_SIGNATURE)
        keys = image["file"]
        data = decrypt_attachment(stored, keys["key"]["k"], keys["hashes"]["sha256"], keys["iv"])
    else:
        data = download_bytes(homeserver, anna.client.access_token, image["url"])
    assert png_size(data) == (image["info"]["w"], image["info"]["h"])
    assert image["info"]["size"] == len(data)


async def test_a_room_without_observations_gets_no_table_and_no_chart(make_bot, make_user, make_room):
    bot = make_bot()
    anna = await make_user("anna")
    room_id = await room_with_bot(bot, anna, make_room)

    assert (await ask(anna, room_id, "!lägesbild"))["body"].startswith("Det finns inga iakttagelser i rummet än")
    assert (await ask(anna, room_id, "!lägesbild vecka 54"))["body"].startswith('"54" är ingen vecka')
    await ask(anna, room_id, "!ping")
    assert [content_of(e).get("msgtype") for e in anna.messages_from(room_id, bot.user_id)].count("m.image") == 0
