from datetime import date, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.calendar import (
    act_time_day,
    add_working_days,
    deadline_instant,
    helsinki_instant,
    is_working_day,
    local_instant,
    previous_working_day,
)
from domain.errors import RuleViolation


@pytest.mark.parametrize(
    ("stated", "effective"),
    [
        (date(2020, 5, 31), date(2020, 6, 1)),  # Sunday
        (date(2020, 5, 30), date(2020, 6, 1)),  # Saturday
        (date(2020, 6, 19), date(2020, 6, 22)),  # Midsummer Eve, then Midsummer Day and Sunday
        (date(2026, 6, 19), date(2026, 6, 22)),
        (date(2020, 12, 24), date(2020, 12, 28)),  # Christmas Eve through the weekend
        (date(2026, 4, 3), date(2026, 4, 7)),  # Good Friday to after Easter Monday
        (date(2020, 5, 1), date(2020, 5, 4)),  # May Day on a Friday
        (date(2020, 4, 30), date(2020, 4, 30)),  # a Thursday stays
    ],
)
def test_act_time_rule_moves_a_deadline_to_the_next_working_day(stated: date, effective: date) -> None:
    assert act_time_day(stated) == effective


def test_midsummer_eve_and_christmas_eve_are_not_working_days() -> None:
    assert not is_working_day(date(2026, 6, 19))
    assert not is_working_day(date(2026, 12, 24))
    assert is_working_day(date(2026, 6, 18))


def test_previous_working_day_of_a_monday_after_midsummer_is_the_thursday_before() -> None:
    assert previous_working_day(add_working_days(date(2026, 6, 22), -1)) == date(2026, 6, 18)


def test_a_time_skipped_by_summer_time_is_refused() -> None:
    with pytest.raises(RuleViolation, match="does not exist in Helsinki") as refused:
        local_instant(date(2026, 3, 29), time(3, 30))
    assert refused.value.field == "deadline"


def test_a_time_repeated_when_summer_time_ends_is_refused() -> None:
    with pytest.raises(RuleViolation, match="happens twice"):
        helsinki_instant(datetime(2026, 10, 25, 3, 30))


def test_a_naive_time_is_read_as_helsinki_wall_time() -> None:
    instant = helsinki_instant(datetime(2020, 4, 30, 16, 15))
    assert instant.utcoffset().total_seconds() == 3 * 3600  # type: ignore[union-attr]


def test_a_moved_deadline_keeps_its_time_of_day_across_a_dst_change() -> None:
    # Saturday 28.3.2026 16:15 (winter time) moves to Monday 30.3.2026 16:15 (summer time).
    moved = deadline_instant(datetime(2026, 3, 28, 16, 15))
    assert (moved.date(), moved.hour, moved.minute) == (date(2026, 3, 30), 16, 15)
    assert moved.utcoffset().total_seconds() == 3 * 3600  # type: ignore[union-attr]




@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31)))
def test_an_act_time_deadline_is_the_first_working_day_on_or_after_the_stated_day(day: date) -> None:
    moved = act_time_day(day)
    assert is_working_day(moved)
    assert day <= moved
    assert (moved - day).days <= 5  # the longest run of days off is Christmas Eve to a weekend
    assert all(not is_working_day(date.fromordinal(o)) for o in range(day.toordinal(), moved.toordinal()))


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2060, 12, 31)))
def test_a_local_time_is_accepted_exactly_when_it_exists_once(moment: datetime) -> None:
    try:
        instant = helsinki_instant(moment)
    except RuleViolation:
        assert moment.month in (3, 10) and moment.weekday() == 6 and moment.hour in (3, 4)
    else:
        assert instant.replace(tzinfo=None) == moment
