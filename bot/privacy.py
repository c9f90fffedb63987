"""Privacy guard: text with a Swedish personal identity number in it is refused before anything stores it.

What is written in the room can become a public record, and the work is about places and situations,
never people. Every command that stores text passes it through `guard` first.

A personnummer is written YYMMDD-NNNC or YYYYMMDD-NNNC, with `-`, `+` (someone aged 100 or more) or
nothing between date and number; a samordningsnummer adds 60 to the day. A number counts only when its
date exists and its check digit C fits, which lets most other numbers through: a phone number written
070-123 45 67 or +46 70 123 45 67 has the wrong shape, an organisation number has 20 or more where the
month goes, and a digit run longer than the number is something else (an 11-digit phone number).

What the guard cannot tell apart: ten digits that happen to form a date with a fitting check digit are
refused whatever they were meant to be, about one in ten of them. That can be a mobile number written
0701234569, or a date and time written 261204-0903; the user writes those another way (070-123 45 69,
2026-12-04 09.03). A date written 2026-12-04 0900 never matches: no six or eight digits stand together.
"""

from __future__ import annotations

import re
from datetime import date

from bot.errors import UserError

# A number pasted from a document may carry a typographic dash or minus sign in place of the hyphen.
SEPARATORS = "-+\u2010\u2011\u2012\u2013\u2212"

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


def guard(text: str) -> None:
    """Refuse text that contains a personal identity number.

    The error carries no values: the reply is stored and posted, and must not repeat the number.
    """
    if find_identity_number(text) is not None:
        raise UserError("privacy.identity_number")
