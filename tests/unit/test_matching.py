"""How names a room has given are found as people type them: case and diacritics aside, by a unique beginning,
and with suggestions for a near miss or a beginning several names share."""

from __future__ import annotations

import pytest

from bot.matching import Match, find, near, normalise, same

AREAS = ["Centrum", "Stationsområdet", "Berga", "Rönneberga", "Sallerup", "Marieholm", "Flyinge", "Löberöd"]
CATEGORIES = ["Skadegörelse", "Klotter", "Nedskräpning", "Otrygg plats", "Samlingar", "Misstänkt narkotikahandel"]


def test_a_name_is_compared_without_case_diacritics_or_extra_spaces() -> None:
    assert normalise("  Pölisen ") == normalise("POLISEN") == "polisen"
    assert normalise("Otrygg   plats") == "otrygg plats"
    assert normalise("Löberöd") == "loberod"


@pytest.mark.parametrize("written", ["polisen", "Pölisen", "POLISEN", "Polisen"])
def test_the_same_name_is_found_whatever_its_case_and_diacritics(written: str) -> None:
    assert same(written, ["Räddningstjänsten", "Polisen"]) == "Polisen"


@pytest.mark.parametrize(
    ("written", "found"),
    [("stat", "Stationsområdet"), ("STATIONSOMRADET", "Stationsområdet"), ("lob", "Löberöd"), ("rönne", "Rönneberga")],
)
def test_a_unique_beginning_finds_the_name(written: str, found: str) -> None:
    assert find(written, AREAS) == Match(found)


def test_the_whole_name_wins_over_a_longer_one_it_begins() -> None:
    assert find("berga", ["Berga", "Bergaskolan"]) == Match("Berga")


def test_a_beginning_several_names_share_finds_none_and_suggests_them() -> None:
    assert find("Sa", CATEGORIES + AREAS) == Match(None, ("Samlingar", "Sallerup"))


def test_a_near_miss_finds_none_and_suggests_the_name() -> None:
    assert find("Statoinsområdet", AREAS) == Match(None, ("Stationsområdet",))
    assert find("Klottre", CATEGORIES) == Match(None, ("Klotter",))


def test_nothing_alike_suggests_nothing() -> None:
    assert find("Lund", AREAS) == Match(None, ())
    assert find("", AREAS) == Match(None, ())


def test_near_misses_come_most_alike_first() -> None:
    assert near("Pollisen", ["Polisen", "Polishuset", "Posten"])[0] == "Polisen"


def test_a_misspelt_beginning_suggests_the_name_it_begins() -> None:
    assert find("Statoin", AREAS) == Match(None, ("Stationsområdet",))


def test_a_short_beginning_is_not_taken_for_a_near_miss() -> None:
    assert near("Bj", AREAS) == ()
