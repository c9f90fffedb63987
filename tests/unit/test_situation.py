"""The statistics of the situation picture: the count and its change, the table, the places that stand out and
who has reported."""

from __future__ import annotations

import pytest

from bot.situation import Change, Count, reporting, situation, table


def counts(*rows: tuple[int, str, str, int]) -> list[Count]:
    return [Count(*row) for row in rows]


def test_the_change_is_against_the_average_of_the_four_periods_before() -> None:
    picture = situation(
        counts((0, "Centrum", "Klotter", 12), (1, "Centrum", "Klotter", 6), (2, "Berga", "Brand", 10), (4, "Berga", "Klotter", 8)),
        earlier=4,
    )

    assert picture.total == Change(now=12, earlier=4, average=6.0)
    assert picture.total.difference == 6.0
    assert picture.total.percent == 100.0


def test_a_fall_is_negative() -> None:
    change = situation(counts((0, "Centrum", "Klotter", 3), (1, "Centrum", "Klotter", 4)), earlier=1).total

    assert (change.difference, change.percent) == (-1.0, -25.0)


def test_with_fewer_earlier_periods_the_average_is_of_those_there_are() -> None:
    change = situation(counts((0, "Centrum", "Klotter", 5), (1, "Centrum", "Klotter", 2), (2, "Berga", "Brand", 4)), earlier=2).total

    assert (change.earlier, change.average) == (2, 3.0)


def test_counts_of_periods_beyond_those_that_exist_are_left_out() -> None:
    change = situation(counts((0, "Centrum", "Klotter", 5), (3, "Centrum", "Klotter", 40)), earlier=2).total

    assert change.average == 0.0


def test_without_earlier_periods_there_is_no_average_and_no_change() -> None:
    change = situation(counts((0, "Centrum", "Klotter", 5)), earlier=0).total

    assert (change.average, change.difference, change.percent) == (None, None, None)


def test_from_nought_there_is_a_difference_but_no_percentage() -> None:
    change = situation(counts((0, "Centrum", "Klotter", 5)), earlier=4).total

    assert (change.average, change.difference, change.percent) == (0.0, 5.0, None)


def test_nothing_this_period_and_nothing_before_is_no_change() -> None:
    picture = situation([], earlier=4)

    assert (picture.total.now, picture.total.difference, picture.total.percent) == (0, 0.0, None)
    assert picture.table.areas == picture.table.categories == ()
    assert picture.largest == picture.rises == ()


def test_the_table_has_only_rows_and_columns_with_any_largest_first() -> None:
    result = table(
        counts(
            (0, "Berga", "Klotter", 1), (0, "Centrum", "Klotter", 2), (0, "Centrum", "Brand", 3), (0, "Flyinge", "Brand", 0),
            (1, "Löberöd", "Trafik", 9),
        )  # fmt: skip
    )

    assert result.areas == ("Centrum", "Berga")
    assert result.categories == ("Brand", "Klotter")
    assert (result.cell("Centrum", "Brand"), result.cell("Berga", "Brand"), result.total) == (3, 0, 6)
    assert result.by_area == {"Centrum": 5, "Berga": 1}
    assert result.by_category == {"Brand": 3, "Klotter": 3}


def test_equal_totals_are_ordered_by_name() -> None:
    result = table(counts((0, "berga", "Klotter", 1), (0, "Ängen", "Klotter", 1), (0, "Centrum", "Klotter", 1)))

    assert result.areas == ("berga", "Centrum", "Ängen")


def test_the_largest_counts_stand_out_three_of_them() -> None:
    picture = situation(
        counts((0, "A", "x", 1), (0, "B", "x", 7), (0, "C", "x", 4), (0, "D", "x", 4), (0, "E", "x", 2), (1, "F", "x", 50)),
        earlier=4,
    )

    assert [(p.area, p.change.now) for p in picture.largest] == [("B", 7), ("C", 4), ("D", 4)]


def test_a_rise_from_nought_to_one_or_a_small_rise_on_a_large_average_does_not_stand_out() -> None:
    picture = situation(
        counts(
            (0, "Nytt", "x", 1),  # 0 → 1
            (0, "Stort", "x", 22), *((k, "Stort", "x", 20) for k in range(1, 5)),  # 20 → 22: +10 %
            (0, "Litet", "x", 2), (1, "Litet", "x", 0),  # 0 → 2: too few to say
        ),
        earlier=4,
    )

    assert picture.rises == ()


def test_the_largest_rises_against_their_own_average_stand_out() -> None:
    picture = situation(
        counts(
            (0, "Centrum", "Klotter", 9), (1, "Centrum", "Klotter", 2), (2, "Centrum", "Brand", 2),  # avg 1 → 9
            (0, "Berga", "Brand", 4),  # avg 0 → 4
            (0, "Stationen", "Brand", 12), *((k, "Stationen", "Brand", 8) for k in range(1, 5)),  # avg 8 → 12
            (0, "Sallerup", "Brand", 30), *((k, "Sallerup", "Brand", 28) for k in range(1, 5)),  # too small a rise
        ),  # fmt: skip
        earlier=4,
    )

    assert [(p.area, p.change.average, p.change.difference) for p in picture.rises] == [
        ("Centrum", 1.0, 8.0), ("Berga", 0.0, 4.0), ("Stationen", 8.0, 4.0),
    ]  # fmt: skip


def test_without_earlier_periods_nothing_is_a_rise() -> None:
    assert situation(counts((0, "Centrum", "Klotter", 40)), earlier=0).rises == ()


def test_who_has_reported_had_nothing_and_has_not_reported() -> None:
    result = reporting(
        ["Polisen", "Räddningstjänsten", "Eslövs kommun", "Securitas"], reported=["polisen", "Hembygden"], nothing=["Securitas"]
    )

    assert result.reported == ("polisen", "Hembygden")
    assert result.nothing == ("Securitas",)
    assert result.missing == ("Räddningstjänsten", "Eslövs kommun")


def test_an_organisation_is_named_once_as_first_spelt() -> None:
    result = reporting(["Polisen", "POLISEN"], reported=["Räddningstjänsten", "räddningstjänsten"], nothing=[])

    assert (result.reported, result.missing) == (("Räddningstjänsten",), ("Polisen",))


def test_an_organisation_that_reported_and_said_nothing_has_reported() -> None:
    result = reporting(["Polisen"], reported=["Polisen"], nothing=["Polisen"])

    assert (result.reported, result.nothing, result.missing) == (("Polisen",), (), ())


@pytest.mark.parametrize("earlier", [0, 1, 4])
def test_the_total_is_the_tables_total(earlier: int) -> None:
    rows = counts(*((k, a, c, k + len(a) + len(c)) for k in range(5) for a in ("A", "Bb") for c in ("x", "yy")))

    picture = situation(rows, earlier=earlier)

    assert picture.total.now == picture.table.total == sum(r.n for r in rows if r.period == 0)
