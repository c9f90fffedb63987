"""Privacy guard: personnummer and samordningsnummer with a valid check digit, e-mail addresses, personal phone numbers
and vehicle registration numbers are refused; dates, times, amounts, roads, addresses and public numbers are not."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import UsageError, UserError
from bot.i18n import CATALOGUES, placeholders
from bot.privacy import (
    DETECTORS,
    find_email,
    find_identity_number,
    find_phone_number,
    find_registration_number,
    guard,
)
from tests.unit.personal_data import amounts, dates_and_times, emails, landline_numbers, mobile_numbers, plates

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


def test_every_refusal_is_explained_in_both_languages_without_values() -> None:
    for language, messages in CATALOGUES.items():
        for key, _ in DETECTORS:
            assert placeholders(messages[key]) == set(), (language, key)


# E-mail addresses


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("anna@eslov.se", "anna@eslov.se"),
        ("Mejla anna.andersson@eslov.se.", "anna.andersson@eslov.se"),
        ("Anna.Andersson@Eslov.SE", "Anna.Andersson@Eslov.SE"),
        ("olle+jour@polisen.se", "olle+jour@polisen.se"),
        ("kim_1@firma-vakt.se", "kim_1@firma-vakt.se"),
        ("förnamn.efternamn@eslövsbostäder.se", "förnamn.efternamn@eslövsbostäder.se"),
        ("a@b.co", "a@b.co"),
        ("<anna@mail.eslov.se>", "anna@mail.eslov.se"),
        ("mailto:anna@eslov.se", "anna@eslov.se"),
        ("anna(at)eslov.se", "anna(at)eslov.se"),
        ("anna [at] eslov.se", "anna [at] eslov.se"),
        ("anna (AT) eslov.se", "anna (AT) eslov.se"),
        ("kommunen@eslov.se", "kommunen@eslov.se"),  # an organisation's address is refused as well
        ("Skicka till anna@eslov.se\noch olle@eslov.se", "anna@eslov.se"),
    ],
)
def test_an_email_address_is_found_as_written(text: str, address: str) -> None:
    assert find_email(text) == address


@pytest.mark.parametrize(
    "text",
    [
        "@anna:eslov.se",  # a Matrix user id has nothing before its @
        "Kolla belysningen @olle:eslov.se senast fredag",
        "https://matrix.to/#/@anna:eslov.se",
        "#orat-mot-marken:eslov.se",
        "@room",
        "anna@",
        "@eslov.se",
        "anna@eslov",
        "anna@eslov.s",
        "kl 10@stationen",
        "www.eslov.se/trygghet",
        "vi ses at eslov.se",
        "Möte @ stadshuset.se",
    ],
)
def test_what_is_no_email_address_is_not_found(text: str) -> None:
    assert find_email(text) is None


@settings(derandomize=True)
@given(
    address=emails,
    before=st.sampled_from(["", "Mejla ", "kontakt: ", "("]),
    after=st.sampled_from(["", ".", " i dag", ")"]),
)
def test_any_email_address_is_found_in_a_sentence(address: str, before: str, after: str) -> None:
    assert find_email(before + address + after) == address


# Phone numbers


MOBILE = [
    "070-123 45 67",
    "0701234567",
    "070 123 45 67",
    "070-1234567",
    "070-12 34 567",
    "0701-23 45 67",
    "072-123 45 67",
    "073-123 45 67",
    "076 123 45 67",
    "079-123 45 67",
    "070-123 40 00",  # a mobile number is no switchboard, whatever it ends in
    "070 - 123 45 67",
    "070\u2013123 45 67",  # an en dash, as pasted from a document
    "070\u00a0123\u00a045\u00a067",  # no-break spaces
    "+46 70 123 45 67",
    "+46701234567",
    "+46 (0)70-123 45 67",
    "+46-70-123 45 67",
    "0046 70 123 45 67",
    "0046701234567",
]
LANDLINE = [
    "0413-123 45",
    "0413-12 34 56",
    "0413 123 45",
    "041312345",
    "08-123 456 78",
    "08-123 45 67",
    "08 123 456 78",
    "046-12 34 56",
    "046-123 45 67",
    "040-12 34 56",
    "0980-123 45",
    "010-123 45 67",  # a number of a workplace's own, for one person
    "0413-620 01",  # a direct line at the town hall
    "+46 413 123 45",
    "+46 8 123 456 78",
    "+46 46 12 34 56",
]
FOREIGN = ["+45 12 34 56 78", "+47 123 45 678", "+358 40 123 4567", "+49 30 1234567"]


@pytest.mark.parametrize("number", MOBILE + LANDLINE + FOREIGN)
def test_a_personal_phone_number_is_found_as_written(number: str) -> None:
    assert find_phone_number(number) == number


def test_an_area_code_in_parentheses_is_read_as_written_without_its_opening_parenthesis() -> None:
    assert find_phone_number("Ring (08) 123 456 78") == "08) 123 456 78"
    assert find_phone_number("(0413) 123 45") == "0413) 123 45"


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Ring jouren på 070-123 45 67 om det händer igen.", "070-123 45 67"),
        ("Boende (tel 0413-123 45) klagar på oväsen.", "0413-123 45"),
        ("tel:0701234567", "0701234567"),
        ("nr.070-1234567", "070-1234567"),
        ("vecka 49 070-123 45 67", "070-123 45 67"),  # a number after another number and a space
        ("Ring 112 eller 070-123 45 67", "070-123 45 67"),
        ("Ring 112,070-123 45 67", "070-123 45 67"),
        ("070-123 45 67 2 gånger i veckan", "070-123 45 67"),  # a number before another one
        ("2026-12-04 08-123 456 78", "08-123 456 78"),
        ("4/08 08-123 456 78", "08-123 456 78"),
        ("kl. 9.30 070-123 45 67", "070-123 45 67"),
        ("Växeln 0413-620 00 eller direkt 0413-620 15", "0413-620 15"),
    ],
)
def test_a_phone_number_inside_text_is_found(text: str, number: str) -> None:
    assert find_phone_number(text) == number


PUBLIC = ["112", "114 14", "113 13", "1177", "11414", "11313", "90000", "116 111", "116 006", "Ring 112!"]
SWITCHBOARDS = [
    "0413-620 00",  # Eslövs kommun
    "0413-62000",
    "+46 413 620 00",
    "046-35 50 00",
    "08-508 290 00",
    "040-34 10 00",
]
SERVICES = ["020-50 50 50", "0200-123 456", "0771-524 524", "0771-567 567", "+46 771 524 524"]
DATES_AND_TIMES = [
    "2026-12-04",
    "4/12",
    "04/12",
    "4/12 2026",
    "09:00",
    "09.30",
    "2026-12-04 0900",
    "2026-12-04 09:00",
    "2026-12-04 0900-1100",
    "20261204 0900",
    "08-12-2026 09:00",
    "04-12-2026 0900",
    "4/08 0900-1100",
    "04.08 0800-1600",
    "kl 0900-1100",
    "kl 0700\u20131600",
    "kl. 07.00–16.00",
    "04 0900-1100",
    "12-08 0900-1100",
    "vecka 49",
    "v.50",
    "v 04",
    "vecka 04, 0900-1100",
]
AMOUNTS = ["12 500 kr", "1 250 000 kronor", "1 250 000 SEK", "3 500:-", "kostnad 0 kr", "+125 000 000 kr", "+12 %"]
PLACES_AND_COUNTS = [
    "väg 113",
    "E22",
    "riksväg 13",
    "Storgatan 12",
    "Östergatan 12B",
    "241 80 Eslöv",
    "3 personer",
    "ca 20 ungdomar",
    "2026",
    "1990-talet",
    "org.nr 212000-1124",
    "ärende 2026-114532",
    "sal 2",
]


@pytest.mark.parametrize("text", PUBLIC + SWITCHBOARDS + SERVICES + DATES_AND_TIMES + AMOUNTS + PLACES_AND_COUNTS)
def test_public_numbers_switchboards_dates_times_amounts_and_places_are_no_phone_numbers(text: str) -> None:
    assert find_phone_number(text) is None
    assert find_phone_number(f"Ring {text} om det händer igen.") is None


def test_a_switchboard_is_known_by_its_ending_so_one_ending_otherwise_is_refused() -> None:
    # The documented trade-off: no list of switchboards, so Staffanstorp's 046-25 11 00 reads as a person's line,
    # and a person's line that happens to end in 000 goes through.
    assert find_phone_number("046-25 11 00") == "046-25 11 00"
    assert find_phone_number("0413-123 000") is None


def test_a_reference_number_that_begins_with_0_is_taken_for_a_phone_number() -> None:
    # The documented limit: nine or ten digits after a 0 are a number somebody may answer.
    assert find_phone_number("OCR 0123456789") == "0123456789"
    assert find_phone_number("OCR 123456789") is None


def test_seven_digits_after_the_0_are_too_few_to_be_sure_of() -> None:
    assert find_phone_number("0413-1234") is None
    assert find_phone_number("046-123 45") is None


@settings(derandomize=True)
@given(
    number=st.one_of(mobile_numbers, landline_numbers()), before=st.sampled_from(["", "Ring ", "tel. ", "vecka 49 "])
)
def test_any_personal_phone_number_is_found_in_a_sentence(number: str, before: str) -> None:
    assert find_phone_number(f"{before}{number} om det händer igen.") == number


@settings(derandomize=True)
@given(text=st.one_of(dates_and_times, amounts))
def test_no_date_time_or_amount_is_refused(text: str) -> None:
    guard(text)
    guard(f"Klotter vid stationen {text}, anmält.")


# Vehicle registration numbers


@pytest.mark.parametrize(
    ("text", "plate"),
    [
        ("ABC 123", "ABC 123"),
        ("ABC123", "ABC123"),
        ("ABC-123", "ABC-123"),
        ("ABC 12D", "ABC 12D"),
        ("ABC12D", "ABC12D"),
        ("MLB 23X", "MLB 23X"),
        ("HJK 007", "HJK 007"),
        ("ABC\u00a0123", "ABC\u00a0123"),
        ("En vit skåpbil, ABC 123, stod vid skolan.", "ABC 123"),
        ("(ABC 123)", "ABC 123"),
        ("ABC 123:s förare", "ABC 123"),
        ("Bilen XYZ 999 och bilen ABC 123", "XYZ 999"),
        # The documented trade-off: three capitals and three characters are refused whatever they mean.
        ("OCH 123", "OCH 123"),
        ("RUM 101", "RUM 101"),
    ],
)
def test_a_registration_number_in_capitals_is_found_as_written(text: str, plate: str) -> None:
    assert find_registration_number(text) == plate


@pytest.mark.parametrize(
    "text",
    [
        "abc 123",  # the documented trade-off: a plate in lower case goes through
        "abc123",
        "Abc 123",
        "och 123",
        "kl 113",
        "nr 112",
        "väg 113",
        "sal 2",
        "buss 123",
        "BUSS 123",
        "Rum 101",
        "E22",
        "E6",
        "RV 13",
        "riksväg 13",
        "ABI 123",  # no I, Q or V on a plate
        "AQC 123",
        "AVC 123",
        "ÅBC 123",
        "ABÖ 123",
        "ABC 12O",  # the last letter is never O
        "ABC 1234",
        "ABC 12",
        "ABCD 123",
        "xABC 123",
        "ABC 123A",
        "ABC123def",
        "SEK 500",
        "EUR 100",
        "SMS 112",
        "TEL 113 13",
        "SFS 2018:585",
        "ISO 9001",
        "W49",
        "Storgatan 12B",
    ],
)
def test_what_is_no_registration_number_is_not_found(text: str) -> None:
    assert find_registration_number(text) is None
    assert find_registration_number(f"Sedan {text} i går") is None


@settings(derandomize=True)
@given(
    plate=plates, before=st.sampled_from(["", "Bil ", "reg.nr ", "("]), after=st.sampled_from(["", ".", " stod", ")"])
)
def test_any_registration_number_is_found_in_a_sentence(plate: str, before: str, after: str) -> None:
    assert find_registration_number(before + plate + after) == plate


# The guard: one explanation for each kind, the first that applies


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (f"Gäller {TEST_NUMBER}", "privacy.identity_number"),
        ("Kontakta anna@eslov.se", "privacy.email"),
        ("Ring 070-123 45 67", "privacy.phone_number"),
        ("Ring +46 413 123 45", "privacy.phone_number"),
        ("Bilen ABC 123 stod kvar", "privacy.registration_number"),
        (f"ABC 123, anna@eslov.se, 070-123 45 67, {TEST_NUMBER}", "privacy.identity_number"),
        ("ABC 123, 070-123 45 67, anna@eslov.se", "privacy.email"),
        ("ABC 123, ring 070-123 45 67", "privacy.phone_number"),
        ("0701234567@sms.example.se", "privacy.email"),
        ("TEL 070-123 45 67", "privacy.phone_number"),
    ],
)
def test_the_guard_refuses_with_the_explanation_of_the_first_kind_found(text: str, key: str) -> None:
    with pytest.raises(UserError) as caught:
        guard(text)

    assert caught.value.key == key
    assert caught.value.values == {}
    assert not isinstance(caught.value, UsageError)


@pytest.mark.parametrize(
    "text",
    [
        "Ungdomar samlas vid centralstationen kl. 22.00–01.00, fredag och lördag, vecka 49.",
        "Polisen ökar närvaron i Norra Ekeby under v.50, kontakta 114 14 eller kommunens växel 0413-620 00.",
        "Akut: ring 112. Sjukvårdsrådgivning 1177. Kvinnofridslinjen 020-50 50 50.",
        "Klotter på Östergatan 12, cirka 3 m², sanering kostar 12 500 kr, klart 2026-12-04 0900.",
        "Fortkörning på väg 113 och E22 vid avfarten mot riksväg 13; möte i sal 2, rum 101.",
        "Nya kameror för 1 250 000 kronor beslutade 4/12, uppföljning 09.30 vecka 51.",
        "och 123 kl 113 nr 112 buss 123 Rum 101",
        "Möte med @olle:eslov.se och @kim:eslov.se i #orat-mot-marken:eslov.se",
    ],
)
def test_a_sentence_about_places_and_situations_with_numbers_goes_through(text: str) -> None:
    guard(text)


def test_the_explanations_name_no_example_the_guard_would_refuse() -> None:
    # An example the guard refuses (a plate, a mobile number) would read as if the reply repeated what it found.
    for messages in CATALOGUES.values():
        for key, _ in DETECTORS:
            guard(messages[key])


def test_a_number_before_an_amount_is_still_found() -> None:
    assert find_phone_number("Ring 0413 123 45 12 500 kr") == "0413 123 45"
    assert find_phone_number("kl 0900-1100 12 500 kr") is None
