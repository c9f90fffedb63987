"""`!lägesbild` through the dispatcher: the reply, a week asked for, bad input, the period an observation counts in,
and the chart's request from the command to the outbox, once, across a crash."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.chart import PNG_SIGNATURE, png_size, size
from bot.clock import FakeClock
from bot.feature import Effects, Services
from bot.features import FEATURES
from bot.features.situation import CHARTS, chart_txn
from bot.i18n import Catalogue
from bot.store.db import Database
from tests.unit.handlers import KIM, OLLE, Chat
from tests.unit.helpers import ROOM, make_settings

USAGE = "Användning: `!lägesbild vecka <vecka>`"


async def requests(db: Database) -> list[tuple]:
    async with db.reading() as conn:
        async with conn.execute("SELECT txn_id, room_id, week FROM chart_requests") as cursor:
            return [tuple(row) for row in await cursor.fetchall()]


async def images(db: Database) -> list[tuple[str, dict, bytes | None]]:
    async with db.reading() as conn:
        async with conn.execute(
            "SELECT txn_id, content, file FROM outbox WHERE content LIKE '%m.image%' ORDER BY id"
        ) as cursor:
            return [(row[0], json.loads(row[1]), row[2]) for row in await cursor.fetchall()]


async def run_charts(db: Database, clock: FakeClock, keys: frozenset | None) -> None:
    services = Services(db, clock, Catalogue("sv"), make_settings())
    await FEATURES.jobs[CHARTS].run(services, keys, Effects())


async def reported(chat: Chat) -> None:
    await chat.send("!org sätt Polisen", sender=KIM)
    await chat.send("!org sätt Bostadsbolaget", sender=OLLE)
    await chat.send("!org sätt Räddningstjänsten")
    await chat.send("!rapport Centrum Klotter på väggen vid torget", sender=KIM)
    await chat.send("!rapport Centrum Klotter på busskuren", sender=KIM)
    await chat.send("!rapport Berga Nedskräpning vid återvinningen", sender=KIM)
    await chat.send("!rapport inget")


async def test_a_room_without_observations_gets_a_short_answer_and_no_chart(chat: Chat, db: Database) -> None:
    assert await chat.send("!lägesbild") == (
        "Det finns inga iakttagelser i rummet än, så det finns ingen lägesbild att visa. "
        "Rapportera med `!rapport <område> <kategori> <text>`."
    )
    assert await requests(db) == []


async def test_the_picture_shows_the_table_and_who_has_reported_and_asks_for_a_chart(chat: Chat, db: Database) -> None:
    await reported(chat)

    reply = await chat.reply("!lägesbild", sender=OLLE)

    assert reply["body"].splitlines() == [
        "Lägesbild tisdag 24 november 2026 – måndag 30 november 2026",
        "3 iakttagelser. Det finns inga tidigare uppgifter att jämföra med.",
        "",
        "Område   Klotter  Nedskräpning  Summa",
        "Centrum        2                    2",
        "Berga                        1      1",
        "Summa          2             1      3",
        "",
        "Flest iakttagelser: Centrum (2) och Berga (1).",
        "",
        "Har rapporterat: Polisen.",
        "Inget att rapportera: Räddningstjänsten.",
        "Har inte rapporterat: Bostadsbolaget.",
    ]
    assert "<table>" in reply["formatted_body"] and "<td>Centrum</td>" in reply["formatted_body"]
    assert [(room, week) for _, room, week in await requests(db)] == [(ROOM, None)]


async def test_a_removed_observation_does_not_count(chat: Chat) -> None:
    await reported(chat)
    await chat.send("!rapport ta bort 3", sender=KIM)

    assert (await chat.send("!lägesbild")).splitlines()[1].startswith("2 iakttagelser.")


async def test_who_has_reported_is_who_wrote_in_the_round_whenever_it_happened(chat: Chat) -> None:
    """A report written now of something from last week counts for the week it happened in the table, and for
    the round it was written in when it comes to who has reported: the reporting nudge counts it the same way."""
    await chat.send("!org sätt Polisen", sender=KIM)
    await chat.send("!org sätt Bostadsbolaget", sender=OLLE)
    await chat.send("!rapport Centrum Klotter på väggen datum 2026-11-18", sender=KIM)

    lines = (await chat.send("!lägesbild")).splitlines()

    assert lines[1] == "Inga iakttagelser. Det finns inga tidigare uppgifter att jämföra med."
    assert "Har rapporterat: Polisen." in lines and "Har inte rapporterat: Bostadsbolaget." in lines


async def test_a_week_asked_for_by_number(chat: Chat, clock: FakeClock, db: Database) -> None:
    await chat.send("!rapport Centrum Klotter förra veckan datum 2026-11-18", sender=KIM)
    await chat.send("!rapport Berga Klotter i veckan", sender=KIM)

    lines = (await chat.send("!lägesbild vecka 47")).splitlines()

    assert lines[:2] == [
        "Lägesbild vecka 47, måndag 16 november 2026 – söndag 22 november 2026",
        "1 iakttagelse. Det finns inga tidigare uppgifter att jämföra med.",
    ]
    assert (await chat.send("!situation week 49")).splitlines()[:2] == [
        "Lägesbild vecka 49, måndag 30 november 2026 – söndag 6 december 2026",
        "1 iakttagelse. Det finns inga tidigare uppgifter att jämföra med.",  # written this week, all of it
    ]
    assert [week for _, _, week in await requests(db)] == [47, 49]


async def test_a_week_that_is_none_is_refused_with_the_usage_and_nothing_is_stored(chat: Chat, db: Database) -> None:
    await chat.send("!rapport Centrum Klotter på väggen", sender=KIM)

    assert await chat.send("!lägesbild vecka 54") == (
        "\"54\" är ingen vecka; skriv ett veckonummer, till exempel 48.\n" + USAGE
    )
    assert await chat.send("!lägesbild vecka x") == (
        "\"x\" är ingen vecka; skriv ett veckonummer, till exempel 48.\n" + USAGE
    )
    assert await chat.send("!lägesbild vecka 53") == "Det finns ingen vecka 53 år 2025.\n" + USAGE
    assert await requests(db) == []


async def test_an_observation_of_a_meeting_day_counts_on_the_side_of_the_meeting_it_was_written(
    chat: Chat, clock: FakeClock
) -> None:
    await chat.send("!schema veckovis tisdag 09:00")
    await chat.send("!rapport Centrum Klotter på måndagen", sender=KIM)
    clock.advance(timedelta(hours=21))  # Tuesday 1 December 08:00, before the meeting
    await chat.send("!rapport Berga Klotter före mötet", sender=KIM)
    clock.advance(timedelta(hours=4))  # 12:00, after it
    await chat.send("!rapport Sallerup Brand efter mötet", sender=KIM)

    assert (await chat.send("!rapporter")).splitlines() == [
        "1 rapport, 1–8 december:",
        "3. Sallerup · Brand · 1 december · efter mötet (@kim:eslov.se)",
    ]
    lines = (await chat.send("!lägesbild")).splitlines()
    assert lines[:2] == [
        "Lägesbild tisdag 1 december 2026 – tisdag 8 december 2026",
        "1 iakttagelse. Perioden före: 2,0 (−1,0, −50 %).",
    ]


async def test_the_chart_is_queued_once_as_an_image_replying_to_the_command(
    chat: Chat, clock: FakeClock, db: Database
) -> None:
    await reported(chat)
    await chat.send("!lägesbild")
    (txn, _, _), = await requests(db)

    await run_charts(db, clock, frozenset({txn}))
    await run_charts(db, clock, frozenset({txn}))

    (queued, content, png), = await images(db)
    assert queued == txn and await requests(db) == []
    assert png.startswith(PNG_SIGNATURE)
    width, height = png_size(png)
    assert (width, height) == size(2)  # Centrum and Berga, in each panel
    assert content["msgtype"] == "m.image" and content["body"] == "lägesbild.png"
    assert content["info"] == {"mimetype": "image/png", "size": len(png), "w": width, "h": height}
    assert content["m.relates_to"]["m.in_reply_to"]["event_id"].startswith("$event")
    assert txn == chart_txn(content["m.relates_to"]["m.in_reply_to"]["event_id"])


async def test_a_chart_left_by_a_crash_is_drawn_at_start(chat: Chat, clock: FakeClock, db: Database) -> None:
    await reported(chat)
    await chat.send("!lägesbild")  # the bot stops here: the reply is queued, the chart only asked for

    await run_charts(db, clock, None)  # at start
    await run_charts(db, clock, None)

    assert len(await images(db)) == 1
    assert await requests(db) == []
