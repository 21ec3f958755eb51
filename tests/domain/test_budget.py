from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from domain.budget import allocation_problems, application_budget_problems, decision_outcome
from domain.model import Application, Call, Outcome, Participant, SubArea

CALL = Call(id="c", programme_id="p", name="c", deadline_at=datetime(2020, 4, 30, 13, 15, tzinfo=UTC), state_share_percent=80, appropriation_cents=0)


def app(total: int, requested: int) -> Application:
    return Application(id="a", call_id="c", applicant_id="lead", title="a", total_cost_cents=total, requested_cents=requested)


def sub(number: int, total: int, requested: int) -> SubArea:
    return SubArea(application_id="a", number=number, name=str(number), total_cost_cents=total, requested_cents=requested)


def test_a_request_within_the_state_share_is_valid() -> None:
    assert application_budget_problems(app(1000, 800), CALL, [], [], None) == []


def test_a_request_above_the_state_share_of_eligible_cost_is_refused() -> None:
    (problem,) = application_budget_problems(app(1000, 801), CALL, [], [], None)
    assert problem.field == "requested"
    assert "80 % state share" in problem.rule


def test_sub_areas_must_sum_to_the_totals() -> None:
    problems = application_budget_problems(app(1000, 800), CALL, [sub(1, 500, 400), sub(2, 400, 300)], [], None)
    assert {p.field for p in problems} == {"sub_areas.total_cost", "sub_areas.requested"}


def test_a_request_above_the_calculated_share_is_refused() -> None:
    (problem,) = application_budget_problems(app(1000, 800), CALL, [], [], 700)
    assert "calculated share" in problem.rule


def test_participants_must_sum_to_the_request() -> None:
    others = [Participant(application_id="a", organisation_id="other", requested_cents=700)]
    problems = application_budget_problems(app(1000, 800), CALL, [], others, None)
    assert [p.field for p in problems] == ["participants.requested"]


def test_a_lead_that_takes_no_share_need_not_be_listed_among_the_participants() -> None:
    others = [Participant(application_id="a", organisation_id=org, requested_cents=400) for org in ("north", "south")]
    assert application_budget_problems(app(1000, 800), CALL, [], others, None) == []


def test_a_line_above_its_request_is_refused() -> None:
    problems = allocation_problems("d", "lines", {"1": 100, "2": 100}, {"1": 150, "2": 50}, 200)
    assert [p.field for p in problems] == ["lines[1].granted"]


def test_lines_must_sum_to_the_granted_total() -> None:
    problems = allocation_problems("d", "lines", {"1": 100, "2": 100}, {"1": 50, "2": 50}, 150)
    assert [p.field for p in problems] == ["lines"]


def test_outcome_follows_from_requested_and_granted() -> None:
    assert decision_outcome(100, 100) == Outcome.FULL
    assert decision_outcome(100, 99) == Outcome.PARTIAL
    assert decision_outcome(100, 0) == Outcome.REJECTED




@given(st.lists(st.tuples(st.integers(0, 10**11), st.integers(0, 10**11)), min_size=1, max_size=8))
def test_lines_within_their_requests_that_sum_to_the_total_are_valid(pairs: list[tuple[int, int]]) -> None:
    requested = {str(i): max(a, b) for i, (a, b) in enumerate(pairs)}
    granted = {str(i): min(a, b) for i, (a, b) in enumerate(pairs)}
    assert allocation_problems("d", "lines", requested, granted, sum(granted.values())) == []
    assert allocation_problems("d", "lines", requested, granted, sum(granted.values()) + 1) != []
