"""Features as units: what they declare reaches help, usage lines and the advertised commands; declared forms parse
as written; timed jobs share one error path and finish before the bot stops."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Hashable
from datetime import datetime, timedelta, timezone

import pytest

from bot.clock import FakeClock
from types import SimpleNamespace

from bot.commands.registry import Arg, Registry, plain
from bot.commands.slash import commands_content
from bot.errors import UsageError
from bot.feature import Effects, Feature, Features, Services
from bot.features import FEATURES
from bot.i18n import Catalogue
from bot.parsing import parse_number
from bot.runner import Runner, job_id
from bot.store.db import Database
from tests.unit.handlers import Chat
from tests.unit.helpers import make_settings



# One declaration, everywhere


@pytest.mark.parametrize("language", ["sv", "en"])
async def test_every_subcommand_is_advertised_and_in_help(db: Database, clock: FakeClock, language: str) -> None:
    cat = Catalogue(language)
    chat = Chat(db, clock, language=language)
    overview = await chat.send("!help")
    syntaxes = [entry["syntax"] for entry in commands_content(FEATURES.registry, cat, "!")["commands"]]
    missing = []
    for command in FEATURES.registry:
        if f"`!{command.word(cat)}`" not in overview:
            missing.append(f"!help: {command.name}")
        details = await chat.send(f"!help {command.name}")
        for form in command.forms:
            if f"`{form.usage(cat, '!')}`" not in details:
                missing.append(f"!help {command.name}: {form.id}")
            if form.sub and not any(s.split()[:2] == [command.name, form.sub] for s in syntaxes):
                missing.append(f"advertised: {command.name} {form.sub}")

    assert missing == []


def code_words(text: str) -> set[str]:
    """The words inside `code` spans: what the reader is told to write."""
    return {word.lstrip("!") for span in re.findall(r"`([^`]*)`", text) for word in span.split()}


@pytest.mark.parametrize(("language", "other"), [("sv", "en"), ("en", "sv")])
async def test_help_teaches_the_rooms_own_words(db: Database, clock: FakeClock, language: str, other: str) -> None:
    """Swedish help shows `veckovis`, `påminnelser`, `alla`, `slut`, never `weekly`, `reminders`, `all`, `end`;
    English help the reverse."""
    chat = Chat(db, clock, language=language)
    shown = code_words(await chat.send("!help"))
    for command in FEATURES.registry:
        shown |= code_words(await chat.send(f"!help {command.name}"))
    foreign = set()
    for command in FEATURES.registry:
        if command.sv and command.sv != command.name:
            foreign.add(command.sv if language == "en" else command.name)
        for form in command.forms:
            if form.sv and form.sv != form.sub:
                foreign |= set((form.sv if language == "en" else form.sub).split())
    foreign |= {"veckovis", "för", "senast", "ingen"} if language == "en" else {"weekly", "for", "due", "none"}

    assert shown & foreign == set()


async def test_a_usage_line_only_for_how_a_command_was_written(db: Database, clock: FakeClock) -> None:
    chat = Chat(db, clock)

    assert await chat.send("!beslut Fler kameror") == "Inget möte pågår. En moderator öppnar ett med `!möte start`."
    assert (await chat.send("!dagordning ta bort tre")).endswith("\nAnvändning: `!dagordning ta bort <nummer>`")


def test_each_form_has_its_own_usage_line_in_both_languages() -> None:
    action = FEATURES.registry.find("action")
    usages = {form.sub: form.usage(Catalogue("sv"), "!") for form in action.forms if form.sub}

    assert usages == {
        "edit": "!åtgärd ändra <nummer> <ny text>",
        "due": "!åtgärd senast <nummer> <datum | ingen>",
        "assign": "!åtgärd ansvarig <nummer> @ansvarig … [för <Organisation>]",
        "reopen": "!åtgärd öppna <nummer>",
        "cancel": "!åtgärd stryk <nummer> [kommentar]",
        "link": "!åtgärd koppla <nummer> P<nummer>",
    }
    assert [form.usage(Catalogue("en"), "/") for form in action.forms if form.sub == "cancel"] == [
        "/action cancel <number> [comment]"
    ]


# Parsing what the forms declare


def toy() -> Feature:
    feature = Feature("toy")
    thing = feature.command("thing", unknown="parse.unknown", fallback=True)
    seen = feature.seen = []  # type: ignore[attr-defined]

    @thing.form()
    async def show(ctx) -> None:
        seen.append(("show",))

    @thing.sub("remove", "ta bort", "bort", args=[Arg("number", plain(parse_number), missing="parse.number_missing")])
    async def remove(ctx, number: int) -> None:
        seen.append(("remove", number))

    @thing.form(Arg("number", plain(parse_number)))
    async def one(ctx, number: int) -> None:
        seen.append(("one", number))

    @thing.form(Arg("text", rest=True))
    async def add(ctx, text: str) -> None:
        seen.append(("add", text))

    return feature


def bare_context(*commands):
    """What parsing needs of a context: the registry (for `!åtgärd klar 3`), the prefix and the language."""
    return SimpleNamespace(registry=Registry(commands), prefix="!", cat=Catalogue("en"))


async def parsed(text: str) -> list[tuple]:
    feature = toy()
    await feature.commands[0].run(bare_context(*feature.commands), text)  # type: ignore[arg-type]
    return feature.seen  # type: ignore[attr-defined]


async def test_forms_are_found_by_their_words_and_arguments() -> None:
    assert await parsed("") == [("show",)]
    assert await parsed("remove 3") == [("remove", 3)]
    assert await parsed("TA   BORT #4") == [("remove", 4)]  # a two-word alias, in any case and spacing
    assert await parsed("bort 5") == [("remove", 5)]
    assert await parsed("#7") == [("one", 7)]
    assert await parsed("7 dagar") == [("add", "7 dagar")]
    assert await parsed("Klotter vid\n  stationen") == [("add", "Klotter vid\n  stationen")]  # as written


async def test_a_subcommand_word_whose_argument_does_not_read_is_text_of_the_other_forms() -> None:
    assert await parsed("remove the old signs") == [("add", "remove the old signs")]
    assert await parsed("remove 3 signs") == [("add", "remove 3 signs")]


async def test_without_fallback_a_bad_argument_is_a_usage_error_of_its_form() -> None:
    feature = toy()
    command = feature.commands[0]
    command.fallback = False
    with pytest.raises(UsageError) as caught:
        await command.run(bare_context(command), "remove 3 signs")  # type: ignore[arg-type]

    assert caught.value.key == "parse.extra" and caught.value.values == {"value": "signs"}
    assert caught.value.usage is next(form for form in command.forms if form.sub == "remove")  # its usage line


async def test_a_flag_may_end_a_rest_argument_in_either_language() -> None:
    feature = Feature("toy")
    plan = feature.command("plan", unknown="parse.unknown")
    seen = []

    @plan.form(Arg("text", rest=True), Arg("sure", flag="confirm", sv="bekräfta"))
    async def change(ctx, text: str, sure: bool) -> None:
        seen.append((text, sure))

    for text in ("weekly tuesday 09:00 confirm", "weekly tuesday 09:00  BEKRÄFTA ", "weekly tuesday 09:00", "confirmed", "a confirm b"):
        await plan.run(bare_context(plan), text)  # type: ignore[arg-type]

    assert seen == [
        ("weekly tuesday 09:00", True),
        ("weekly tuesday 09:00", True),
        ("weekly tuesday 09:00", False),
        ("confirmed", False),
        ("a confirm b", False),
    ]
    assert plan.slash() == ["plan {text}", "plan {text} {sure}"]
    [form] = plan.forms
    assert form.id == "text"  # its example is that of the text
    assert [form.args[-1].word(Catalogue(language)) for language in ("sv", "en")] == ["bekräfta", "confirm"]


def test_a_command_word_declared_twice_is_refused() -> None:
    first, second = Feature("a"), Feature("b")
    first.command("agenda")
    second.command("plan", "agenda")

    with pytest.raises(ValueError, match="agenda"):
        Features([first, second])


def test_reactions_are_to_known_events_only() -> None:
    with pytest.raises(ValueError, match="meeting_started"):
        Feature("x").on("meeting_started")


# Timed jobs


def runner_with(job, db: Database, clock: FakeClock, flush=None) -> Runner:
    feature = Feature("test")
    feature.job("test")(job)

    async def nothing() -> None:
        return None

    return Runner(Features([feature]), Services(db, clock, Catalogue("sv"), make_settings()), flush or nothing)


def ahead(runner: Runner, key: Hashable) -> timedelta:
    return runner.timers.when(job_id("test", key)) - datetime.now(timezone.utc)


async def test_a_failing_job_is_logged_and_tried_again_in_a_minute(db: Database, clock: FakeClock, caplog) -> None:
    async def job(services: Services, keys, effects: Effects):
        raise RuntimeError("the database is locked")

    runner = runner_with(job, db, clock)
    with caplog.at_level(logging.ERROR, logger="bot.runner"):
        await runner.check("test", ["room-a"])

    assert "job test (room-a) failed; trying again in a minute" in caplog.text
    assert abs(ahead(runner, "room-a") - timedelta(minutes=1)) < timedelta(seconds=5)


async def test_stopping_waits_for_a_running_job_to_finish(db: Database, clock: FakeClock) -> None:
    entered, finished = asyncio.Event(), []

    async def job(services: Services, keys, effects: Effects):
        entered.set()
        await asyncio.sleep(0.2)  # a transaction under way
        finished.append(keys)
        return {"room-a": None}

    runner = runner_with(job, db, clock)
    running = asyncio.ensure_future(runner.check("test", ["room-a"]))
    await entered.wait()

    await runner.stop()

    assert finished == [frozenset({"room-a"})]
    await running
    await runner.check("test", ["room-b"])  # after the stop nothing new starts
    assert finished == [frozenset({"room-a"})]


async def test_what_was_decided_is_sent_before_the_jobs_it_woke_run(db: Database, clock: FakeClock) -> None:
    happened: list[str] = []

    async def job(services: Services, keys, effects: Effects):
        happened.append("job")  # drawing a chart, say, which takes a while
        return {}

    async def flush() -> None:
        happened.append("flush")

    runner = runner_with(job, db, clock, flush)
    woken = Effects()
    woken.wake("test", "room-a")

    await runner.follow(woken)

    assert happened == ["flush", "job", "flush"]


async def test_an_action_may_start_with_a_subcommand_word(db: Database, clock: FakeClock) -> None:
    chat = Chat(db, clock)

    reply = await chat.send("!action edit the guidelines for the night patrols")

    assert reply.startswith("Åtgärd #1 är registrerad") and "edit the guidelines for the night patrols" in reply


@pytest.mark.parametrize(
    ("body", "reply"),
    [
        ("!dagordnig", "Okänt kommando `!dagordnig`. Menade du `!dagordning`?"),
        ("!dagordnig ny Klotter", "Okänt kommando `!dagordnig`. Menade du `!dagordning ny Klotter`?"),
        ("!möte stäg", "Menade du `!möte stäng`?"),
        ("!dagordning tabort 2", "Menade du `!dagordning bort 2`?"),
        ("!åtgärd klar 3", "Menade du `!klar 3`?"),
    ],
)
async def test_a_near_miss_is_suggested_never_run(db: Database, clock: FakeClock, body: str, reply: str) -> None:
    chat = Chat(db, clock)
    await chat.send("!åtgärd Kolla belysningen")
    before = await chat.tables()

    assert await chat.send(body) == reply
    assert await chat.tables() == before


async def test_stopp_ends_a_meeting(db: Database, clock: FakeClock) -> None:
    chat = Chat(db, clock)
    await chat.send("!möte start")

    assert (await chat.send("!möte stopp")).startswith("Protokoll från")


async def test_a_number_and_a_change_is_no_new_action(db: Database, clock: FakeClock) -> None:
    chat = Chat(db, clock)
    await chat.send("!åtgärd Kolla belysningen")
    before = await chat.tables()

    assert await chat.send("!åtgärd 1 senast fredag") == (
        "Ska åtgärd #1 ändras? Skriv `!åtgärd senast 1 <datum>` för ett nytt datum, "
        "eller `!åtgärd ansvarig 1 @namn` för nya ansvariga."
    )
    assert await chat.tables() == before


@pytest.mark.parametrize("language", ["sv", "en"])
async def test_every_example_in_help_does_what_it_shows(db: Database, clock: FakeClock, language: str) -> None:
    """Each example `!hjälp <kommando>` gives is a command that is understood: it gets no usage line and no
    "did you mean"."""
    chat = Chat(db, clock, language=language)
    cat = Catalogue(language)
    await chat.send("!schema veckovis tisdag 09:00" if language == "sv" else "!schedule weekly tuesday 09:00")
    await chat.send("!åtgärd Kolla belysningen @olle:eslov.se")
    await chat.send("!åtgärd Kolla kamerorna")
    await chat.send("!åtgärd Byt lampor")
    await chat.send("!dagordning ny Klotter")
    await chat.send("!dagordning ny Belysning")
    await chat.send("!möte start")
    refused = []
    for command in FEATURES.registry:
        for form in command.forms:
            example = form.example(cat, "!")
            if example is None or form.id in ("command",):
                continue
            reply = await chat.send(example)
            if cat("usage", usage="").split("`")[0] in reply or "`?" in reply or reply.startswith(("Menade", "Did you")):
                refused.append(f"{example}: {reply}")

    assert refused == []
