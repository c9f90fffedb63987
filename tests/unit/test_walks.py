"""Safety walks through the dispatcher, the reaction to photos and locations, and the walks job: a real database and
a FakeClock, what the bot would post read from the outbox."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from bot.clock import FakeClock
from bot.commands.dispatcher import txn_id
from bot.commands.message import IncomingShare
from bot.feature import Services
from bot.features import FEATURES
from bot.features.walks import WALKS, attach
from bot.i18n import Catalogue
from bot.runner import Runner
from bot.store.db import Database
from bot.store.outbox import OutboxRepo, OutgoingMessage
from bot.store.walks import WalkRepo
from tests.unit.handlers import ANNA, KIM, OLLE, PNR, PRIVACY_SV, Chat, utc
from tests.unit.helpers import ROOM, make_settings

FORBIDDEN = "Det här får bara moderatorer göra: det krävs behörighetsnivå 50 i rummet"
PAST = "2026-11-01 har redan varit; ange ett kommande datum."
ENCRYPTED = {
    "url": "mxc://eslov.se/krypterad",
    "key": {"kty": "oct", "key_ops": ["encrypt", "decrypt"], "alg": "A256CTR", "k": "hemlig", "ext": True},
    "iv": "w+sE15fzSc0AAAAAAAAAAA",
    "hashes": {"sha256": "fdSLu/YkRx3Wyh3KQabP3rd6+SFiKg5l/0xjrbgEcvg"},
    "v": "v2",
}


class Bot:
    """The parts of the app that are not commands: the reaction to photos and locations, and the walks job."""

    def __init__(self, db: Database, clock: FakeClock):
        self.services = Services(db, clock, Catalogue("sv"), make_settings())
        self.runner = Runner(FEATURES, self.services, self._flush)
        self.db = db
        self.events = 0

    async def _flush(self) -> None:
        pass

    async def share(self, sender: str = ANNA, kind: str = "photo", sent_ms: int = 0, **values) -> IncomingShare:
        self.events += 1
        values.setdefault("body", "parkvagen.jpg" if kind == "photo" else "Plats")
        if kind == "photo" and "file" not in values:
            values.setdefault("url", "mxc://eslov.se/foto")
        shared = IncomingShare(ROOM, f"$shared{self.events}", sender, sent_ms, kind, **values)
        await attach(self.services, shared)
        return shared

    async def job(self) -> None:
        await self.runner.check(WALKS)


async def outbox(db: Database) -> list[OutgoingMessage]:
    async with db.reading() as conn:
        return await OutboxRepo(conn).pending()


async def reply_to(db: Database, event_id: str) -> str | None:
    found = [m for m in await outbox(db) if m.txn_id == txn_id(event_id, 0)]
    assert len(found) <= 1
    return found[0].content["body"] if found else None


async def stored(db: Database) -> dict[str, list[tuple]]:
    found = {}
    async with db.reading() as conn:
        for table in ("walks", "walk_points", "walk_attachments", "actions"):
            async with conn.execute(f"SELECT * FROM {table} ORDER BY rowid") as cursor:
                found[table] = [tuple(row) for row in await cursor.fetchall()]
    return found


async def a_walk(chat: Chat) -> None:
    await chat.send("!org set Eslövs kommun")
    assert (await chat.send("!vandring starta berga Kvällsvandring med fritidsgården")).startswith(
        "Trygghetsvandring 1 i Berga har börjat."
    )


async def test_a_point_is_recorded_numbered_with_its_responsible_as_the_room_spells_it(chat: Chat) -> None:
    await a_walk(chat)
    said = await chat.send("!punkt Parkvägen 3: Trasig belysning förslag Byt armatur ansvarig eslövs kommun", sender=OLLE)
    assert said.splitlines()[:4] == [
        "Punkt 1: Parkvägen 3",
        "Vad: Trasig belysning",
        "Förslag: Byt armatur",
        "Ansvarig: Eslövs kommun",
    ]
    assert (await chat.send("!point Torget: Mörkt hörn", sender=KIM)).splitlines()[:3] == [
        "Punkt 2: Torget",
        "Vad: Mörkt hörn",
        "Ansvarig: ingen angiven",
    ]


async def test_only_a_moderator_starts_a_walk_one_at_a_time_in_an_area_the_room_knows(chat: Chat, db: Database) -> None:
    assert (await chat.send("!vandring starta Berga", sender=OLLE)).startswith(FORBIDDEN)
    assert (await chat.send("!vandring starta Bergaa")).startswith("Menade du")
    assert (await chat.send("!vandring starta Nowhere")).startswith("Det finns inget område")
    assert (await chat.send("!vandring starta")).startswith("Skriv vilket område vandringen går i.\nAnvändning:")
    assert (await stored(db))["walks"] == []
    await chat.send("!vandring starta Centrum")
    assert (await chat.send("!vandring starta Berga")) == (
        "Trygghetsvandring 1 i Centrum pågår redan. Avsluta den med `!vandring slut`."
    )


async def test_without_a_walk_a_point_is_refused_and_a_bad_point_shows_its_usage_storing_nothing(
    chat: Chat, db: Database
) -> None:
    assert await chat.send("!punkt Torget: Mörkt hörn", sender=OLLE) == (
        "Ingen trygghetsvandring pågår. En moderator startar en med `!vandring starta <område>`."
    )
    await a_walk(chat)
    before = await stored(db)
    unreadable = await chat.send("!punkt Torget Mörkt hörn", sender=OLLE)
    assert unreadable.startswith("Skriv platsen, ett kolon och vad ni ser")
    assert "Användning: `!punkt <plats>: <vad> [förslag <text>] [ansvarig <organisation>]`" in unreadable
    assert await chat.send(f"!punkt Torget: Personen {PNR} står ofta här", sender=OLLE) == PRIVACY_SV
    assert await chat.send(f"!punkt Torget: Mörkt förslag Prata med {PNR}", sender=OLLE) == PRIVACY_SV
    assert (await chat.send("!punkt", sender=OLLE)).startswith("Skriv platsen")
    assert await stored(db) == before


async def test_a_photo_replying_to_a_point_is_attached_once_and_confirmed(chat: Chat, db: Database, clock: FakeClock) -> None:
    bot = Bot(db, clock)
    await a_walk(chat)
    await chat.send("!punkt Parkvägen 3: Trasig belysning ansvarig Eslövs kommun", sender=OLLE)
    async with db.reading() as conn:
        [point] = await WalkRepo(conn).points(1)
    async with db.transaction() as tx:  # the confirmation is in the room
        [confirmation] = [m for m in await OutboxRepo(tx).pending() if m.txn_id == txn_id(point.event_id, 0)]
        await OutboxRepo(tx).mark_sent(confirmation.id, "$confirmation", clock.now())

    photo = await bot.share(KIM, sent_ms=3_600_000, reply_to="$confirmation", mimetype="image/jpeg")
    assert await reply_to(db, photo.event_id) == "Fotot hör nu till punkt 1 (Parkvägen 3)."
    in_thread = await bot.share(KIM, sent_ms=3_600_000, reply_to="$confirmation", thread_root="$confirmation")
    [answer] = [m for m in await outbox(db) if m.txn_id == txn_id(in_thread.event_id, 0)]
    assert answer.content["m.relates_to"] == {  # the answer stays in the thread
        "rel_type": "m.thread", "event_id": "$confirmation", "is_falling_back": False,
        "m.in_reply_to": {"event_id": in_thread.event_id},
    }  # fmt: skip
    await attach(bot.services, photo)  # the same event again, as after a crash before the sync position was stored
    place = await bot.share(OLLE, "location", sent_ms=3_600_000, reply_to=point.event_id, geo_uri="geo:55.8391,13.3034;u=35")
    assert await reply_to(db, place.event_id) == (
        "Platsen hör nu till punkt 1 (Parkvägen 3): "
        "https://www.openstreetmap.org/?mlat=55.8391&mlon=13.3034#map=18/55.8391/13.3034"
    )
    found = (await stored(db))["walk_attachments"]
    assert [(row[2], row[3], row[4], row[7], row[8]) for row in found] == [
        (photo.event_id, "photo", KIM, "mxc://eslov.se/foto", "image/jpeg"),
        (in_thread.event_id, "photo", KIM, "mxc://eslov.se/foto", None),
        (place.event_id, "location", OLLE, None, None),
    ]
    assert found[2][10:] == ("geo:55.8391,13.3034;u=35", 55.8391, 13.3034, 35.0)
    assert [m.txn_id for m in await outbox(db)].count(txn_id(photo.event_id, 0)) == 1


async def test_within_two_minutes_ones_own_photo_needs_no_reply_and_keeps_its_keys(chat: Chat, db: Database, clock: FakeClock) -> None:
    bot = Bot(db, clock)
    await a_walk(chat)
    await chat.send("!punkt Parkvägen 3: Trasig belysning", sender=OLLE)  # sent at 0 ms, as the chat sends them
    photo = await bot.share(OLLE, sent_ms=120_000, file=ENCRYPTED, mimetype="image/png")
    assert await reply_to(db, photo.event_id) == "Fotot hör nu till punkt 1 (Parkvägen 3)."
    [row] = (await stored(db))["walk_attachments"]
    assert row[7] == "mxc://eslov.se/krypterad" and json.loads(row[9]) == ENCRYPTED


async def test_chat_photos_outside_a_walk_or_away_from_a_point_are_left_alone(chat: Chat, db: Database, clock: FakeClock) -> None:
    bot = Bot(db, clock)
    outside = await bot.share(OLLE)  # no walk
    await a_walk(chat)
    await chat.send("!punkt Parkvägen 3: Trasig belysning", sender=OLLE)
    late = await bot.share(OLLE, sent_ms=120_001)  # a moment past the window
    someone_else = await bot.share(KIM, sent_ms=1_000)  # Kim wrote no point
    replying = await bot.share(OLLE, sent_ms=1_000, reply_to="$a_chat_message")
    for shared in (outside, late, someone_else, replying):
        assert await reply_to(db, shared.event_id) is None
    assert (await stored(db))["walk_attachments"] == []


async def test_a_photo_named_after_a_person_is_kept_without_its_name(chat: Chat, db: Database, clock: FakeClock) -> None:
    bot = Bot(db, clock)
    await a_walk(chat)
    await chat.send("!punkt Parkvägen 3: Trasig belysning", sender=OLLE)
    photo = await bot.share(OLLE, body=f"anmälan {PNR}.jpg")
    assert await reply_to(db, photo.event_id) == "Fotot hör nu till punkt 1 (Parkvägen 3)."
    [row] = (await stored(db))["walk_attachments"]
    assert row[6] is None and PNR not in " ".join(map(str, row))
    assert "Foto: utan namn — mxc://eslov.se/foto" in await chat.send("!vandring")


async def test_text_in_the_plan_stays_text(chat: Chat) -> None:
    await a_walk(chat)
    await chat.send("!punkt <b>Torget</b>: Klotter *överallt* [länk](https://example.org)", sender=OLLE)
    shown = await chat.reply("!vandring")
    assert "&lt;b&gt;Torget&lt;/b&gt;" in shown["formatted_body"] and "<b>" not in shown["formatted_body"]
    assert "Klotter *överallt* [länk](https://example.org)" in shown["body"]
    assert "<em>" not in shown["formatted_body"] and "<a " not in shown["formatted_body"]


async def test_a_photo_or_a_location_that_cannot_be_read_is_noted_and_not_kept(chat: Chat, db: Database, clock: FakeClock) -> None:
    bot = Bot(db, clock)
    await a_walk(chat)
    await chat.send("!punkt Parkvägen 3: Trasig belysning", sender=OLLE)
    no_url = await bot.share(OLLE, url=None)
    bad_keys = await bot.share(OLLE, file={"url": "mxc://eslov.se/x", "iv": "iv"})
    bad_place = await bot.share(OLLE, "location", geo_uri="geo:123,456")
    for shared in (no_url, bad_keys):
        assert (await reply_to(db, shared.event_id)).startswith("Jag kunde inte läsa fotot")
    assert (await reply_to(db, bad_place.event_id)).startswith("Jag kunde inte läsa platsen")
    assert (await stored(db))["walk_attachments"] == []


async def test_a_point_becomes_an_action_for_its_responsible_once(chat: Chat, db: Database) -> None:
    await a_walk(chat)
    await chat.send("!punkt Parkvägen 3: Trasig belysning förslag Byt armatur ansvarig Eslövs kommun", sender=OLLE)
    await chat.send("!punkt Torget: Mörkt hörn", sender=OLLE)
    assert (await chat.send("!punkt åtgärd 1", sender=OLLE)).startswith(FORBIDDEN)
    made = await chat.send("!punkt åtgärd 1 senast 15 december")
    assert made.splitlines() == [
        "Punkt 1 i trygghetsvandring 1 är nu åtgärd #1:",
        "#1 Parkvägen 3: Trasig belysning. Förslag: Byt armatur (trygghetsvandring 1, punkt 1) — Eslövs kommun — "
        "senast tisdag 15 december 2026",
    ]
    [action] = await chat.actions()
    assert (action.organisation, action.owners, action.due.isoformat()) == ("Eslövs kommun", (), "2026-12-15")
    assert await chat.send("!punkt åtgärd 1") == "Punkt 1 är redan åtgärd #1."
    assert (await chat.send("!punkt åtgärd 2")).startswith("Punkt 2 har ingen ansvarig")
    assert await chat.send("!punkt åtgärd 3") == "Trygghetsvandring 1 har ingen punkt 3."
    assert len(await chat.actions()) == 1
    assert "• Åtgärd: #1 senast tisdag 15 december 2026" in await chat.send("!vandring")


async def test_the_end_posts_the_plan_the_job_its_file_once_and_the_follow_up_once(
    chat: Chat, db: Database, clock: FakeClock
) -> None:
    bot = Bot(db, clock)
    await a_walk(chat)
    await chat.send("!punkt Parkvägen 3: Trasig belysning ansvarig Eslövs kommun", sender=OLLE)
    await bot.share(OLLE, sent_ms=1_000)
    await bot.share(OLLE, "location", sent_ms=2_000, geo_uri="geo:55.8391,13.3034;u=35")
    await chat.send("!punkt Torget: Mörkt hörn", sender=KIM)
    await chat.send("!punkt åtgärd 1")
    clock.advance(timedelta(hours=1, minutes=30))
    ended = await chat.send("!vandring slut")
    assert ended.startswith("Trygghetsvandring 1 i Berga är avslutad, med 2 punkter. Åtgärdsplanen följer, även som fil.")
    assert "Vandringen började måndag 30 november 2026 kl. 11.00 (vecka 49) och slutade kl. 12.30." in ended
    assert "Obs! Fotona kan visa människor eller fordon." in ended
    assert "Foto: parkvagen.jpg — mxc://eslov.se/foto" in ended
    assert "Plats på kartan: https://www.openstreetmap.org/?mlat=55.8391&mlon=13.3034#map=18/55.8391/13.3034 (±35 m)" in ended
    assert ended.endswith(
        "Jag påminner om en uppföljande vandring söndag 30 maj 2027. Ändra dagen med `!vandring uppföljning <datum>`."
    )
    assert (await chat.send("!punkt Torget: Mer", sender=OLLE)).startswith("Ingen trygghetsvandring pågår.")

    await bot.job()
    await bot.job()
    [plan] = [m for m in await outbox(db) if m.txn_id.startswith("sb-walk-plan-")]
    assert plan.content["filename"] == "åtgärdsplan-vandring-1-2026-11-30.md"
    text = plan.file.decode()
    assert text.startswith("# Åtgärdsplan: trygghetsvandring 1 i Berga\n")
    assert "### 1. Parkvägen 3\n\n- Vad: Trasig belysning\n- Ansvarig: Eslövs kommun\n- Åtgärd: #1\n" in text
    assert "### 2. Torget" in text

    clock.advance(utc(2027, 5, 30, 7) - clock.now())  # 09:00 in Stockholm, summer time
    await bot.job()
    await Bot(db, clock).job()  # as after a restart
    [followup] = [m for m in await outbox(db) if m.txn_id.startswith("sb-walk-followup-")]
    assert followup.content["body"] == (
        "Dags att planera en uppföljande trygghetsvandring i Berga: vandring 1 gick måndag 30 november 2026.\n\n"
        "Punkter vars åtgärd fortfarande är öppen:\n1. Parkvägen 3: Trasig belysning — #1\n\n"
        "Punkter som aldrig blev åtgärder:\n2. Torget: Mörkt hörn"
    )


async def test_a_new_follow_up_day_is_reminded_of_afresh(chat: Chat, db: Database, clock: FakeClock) -> None:
    bot = Bot(db, clock)
    assert (await chat.send("!vandring uppföljning 1 mars")).startswith("Rummet har inga trygghetsvandringar än.")
    await a_walk(chat)
    assert await chat.send("!vandring uppföljning 1 mars") == (
        "Jag påminner om en uppföljande vandring efter trygghetsvandring 1 i Berga måndag 1 mars 2027."
    )
    assert (await chat.send("!vandring uppföljning 2026-11-01")).startswith(PAST)
    await chat.send("!vandring slut")
    clock.advance(utc(2027, 3, 1, 8, 1) - clock.now())
    await bot.job()
    assert len([m for m in await outbox(db) if m.txn_id.startswith("sb-walk-followup-")]) == 1
    await chat.send("!vandring uppföljning 2 mars")
    clock.advance(timedelta(days=1))
    await bot.job()
    assert len([m for m in await outbox(db) if m.txn_id.startswith("sb-walk-followup-")]) == 2


async def test_a_long_follow_up_list_is_cut_with_a_count_and_the_command_that_shows_the_plan(
    chat: Chat, db: Database, clock: FakeClock
) -> None:
    await a_walk(chat)
    for n in range(1, 41):
        await chat.send(f"!punkt Plats {n}: {'Något som behöver göras här, och som tar lite plats att beskriva ' * 2}")
    await chat.send("!vandring slut")
    clock.advance(timedelta(days=200))
    await Bot(db, clock).job()
    [followup] = [m for m in await outbox(db) if m.txn_id.startswith("sb-walk-followup-")]
    body = followup.content["body"]
    assert body.splitlines()[2] == "Punkter som aldrig blev åtgärder:"
    listed = len(re.findall(r"^\d+\. Plats", body, re.MULTILINE))
    assert 0 < listed < 40 and body.endswith(f"… och {40 - listed} punkter till i planen: `!vandring 1`")


async def test_a_walk_is_shown_by_number_and_a_long_plan_goes_on_by_command(chat: Chat, db: Database) -> None:
    await a_walk(chat)
    for n in range(1, 41):
        await chat.send(f"!punkt Plats {n}: Något som behöver göras på plats nummer {n} förslag Gör något åt det", sender=OLLE)
    await chat.send("!vandring slut")
    shown = await chat.send("!vandring 1")
    assert shown.startswith("Åtgärdsplan: trygghetsvandring 1 i Berga")
    hint = shown.splitlines()[-1]
    assert hint.startswith("… och ") and "`!vandring 1 från " in hint
    position = hint.split("från ")[1].rstrip("`")
    following = await chat.send(f"!vandring 1 från {position}")
    last = re.findall(r"^(\d+)\. Plats", shown, re.MULTILINE)[-1]
    assert following.startswith(f"{last}. Plats {last}\n• Vad: Något som behöver göras på plats nummer {last}\n")
    assert following.endswith("40. Plats 40\n• Vad: Något som behöver göras på plats nummer 40\n"
                              "• Förslag: Gör något åt det\n• Ansvarig: ingen angiven")
    assert await chat.send("!vandring 2") == "Det finns ingen trygghetsvandring 2 i rummet."
