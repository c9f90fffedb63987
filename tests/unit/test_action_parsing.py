"""`!action <text> [@owner …] [for <organisation>] [due <date>]` read into typed values: owners, organisation, due."""

from __future__ import annotations

from datetime import date

import pytest

from bot.errors import UsageError
from bot.i18n import Catalogue
from bot.parsing import ActionSpec, mentioned_users, parse_action, parse_due, parse_number
from tests.unit.handlers import ANNA, KIM, OLLE, TODAY, pill
from tests.unit.helpers import BOT

FRIDAY = date(2026, 12, 4)  # TODAY is Monday 30 November 2026


def action(args: str, formatted_body: str | None = None, mentions: tuple[str, ...] = ()) -> ActionSpec:
    return parse_action(args, formatted_body, mentions, BOT, TODAY)


def refused(args: str, **kw: object) -> UsageError:
    with pytest.raises(UsageError) as caught:
        action(args, **kw)  # type: ignore[arg-type]
    return caught.value


# Text alone


def test_text_alone() -> None:
    assert action("Kolla belysningen vid stationen") == ActionSpec("Kolla belysningen vid stationen", (), None, None)


def test_spaces_are_tidied_and_lines_kept() -> None:
    assert action("  Kolla   belysningen\n - i  tunneln\n - vid  stationen  ").text == (
        "Kolla belysningen\n- i tunneln\n- vid stationen"
    )


@pytest.mark.parametrize(
    "args", ["", "   ", "@olle:eslov.se", "för Polisen", "senast fredag", "@olle:eslov.se for Polisen due fredag"]
)
def test_nothing_to_do_is_refused(args: str) -> None:
    error = refused(args)

    assert error.key == "action.empty"
    assert Catalogue("sv")(error.key) == "Skriv vad som ska göras."


# Owners


def test_owners_from_plain_user_ids_are_taken_out_of_the_text() -> None:
    spec = action("Kolla belysningen @olle:eslov.se @kim:eslov.se")

    assert (spec.text, spec.owners) == ("Kolla belysningen", (OLLE, KIM))


def test_owners_from_pills_take_the_name_out_of_the_text() -> None:
    # Element writes a pill's display name in the plain body and the link in formatted_body.
    spec = action(
        "Kolla belysningen Olle Olsson",
        formatted_body=f"!action Kolla belysningen {pill(OLLE, 'Olle Olsson')}",
        mentions=(OLLE,),
    )

    assert (spec.text, spec.owners) == ("Kolla belysningen", (OLLE,))


def test_a_pill_with_an_encoded_link_and_an_entity_in_its_name() -> None:
    spec = action(
        "Kolla belysningen Åsa & Co",
        formatted_body='!action Kolla belysningen <a href="https://matrix.to/#/%40asa%3Aeslov.se">Åsa &amp; Co</a>',
    )

    assert (spec.text, spec.owners) == ("Kolla belysningen", ("@asa:eslov.se",))


def test_owners_from_m_mentions_alone() -> None:
    spec = action("Kolla belysningen", mentions=(KIM,))

    assert (spec.text, spec.owners) == ("Kolla belysningen", (KIM,))


def test_owners_in_order_without_repeats() -> None:
    spec = action(
        "Kolla Olle Olsson @kim:eslov.se belysningen @olle:eslov.se",
        formatted_body=f"!action Kolla {pill(OLLE, 'Olle Olsson')} @kim:eslov.se belysningen @olle:eslov.se",
        mentions=(OLLE, ANNA),
    )

    assert (spec.text, spec.owners) == ("Kolla belysningen", (OLLE, KIM, ANNA))


def test_the_bot_is_never_an_owner() -> None:
    spec = action(
        "Kolla samverkan-bot belysningen @samverkan-bot:eslov.se",
        formatted_body=f"!action Kolla {pill(BOT, 'samverkan-bot')} belysningen @samverkan-bot:eslov.se",
        mentions=(BOT, OLLE),
    )

    assert (spec.text, spec.owners) == ("Kolla belysningen", (OLLE,))


def test_a_room_link_is_no_owner() -> None:
    spec = action(
        "Se protokollet i #radet:eslov.se",
        formatted_body='!action Se protokollet i <a href="https://matrix.to/#/#radet:eslov.se">#radet:eslov.se</a>',
    )

    assert (spec.text, spec.owners) == ("Se protokollet i #radet:eslov.se", ())


def test_an_email_address_is_no_owner() -> None:
    spec = action("Mejla anna@eslov.se om lamporna")

    assert (spec.text, spec.owners) == ("Mejla anna@eslov.se om lamporna", ())


def test_mentioned_users_gives_the_text_left() -> None:
    assert mentioned_users("@kim:eslov.se for Polisen", None, (ANNA,)) == ((KIM, ANNA), " for Polisen")


# Organisation


@pytest.mark.parametrize(
    ("args", "text", "organisation"),
    [
        ("Kolla belysningen för Polisen", "Kolla belysningen", "Polisen"),
        ("Check the lights for Polisen", "Check the lights", "Polisen"),
        ("Röj buskarna för Tekniska förvaltningen", "Röj buskarna", "Tekniska förvaltningen"),
        ("Röj buskarna för  Räddningstjänsten   Syd", "Röj buskarna", "Räddningstjänsten Syd"),
        ("Laga staketet för Östra Skolan", "Laga staketet", "Östra Skolan"),
    ],
)
def test_for_an_organisation(args: str, text: str, organisation: str) -> None:
    spec = action(args)

    assert (spec.text, spec.organisation) == (text, organisation)


@pytest.mark.parametrize(
    "args",
    [
        "Check for broken lights",
        "Look for graffiti near the school",
        "Kolla om det finns plats för fler bänkar",
        "Ordna belysning för gångtunneln",
        "Information",  # "for" inside a word
        "Förbered trygghetsvandringen",
    ],
)
def test_the_word_for_in_running_text_stays_text(args: str) -> None:
    assert action(args) == ActionSpec(args, (), None, None)


# Due dates


@pytest.mark.parametrize(
    ("written", "due"),
    [
        ("2026-12-04", FRIDAY),
        ("4/12", FRIDAY),
        ("4/12 2026", FRIDAY),
        ("4 dec", FRIDAY),
        ("4 december", FRIDAY),
        ("4 december 2026", FRIDAY),
        ("fredag", FRIDAY),
        ("friday", FRIDAY),
        ("Fredag", FRIDAY),
        ("tomorrow", date(2026, 12, 1)),
        ("imorgon", date(2026, 12, 1)),
        ("i morgon", date(2026, 12, 1)),
        ("in 3 days", date(2026, 12, 3)),
        ("om 3 dagar", date(2026, 12, 3)),
        ("om 2 veckor", date(2026, 12, 14)),
        ("week 50", date(2026, 12, 11)),
        ("vecka 50", date(2026, 12, 11)),
        ("v50", date(2026, 12, 11)),
        ("v 53", date(2027, 1, 1)),
        ("idag", TODAY),
        ("today", TODAY),
        ("4 jan", date(2027, 1, 4)),  # a day and month already past this year are next year's
        ("29/11", date(2027, 11, 29)),
    ],
)
@pytest.mark.parametrize("word", ["due", "senast", "Due"])
def test_due_in_every_form_in_swedish_and_english(word: str, written: str, due: date) -> None:
    assert action(f"Kolla belysningen {word} {written}") == ActionSpec("Kolla belysningen", (), None, due)


def test_owners_organisation_and_due_together_in_either_order() -> None:
    expected = ActionSpec("Kolla belysningen", (OLLE,), "Polisen", FRIDAY)

    assert action("Kolla belysningen @olle:eslov.se för Polisen senast fredag") == expected
    assert action("Kolla belysningen @olle:eslov.se senast fredag för Polisen") == expected
    assert action("Kolla belysningen for Polisen due 4/12 @olle:eslov.se") == expected


@pytest.mark.parametrize("written", ["2026-11-29", "29/11 2026", "2025-12-24", "4/12 2025", "28 november 2026"])
def test_a_due_date_in_the_past_is_refused(written: str) -> None:
    error = refused(f"Kolla belysningen senast {written}")

    assert error.key == "parse.due_past"
    assert Catalogue("sv")(error.key, **error.values).endswith("har redan varit; ange ett kommande datum.")


def test_the_past_refusal_names_the_date() -> None:
    error = refused("Kolla belysningen due 2026-11-29")

    assert Catalogue("sv")(error.key, **error.values) == "2026-11-29 har redan varit; ange ett kommande datum."
    assert Catalogue("en")(error.key, **error.values) == "2026-11-29 has passed; give a date ahead."


@pytest.mark.parametrize("written", ["blursday", "31/2", "32 dec", "vecka 60", "snart"])
def test_an_unreadable_due_date_is_refused_saying_what_is_accepted(written: str) -> None:
    error = refused(f"Kolla belysningen senast {written}")

    assert error.key in ("parse.date", "parse.week", "parse.no_such_date")
    assert error.values == {"value": written}


def test_parse_due_none_clears_the_date() -> None:
    for word in ("none", "ingen", "inget", "-", "Ingen"):
        assert parse_due(word, TODAY) is None
    assert parse_due("fredag", TODAY) == FRIDAY


# Numbers


@pytest.mark.parametrize(("written", "number"), [("3", 3), ("#3", 3), (" #12 ", 12), ("007", 7)])
def test_numbers_as_the_bot_shows_them(written: str, number: int) -> None:
    assert parse_number(written) == number


@pytest.mark.parametrize("written", ["0", "#0", "x", "3a", "#", "", "-1", "1.5", "tre"])
def test_what_is_not_a_number(written: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_number(written)

    assert caught.value.key == "parse.number"
    assert Catalogue("sv")("parse.number", **caught.value.values) == (
        f'"{written}" är inget nummer jag kan läsa; skriv till exempel 3 eller #3.'
    )


def test_the_last_due_clause_counts_and_the_words_before_it_stay_text() -> None:
    spec = parse_action("Kolla senast inkomna larm senast fredag", None, (), BOT, TODAY)
    assert spec.text == "Kolla senast inkomna larm"
    assert spec.due is not None and spec.due.weekday() == 4


def test_a_year_after_for_is_no_organisation() -> None:
    spec = parse_action("Ta fram statistik för 2025", None, (), BOT, TODAY)
    assert (spec.text, spec.organisation) == ("Ta fram statistik för 2025", None)


def test_a_due_clause_belongs_to_the_last_line_only() -> None:
    spec = parse_action("Ring skolan senast fredag\nom läget i parken", None, (), BOT, TODAY)
    assert (spec.text, spec.due) == ("Ring skolan senast fredag\nom läget i parken", None)
