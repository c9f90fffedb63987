"""The message catalogue: Swedish and English say the same things, and values never become markup."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from bot.features import FEATURES
from bot.i18n import CATALOGUES, FORMS, Catalogue, Segment, counted, placeholders
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
        keys += [f"cmd.{command.name}.ex.{form.id}" for form in command.forms if form.args]
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


def counted_lookups() -> set[str]:
    """The keys the code looks up through the counting functions, as regular expressions: `f"span.{unit}"` is
    `span\\.\\w+`."""
    found = set()
    for path in SOURCE.rglob("*.py"):
        found |= set(re.findall(r"""\.(?:text_count|count)\(\s*f?["']([\w.{}]+)["']""", path.read_text(encoding="utf-8")))
    return {re.sub(r"\\\{\w+\\\}", r"\\w+", re.escape(key)) for key in found}


def test_every_counted_message_has_both_forms_in_both_languages() -> None:
    lookups = counted_lookups()
    keys = counted(CATALOGUES["sv"]) | counted(CATALOGUES["en"])

    assert len(lookups) >= 5, "the scan found too few counted lookups; the pattern is out of date"
    assert [p for p in sorted(lookups) if not any(re.fullmatch(p, key) for key in keys)] == []
    for language, messages in CATALOGUES.items():
        assert sorted(k for k in keys if f"{k}.one" not in messages or f"{k}.many" not in messages) == [], language
        # `many` is also said of none when there is no `zero`, and of every count above one: it must give the number.
        assert sorted(k for k in keys if "n" not in placeholders(messages[f"{k}.many"])) == [], language
        # A counted message is looked up by its forms only.
        assert sorted(keys & set(messages)) == [], language


def test_no_code_picks_a_form_by_hand() -> None:
    picked = []
    for path in SOURCE.rglob("*.py"):
        if path.parent.name != "i18n" or path.name == "dates.py":
            text = path.read_text(encoding="utf-8")
            picked += [f"{path.name}: {m}" for m in re.findall(r"""["'][\w.{}]*\.(?:zero|one|many)["']|["'](?:one|many)["'] if""", text)]

    assert picked == []


@pytest.mark.parametrize(
    ("language", "key", "values", "forms"),
    [
        ("sv", "next.items", {}, ("Inga punkter på dagordningen än.", "1 punkt på dagordningen.", "2 punkter på dagordningen.")),
        ("en", "next.items", {}, ("No items on the agenda yet.", "1 item on the agenda.", "2 items on the agenda.")),
        ("sv", "actions.mine", {}, ("Du har inga öppna åtgärder.", "Du har 1 öppen åtgärd:", "Du har 2 öppna åtgärder:")),
        ("en", "actions.of", {"who": "Kim"}, ("Kim has no open actions.", "Kim has 1 open action:", "Kim has 2 open actions:")),
        ("sv", "agenda.items", {}, ("inga punkter", "1 punkt", "2 punkter")),
        ("sv", "history.older", {}, ("… 0 äldre ändringar", "… 1 äldre ändring", "… 2 äldre ändringar")),
        ("en", "history.older", {}, ("… 0 older changes", "… 1 older change", "… 2 older changes")),
        ("sv", "span.hour", {}, ("0 timmar", "1 timme", "2 timmar")),
        ("en", "span.day", {}, ("0 days", "1 day", "2 days")),
        ("sv", "list.more_actions", {"command": "!åtgärder alla från 9"}, (
            "… och 0 åtgärder till: `!åtgärder alla från 9`",
            "… och 1 åtgärd till: `!åtgärder alla från 9`",
            "… och 2 åtgärder till: `!åtgärder alla från 9`",
        )),
        ("sv", "minutes.more", {"command": "!protokoll 2026-12-01 1 från 31"}, (
            "… och 0 rader till: `!protokoll 2026-12-01 1 från 31`",
            "… och 1 rad till: `!protokoll 2026-12-01 1 från 31`",
            "… och 2 rader till: `!protokoll 2026-12-01 1 från 31`",
        )),
        ("en", "minutes.more", {"command": "!minutes 2026-12-01 1"}, (
            "… and 0 more lines: `!minutes 2026-12-01 1`",
            "… and 1 more line: `!minutes 2026-12-01 1`",
            "… and 2 more lines: `!minutes 2026-12-01 1`",
        )),
    ],
)
def test_a_counted_message_says_none_one_and_two_in_the_right_form(
    language: str, key: str, values: dict[str, str], forms: tuple[str, str, str]
) -> None:
    cat = Catalogue(language)

    assert tuple(cat.count(key, n, **values) for n in (0, 1, 2)) == forms


@pytest.mark.parametrize("language", sorted(CATALOGUES))
def test_every_counted_message_renders_for_none_one_and_two(language: str) -> None:
    cat = Catalogue(language)
    for key in sorted(counted(CATALOGUES[language])):
        names = set().union(*(placeholders(cat.raw(f"{key}.{form}")) for form in FORMS if cat.has(f"{key}.{form}")))
        values = {name: "x" for name in names - {"n"}}
        assert "2" in cat.count(key, 2, **values), key
        assert cat.count(key, 1, **values) != cat.count(key, 2, **values), key
        cat.count(key, 0, **values)


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
    assert Catalogue("sv")("help.header") == "Kommandon, i den ordning ett möte går:"
    assert Catalogue("en")("help.header") == "Commands, in the order a meeting runs:"


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
