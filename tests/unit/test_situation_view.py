"""The situation picture as a message: the title, the count and its change in words, the table as HTML and as
aligned text, the places that stand out and who has reported, in Swedish and English."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from bot.i18n import Catalogue, Text
from bot.periods import iso_week, last_days
from bot.render import notice, table
from bot.situation import Change, Count, situation
from bot.views.situation import change_line, decimal, situation_text
from tests.unit.helpers import STOCKHOLM

SV, EN = Catalogue("sv"), Catalogue("en")
NOW = datetime(2026, 11, 26, 13, tzinfo=timezone.utc)


def picture(earlier: int = 4):
    rows = [
        Count(0, "Centrum", "Klotter", 6), Count(0, "Centrum", "Skadegörelse", 2), Count(0, "Berga", "Klotter", 1),
        Count(1, "Centrum", "Klotter", 1), Count(2, "Berga", "Brand", 2), Count(3, "Centrum", "Klotter", 1),
    ]  # fmt: skip
    return situation(
        rows, earlier, organisations=["Polisen", "Räddningstjänsten", "Eslövs kommun"], reported=["Polisen"],
        nothing=["Eslövs kommun"],
    )  # fmt: skip


def test_the_whole_picture_in_swedish() -> None:
    text = situation_text(picture(), last_days(NOW, STOCKHOLM)[0], SV)

    assert text.plain == "\n".join([
        "Lägesbild fredag 20 november 2026 – torsdag 26 november 2026",
        "9 iakttagelser. Snittet för de 4 perioderna före: 1,0 (+8,0, +800 %).",
        "",
        "Område   Klotter  Skadegörelse  Summa",
        "Centrum        6             2      8",
        "Berga          1                    1",
        "Summa          7             2      9",
        "",
        "Flest iakttagelser: Centrum (8) och Berga (1).",
        "Störst ökning: Centrum (8, snitt 0,5).",
        "",
        "Har rapporterat: Polisen.",
        "Inget att rapportera: Eslövs kommun.",
        "Har inte rapporterat: Räddningstjänsten.",
    ])  # fmt: skip


def test_the_whole_picture_in_english_for_a_week() -> None:
    text = situation_text(picture(earlier=2), iso_week(53, date(2027, 1, 10), STOCKHOLM)[0], EN)

    lines = text.plain.split("\n")
    assert lines[0] == "Situation picture week 53, Monday 28 December 2026 – Sunday 3 January 2027"
    assert lines[1] == "9 observations. Average of the 2 periods before: 1.5 (+7.5, +500%)."
    assert lines[3] == "Area     Klotter  Skadegörelse  Total"
    assert "Largest rises: Centrum (8, average 0.5)." in lines


def test_the_table_is_an_html_table_in_formatted_body() -> None:
    content = notice(situation_text(picture(), last_days(NOW, STOCKHOLM)[0], SV))

    assert (
        "<table><thead><tr><th>Område</th><th>Klotter</th><th>Skadegörelse</th><th>Summa</th></tr></thead><tbody>"
        "<tr><td>Centrum</td><td>6</td><td>2</td><td>8</td></tr><tr><td>Berga</td><td>1</td><td></td><td>1</td></tr>"
        "<tr><td>Summa</td><td>7</td><td>2</td><td>9</td></tr></tbody></table>"
    ) in content["formatted_body"]
    assert "Centrum        6             2      8" in content["body"]


def test_names_in_the_table_stay_literal_text() -> None:
    content = notice(table(["Område", "<i>Brand</i>"], [["<b>Torget</b>", 3]]))

    assert content["body"] == "Område         <i>Brand</i>\n<b>Torget</b>             3"
    assert "<td>&lt;b&gt;Torget&lt;/b&gt;</td>" in content["formatted_body"]
    assert "<th>&lt;i&gt;Brand&lt;/i&gt;</th>" in content["formatted_body"]
    assert "<b>" not in content["formatted_body"] and "<i>" not in content["formatted_body"]


def test_long_names_are_cut_in_the_body_and_whole_in_the_html() -> None:
    area = "Området kring gamla busstationen och järnvägen"
    content = notice(table(["Område", "Misstänkt narkotikahandel"], [[area, 12]]))

    assert content["body"].split("\n") == [
        "Område                Misstänkt n…",
        "Området kring gamla…            12",
    ]
    assert f"<td>{area}</td>" in content["formatted_body"]
    assert "<th>Misstänkt narkotikahandel</th>" in content["formatted_body"]


CATEGORIES = [
    "Skadegörelse", "Klotter", "Nedskräpning", "Otrygg plats", "Samlingar", "Misstänkt narkotikahandel", "Brand",
    "Hot och våld", "Inbrott och stöld", "Trafik", "Belysning", "Övrigt",
]  # fmt: skip


def test_a_table_too_wide_for_a_line_numbers_its_columns_and_says_what_they_are() -> None:
    text = table(["Område", *CATEGORIES[:7], "Summa"], [["Centrum", 1, 2, 3, 4, 5, 6, 7, 28]])

    assert text.plain.split("\n") == [
        "Område   1  2  3  4  5  6  7   8",
        "Centrum  1  2  3  4  5  6  7  28",
        "",
        "1 Skadegörelse  2 Klotter  3 Nedskräpning  4 Otrygg plats  5 Samlingar",
        "6 Misstänkt narkotikahandel  7 Brand  8 Summa",
    ]
    assert "<th>Misstänkt narkotikahandel</th>" in notice(text)["formatted_body"]


def test_twenty_areas_by_twelve_categories_fit_the_message_with_their_table() -> None:
    areas = [f"Område nummer {i} med ett långt namn" for i in range(20)]
    rows = [
        Count(k, area, category, 10 + i + j)
        for k in range(5) for i, area in enumerate(areas) for j, category in enumerate(CATEGORIES)
    ]  # fmt: skip
    organisations = [f"Organisation {i}" for i in range(8)]
    picture = situation(rows, 4, organisations, organisations[:4], organisations[4:6])

    content = notice(situation_text(picture, last_days(NOW, STOCKHOLM)[0], SV))

    assert content["formatted_body"].count("<tr>") == 22
    assert content["body"].endswith("Har inte rapporterat: Organisation 6 och Organisation 7.")
    table_rows = [line for line in content["body"].split("\n") if line.startswith(("Område nummer", "Summa"))]
    assert len(table_rows) == 21 and max(map(len, table_rows)) < 100


def test_a_table_that_does_not_fit_the_message_is_left_out_whole() -> None:
    rows = [[f"Område {i}", i] for i in range(400)]
    content = notice(Text.of("Lägesbild\n") + table(["Område", "Antal"], rows))

    assert content["body"] == "Lägesbild\n…"
    assert "<table>" not in content["formatted_body"]


def test_an_organisation_name_is_escaped() -> None:
    rows = [Count(0, "Centrum", "Klotter", 1)]
    text = situation_text(situation(rows, 0, ["<script>x</script>"]), last_days(NOW, STOCKHOLM)[0], SV)

    formatted = notice(text)["formatted_body"]
    assert "&lt;script&gt;x&lt;/script&gt;" in formatted and "<script>" not in formatted


@pytest.mark.parametrize(
    ("change", "sv", "en"),
    [
        (Change(5, 0, None), "5 iakttagelser. Det finns inga tidigare uppgifter att jämföra med.",
         "5 observations. There is no earlier data to compare with."),
        (Change(1, 4, 0.0), "1 iakttagelse. Inga under de 4 perioderna före.", "1 observation. None in the 4 periods before."),
        (Change(0, 1, 0.0), "Inga iakttagelser. Inga under perioden före.", "No observations. None in the period before."),
        (Change(3, 1, 4.0), "3 iakttagelser. Perioden före: 4,0 (−1,0, −25 %).",
         "3 observations. The period before: 4.0 (−1.0, −25%)."),
        (Change(6, 3, 6.0), "6 iakttagelser. Snittet för de 3 perioderna före: 6,0 (±0,0, ±0 %).",
         "6 observations. Average of the 3 periods before: 6.0 (±0.0, ±0%)."),
        (Change(0, 4, 2.5), "Inga iakttagelser. Snittet för de 4 perioderna före: 2,5 (−2,5, −100 %).",
         "No observations. Average of the 4 periods before: 2.5 (−2.5, −100%)."),
    ],
)  # fmt: skip
def test_the_change_in_words(change: Change, sv: str, en: str) -> None:
    assert change_line(change, SV).plain == sv
    assert change_line(change, EN).plain == en


@pytest.mark.parametrize(
    ("language", "key", "values", "forms"),
    [
        ("sv", "situation.count", {}, ("Inga iakttagelser.", "1 iakttagelse.", "2 iakttagelser.")),
        ("en", "situation.count", {}, ("No observations.", "1 observation.", "2 observations.")),
        ("sv", "situation.none_before", {}, ("Inga under de 0 perioderna före.", "Inga under perioden före.", "Inga under de 2 perioderna före.")),
        ("en", "situation.none_before", {}, ("None in the 0 periods before.", "None in the period before.", "None in the 2 periods before.")),
        ("sv", "chart.average", {}, ("Snitt för de 0 perioderna före", "Perioden före", "Snitt för de 2 perioderna före")),
        ("en", "chart.heat_title", {}, ("By area and week, the last 0 weeks", "By area, the last week", "By area and week, the last 2 weeks")),
    ],
)  # fmt: skip
def test_the_counted_forms_of_the_picture(language: str, key: str, values: dict[str, str], forms: tuple[str, str, str]) -> None:
    cat = Catalogue(language)

    assert tuple(cat.count(key, n, **values) for n in (0, 1, 2)) == forms


@pytest.mark.parametrize(("value", "signed", "sv", "en"), [(4.25, False, "4,2", "4.2"), (-1, True, "−1,0", "−1.0"), (0.04, True, "±0,0", "±0.0"), (3, True, "+3,0", "+3.0")])
def test_decimals_are_written_as_each_language_writes_them(value: float, signed: bool, sv: str, en: str) -> None:
    assert (decimal(value, SV, signed=signed), decimal(value, EN, signed=signed)) == (sv, en)


def test_nobody_has_reported_is_said_in_so_many_words() -> None:
    text = situation_text(situation([], 4, ["Polisen"]), last_days(NOW, STOCKHOLM)[0], SV)

    assert text.plain.split("\n")[-2:] == ["Ingen organisation har rapporterat än.", "Har inte rapporterat: Polisen."]
    assert "Område" not in text.plain
