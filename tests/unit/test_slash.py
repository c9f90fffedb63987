"""The MSC4332 state event: what clients offer as slash commands, in the room's language."""

from __future__ import annotations

from bot.features import FEATURES
from bot.commands.message import IncomingMessage
from bot.commands.recognise import recognise
from bot.commands.slash import commands_content, digest
from bot.i18n import Catalogue
from tests.unit.helpers import BOT, ROOM


def by_syntax(content: dict) -> dict[str, dict]:
    return {entry["syntax"]: entry for entry in content["commands"]}


def test_sigil_and_one_entry_per_syntax() -> None:
    content = commands_content(FEATURES.registry, Catalogue("sv"), "!")

    assert content["sigil"] == "!"
    assert {"help", "help {command}", "ping"} <= set(by_syntax(content))


def test_descriptions_and_variables_in_the_rooms_language() -> None:
    entry = by_syntax(commands_content(FEATURES.registry, Catalogue("sv"), "!"))["help {command}"]

    assert entry["description"] == {"m.text": [{"body": "Visar kommandona, eller hur ett kommando används."}]}
    assert entry["variables"] == {"command": {"m.text": [{"body": "Kommandot du vill veta mer om"}]}}


def test_english_descriptions() -> None:
    entry = by_syntax(commands_content(FEATURES.registry, Catalogue("en"), "!"))["ping"]

    assert entry["description"] == {"m.text": [{"body": "Answers if I am running."}]}
    assert entry["variables"] == {}


def test_the_schedule_is_advertised_with_and_without_its_confirmation() -> None:
    entries = by_syntax(commands_content(FEATURES.registry, Catalogue("sv"), "!"))

    assert set(entries["schedule {schedule}"]["variables"]) == {"schedule"}
    confirm = entries["schedule {schedule} {confirm}"]["variables"]["confirm"]
    assert confirm == {"m.text": [{"body": Catalogue("sv").raw("cmd.schedule.var.confirm")}]}
    assert confirm["m.text"][0]["body"].startswith("bekräfta")


def test_every_advertised_variable_appears_in_its_syntax() -> None:
    for entry in commands_content(FEATURES.registry, Catalogue("sv"), "!")["commands"]:
        for name in entry["variables"]:
            assert f"{{{name}}}" in entry["syntax"]


def test_every_advertised_syntax_is_recognised_as_its_command() -> None:
    """What a client sends back for each advertised command reaches that command."""
    for command in FEATURES.registry:
        for syntax in command.slash():
            block = {"syntax": syntax, "variables": {name: "ping" for name in command.slash_variables()}}
            message = IncomingMessage(ROOM, "$e", "@anna:eslov.se", "", 0, mentions=(BOT,), command_block=block)

            invocation = recognise(message, ("!",), BOT, ())

            assert invocation is not None and FEATURES.registry.find(invocation.word) is command, syntax


def test_digest_changes_with_what_is_advertised() -> None:
    sv = commands_content(FEATURES.registry, Catalogue("sv"), "!")

    assert digest(sv) == digest(commands_content(FEATURES.registry, Catalogue("sv"), "!"))
    assert digest(sv) != digest(commands_content(FEATURES.registry, Catalogue("en"), "!"))
    assert digest(sv) != digest(commands_content(FEATURES.registry, Catalogue("sv"), "/"))
