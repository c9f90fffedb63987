"""The handler tier: a command in, what the room will see out (the outbox), on a real SQLite database."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.features import FEATURES
from bot.commands.context import Context
from bot.commands.dispatcher import Dispatcher, txn_id
from bot.commands.message import IncomingMessage
from bot.commands.recognise import recognise
from bot.commands.registry import Arg, Registry
from bot.feature import Feature, Features
from bot.errors import ForbiddenError, UsageError
from bot.i18n import CATALOGUES, Text
from bot.permissions import RoomView
from bot.store.db import Database
from bot.store.outbox import OutboxRepo, OutgoingMessage
from bot.store.state import StateRepo
from tests.unit.helpers import BOT, ROOM, make_settings

# A feature whose commands exist only here, to drive the dispatcher's error paths.
TEST_FEATURE = Feature("test")
calls: list[str] = []

count = TEST_FEATURE.command("count", "räkna")


@count.form(Arg("count", rest=True))
async def count_command(ctx: Context, args: str) -> None:
    calls.append("count")
    if not args.isdigit():
        raise UsageError("test.not_a_number", value=args)
    ctx.reply(Text.of(f"Räknat till {args}."))
    ctx.reply(Text.of("Klart."))


half = TEST_FEATURE.command("half")


@half.form(Arg("count", rest=True))
async def half_command(ctx: Context, args: str) -> None:
    """Writes, queues a reply, then finds the input wrong: nothing of it may be kept."""
    await StateRepo(ctx.tx).set("half", "written")
    ctx.reply(Text.of("Halvvägs."))
    raise UsageError("test.not_a_number", value=args)


@TEST_FEATURE.command("forbidden").form()
async def forbidden_command(ctx: Context) -> None:
    raise ForbiddenError("test.forbidden")


@TEST_FEATURE.command("crash").form()
async def crash_command(ctx: Context) -> None:
    calls.append("crash")
    await StateRepo(ctx.tx).set("crash", "written")
    ctx.reply(Text.of("Halvvägs."))
    raise RuntimeError("secret detail from /srv/bot/internal.py")


TEST_REGISTRY = Features([TEST_FEATURE]).registry

# Their texts, added to the Swedish catalogue for the duration of each test.
TEST_MESSAGES = {
    "cmd.count.arg.count": "<antal>",
    "cmd.count.summary": "Räknar.",
    "cmd.half.arg.count": "<antal>",
    "cmd.half.summary": "Skriver hälften.",
    "cmd.forbidden.summary": "Får man inte.",
    "cmd.crash.summary": "Kraschar.",
    "test.not_a_number": "`{value}` är inget tal.",
    "test.forbidden": "Det får bara moderatorer göra.",
}


@pytest.fixture(autouse=True)
def extra_texts(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key, value in TEST_MESSAGES.items():
        monkeypatch.setitem(CATALOGUES["sv"], key, value)
    calls.clear()
    yield


def dispatcher(db: Database, clock: FakeClock, registry: Registry = FEATURES.registry, **settings: Any) -> Dispatcher:
    return Dispatcher(db, make_settings(**settings), registry, clock)


async def send(d: Dispatcher, body: str, event_id: str = "$cmd1", thread_root: str | None = None) -> str:
    """Recognise and dispatch a message as the app does; returns the outcome."""
    message = IncomingMessage(ROOM, event_id, "@anna:eslov.se", body, 0, thread_root=thread_root)
    invocation = recognise(message, d.settings.command_prefix, BOT, ("samverkan-bot",))
    assert invocation is not None, f"{body!r} was not recognised as a command"
    return (await d.dispatch(message, invocation, RoomView(ROOM))).result


async def outbox(db: Database) -> list[OutgoingMessage]:
    async with db.reading() as conn:
        return await OutboxRepo(conn).pending()


async def bodies(db: Database) -> list[str]:
    return [m.content["body"] for m in await outbox(db)]


async def state(db: Database, key: str) -> str | None:
    async with db.reading() as conn:
        return await StateRepo(conn).get(key)


# !help


async def test_help_stores_one_notice_replying_to_the_command(db: Database, clock: FakeClock) -> None:
    await send(dispatcher(db, clock), "!help", event_id="$help1")

    [message] = await outbox(db)
    assert message.room_id == ROOM
    assert message.event_type == "m.room.message"
    assert message.content["msgtype"] == "m.notice"
    assert message.content["m.relates_to"] == {"m.in_reply_to": {"event_id": "$help1"}}
    assert message.content["m.mentions"] == {}


async def test_help_lists_the_commands_grouped_the_way_a_meeting_runs(db: Database, clock: FakeClock) -> None:
    await send(dispatcher(db, clock), "!hjälp")

    [body] = await bodies(db)
    groups = body.split("\n\n")
    assert groups[0] == "Kommandon, i den ordning ett möte går:"
    assert [g.split("\n")[0] for g in groups[1:-1]] == [
        "Före mötet:", "Under mötet:", "Efter mötet:", "Inställningar:", "Övrigt:"
    ]  # fmt: skip
    assert groups[1].split("\n")[1:] == [
        "`!nästa` — Visar nästa möte: dag, datum, tid, vecka och plats.",
        "`!rapport` — Rapporterar vad du har sett eller hört, per område och kategori; visar eller tar bort en rapport.",
        "`!rapporter` — Listar periodens rapporter: alla, ett områdes, en kategoris, dina egna eller en veckas.",
        "`!lägesbild` — Visar lägesbilden för perioden sedan förra mötet, eller för en vecka, med ett diagram.",
        "`!dagordning` — Visar dagordningen för nästa möte och åtgärderna att följa upp; lägg till eller ta bort punkter.",
    ]
    assert "`!ping` — Svarar om jag är igång." in groups[-2]
    assert groups[-1] == "Skriv `!hjälp <kommando>` för att se hur ett kommando skrivs, med exempel."
    # One line a command, not a wall of syntax: besides them five group titles, the header, the footer, six blank lines.
    assert len(body.split("\n")) == len(list(FEATURES.registry)) + 5 + 2 + 6


async def test_help_in_english(db: Database, clock: FakeClock) -> None:
    await send(dispatcher(db, clock, language="en"), "!help")

    [body] = await bodies(db)
    assert body.startswith("Commands, in the order a meeting runs:\n\nBefore the meeting:\n`!next` — ")
    assert body.endswith("\nWrite `!help <command>` to see how a command is written, with examples.")


async def test_help_for_one_command(db: Database, clock: FakeClock) -> None:
    await send(dispatcher(db, clock), "!help ping")

    assert await bodies(db) == ["Svarar om jag är igång.\n`!ping`"]


async def test_help_for_one_command_by_alias_with_prefix(db: Database, clock: FakeClock) -> None:
    await send(dispatcher(db, clock), "!hjälp !HJÄLP")

    assert await bodies(db) == [
        "Visar kommandona, eller hur ett kommando används.\n"
        "`!hjälp [kommando]`, till exempel `!hjälp dagordning`\n"
        "Fungerar också: !hjalp"
    ]


async def test_help_for_one_command_gives_an_example_of_each_form(db: Database, clock: FakeClock) -> None:
    await send(dispatcher(db, clock), "!hjälp dagordning")

    assert await bodies(db) == [
        "Visar dagordningen för nästa möte och åtgärderna att följa upp; lägg till eller ta bort punkter.\n"
        "`!dagordning`\n"
        "`!dagordning ny <text>`, till exempel `!dagordning ny Klotter vid busstationen`\n"
        "`!dagordning ta bort <nummer>`, till exempel `!dagordning ta bort 2`\n"
        "`!dagordning klar <nummer> [anteckning]`, till exempel `!dagordning klar 1 Polisen tar upp det med kommunen`\n"
        "`!dagordning från <nummer>`, till exempel `!dagordning från 29`"
    ]


async def test_help_for_an_unknown_command(db: Database, clock: FakeClock) -> None:
    await send(dispatcher(db, clock), "!help frobnicera")

    assert await bodies(db) == ["Det finns inget kommando som heter `frobnicera`. Skriv `!hjälp` för att se alla."]


async def test_help_shows_the_prefix_that_was_used(db: Database, clock: FakeClock) -> None:
    await send(dispatcher(db, clock, command_prefix="!,/"), "/help ping")

    assert await bodies(db) == ["Svarar om jag är igång.\n`/ping`"]


async def test_help_formatted_body_shows_usage_as_code(db: Database, clock: FakeClock) -> None:
    await send(dispatcher(db, clock), "!help ping")

    [message] = await outbox(db)
    assert message.content["formatted_body"] == "Svarar om jag är igång.<br/><code>!ping</code>"


async def test_reply_inside_a_thread_stays_there(db: Database, clock: FakeClock) -> None:
    await send(dispatcher(db, clock), "!ping", event_id="$in-thread", thread_root="$root")

    [message] = await outbox(db)
    assert message.content["m.relates_to"]["rel_type"] == "m.thread"
    assert message.content["m.relates_to"]["event_id"] == "$root"
    assert message.content["m.relates_to"]["m.in_reply_to"] == {"event_id": "$in-thread"}


async def test_command_addressed_by_name(db: Database, clock: FakeClock) -> None:
    await send(dispatcher(db, clock), "samverkan-bot: ping")

    [body] = await bodies(db)
    assert body.startswith("Pong!")


# Once, and only once


async def test_same_event_twice_gets_one_reply(db: Database, clock: FakeClock) -> None:
    d = dispatcher(db, clock, registry=TEST_REGISTRY)

    first = await send(d, "!count 3", event_id="$same")
    second = await send(d, "!count 3", event_id="$same")

    assert (first, second) == ("ok", "duplicate")
    assert await bodies(db) == ["Räknat till 3.", "Klart."]
    assert calls == ["count"]


async def test_same_event_after_a_restart_gets_no_second_reply(db: Database, clock: FakeClock) -> None:
    await send(dispatcher(db, clock), "!help", event_id="$same")
    restarted = dispatcher(db, clock)

    await send(restarted, "!help", event_id="$same")

    assert len(await outbox(db)) == 1


@pytest.mark.parametrize(
    ("body", "handlers_run"), [("!frobnicera", []), ("!count tio", ["count"]), ("!crash", ["crash"])]
)
async def test_error_replies_are_given_once_too(db: Database, clock: FakeClock, body: str, handlers_run) -> None:
    d = dispatcher(db, clock, registry=TEST_REGISTRY)

    await send(d, body, event_id="$same")
    await send(d, body, event_id="$same")

    assert len(await outbox(db)) == 1
    assert calls == handlers_run


async def test_different_events_each_get_a_reply(db: Database, clock: FakeClock) -> None:
    d = dispatcher(db, clock)

    await send(d, "!ping", event_id="$a")
    await send(d, "!ping", event_id="$b")

    assert [m.content["m.relates_to"]["m.in_reply_to"]["event_id"] for m in await outbox(db)] == ["$a", "$b"]


async def test_txn_ids_are_derived_from_the_event(db: Database, clock: FakeClock) -> None:
    await send(dispatcher(db, clock, registry=TEST_REGISTRY), "!count 2", event_id="$evt")

    assert [m.txn_id for m in await outbox(db)] == [txn_id("$evt", 0), txn_id("$evt", 1)]


def test_txn_ids_are_deterministic_and_distinct() -> None:
    assert txn_id("$evt", 0) == txn_id("$evt", 0)
    assert len({txn_id("$evt", 0), txn_id("$evt", 1), txn_id("$other", 0)}) == 3


# Bad input


async def test_usage_error_reply_has_the_usage_line(db: Database, clock: FakeClock) -> None:
    outcome = await send(dispatcher(db, clock, registry=TEST_REGISTRY), "!count tio", event_id="$bad")

    assert outcome == "user_error"
    [message] = await outbox(db)
    assert message.content["body"] == "`tio` är inget tal.\nAnvändning: `!count <antal>`"
    assert message.content["m.relates_to"] == {"m.in_reply_to": {"event_id": "$bad"}}


async def test_usage_line_uses_the_prefix_of_the_command(db: Database, clock: FakeClock) -> None:
    await send(dispatcher(db, clock, registry=TEST_REGISTRY, command_prefix="!,/"), "/räkna tio")

    assert await bodies(db) == ["`tio` är inget tal.\nAnvändning: `/count <antal>`"]


async def test_user_error_keeps_nothing_of_what_the_handler_did(db: Database, clock: FakeClock) -> None:
    await send(dispatcher(db, clock, registry=TEST_REGISTRY), "!half tio")

    assert await state(db, "half") is None
    assert await bodies(db) == ["`tio` är inget tal.\nAnvändning: `!half <antal>`"]


async def test_user_error_that_is_not_about_usage_has_no_usage_line(db: Database, clock: FakeClock) -> None:
    await send(dispatcher(db, clock, registry=TEST_REGISTRY), "!forbidden")

    assert await bodies(db) == ["Det får bara moderatorer göra."]


async def test_user_input_in_an_error_cannot_inject_markup(db: Database, clock: FakeClock) -> None:
    await send(dispatcher(db, clock, registry=TEST_REGISTRY), "!count <img src=x onerror=alert(1)>")

    [message] = await outbox(db)
    assert "<img" not in message.content["formatted_body"]
    assert "&lt;img src=x onerror=alert(1)&gt;" in message.content["formatted_body"]


# Bugs


async def test_bug_is_reported_as_logged_with_the_event_id(db: Database, clock: FakeClock, caplog) -> None:
    caplog.set_level(logging.INFO)

    outcome = await send(dispatcher(db, clock, registry=TEST_REGISTRY), "!crash", event_id="$crash1")

    assert outcome == "error"
    [message] = await outbox(db)
    assert message.content["body"] == (
        "Något gick fel när jag skulle utföra kommandot. Felet är loggat (händelse $crash1)."
    )
    assert message.content["m.relates_to"] == {"m.in_reply_to": {"event_id": "$crash1"}}
    [logged] = [r for r in caplog.records if r.exc_info]
    assert "$crash1" in logged.getMessage()
    assert logged.exc_info[0] is RuntimeError


async def test_bug_shows_no_traceback_in_the_room(db: Database, clock: FakeClock) -> None:
    await send(dispatcher(db, clock, registry=TEST_REGISTRY), "!crash")

    [message] = await outbox(db)
    for shown in (message.content["body"], message.content["formatted_body"]):
        assert "Traceback" not in shown
        assert "RuntimeError" not in shown
        assert "secret detail" not in shown
        assert "internal.py" not in shown


async def test_bug_keeps_nothing_of_what_the_handler_did(db: Database, clock: FakeClock) -> None:
    await send(dispatcher(db, clock, registry=TEST_REGISTRY), "!crash")

    assert await state(db, "crash") is None
    assert "Halvvägs." not in await bodies(db)


async def test_bug_in_english(db: Database, clock: FakeClock) -> None:
    await send(dispatcher(db, clock, registry=TEST_REGISTRY, language="en"), "!crash", event_id="$e")

    assert await bodies(db) == ["Something went wrong while running the command. The error was logged (event $e)."]


# Unknown commands


async def test_unknown_command_gets_a_hint(db: Database, clock: FakeClock) -> None:
    outcome = await send(dispatcher(db, clock), "!frobnicera nu")

    assert outcome == "unknown"
    assert await bodies(db) == ["Okänt kommando `!frobnicera`. Skriv `!hjälp` för att se vad jag kan."]


async def test_unknown_command_hint_in_english(db: Database, clock: FakeClock) -> None:
    await send(dispatcher(db, clock, language="en"), "!frobnicate")

    assert await bodies(db) == ["Unknown command `!frobnicate`. Write `!help` to see what I can do."]


async def test_similar_word_is_not_the_command(db: Database, clock: FakeClock) -> None:
    """A near miss is suggested, never run."""
    await send(dispatcher(db, clock), "!pings")

    assert await bodies(db) == ["Okänt kommando `!pings`. Menade du `!ping`?"]


async def test_a_word_like_no_command_gets_the_way_to_help(db: Database, clock: FakeClock) -> None:
    await send(dispatcher(db, clock), "!frobnicera")

    assert await bodies(db) == ["Okänt kommando `!frobnicera`. Skriv `!hjälp` för att se vad jag kan."]


async def test_unknown_word_after_slash_gets_no_reply(db: Database, clock: FakeClock) -> None:
    outcome = await send(dispatcher(db, clock, command_prefix="!,/"), "/shrug ¯\\_(ツ)_/¯")

    assert outcome == "ignored"
    assert await outbox(db) == []


async def test_known_command_after_slash_is_answered(db: Database, clock: FakeClock) -> None:
    await send(dispatcher(db, clock, command_prefix="!,/"), "/ping")

    [body] = await bodies(db)
    assert body.startswith("Pong!")


async def test_unknown_command_by_name_gets_a_hint(db: Database, clock: FakeClock) -> None:
    await send(dispatcher(db, clock), "samverkan-bot: frobnicera")

    assert await bodies(db) == ["Okänt kommando `!frobnicera`. Skriv `!hjälp` för att se vad jag kan."]


# Logging


async def test_message_bodies_are_not_logged_at_info(db: Database, clock: FakeClock, caplog) -> None:
    caplog.set_level(logging.INFO)

    await send(dispatcher(db, clock, registry=TEST_REGISTRY), "!count Storgatan 12", event_id="$log")

    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Storgatan" not in logged
    assert f"room={ROOM}" in logged
    assert "command=count" in logged
    assert "outcome=user_error" in logged
