"""The message catalogue: Swedish and English say the same things, and values never become markup."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from bot.features import FEATURES
from bot.i18n import CATALOGUES, Catalogue, Segment, placeholders
from bot.i18n.dates import when
from bot.render import notice

SOURCE = Path(__file__).resolve().parents[2] / "bot"


def test_sv_and_en_have_the_same_keys() -> None:
    sv, en = CATALOGUES["sv"], CATALOGUES["en"]

    assert sorted(set(sv) - set(en)) == []
    assert sorted(set(en) - set(sv)) == []


@pytest.mark.parametrize("key", sorted(CATALOGUES["sv"]))
def test_sv_and_en_have_the_same_placeholders(key: str) -> None:
    assert placeholders(CATALOGUES["sv"][key]) == placeholders(CATALOGUES["en"].get(key, ""))


@pytest.mark.parametrize("language", sorted(CATALOGUES))
def test_code_marks_are_paired(language: str) -> None:
    unpaired = [key for key, template in CATALOGUES[language].items() if template.count("`") % 2]

    assert unpaired == []


@pytest.mark.parametrize("language", sorted(CATALOGUES))
def test_every_command_has_argument_labels_summary_and_variable_texts(language: str) -> None:
    cat = Catalogue(language)
    missing = []
    for command in FEATURES.registry:
        keys = [f"cmd.{command.name}.summary"]
        keys += [f"cmd.{command.name}.arg.{arg.name}" for form in command.forms for arg in form.args]
        keys += [f"cmd.{command.name}.var.{name}" for name in command.slash_variables()]
        missing += [key for key in keys if not cat.has(key)]

    assert missing == []


@pytest.mark.parametrize("language", sorted(CATALOGUES))
def test_every_summary_is_one_line_of_text(language: str) -> None:
    cat = Catalogue(language)
    for command in FEATURES.registry:
        summary = command.summary(cat)
        assert summary.strip() and "\n" not in summary, command.name


def test_every_key_the_code_looks_up_exists() -> None:
    used = set()
    for path in SOURCE.rglob("*.py"):
        used |= set(re.findall(r"""\.text\(\s*["']([\w.]+)["']""", path.read_text(encoding="utf-8")))

    assert used, "the scan found no lookups; the pattern is out of date"
    for language, messages in CATALOGUES.items():
        assert sorted(used - set(messages)) == [], language


@pytest.mark.parametrize("language", sorted(CATALOGUES))
def test_values_with_backticks_and_braces_stay_literal(language: str) -> None:
    cat = Catalogue(language)
    word = "x` <b>{prefix}{0}</b> `y"

    text = cat.text("help.unknown", word=word, prefix="!")

    # The value is exactly one code run: its backticks opened no new runs, its braces were not filled in.
    assert Segment(word, code=True) in text.segments
    assert sum(1 for s in text.segments if s.code) == 2
    formatted = notice(text)["formatted_body"]
    assert "<code>x` &lt;b&gt;{prefix}{0}&lt;/b&gt; `y</code>" in formatted
    assert "<b>" not in formatted


def test_value_outside_code_stays_plain_text() -> None:
    cat = Catalogue("en")

    text = cat.text("internal_error", event_id="`$abc` {event_id}")

    assert not any(s.code for s in text.segments)
    assert text.plain.endswith("(event `$abc` {event_id}).")


def test_swedish_and_english_differ() -> None:
    assert Catalogue("sv")("help.header") == "Kommandon:"
    assert Catalogue("en")("help.header") == "Commands:"


def deepest(text: str) -> int:
    """How deep the parentheses of a text nest: 1 for `a (b)`, 2 for `a (b (c))`."""
    depth = most = 0
    for char in text:
        depth += (char == "(") - (char == ")")
        most = max(most, depth)
    return most


@pytest.mark.parametrize("language", sorted(CATALOGUES))
def test_a_date_with_its_week_is_never_put_in_parentheses(language: str) -> None:
    cat = Catalogue(language)
    moment = when(datetime(2026, 12, 1, 9), cat)  # "tisdag 1 december 2026 kl. 09.00 (vecka 49)"
    nested = []
    for key, template in CATALOGUES[language].items():
        names = placeholders(template)
        if "when" in names and deepest(template.format(**{name: moment if name == "when" else "x" for name in names})) > 1:
            nested.append(key)

    assert deepest(moment) == 1
    assert nested == []
