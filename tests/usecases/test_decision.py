"""The decision use cases: applied at the step's instant, summarised for the decision run's artifact."""

from sqlalchemy.engine import Engine

from domain.store import unit_of_work
from tests.helpers import hel, under_review
from usecases.context import When
from usecases.decision import apply


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
