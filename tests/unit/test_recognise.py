"""Recognising a command: by prefix, by addressing the bot, or from an MSC4332 command block."""

from __future__ import annotations

from typing import Any

import pytest

from bot.features import FEATURES
from bot.commands.message import IncomingMessage
from bot.commands.recognise import recognise

BOT = "@samverkan-bot:eslov.se"
NAMES = ("samverkan-bot", "Samverkansboten")
OTHER_BOT = "@giphy:eslov.se"


def message(body: str, mentions: tuple[str, ...] = (), block: dict[str, Any] | None = None) -> IncomingMessage:
    return IncomingMessage("!orat:eslov.se", "$event", "@anna:eslov.se", body, 0, mentions=mentions, command_block=block)


def parsed(body: str, prefixes: tuple[str, ...] = ("!",), **kw: Any) -> tuple[str, str, str, str] | None:
    invocation = recognise(message(body, **kw), prefixes, BOT, NAMES)
    if invocation is None:
        return None
    return invocation.word, invocation.args, invocation.prefix, invocation.via


# Prefix


def test_prefix_command_without_arguments() -> None:
    assert parsed("!help") == ("help", "", "!", "prefix")


def test_prefix_command_with_arguments() -> None:
    assert parsed("!help   ping  ") == ("help", "ping", "!", "prefix")


def test_surrounding_whitespace_is_ignored() -> None:
    assert parsed("  !ping\n") == ("ping", "", "!", "prefix")


def test_each_configured_prefix_works_and_is_remembered() -> None:
    assert parsed("!ping", prefixes=("!", "/")) == ("ping", "", "!", "prefix")
    assert parsed("/ping", prefixes=("!", "/")) == ("ping", "", "/", "prefix")


def test_longer_prefix_is_tried_first() -> None:
    assert parsed("!!ping", prefixes=("!", "!!")) == ("ping", "", "!!", "prefix")


def test_a_prefix_that_is_not_configured_is_ordinary_text() -> None:
    assert parsed("/ping") is None


@pytest.mark.parametrize("body", ["!!", "!5", "!5 st", "! hej", "!", "!?", "!help.", "hej !help", "ping"])
def test_not_commands(body: str) -> None:
    assert parsed(body) is None


def test_multi_line_arguments_are_kept() -> None:
    body = "!agenda add Klotter vid stationen\nsyns från perrongen\n\noch i tunneln"

    assert parsed(body) == ("agenda", "add Klotter vid stationen\nsyns från perrongen\n\noch i tunneln", "!", "prefix")


def test_command_word_on_its_own_line() -> None:
    assert parsed("!help\nping") == ("help", "ping", "!", "prefix")


def test_swedish_command_words() -> None:
    assert parsed("!hjälp") == ("hjälp", "", "!", "prefix")
    assert parsed("!nästa vecka") == ("nästa", "vecka", "!", "prefix")


def test_hyphenated_command_word_is_one_word() -> None:
    assert parsed("!ping-pong") == ("ping-pong", "", "!", "prefix")


@pytest.mark.parametrize("body", ["!HELP", "!Help", "!HJÄLP", "!Hjälp"])
def test_command_words_are_case_insensitive(body: str) -> None:
    invocation = recognise(message(body), ("!",), BOT, NAMES)

    assert invocation is not None
    command = FEATURES.registry.find(invocation.word)
    assert command is not None and command.name == "help"


def test_registry_matches_the_exact_word_only() -> None:
    assert FEATURES.registry.find("pings") is None
    assert FEATURES.registry.find("pin") is None
    assert FEATURES.registry.find("hjalp") is FEATURES.registry.find("hjälp") is FEATURES.registry.find("help")


# Addressing the bot by name


@pytest.mark.parametrize(
    "body",
    [
        "samverkan-bot: hjälp",
        "samverkan-bot, hjälp",
        "Samverkan-Bot: hjälp",
        "Samverkansboten: hjälp",
        "@samverkan-bot:eslov.se: hjälp",
        "samverkan-bot: !hjälp",
    ],
)
def test_name_and_colon_is_a_command(body: str) -> None:
    assert parsed(body) == ("hjälp", "", "!", "mention")


def test_mention_shows_the_first_prefix_in_hints() -> None:
    assert parsed("samverkan-bot: agenda", prefixes=("/", "!")) == ("agenda", "", "/", "mention")


def test_mention_keeps_arguments() -> None:
    assert parsed("samverkan-bot: help ping") == ("help", "ping", "!", "mention")


def test_pill_with_m_mentions_is_a_command() -> None:
    assert parsed("Samverkansboten hjälp", mentions=(BOT,)) == ("hjälp", "", "!", "mention")


@pytest.mark.parametrize("body", ["samverkan-bot is great", "Samverkansboten är bra", "samverkan-botten: hej"])
def test_talking_about_the_bot_is_not_a_command(body: str) -> None:
    assert parsed(body) is None


def test_pill_for_someone_else_is_not_a_command() -> None:
    assert parsed("samverkan-bot hjälp", mentions=("@anna:eslov.se",)) is None


def test_name_alone_is_not_a_command() -> None:
    assert parsed("samverkan-bot:") is None


# MSC4332 command block


def test_command_block_with_variables() -> None:
    block = {"syntax": "help {command}", "variables": {"command": "ping"}}

    assert parsed("!help ping", mentions=(BOT,), block=block) == ("help", "ping", "!", "slash")


def test_command_block_wins_over_body() -> None:
    block = {"syntax": "help {command}", "variables": {"command": "ping"}}

    assert parsed("!something else entirely", mentions=(BOT,), block=block) == ("help", "ping", "!", "slash")


def test_command_block_without_mentions_is_read() -> None:
    assert parsed("!ping", block={"syntax": "ping"}) == ("ping", "", "!", "slash")


def test_command_block_variable_values_stay_literal() -> None:
    block = {"syntax": "help {command}", "variables": {"command": "{command} `x`"}}

    assert parsed("!help", mentions=(BOT,), block=block) == ("help", "{command} `x`", "!", "slash")


def test_missing_variable_becomes_empty() -> None:
    block = {"syntax": "help {command}", "variables": {}}

    assert parsed("!help", mentions=(BOT,), block=block) == ("help", "", "!", "slash")


def test_malformed_command_block_falls_back_to_body() -> None:
    assert parsed("!ping", mentions=(BOT,), block={"syntax": 42}) == ("ping", "", "!", "prefix")


def test_command_block_for_another_bot_is_not_answered() -> None:
    # Another bot in the room also uses the `!` sigil; the client sent its command with a mention of it.
    block = {"syntax": "help", "variables": {}}

    assert parsed("!help", mentions=(OTHER_BOT,), block=block) is None


def test_decomposed_swedish_letters_are_the_same_word() -> None:
    invocation = recognise(message("!hja\u0308lp"), ("!",), BOT, ())
    assert invocation is not None and invocation.word == "hjälp"
