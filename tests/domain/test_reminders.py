from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from domain.calendar import HELSINKI
from domain.errors import RuleViolation
from domain.reminders import DEFAULT_POLICY, Deadline, ReminderPolicy, due_slots, plan_window, slot_label, slots
from tests.helpers import hel


def deadline(due: str) -> Deadline:
    return Deadline(key="duty:1", application_id="a", call_id="c", kind="duty", duty_kind="x", title="X", due_at=hel(due))


def local(slot_times: list[datetime]) -> list[str]:
    return [f"{t.astimezone(HELSINKI):%a %d.%m. %H:%M}" for t in slot_times]


def test_a_monday_deadline_after_midsummer_is_reminded_on_the_thursday_before() -> None:
    planned = slots(deadline("2026-06-22 16:15"), DEFAULT_POLICY)
    assert [s.name for s in planned] == ["14d", "7d", "1d", "overdue"]
    assert local([s.send_at for s in planned]) == ["Mon 08.06. 09:00", "Mon 15.06. 09:00", "Thu 18.06. 09:00", "Tue 23.06. 09:00"]


def test_a_deadline_after_easter_is_reminded_before_good_friday() -> None:
    planned = slots(deadline("2026-04-07 16:15"), DEFAULT_POLICY)
    assert local([s.send_at for s in planned]) == ["Tue 24.03. 09:00", "Tue 31.03. 09:00", "Thu 02.04. 09:00", "Wed 08.04. 09:00"]


def test_reminders_keep_nine_oclock_helsinki_time_across_the_dst_change() -> None:
    planned = slots(deadline("2026-03-30 16:15"), DEFAULT_POLICY)
    assert local([s.send_at for s in planned]) == ["Mon 16.03. 09:00", "Mon 23.03. 09:00", "Fri 27.03. 09:00", "Tue 31.03. 09:00"]
    winter, summer = planned[1].send_at, planned[3].send_at
    assert (winter.astimezone(UTC).hour, summer.astimezone(UTC).hour) == (7, 6)


def test_working_day_offsets_count_only_working_days() -> None:
    policy = ReminderPolicy(offsets=[5, 1], days="working")
    planned = slots(deadline("2026-06-22 16:15"), policy)
    assert [s.name for s in planned][:2] == ["5wd", "1wd"]
    assert local([s.send_at for s in planned][:2]) == ["Fri 12.06. 09:00", "Thu 18.06. 09:00"]  # 19.6. is Midsummer Eve


def test_an_overdue_notice_on_a_friday_deadline_comes_on_monday() -> None:
    (overdue,) = [s for s in slots(deadline("2026-05-29 16:15"), DEFAULT_POLICY) if s.name == "overdue"]
    assert local([overdue.send_at]) == ["Mon 01.06. 09:00"]


def test_the_latest_slot_that_has_come_is_sent_and_earlier_missed_ones_are_superseded() -> None:
    send, superseded = due_slots(deadline("2026-06-22 16:15"), DEFAULT_POLICY, hel("2026-06-16 10:00"))
    assert send is not None and send.name == "7d"
    assert [s.name for s in superseded] == ["14d"]


def test_nothing_is_due_between_the_deadline_and_the_overdue_notice() -> None:
    send, _ = due_slots(deadline("2026-06-22 16:15"), DEFAULT_POLICY, hel("2026-06-22 17:00"))
    assert send is None


def test_a_slot_that_would_fall_after_the_deadline_itself_is_left_out() -> None:
    # Due at 08:00: the 1-day reminder at 09:00 the day before still comes first, a same-day one never would.
    planned = slots(deadline("2026-06-10 08:00"), ReminderPolicy(offsets=[1]))
    assert local([s.send_at for s in planned]) == ["Tue 09.06. 09:00", "Thu 11.06. 09:00"]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"offsets": [0]}, "from 1 to 365"),
        ({"offsets": [7, 7]}, "must not repeat"),
        ({"offsets": []}, "at least 1"),
        ({"days": "lunar"}, "calendar"),
        ({"send_at": "25:00"}, "send_at"),
        ({"overdue_after": 0}, "greater than or equal to 1"),
    ],
)
def test_a_bad_reminder_policy_is_refused_with_the_field_named(values: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ReminderPolicy.model_validate(values)


def test_a_slot_reads_as_the_days_before_its_deadline() -> None:
    assert [slot_label(name) for name in ("14d", "1d", "3wd", "1wd", "overdue")] == [
        "14 days before", "1 day before", "3 working days before", "1 working day before", "overdue notice",
    ]


def test_a_plan_window_runs_from_the_first_days_midnight_to_the_last_days_end_in_helsinki() -> None:
    start, end = plan_window(hel("2026-03-20 12:00"), date(2026, 3, 29), date(2026, 3, 29))
    # 29.3.2026 is the day summer time starts: 23 hours long.
    assert (start.astimezone(UTC).isoformat(), end.astimezone(UTC).isoformat()) == ("2026-03-28T22:00:00+00:00", "2026-03-29T20:59:59.999999+00:00")


def test_a_plan_window_that_is_over_before_it_starts_is_refused_naming_its_last_day() -> None:
    with pytest.raises(RuleViolation, match="to: 2026-03-01 is over before the plan starts"):
        plan_window(hel("2026-03-20 12:00"), None, date(2026, 3, 1))
