"""Privacy guard: text that points at a person is refused before anything stores it.

What is written in the room can become a public record, and the work is about places and situations, never people.
Every command that stores text passes it through `guard` first. It refuses, in this order, a personal identity
number, an e-mail address, a personal phone number and a vehicle registration number, each with its own
explanation, which never repeats what was found: the reply is stored and posted too. Each detector returns the first
match as written in the text (so the tests can say what it found), or None.

Personal identity numbers. A personnummer is written YYMMDD-NNNC or YYYYMMDD-NNNC, with `-`, `+` (someone aged 100
or more) or nothing between date and number; a samordningsnummer adds 60 to the day. A number counts only when its
date exists and its check digit C fits, which lets most other numbers through: a phone number written
070-123 45 67 or +46 70 123 45 67 has the wrong shape, an organisation number has 20 or more where the month goes,
and a digit run longer than the number is something else (an 11-digit phone number).
What the guard cannot tell apart: ten digits that happen to form a date with a fitting check digit are refused as a
personal identity number whatever they were meant to be, about one in ten of them. That can be a mobile number
written 0701234569 (refused as a phone number anyway, here with the wrong explanation), or a date and time written
261204-0903, which the user writes another way (2026-12-04 09.03). A date written 2026-12-04 0900 never matches: no
six or eight digits stand together.

E-mail addresses. name@domain.se, and the forms written to keep robots out, name(at)domain.se and name[at]domain.se.
Every address is refused, an organisation's (kommunen@eslov.se) as much as a person's: the guard cannot tell them
apart, and the organisation's name says the same. A Matrix user id (@anna:eslov.se) has nothing before its @ and is
no address.

Phone numbers. A Swedish number is written with 0 and its area code (070-123 45 67, 0413-123 45, 08-123 456 78) or
with +46 or 0046 in place of the 0 (+46 70 123 45 67, +46 (0)413 123 45), in groups of digits parted by a space or
a dash, or in one run (0701234567). Written with its 0, a number is personal when it is
- a mobile number: 07 first (but not 077) and ten digits in all, or
- a landline: any other area code and nine or ten digits in all, unless it ends in 000.
What goes through, and why:
- Short public numbers (112, 114 14, 113 13, 1177, 11414, 90000), amounts (12 500 kr, 1 250 000 kronor), street
  numbers, counts and years begin with neither 0 nor +, so they are never read as phone numbers.
- A switchboard is known by its shape: its number ends in 000, as Eslövs kommun's 0413-620 00 and most
  organisations' do. A configured list of allowed numbers would need every partner's switchboard written into the
  settings, and `guard` is given the text alone wherever text is stored. The price: a personal landline that happens
  to end in 000 (one in a thousand) goes through, and a switchboard ending otherwise (046-25 11 00) is refused; the
  user writes "kommunens växel" instead.
- Freephone numbers (020, 0200) and national service numbers (077) belong to services, never to a person.
- Dates and times: eight digits are too few for a personal number (so an old landline with seven digits after the
  0 goes through), and a time span 0900-1100 is never the start of one, whatever number follows it (0900-1100 12
  personer). A number never begins right after a digit and a dash, slash, colon or full stop, which is the middle
  of a date, a time or a span (the 08 of 12-08 0900-1100 or of 4/08 0900-1100), and dates written 2026-12-04 or
  08-12-2026 are set aside before numbers are read. Two digits before the first space or dash are an area code only
  as 08, so the day in "04 0900-1100" is no Stockholm number.
- A number followed by kr, kronor, SEK, :- or % is an amount (+125 000 000 kr).
- A number written with + and another country code is refused from nine to fifteen digits (+45 12 34 56 78); with
  00 in place of the +, only a Swedish number is read (0046 70 123 45 67), as 00 begins many a time of day.
What is refused though it is no phone number: a reference number of nine or ten digits that begins with 0 (OCR
0123456789), and a time written without a colon right before a count or an amount (0700 100 000 kr); the user
leaves out the leading zero or writes 07.00.

Vehicle registration numbers. A Swedish plate is three letters and three characters: ABC 123, or the newer ABC 12D
whose last character may be a letter. Plates use neither I, Q nor V (nor Å, Ä, Ö), and the last letter is never O.
Only letters written in capitals count, with a space, a dash or nothing before the digits. Swedish is full of short
words followed by a number ("och 123", "kl 113", "nr 112", "sal 2", "Rum 101", "buss 123"), and refusing those would
make the guard a nuisance, so a plate written in lower case (abc 123) goes through. The other way round, three
capitals with three characters are refused whatever they mean ("RUM 101" typed in capitals, a form's code), except
currency codes and contact words (SEK 500, SMS 112; see NOT_PLATES). Roads (E22, väg 113, riksväg 13, RV 13) never
have three plate letters. Personalised plates (two to seven free characters) cannot be told from words and are not
looked for.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from bot.errors import UserError

# A number pasted from a document may carry a typographic dash or minus sign in place of the hyphen.
DASHES = "-\u2010\u2011\u2012\u2013\u2212"
DASH_SET = frozenset(DASHES)
# A space between digit groups may be a no-break or thin space, as word processors write them.
SPACES = " \u00a0\u2009\u202f"

# Between a personnummer's date and number: a dash, or + for someone aged 100 or more.
SEPARATORS = DASHES + "+"
IDENTITY_NUMBER_RE = re.compile(rf"(?<!\d)(?P<date>\d{{8}}|\d{{6}})[{SEPARATORS}]?(?P<serial>\d{{4}})(?!\d)")


def _date_exists(digits: str) -> bool:
    """YYYYMMDD or YYMMDD; a samordningsnummer's day is 61 to 91."""
    if len(digits) == 8:
        year = int(digits[:4])
    else:
        # Ten digits do not say the century. 2000 + YY has the leap years of 1900 + YY except for 00,
        # where it lets 29 February count: better to refuse one number too many than let one through.
        year = 2000 + int(digits[:2])
    month, day = int(digits[-4:-2]), int(digits[-2:])
    if day > 60:
        day -= 60
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _check_digit(nine_digits: str) -> int:
    """Luhn (mod 10): digits doubled and single alternately from the first, the digits of each product summed."""
    total = 0
    for index, digit in enumerate(map(int, nine_digits)):
        product = digit * (2 - index % 2)
        total += product // 10 + product % 10
    return -total % 10


def find_identity_number(text: str) -> str | None:
    """The first personnummer or samordningsnummer in the text, as written there; None if there is none."""
    for match in IDENTITY_NUMBER_RE.finditer(text):
        # The check digit is computed over the ten-digit form, so a twelve-digit number drops its century.
        ten = match["date"][-6:] + match["serial"]
        if _date_exists(match["date"]) and _check_digit(ten[:9]) == int(ten[9]):
            return match.group()
    return None


# E-mail addresses.

EMAIL_RE = re.compile(
    r"(?<![\w.+-])[\w.+-]+(?:@|[ ]?[(\[]at[)\]][ ]?)(?:[\w-]+\.)+[^\W\d_]{2,}(?![\w-])", re.IGNORECASE
)


def find_email(text: str) -> str | None:
    """The first e-mail address in the text, as written there; None if there is none."""
    match = EMAIL_RE.search(text)
    return match.group() if match else None


# Phone numbers.

# Digit groups that stand together, parted by a space or a dash (spaces either side of the dash allowed), and not
# continuing a date or a time (the 08 of 4/08 0900-1100). Parentheses (08) and (0) are read as spaces first; a + may
# lead.
NUMBER_RE = re.compile(
    rf"(?<![\d+])(?<!\d[/.:])\+?\d+(?:(?:[{SPACES}]{{1,2}}|[{SPACES}]?[{DASHES}][{SPACES}]?)\d+)*"
)
GROUP_RE = re.compile(r"\d+")
# A date, 2026-12-04 or 04-12-2026: its digits would otherwise join the number before or after it (08-12-2026 09.00).
DATE_RE = re.compile(
    rf"(?<!\d)(?:(?:19|20)\d\d[{DASHES}][01]?\d[{DASHES}][0-3]?\d"
    rf"|[0-3]?\d[{DASHES}][01]?\d[{DASHES}](?:19|20)\d\d)(?!\d)"
)
AMOUNT_RE = re.compile(r"\s*(?:kr|kronor|sek|tkr|mkr|:-|%)(?!\w)", re.IGNORECASE)
MOBILE = "07"
SERVICE_PREFIXES = ("020", "077")
"""Freephone and national service numbers: a service answers them, never a person."""
SWITCHBOARD_END = "000"
LONGEST = 15
"""No phone number has more digits (ITU E.164)."""


def _personal(national: str, area_written: int | None) -> bool:
    """Whether a Swedish number written with its 0 (`national`) is a person's. `area_written` is how many digits stood
    before the first space or dash as it was written, None for a number written with +46."""
    if not 9 <= len(national) <= 10 or national.startswith(SERVICE_PREFIXES) or national[1] == "0":
        return False
    if national.startswith(MOBILE):
        return len(national) == 10
    if area_written == 2 and not national.startswith("08"):
        return False  # 08 is the only area code of two digits: this is a day or an hour
    return not national.endswith(SWITCHBOARD_END)


def _dashed(separator: str) -> bool:
    return not DASH_SET.isdisjoint(separator)


def _times(groups: list[str]) -> bool:
    """Whether the groups are times of day written HHMM."""
    return all(len(group) == 4 and int(group[:2]) <= 24 and int(group[2:]) < 60 for group in groups)


def _phone_at(groups: list[str], international: bool) -> int | None:
    """How many of the digit groups, from the first, make a personal phone number; None if no run of them does.
    `international`: the first group followed a +."""
    digits = ""
    for count, group in enumerate(groups, start=1):
        digits += group
        country = digits if international else digits[2:] if digits.startswith("00") else None
        if country is None:  # 0 and the area code
            if len(digits) > 10:
                return None
            found = _personal(digits, len(groups[0]))
        elif country.startswith("46"):
            if len(country) > 12:  # 46, a 0 written (0), nine digits
                return None
            found = _personal("0" + country[2:].removeprefix("0"), None)
        elif international:
            if len(digits) > LONGEST:
                return None
            found = digits[0] != "0" and len(digits) >= 9
        elif "46".startswith(country):
            found = False  # 00 or 004, not told yet
        else:
            return None  # 00 and another country code: a time of day, most likely
        if found:
            return count
    return None


def find_phone_number(text: str) -> str | None:
    """The first personal phone number in the text, as written there; None if there is none."""
    # Read with the same length as the text, so what is found can be cut from the text as written.
    readable = DATE_RE.sub(lambda m: "x" * len(m.group()), text.replace("(", " ").replace(")", " "))
    for chain in NUMBER_RE.finditer(readable):
        written = chain.group()
        spans = [match.span() for match in GROUP_RE.finditer(written)]
        groups = [written[a:b] for a, b in spans]
        international = written.startswith("+")
        for first, group in enumerate(groups):
            if not group.startswith("0") and not (international and first == 0):
                continue
            if first and _dashed(written[spans[first - 1][1] : spans[first][0]]):
                continue  # the middle of a date or a span, never the start of a number
            if first + 1 < len(groups) and _dashed(written[spans[first][1] : spans[first + 1][0]]):
                if _times(groups[first : first + 2]):
                    continue  # a time span, 0900-1100, whatever follows it
            count = _phone_at(groups[first : first + LONGEST], international and first == 0)
            if count is None:
                continue
            start, end = chain.start() + (spans[first][0] if first else 0), chain.start() + spans[first + count - 1][1]
            if not AMOUNT_RE.match(readable, end):  # +125 000 000 kr
                return text[start:end]
    return None


# Vehicle registration numbers.

PLATE_LETTERS = "ABCDEFGHJKLMNOPRSTUWXYZ"
"""The letters Swedish plates use: not I, Q or V (nor Å, Ä, Ö)."""
LAST_LETTERS = PLATE_LETTERS.replace("O", "")
"""The last character of ABC 12D is never O, which could be read as 0."""
NOT_PLATES = frozenset({"SEK", "EUR", "USD", "GBP", "NOK", "DKK", "TEL", "FAX", "SMS"})
"""Capitals that stand before a number and are no plate: currency codes and contact words."""
PLATE_RE = re.compile(
    rf"(?<!\w)(?P<letters>[{PLATE_LETTERS}]{{3}})[{DASHES}{SPACES}]?\d\d[\d{LAST_LETTERS}](?!\w)"
)


def find_registration_number(text: str) -> str | None:
    """The first Swedish vehicle registration number in the text, as written there; None if there is none."""
    for match in PLATE_RE.finditer(text):
        if match["letters"] not in NOT_PLATES:
            return match.group()
    return None


DETECTORS: tuple[tuple[str, Callable[[str], str | None]], ...] = (
    ("privacy.identity_number", find_identity_number),
    ("privacy.email", find_email),
    ("privacy.phone_number", find_phone_number),
    ("privacy.registration_number", find_registration_number),
)
"""Each detector with the catalogue key of its explanation, in the order `guard` asks them."""


def guard(text: str) -> None:
    """Refuse text that contains a personal identity number, an e-mail address, a personal phone number or a vehicle
    registration number, with the explanation of the first of those found.

    The error carries no values: the reply is stored and posted, and must not repeat what was found.
    """
    for key, find in DETECTORS:
        if find(text) is not None:
            raise UserError(key)
