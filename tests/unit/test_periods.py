"""The period an observation round covers: between meetings as scheduled, moved, skipped or held; seven days
without a meeting behind; ISO weeks across new year and week 53; and the four periods before, for the average."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from bot.errors import UsageError
from bot.periods import Period, iso_week, kept_from, last_days, meeting_periods, room_periods
from bot.schedule import to_utc
from bot.store.db import Database
from bot.store.meetings import Meeting, MeetingRepo
from bot.store.series import SeriesRepo
from tests.unit.helpers import ROOM, STOCKHOLM, make_series


def local(*parts: int) -> datetime:
    return to_utc(datetime(*parts), STOCKHOLM)


def spans(periods: list[Period]) -> list[tuple[datetime, datetime]]:
    return [(p.start, p.end) for p in periods]


def held(scheduled: datetime, started: datetime, ended: bool = True, series_id: int | None = 1) -> Meeting:
    return Meeting(
        1, ROOM, series_id, "Örat mot marken", STOCKHOLM, scheduled, scheduled + timedelta(minutes=30), started,
        "@anna:eslov.se", started + timedelta(minutes=40) if ended else None, None, False, None,
    )  # fmt: skip


THURSDAY = local(2026, 11, 26, 14, 0)
TUESDAYS = [local(2026, 10, 27, 9), local(2026, 11, 3, 9), local(2026, 11, 10, 9), local(2026, 11, 17, 9),
            local(2026, 11, 24, 9), local(2026, 12, 1, 9)]  # fmt: skip


def test_a_round_runs_from_the_last_meeting_to_the_next_and_the_four_before_are_a_week_each() -> None:
    periods = meeting_periods(make_series(), {}, [], THURSDAY)

    assert spans(periods) == [(TUESDAYS[i], TUESDAYS[i + 1]) for i in range(4, -1, -1)]
    assert THURSDAY in periods[0] and TUESDAYS[5] not in periods[0]


def test_the_meeting_of_today_ends_the_round_only_once_it_has_begun() -> None:
    before = meeting_periods(make_series(), {}, [], local(2026, 12, 1, 8, 59))
    after = meeting_periods(make_series(), {}, [], local(2026, 12, 1, 9, 0))

    assert spans(before)[0] == (TUESDAYS[4], TUESDAYS[5])
    assert after[0].start == TUESDAYS[5]


def test_across_the_change_from_summer_time_the_meeting_stays_at_nine_and_the_week_is_an_hour_longer() -> None:
    periods = meeting_periods(make_series(), {}, [], local(2026, 10, 28, 12))
    current, before = periods[0], periods[1]

    assert current.start == datetime(2026, 10, 27, 8, tzinfo=timezone.utc)  # 09:00 CET
    assert before.start == datetime(2026, 10, 20, 7, tzinfo=timezone.utc)  # 09:00 CEST
    assert before.end - before.start == timedelta(days=7, hours=1)
    assert {p.start.astimezone(STOCKHOLM).hour for p in periods} == {9}


def test_a_round_across_new_year() -> None:
    periods = meeting_periods(make_series(), {}, [], local(2027, 1, 1, 12))

    assert spans(periods[:2]) == [
        (local(2026, 12, 29, 9), local(2027, 1, 5, 9)), (local(2026, 12, 22, 9), local(2026, 12, 29, 9))
    ]
    assert last_days(local(2027, 1, 1, 12), STOCKHOLM)[0].first_day == date(2026, 12, 26)


def test_a_skipped_meeting_is_no_boundary() -> None:
    periods = meeting_periods(make_series(), {TUESDAYS[4]: None}, [], THURSDAY)

    assert spans(periods[:2]) == [(TUESDAYS[3], TUESDAYS[5]), (TUESDAYS[2], TUESDAYS[3])]


def test_a_moved_meeting_is_a_boundary_at_its_new_time() -> None:
    moved = local(2026, 11, 25, 13)

    periods = meeting_periods(make_series(), {TUESDAYS[4]: moved}, [], THURSDAY)

    assert spans(periods[:2]) == [(moved, TUESDAYS[5]), (TUESDAYS[3], moved)]


def test_a_meeting_moved_to_after_now_ends_the_round_there() -> None:
    moved = local(2026, 11, 27, 10)

    periods = meeting_periods(make_series(), {TUESDAYS[4]: moved}, [], THURSDAY)

    assert spans(periods)[0] == (TUESDAYS[3], moved)


def test_a_meeting_held_at_another_time_is_a_boundary_when_it_was_held() -> None:
    started = local(2026, 11, 24, 11, 30)

    periods = meeting_periods(make_series(), {}, [held(TUESDAYS[4], started)], THURSDAY)

    assert spans(periods[:2]) == [(started, TUESDAYS[5]), (TUESDAYS[3], started)]


def test_an_extra_meeting_is_no_boundary() -> None:
    extra = held(local(2026, 11, 25, 13), local(2026, 11, 25, 13), series_id=None)

    assert spans(meeting_periods(make_series(), {}, [extra], THURSDAY))[0] == (TUESDAYS[4], TUESDAYS[5])


def test_while_a_meeting_is_held_the_round_is_the_one_it_closes() -> None:
    started = local(2026, 12, 1, 9, 2)

    periods = meeting_periods(make_series(), {}, [held(TUESDAYS[5], started, ended=False)], local(2026, 12, 1, 9, 20))

    assert spans(periods)[0] == (TUESDAYS[4], started)


def test_a_meeting_started_early_closes_its_round_when_it_starts() -> None:
    started = local(2026, 11, 30, 15)  # `!möte start nu` the day before

    periods = meeting_periods(make_series(), {}, [held(TUESDAYS[5], started, ended=False)], local(2026, 11, 30, 15, 5))

    assert spans(periods)[0] == (TUESDAYS[4], started)


def test_a_series_without_a_meeting_behind_it_has_the_last_seven_days() -> None:
    series = make_series(anchor=date(2026, 11, 25))

    periods = meeting_periods(series, {}, [], THURSDAY)

    assert spans(periods)[0] == (local(2026, 11, 20, 0, 0), local(2026, 11, 27, 0, 0))
    assert periods == last_days(THURSDAY, STOCKHOLM)


def test_the_first_round_of_a_new_series_has_seven_day_periods_before_its_first_meeting() -> None:
    series = make_series(anchor=date(2026, 11, 20))

    periods = meeting_periods(series, {}, [], THURSDAY)

    week = timedelta(days=7)
    assert spans(periods) == [(TUESDAYS[4], TUESDAYS[5])] + [
        (TUESDAYS[4] - (k + 1) * week, TUESDAYS[4] - k * week) for k in range(4)
    ]


def test_a_series_with_no_meeting_ahead_has_its_last_round_run_to_the_end_of_today() -> None:
    series = make_series(schedule="RRULE:FREQ=WEEKLY;BYDAY=TU;BYHOUR=9;UNTIL=20261124T235959")

    periods = meeting_periods(series, {}, [], THURSDAY)

    assert spans(periods)[0] == (TUESDAYS[4], local(2026, 11, 27, 0, 0))


def test_a_monthly_series_looks_back_far_enough_for_four_earlier_rounds() -> None:
    series = make_series(schedule="monthly first wednesday 18:00")

    periods = meeting_periods(series, {}, [], THURSDAY)

    firsts = [local(2026, m, d, 18) for m, d in ((7, 1), (8, 5), (9, 2), (10, 7), (11, 4), (12, 2))]
    assert spans(periods) == [(firsts[i], firsts[i + 1]) for i in range(4, -1, -1)]


def test_the_last_seven_days_are_whole_local_days_across_a_daylight_saving_change() -> None:
    periods = last_days(local(2026, 10, 28, 12), STOCKHOLM)

    assert spans(periods)[0] == (
        datetime(2026, 10, 21, 22, tzinfo=timezone.utc), datetime(2026, 10, 28, 23, tzinfo=timezone.utc)
    )
    assert [p.first_day for p in periods] == [date(2026, 10, 22) - timedelta(days=7 * k) for k in range(5)]
    assert periods[0].last_day == date(2026, 10, 28)


def test_a_week_asked_for_by_number_runs_monday_to_monday_local_time() -> None:
    periods = iso_week(44, date(2026, 11, 26), STOCKHOLM)

    assert spans(periods)[0] == (datetime(2026, 10, 25, 23, tzinfo=timezone.utc), datetime(2026, 11, 1, 23, tzinfo=timezone.utc))
    assert [p.week for p in periods] == [(2026, 44), (2026, 43), (2026, 42), (2026, 41), (2026, 40)]
    assert periods[1].end - periods[1].start == timedelta(days=7, hours=1)  # week 43 ends on the change


def test_week_53_of_2026_asked_for_in_january_is_last_year_and_runs_into_the_new_year() -> None:
    periods = iso_week(53, date(2027, 1, 10), STOCKHOLM)

    assert (periods[0].first_day, periods[0].last_day) == (date(2026, 12, 28), date(2027, 1, 3))
    assert [p.week for p in periods] == [(2026, 53), (2026, 52), (2026, 51), (2026, 50), (2026, 49)]


def test_week_1_has_week_53_of_the_year_before_among_its_earlier_weeks() -> None:
    periods = iso_week(1, date(2027, 1, 5), STOCKHOLM)

    assert [p.week for p in periods] == [(2027, 1), (2026, 53), (2026, 52), (2026, 51), (2026, 50)]


def test_on_new_years_day_2027_the_current_iso_year_is_still_2026() -> None:
    assert iso_week(52, date(2027, 1, 1), STOCKHOLM)[0].week == (2026, 52)


def test_a_week_number_not_yet_come_this_year_is_last_years() -> None:
    assert iso_week(50, date(2027, 1, 20), STOCKHOLM)[0].week == (2026, 50)
    assert iso_week(2, date(2027, 1, 20), STOCKHOLM)[0].week == (2027, 2)


@pytest.mark.parametrize(
    ("number", "today", "year"),
    [
        (53, date(2026, 11, 26), None),  # not yet this year, and 2025 had 52 weeks
        (53, date(2026, 11, 26), 2027),
        (54, date(2026, 11, 26), None),
        (0, date(2026, 11, 26), None),
    ],
)
def test_a_week_that_does_not_exist_is_a_usage_error(number: int, today: date, year: int | None) -> None:
    with pytest.raises(UsageError) as raised:
        iso_week(number, today, STOCKHOLM, year)

    assert raised.value.key == "situation.no_such_week"


def test_a_year_given_picks_that_years_week() -> None:
    assert iso_week(53, date(2026, 11, 26), STOCKHOLM, 2026)[0].first_day == date(2026, 12, 28)


def test_earlier_periods_before_anything_was_recorded_are_not_averaged() -> None:
    periods = meeting_periods(make_series(), {}, [], THURSDAY)

    assert kept_from(periods, None) == periods[:1]
    assert kept_from(periods, TUESDAYS[2] + timedelta(hours=1)) == periods[:3]
    assert kept_from(periods, TUESDAYS[0]) == periods


async def test_a_room_without_a_series_has_the_last_seven_days(db: Database) -> None:
    async with db.transaction() as tx:
        assert await room_periods(tx, ROOM, THURSDAY, STOCKHOLM) == last_days(THURSDAY, STOCKHOLM)


async def test_a_room_reads_its_series_its_changes_and_its_meetings_as_held(db: Database) -> None:
    series = make_series()
    started = local(2026, 11, 24, 10, 15)
    async with db.transaction() as tx:
        repo = SeriesRepo(tx)
        series_id = await repo.create(
            room_id=ROOM, name=series.name, schedule=series.schedule, anchor=series.anchor, duration=series.duration,
            location=series.location, reminders=series.reminders, zone=STOCKHOLM, now=THURSDAY,
        )  # fmt: skip
        await repo.change_meeting(series_id, TUESDAYS[3], None, "@anna:eslov.se", THURSDAY)
        meetings = MeetingRepo(tx)
        meeting_id = await meetings.start(ROOM, series_id, series.name, STOCKHOLM, TUESDAYS[4], TUESDAYS[4], "@anna:eslov.se", started)
        await meetings.end(meeting_id, "@anna:eslov.se", started + timedelta(minutes=30), "", False)

        periods = await room_periods(tx, ROOM, THURSDAY, STOCKHOLM)

    assert spans(periods[:3]) == [(started, TUESDAYS[5]), (TUESDAYS[2], started), (TUESDAYS[1], TUESDAYS[2])]
