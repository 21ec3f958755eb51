import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from domain.calendar import HELSINKI
from domain.decision import decision_problems
from domain.formatting import format_date, format_instant, format_instants, format_money
from domain.inputs import DecisionInput
from domain.model import Application, Call, Language, Programme
from domain.money import Euros, to_cents
from domain.submission import lateness_problem
from tests.helpers import hel

euros = TypeAdapter(Euros)


def test_amounts_are_formatted_the_finnish_way() -> None:
    assert format_money(162689700) == "1 626 897 €"
    assert format_money(162689750) == "1 626 897,50 €"
    assert format_money(268000000, Language.SV) == "2 680 000 €"
    assert format_money(268000000, Language.EN) == "€2,680,000"


def test_dates_and_times_are_formatted_in_helsinki_time() -> None:
    assert format_date(date(2020, 4, 30)) == "30.4.2020"
    assert format_instant(hel("2020-04-30 16:15")).startswith("30.4.2020 klo 16.15")
    assert format_instant(hel("2020-04-30 16:15"), Language.EN).startswith("30 April 2020 at 16:15 Helsinki time")


def test_text_in_none_of_the_written_forms_is_refused() -> None:
    with pytest.raises(ValidationError, match="must be an amount of euros"):
        euros.validate_python("4 M€")


@pytest.mark.parametrize(("value", "rule"), [(-1, "negative"), (1.001, "two decimals"), (10**12, "at most"), (True, "must be an amount of euros")])
def test_an_impossible_amount_is_refused(value: object, rule: str) -> None:
    with pytest.raises(ValidationError, match=rule):
        euros.validate_python(value)


def test_decimal_euros_become_exact_cents() -> None:
    assert to_cents(euros.validate_python(1626897.1)) == 162689710
    assert to_cents(Decimal("0.01")) == 1


# Instants compared in one message: what a reader sees must never contradict the comparison.

_SHOWN = re.compile(
    r"(\d+)\.(\d+)\.(\d{4}) (?:klo|kl\.) (\d\d)\.(\d\d)(?:\.(\d\d)(?:,(\d+))?)? \((?:Suomen aikaa|finsk tid|UTC\+(\d))\)"
    r"|(\d+) (\w+) (\d{4}) at (\d\d):(\d\d)(?::(\d\d)(?:\.(\d+))?)? (?:Helsinki time|UTC\+(\d))"
)
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]


def shown_instants(text: str) -> list[datetime]:
    """Every instant a message shows, read back as what a reader would take it to be."""
    found = []
    for match in _SHOWN.finditer(text):
        if match.group(1):
            day, month, year, hour, minute, second, fraction, offset = match.group(1, 2, 3, 4, 5, 6, 7, 8)
        else:
            day, name, year, hour, minute, second, fraction, offset = match.group(9, 10, 11, 12, 13, 14, 15, 16)
            month = str(_MONTHS.index(name) + 1)
        micro = int((fraction or "").ljust(6, "0") or 0)
        zone = timezone(timedelta(hours=int(offset))) if offset else HELSINKI
        found.append(datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0), micro, tzinfo=zone))
    return found


deadlines = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 12, 31), timezones=st.just(UTC))
whole_minutes = st.booleans()
# Near the deadline is where a hidden second or fraction would mislead; further away too, for the repeated autumn hour.
gaps = st.one_of(st.integers(0, 2_000_000), st.integers(0, 3 * 3600 * 10**6), st.just(0))


def _rounded(moment: datetime, whole: bool) -> datetime:
    return moment.replace(second=0, microsecond=0) if whole else moment


@given(deadlines, whole_minutes, gaps, whole_minutes, st.sampled_from(list(Language)))
def test_whenever_the_deadline_guard_refuses_the_submission_is_shown_at_or_after_the_deadline(
    deadline: datetime, whole_deadline: bool, gap: int, whole_submission: bool, language: Language
) -> None:
    closes = _rounded(deadline, whole_deadline)
    at = max(closes, _rounded(closes + timedelta(microseconds=gap), whole_submission))
    problem = lateness_problem(Call(id="c", programme_id="p", name="c", deadline_at=closes, state_share_percent=80, appropriation_cents=1), at, "r")
    assert problem is not None
    shown_deadline, shown_submission = shown_instants(problem.rule)
    assert shown_submission >= shown_deadline
    assert (shown_submission == shown_deadline) == (at == closes)
    assert shown_deadline <= closes and shown_submission <= at  # cut, never rounded up


@given(deadlines, whole_minutes, st.integers(1, 3 * 3600 * 10**6), whole_minutes)
def test_whenever_a_decision_is_refused_as_too_early_it_is_shown_before_the_call_closed(
    deadline: datetime, whole_deadline: bool, gap: int, whole_decision: bool
) -> None:
    closes = _rounded(deadline, whole_deadline)
    decided = closes - timedelta(microseconds=gap)
    decided = _rounded(decided, whole_decision)
    call = Call(id="c", programme_id="p", name="c", deadline_at=closes, state_share_percent=80, appropriation_cents=1)
    app = Application(id="a", call_id="c", applicant_id="o", title="a", total_cost_cents=100, requested_cents=80)
    programme = Programme(id="p", name="p", period_start=datetime(1999, 1, 1).date(), period_end=datetime(2050, 1, 1).date())
    decision = DecisionInput(application="a", granted=0, justification="j", decided_at=decided, decided_by="x")
    (problem,) = [p for p in decision_problems(decision, app, call, programme, [], []) if p.field == "decided_at"]
    shown_decided, shown_closed = shown_instants(problem.rule)
    assert shown_decided < shown_closed


@given(st.lists(st.datetimes(min_value=datetime(2020, 10, 24), max_value=datetime(2020, 10, 26), timezones=st.just(UTC)), min_size=2, max_size=4),
       st.sampled_from(list(Language)))
def test_instants_shown_together_keep_their_order_and_never_look_equal_when_they_differ(moments: list[datetime], language: Language) -> None:
    shown = [shown_instants(text)[0] for text in format_instants(*moments, language=language)]
    for (a, shown_a) in zip(moments, shown, strict=True):
        for (b, shown_b) in zip(moments, shown, strict=True):
            assert (a < b) == (shown_a < shown_b)


def test_a_time_the_autumn_repeats_shows_its_offset() -> None:
    first, second = datetime(2020, 10, 25, 0, 30, tzinfo=UTC), datetime(2020, 10, 25, 1, 30, tzinfo=UTC)
    assert format_instants(first, second) == ("25.10.2020 klo 03.30 (UTC+3)", "25.10.2020 klo 03.30 (UTC+2)")
