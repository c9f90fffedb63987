"""Privacy guard: personnummer and samordningsnummer with a valid check digit are refused, other numbers are not."""

from __future__ import annotations

import pytest

from bot.errors import UsageError, UserError
from bot.i18n import CATALOGUES, placeholders
from bot.privacy import find_identity_number, guard

# Skatteverket's published test personnummer, valid in both its forms.
TEST_NUMBER = "811218-9876"
TEST_NUMBER_LONG = "19811218-9876"


def with_check_digit(nine: str) -> str:
    """The nine digits YYMMDDNNN and their Luhn check digit, computed the textbook way, independently of
    bot.privacy: from the right, double every other digit starting with the last of the nine, subtract 9
    from a product over 9, and add the digit that brings the sum to a multiple of ten."""
    total = 0
    for position, char in enumerate(reversed(nine)):
        value = int(char) * 2 if position % 2 == 0 else int(char)
        total += value - 9 if value > 9 else value
    return nine + str((10 - total % 10) % 10)


def dashed(ten: str) -> str:
    return f"{ten[:6]}-{ten[6:]}"


def test_the_check_digit_helper_agrees_with_skatteverkets_test_number() -> None:
    assert with_check_digit("811218987") == "8112189876"


# What is refused


@pytest.mark.parametrize(
    "number",
    [
        TEST_NUMBER,
        "8112189876",
        TEST_NUMBER_LONG,
        "198112189876",
        "811218+9876",  # the + of someone aged 100 or more
        "811218\u20139876",  # an en dash, as pasted from a document
    ],
)
def test_a_valid_personnummer_is_found_as_written(number: str) -> None:
    assert find_identity_number(number) == number


@pytest.mark.parametrize("number", [TEST_NUMBER, "8112189876", TEST_NUMBER_LONG, "198112189876", "811218+9876"])
def test_every_other_check_digit_is_not_a_personnummer(number: str) -> None:
    wrong = [number[:-1] + digit for digit in "0123456789" if digit != number[-1]]

    assert [n for n in wrong if find_identity_number(n)] == []


@pytest.mark.parametrize(
    "ten",
    [
        with_check_digit("050101123"),  # born in 2005: the year starts with 0
        with_check_digit("991231001"),
        with_check_digit("000101999"),
    ],
)
def test_other_valid_numbers_are_found_in_every_form(ten: str) -> None:
    century = "20" if ten.startswith("0") else "19"
    for number in (ten, dashed(ten), century + ten, century + dashed(ten)):
        assert find_identity_number(number) == number


@pytest.mark.parametrize(
    "ten",
    [
        with_check_digit("811278987"),  # 18 December + 60
        with_check_digit("701063239"),  # 3 October + 60
        with_check_digit("810161123"),  # 1 January + 60
        with_check_digit("811291123"),  # 31 December + 60
        with_check_digit("040289123"),  # 29 February + 60, in the leap year 2004
    ],
)
def test_a_samordningsnummer_is_found(ten: str) -> None:
    assert find_identity_number(ten) == ten
    assert find_identity_number(dashed(ten)) == dashed(ten)
    assert find_identity_number("19" + ten if ten[0] != "0" else "20" + ten) is not None


def test_29_february_counts_in_a_leap_year() -> None:
    ten = with_check_digit("040229123")

    assert find_identity_number(dashed(ten)) == dashed(ten)
    assert find_identity_number("20" + ten) == "20" + ten


def test_29_february_00_counts_in_ten_digits_because_it_may_be_2000_but_not_as_1900() -> None:
    ten = with_check_digit("000229123")

    assert find_identity_number(dashed(ten)) == dashed(ten)
    assert find_identity_number("20" + ten) == "20" + ten
    assert find_identity_number("19" + ten) is None


# Impossible dates, each with a check digit that fits, so only the date keeps them out


@pytest.mark.parametrize(
    "nine",
    [
        "811318987",  # month 13
        "810018987",  # month 0
        "811232987",  # 32 December
        "811200987",  # day 0
        "810230987",  # 30 February
        "230229987",  # 29 February 2023
        "810290987",  # 30 February + 60
        "811292987",  # day 92
        "811260987",  # day 60 is day 0 + 60
        "810431987",  # 31 April
    ],
)
def test_an_impossible_date_is_not_a_personnummer(nine: str) -> None:
    ten = with_check_digit(nine)

    assert find_identity_number(ten) is None
    assert find_identity_number(dashed(ten)) is None
    assert find_identity_number("19" + dashed(ten)) is None


def test_29_february_1900_is_not_a_date() -> None:
    assert find_identity_number("19" + dashed(with_check_digit("000229123"))) is None


def test_an_organisation_number_is_not_a_personnummer() -> None:
    # Organisation numbers use the same check digit but have 20 or more where the month goes.
    number = dashed(with_check_digit("212000123"))

    assert find_identity_number(number) is None
    assert find_identity_number(f"Eslövs kommun, org.nr {number}") is None


# Where in the text


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("pnr:198112189876,", "198112189876"),
        ("(811218-9876)", TEST_NUMBER),
        ("Pnr 811218-9876.", TEST_NUMBER),
        ('"8112189876"', "8112189876"),
        ("personnummer 19811218-9876!", TEST_NUMBER_LONG),
        ("id=811218-9876;namn=okänd", TEST_NUMBER),
        ("första raden\n811218-9876\nsista raden", TEST_NUMBER),
        ("a811218-9876b", TEST_NUMBER),
    ],
)
def test_a_number_inside_text_and_punctuation_is_found(text: str, number: str) -> None:
    assert find_identity_number(text) == number


def test_the_first_of_two_numbers_is_given() -> None:
    other = dashed(with_check_digit("991231001"))

    assert find_identity_number(f"{other} och {TEST_NUMBER}") == other


def test_a_number_is_found_after_an_invalid_one() -> None:
    assert find_identity_number(f"811218-9870 eller {TEST_NUMBER}") == TEST_NUMBER


@pytest.mark.parametrize(
    "text",
    [
        "18112189876",  # 11 digits
        "81121898761",
        "1198112189876",  # 13 digits
        "1981121898761",
        "00198112189876",  # 14 digits
        "811218-98761",
        "1811218-9876",
        "19811218-98760",
        "119811218-9876",
    ],
)
def test_a_valid_number_inside_a_longer_digit_run_is_not_found(text: str) -> None:
    assert find_identity_number(text) is None


# Numbers that are not personnummer


@pytest.mark.parametrize(
    "phone",
    [
        "070-123 45 67",
        "070-1234567",
        "070 123 45 67",
        "+46701234567",
        "+46 70 123 45 67",
        "0046701234567",
        "046-12 34 56",
    ],
)
def test_a_phone_number_in_the_usual_forms_has_the_wrong_shape(phone: str) -> None:
    assert find_identity_number(phone) is None
    assert find_identity_number(f"Ring jouren på {phone} om det händer igen.") is None


def test_a_mobile_number_in_ten_digits_is_kept_out_by_its_check_digit() -> None:
    # 070123 is a real date (23 January 2007), so only the check digit tells this one apart.
    assert with_check_digit("070123456") != "0701234567"
    assert find_identity_number("0701234567") is None


def test_ten_digits_forming_a_date_and_a_fitting_check_digit_are_refused_whatever_they_mean() -> None:
    # The documented limit: a mobile number or a date with a time can look exactly like a personnummer.
    assert with_check_digit("070123456") == "0701234569"
    assert find_identity_number("0701234569") == "0701234569"
    assert with_check_digit("261204090") == "2612040903"
    assert find_identity_number("261204-0903") == "261204-0903"


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-04 0900",
        "2026-12-04 09:00",
        "2026-12-04T09:00",
        "20261204 0900",
        "tisdag 1 december 2026 kl. 09.00",
        "vecka 49",
        "2026-12-04 0903",
    ],
)
def test_a_date_with_a_time_is_not_a_personnummer(text: str) -> None:
    assert find_identity_number(text) is None


# Sentences as they are written in the room


@pytest.mark.parametrize(
    "text",
    [
        "Skadegörelse vid busshållplatsen på Storgatan natten till lördag, två glasrutor krossade.",
        "Klotter på Östergatan 12, cirka 3 m², Eslövs Bostäder sanerar senast 2026-12-04.",
        "Ungdomar samlas vid centralstationen kl. 22.00–01.00, fredag och lördag, vecka 49.",
        "Trasig belysning i gångtunneln vid Kvarngatan; felanmält som ärende 2026-114532.",
        "Polisen ökar närvaron i Norra Ekeby under v.50, kontakta 114 14 vid frågor.",
    ],
)
def test_a_sentence_about_places_and_situations_goes_through(text: str) -> None:
    assert find_identity_number(text) is None
    guard(text)


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Anmälan gäller 19811218-9876 som setts vid skolan flera kvällar.", TEST_NUMBER_LONG),
        ("Personen (811218-9876) har hotat personal i butiken.", TEST_NUMBER),
        ("Väktarna avvisade pnr 198112189876 från köpcentret igår.", "198112189876"),
        ("Samordningsnr 701063-2391, ingen fast adress.", "701063-2391"),
    ],
)
def test_a_sentence_naming_a_person_by_number_is_refused(text: str, number: str) -> None:
    assert find_identity_number(text) == number
    with pytest.raises(UserError):
        guard(text)


# What the user is told


def test_the_guard_refuses_with_the_privacy_message_and_no_usage_line() -> None:
    with pytest.raises(UserError) as caught:
        guard(f"Dagordning: uppföljning av {TEST_NUMBER}")

    assert caught.value.key == "privacy.identity_number"
    assert not isinstance(caught.value, UsageError)


def test_the_refusal_does_not_repeat_the_number() -> None:
    with pytest.raises(UserError) as caught:
        guard(TEST_NUMBER_LONG)

    assert caught.value.values == {}
    assert "9876" not in str(caught.value)


def test_the_refusal_is_explained_in_both_languages_without_values() -> None:
    for language, messages in CATALOGUES.items():
        assert placeholders(messages["privacy.identity_number"]) == set(), language
