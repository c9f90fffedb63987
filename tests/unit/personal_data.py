"""Hypothesis strategies for what the privacy guard must refuse, written as people write it, and for what it must let
through. Built from the formats themselves, not from bot.privacy, so a test of the guard can fail."""

from __future__ import annotations

from datetime import date

from hypothesis import assume
from hypothesis import strategies as st

DIGITS = "0123456789"

# Plates use neither I, Q nor V, and the newer format never ends in O.
PLATE_LETTERS = "ABCDEFGHJKLMNOPRSTUWXYZ"
NOT_PLATES = {"SEK", "EUR", "USD", "GBP", "NOK", "DKK", "TEL", "FAX", "SMS"}

plates = st.builds(
    lambda letters, sep, digits, last: f"{letters}{sep}{digits}{last}",
    st.text(PLATE_LETTERS, min_size=3, max_size=3).filter(lambda letters: letters not in NOT_PLATES),
    st.sampled_from(["", " ", "-"]),
    st.text(DIGITS, min_size=2, max_size=2),
    st.sampled_from(DIGITS + PLATE_LETTERS.replace("O", "")),
)

def _mobile(prefix: str, number: str, style: int) -> str:
    """A mobile number 07x and seven digits, in one of the ways it is written."""
    a, b, c = number[:3], number[3:5], number[5:]
    return [
        f"{prefix}-{a} {b} {c}",  # 070-123 45 67
        f"{prefix}{number}",  # 0701234567
        f"{prefix} {a} {b} {c}",  # 070 123 45 67
        f"{prefix}-{number}",  # 070-1234567
        f"+46 {prefix[1:]} {a} {b} {c}",  # +46 70 123 45 67
        f"+46{prefix[1:]}{number}",  # +46701234567
        f"+46 (0){prefix[1:]}-{a} {b} {c}",  # +46 (0)70-123 45 67
        f"0046 {prefix[1:]} {a} {b} {c}",  # 0046 70 123 45 67
    ][style]


mobile_numbers = st.builds(
    _mobile,
    st.sampled_from(["070", "072", "073", "076", "079"]),
    st.text(DIGITS, min_size=7, max_size=7),
    st.integers(0, 7),
)


def _landline(area: str, subscriber: str, style: int) -> str:
    """A landline: area code and a subscriber number of five to eight digits, grouped in twos from the end."""
    pairs = [subscriber[max(0, i - 2) : i] for i in range(len(subscriber), 0, -2)][::-1]
    if len(pairs[0]) == 1:  # 123 45, not 1 23 45
        pairs = [pairs[0] + pairs[1], *pairs[2:]]
    return [
        f"{area}-{' '.join(pairs)}",  # 0413-123 45
        f"{area} {' '.join(pairs)}",  # 0413 123 45
        f"+46 {area[1:]} {' '.join(pairs)}",  # +46 413 123 45
        f"{area}{subscriber}",  # 041312345
    ][style]


AREA_CODES = ["08", "046", "040", "031", "0413", "0415", "0980"]


@st.composite
def landline_numbers(draw: st.DrawFn) -> str:
    """A personal landline: nine or ten digits with the area code, not ending in 000 as a switchboard does."""
    area = draw(st.sampled_from(AREA_CODES))
    length = draw(st.sampled_from([9 - len(area), 10 - len(area)]))
    subscriber = draw(st.sampled_from("123456789")) + draw(st.text(DIGITS, min_size=length - 1, max_size=length - 1))
    assume(not subscriber.endswith("000"))
    return _landline(area, subscriber, draw(st.integers(0, 3)))


emails = st.builds(
    lambda local, domain, tld, at: f"{local}{at}{domain}.{tld}",
    st.from_regex(r"[a-zåäö][a-zåäö0-9]{0,8}(\.[a-zåäö]{1,8})?", fullmatch=True),
    st.from_regex(r"[a-zåäö][a-zåäö0-9-]{0,10}[a-z]", fullmatch=True),
    st.sampled_from(["se", "nu", "com", "org", "eu"]),
    st.sampled_from(["@", "@", "@", "(at)", " [at] "]),
)

personal_data = st.one_of(plates, mobile_numbers, landline_numbers(), emails)


def _amount(value: int, unit: str) -> str:
    return f"{value:,}".replace(",", " ") + unit


amounts = st.builds(_amount, st.integers(0, 10**9), st.sampled_from([" kr", " kronor", ":-", " SEK"]))


def _when(day: date, hour: int, minute: int, end: int, style: int) -> str:
    """A date or a time, as the room writes them."""
    return [
        day.isoformat(),  # 2026-12-04
        f"{day.day}/{day.month}",  # 4/12
        f"{day.isoformat()} {hour:02}{minute:02}",  # 2026-12-04 0900
        f"{day.isoformat()} {hour:02}:{minute:02}",
        f"{hour:02}:{minute:02}",
        f"{hour:02}.{minute:02}",
        f"kl {hour:02}{minute:02}-{end:02}00",  # kl 0900-1100
        f"{day.isoformat()} {hour:02}{minute:02}-{end:02}00",
        f"{day.day:02}-{day.month:02}-{day.year} {hour:02}:{minute:02}",  # 04-12-2026 09:00
        f"{day.day:02}/{day.month:02} {hour:02}{minute:02}-{end:02}00",
        f"vecka {day.isocalendar().week}",
        f"v.{day.isocalendar().week:02}",
    ][style]


dates_and_times = st.builds(
    _when,
    st.dates(date(1990, 1, 1), date(2099, 12, 31)),
    st.integers(0, 23),
    st.integers(0, 59),
    st.integers(0, 23),
    st.integers(0, 11),
)
