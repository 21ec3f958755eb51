from sqlalchemy.engine import Engine
from sqlmodel import Session

from domain.alerts import AlertKind, late_decisions, unconfirmed_startups
from domain.decision import apply_decision
from domain.store import unit_of_work
from tests.helpers import hel, under_review


def test_no_decision_n_days_after_the_call_closed_is_an_alert_from_that_instant_on(undecided: Engine) -> None:
    with Session(undecided) as session:
        assert late_decisions(session, hel("2020-07-09 16:14"), days=70) == []
        alerts = late_decisions(session, hel("2020-07-09 16:15"), days=70)
    assert [(a.application_id, a.kind, a.days) for a in alerts] == [
        ("soite-fsc-2020", AlertKind.LATE_DECISION, 70),
        ("soite-ru-2020", AlertKind.LATE_DECISION, 70),
    ]


def test_a_recorded_decision_ends_the_late_decision_alert(seeded: Engine) -> None:
    with unit_of_work(seeded) as session:
        under_review(session, "soite-fsc-2020", "soite-ru-2020")
    with Session(seeded) as session:
        assert late_decisions(session, hel("2020-12-01 09:00"), days=70) == []  # the seed's decisions are recorded


def test_a_grant_not_started_n_days_after_it_was_applied_is_an_alert_until_it_starts(seeded: Engine) -> None:
    with unit_of_work(seeded) as session:
        under_review(session, "soite-ru-2020")
        apply_decision(session, "soite-ru-2020", at=hel("2020-06-30 14:00"), actor="test")
    with Session(seeded) as session:
        assert unconfirmed_startups(session, hel("2020-09-28 13:59"), days=90) == []
        (alert,) = unconfirmed_startups(session, hel("2020-09-28 14:00"), days=90)
    assert (alert.application_id, alert.kind, alert.days) == ("soite-ru-2020", AlertKind.UNCONFIRMED_STARTUP, 90)
