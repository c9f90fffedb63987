"""Safety walks in real rooms: points, a photo uploaded to the media repository and sent as a reply, a location as
Element's mobile app sends it, the action plan as a message and a file that names and links them both, a point made
an action; the same in an encrypted room, where the photo's keys are kept; and a restart in the middle of a walk."""

from __future__ import annotations

import io
import struct
import zlib
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from nio import UploadResponse
from nio.crypto.attachments import decrypt_attachment

from bot.localclient import UserClient, content_of
from bot.store.walks import WalkRepo
from bot.policy import WALK_FOLLOWUP_AT
from tests.integration.helpers import (
    LEAD, SET_UP, JobWatch, ShiftedClock, ask, barrier, download, download_bytes, posted, room_with_bot,
)  # fmt: skip

pytestmark = pytest.mark.integration

STOCKHOLM = ZoneInfo("Europe/Stockholm")
OSM = "https://www.openstreetmap.org/?mlat=55.8391&mlon=13.3034#map=18/55.8391/13.3034"


def png() -> bytes:
    """A 1×1 PNG: a photo as small as a photo gets."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0\xff\x00\x00")) + chunk(b"IEND", b"")


async def send_photo(user: UserClient, room_id: str, reply_to: str | None, encrypted: bool) -> tuple[str, dict[str, Any]]:
    """Upload a photo as a client does (encrypted first in an encrypted room) and post it as m.image; its event id,
    and the `file` dict (or the mxc address) it was sent with."""
    data = png()
    response, keys = await user.client.upload(
        io.BytesIO(data), content_type="image/png", filename="lampan.png", encrypt=encrypted, filesize=len(data)
    )
    assert isinstance(response, UploadResponse), response
    info = {"mimetype": "image/png", "size": len(data), "w": 1, "h": 1}
    where = {"file": {**keys, "url": response.content_uri}} if encrypted else {"url": response.content_uri}
    relation = {"m.relates_to": {"m.in_reply_to": {"event_id": reply_to}}} if reply_to else {}
    event_id = await user.send(room_id, "lampan.png", msgtype="m.image", info=info, **where, **relation)
    return event_id, where


async def send_location(user: UserClient, room_id: str, reply_to: str | None = None) -> str:
    """A location as Element's mobile app shares it (MSC3488 keeps `geo_uri` for older clients)."""
    relation = {"m.relates_to": {"m.in_reply_to": {"event_id": reply_to}}} if reply_to else {}
    return await user.send(
        room_id,
        "Plats delad geo:55.8391,13.3034;u=35",
        msgtype="m.location",
        geo_uri="geo:55.8391,13.3034;u=35",
        **{"org.matrix.msc3488.location": {"uri": "geo:55.8391,13.3034;u=35"}},
        **relation,
    )


async def answer(user: UserClient, room_id: str, event_id: str) -> str:
    return content_of(await user.reply_to(room_id, event_id))["body"]


async def plan_file(user: UserClient, room_id: str, bot_id: str, homeserver: Any) -> tuple[dict[str, Any], str]:
    content = await posted(user, room_id, bot_id)
    if "file" in content:
        keys = content["file"]
        stored = download_bytes(homeserver, user.client.access_token, keys["url"])
        return content, decrypt_attachment(stored, keys["key"]["k"], keys["hashes"]["sha256"], keys["iv"]).decode()
    return content, download(homeserver, user.client.access_token, content["url"])


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
async def test_a_walk_with_a_photo_and_a_location_ends_in_an_action_plan_that_links_them(
    make_bot, make_user, make_room, homeserver, encrypted
):
    bot = make_bot()
    anna = await make_user("anna")
    per = await make_user("per")
    room_id = await room_with_bot(bot, anna, make_room, encrypted=encrypted, others=(per,))
    await ask(anna, room_id, "!org sätt Eslövs kommun")
    started = await ask(anna, room_id, "!vandring starta Berga Kvällsvandring med fritidsgården")
    assert started["body"].startswith("Trygghetsvandring 1 i Berga har börjat.")

    unreadable = await ask(per, room_id, "!punkt Parkvägen 3 trasig belysning")
    assert unreadable["body"].startswith("Skriv platsen, ett kolon och vad ni ser")
    assert "Användning: `!punkt <plats>: <vad>" in unreadable["body"]
    command = await per.send(room_id, "!punkt Parkvägen 3: Trasig belysning förslag Byt armatur ansvarig eslövs kommun")
    confirmation = await per.reply_to(room_id, command)
    assert content_of(confirmation)["body"].startswith("Punkt 1: Parkvägen 3\n")  # nothing kept of the bad one

    photo, sent_with = await send_photo(per, room_id, confirmation.event_id, encrypted)
    assert await answer(per, room_id, photo) == "Fotot hör nu till punkt 1 (Parkvägen 3)."
    await ask(anna, room_id, "!punkt Gångtunneln: Mörkt och skräpigt ansvarig Polisen")
    place = await send_location(anna, room_id)  # within two minutes of her own point: no reply needed
    assert await answer(anna, room_id, place) == f"Platsen hör nu till punkt 2 (Gångtunneln): {OSM}"
    chat = await per.send(room_id, "Fin kväll för en promenad")
    chatting, _ = await send_photo(per, room_id, chat, encrypted)  # a reply to chat is chat, however soon

    made = await ask(anna, room_id, "!punkt åtgärd 1 senast om 30 dagar")
    assert made["body"].startswith("Punkt 1 i trygghetsvandring 1 är nu åtgärd #1:\n#1 Parkvägen 3: Trasig belysning.")
    assert "— Eslövs kommun — senast " in made["body"]
    assert (await ask(anna, room_id, "!åtgärder"))["body"].count("Parkvägen 3") == 1
    assert per.replies_to(room_id, chatting) == []  # the bot has answered everything sent before `!åtgärder`

    ended = (await ask(anna, room_id, "!vandring slut"))["body"]
    assert ended.startswith("Trygghetsvandring 1 i Berga är avslutad, med 2 punkter.")
    assert "Obs! Fotona kan visa människor eller fordon." in ended
    mxc = sent_with["file"]["url"] if encrypted else sent_with["url"]
    assert f"Foto: lampan.png — {mxc}" in ended
    assert f"Plats på kartan: {OSM} (±35 m)" in ended

    content, text = await plan_file(anna, room_id, bot.user_id, homeserver)
    assert content["body"].startswith("åtgärdsplan-vandring-1-") and content["info"]["mimetype"] == "text/markdown"
    first, second = text.split("### 1. Parkvägen 3")[1].split("### 2. Gångtunneln")
    assert "- Förslag: Byt armatur\n- Ansvarig: Eslövs kommun\n- Åtgärd: #1 senast " in first
    assert f"- Foto: lampan.png — {mxc}" + (" (krypterat;" if encrypted else "\n") in first
    assert first.count("- Foto:") == 1  # the chat photo is not in the plan
    assert f"- Plats på kartan: {OSM} (±35 m)" in second and "- Ansvarig: Polisen" in second

    async with bot.app.db.reading() as conn:
        [kept] = [a for p in await WalkRepo(conn).points(1) for a in p.attachments if a.kind == "photo"]
    assert (kept.url, kept.mimetype, kept.body) == (mxc, "image/png", "lampan.png")
    assert kept.file == (sent_with["file"] if encrypted else None)  # the keys that open it, as private as the database


async def test_a_restart_in_the_middle_of_a_walk_loses_nothing_and_doubles_nothing(make_bot, make_user, make_room):
    bot = make_bot()
    anna = await make_user("anna")
    room_id = await room_with_bot(bot, anna, make_room)
    await ask(anna, room_id, "!vandring starta Centrum")
    first = await anna.send(room_id, "!punkt Torget: Trasig bänk")
    await anna.reply_to(room_id, first)

    await bot.stop()
    sent = [
        await anna.send(room_id, "!punkt Busstationen: Klotter på väntkuren"),
        await send_location(anna, room_id),  # right after her point, while the bot is away
        (await send_photo(anna, room_id, first, encrypted=False))[0],  # a reply to her first point's command
        await anna.send(room_id, "!punkt Stationen"),  # cannot be read: stores nothing
    ]
    await bot.start()

    replies = [await answer(anna, room_id, event_id) for event_id in sent]
    assert replies[0].startswith("Punkt 2: Busstationen\n")
    assert replies[1].startswith("Platsen hör nu till punkt 2 (Busstationen)")
    assert replies[2] == "Fotot hör nu till punkt 1 (Torget)."
    assert replies[3].startswith("Skriv platsen, ett kolon")
    await bot.stop()
    await bot.start()
    await barrier(anna, room_id)
    assert [len(anna.replies_to(room_id, event_id)) for event_id in sent] == [1, 1, 1, 1]

    plan = (await ask(anna, room_id, "!vandring slut"))["body"]
    assert plan.startswith("Trygghetsvandring 1 i Centrum är avslutad, med 2 punkter.")
    assert plan.count("Foto: lampan.png") == 1 and plan.count("Plats på kartan:") == 1


def followups_in(user: UserClient, room_id: str, bot_id: str) -> list[Any]:
    return [
        e for e in user.messages_from(room_id, bot_id)
        if content_of(e).get("body", "").startswith("Dags att planera en uppföljande trygghetsvandring")
    ]  # fmt: skip


async def test_the_follow_up_walk_is_proposed_on_its_day_once_across_a_restart(make_bot, make_user, make_room):
    day = (datetime.now(STOCKHOLM) + timedelta(days=3)).date()
    due = datetime.combine(day, WALK_FOLLOWUP_AT, tzinfo=STOCKHOLM).astimezone(timezone.utc)
    clock = ShiftedClock(due - SET_UP)
    bot = make_bot(clock=clock)
    anna = await make_user("anna")
    room_id = await room_with_bot(bot, anna, make_room)
    await ask(anna, room_id, "!org sätt Eslövs kommun")
    await ask(anna, room_id, "!vandring starta Stationsområdet")
    await ask(anna, room_id, "!punkt Cykelgaraget: Trasig belysning ansvarig Eslövs kommun")
    await ask(anna, room_id, "!punkt Perrongen: Skräp")
    await ask(anna, room_id, "!punkt åtgärd 1")
    assert "Jag påminner om en uppföljande vandring " in (await ask(anna, room_id, "!vandring slut"))["body"]
    jobs = JobWatch(bot)
    clock.set(due - LEAD)

    said = await ask(anna, room_id, f"!vandring uppföljning {day.isoformat()}")
    assert said["body"].startswith("Jag påminner om en uppföljande vandring efter trygghetsvandring 1 i Stationsområdet ")

    await anna.wait_for(lambda: followups_in(anna, room_id, bot.user_id), timeout=30)
    await jobs.idle()
    await barrier(anna, room_id)
    [posted_once] = followups_in(anna, room_id, bot.user_id)
    assert content_of(posted_once)["body"].endswith(
        "Punkter vars åtgärd fortfarande är öppen:\n1. Cykelgaraget: Trasig belysning — #1\n\n"
        "Punkter som aldrig blev åtgärder:\n2. Perrongen: Skräp"
    )

    await bot.stop()
    await bot.start()  # a restart does not propose it again
    await JobWatch(bot).idle()
    await barrier(anna, room_id)
    assert len(followups_in(anna, room_id, bot.user_id)) == 1
