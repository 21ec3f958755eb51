"""The decision use cases: applied at the step's instant, summarised for the decision run's artifact."""

from sqlalchemy.engine import Engine

from domain.decision import record_decision
from domain.inputs import DecisionInput
from domain.store import unit_of_work
from tests.helpers import hel, under_review
from usecases.context import When
from usecases.decision import apply, awaiting


def test_the_summary_names_the_decider_and_the_day_the_decision_was_made(seeded: Engine) -> None:
    with unit_of_work(seeded) as session:
        under_review(session, "soite-ru-2020")
    result = apply("soite-ru-2020", When(stated=hel("2020-07-02 10:00")))
    assert result.applied
    assert "Decided on 30.6.2020 klo 12.00 (Suomen aikaa) by Sosiaali- ja terveysministeriö" in result.summary


def test_a_decision_applied_before_it_was_made_waits_saying_when_it_was_made(seeded: Engine) -> None:
    with unit_of_work(seeded) as session:
        under_review(session, "soite-ru-2020")
    result = apply("soite-ru-2020", When(stated=hel("2020-05-04 08:00")))
    assert not result.applied and result.stage == "under_review"
    assert result.waiting_for is not None and result.waiting_for.startswith("decided on 30.6.2020 klo 12.00 (Suomen aikaa); it applies from then")


def test_the_applications_awaiting_a_decision_are_the_submitted_ones_without_one(undecided: Engine) -> None:
    with unit_of_work(undecided) as session:
        record_decision(session, DecisionInput(application="soite-fsc-2020", granted=0, justification="Ei.", decided_at=hel("2020-06-30 12:00"),
                                               decided_by="STM"), at=hel("2020-06-30 13:00"))
    assert [a.application_id for a in awaiting()] == ["soite-ru-2020"]  # the rest of the seed was never submitted
