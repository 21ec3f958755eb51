import pytest
from sqlmodel import Session, select

from domain.errors import IllegalTransition, ValidationFailed
from domain.model import Application, DomainEvent, Stage, SubmissionSnapshot
from domain.preparation import complete_duty, readiness
from domain.submission import begin_review, submit_application
from tests.helpers import hel, submit_seed


def test_a_complete_application_is_submitted_one_second_before_the_deadline(session: Session) -> None:
    submit_seed(session, "soite-ru-2020", at="2020-04-30 16:14:59")
    session.commit()
    app = session.get(Application, "soite-ru-2020")
    assert app is not None and app.stage == Stage.SUBMITTED
    assert app.submitted_at == hel("2020-04-30 16:14:59")
    snapshot = session.get(SubmissionSnapshot, "soite-ru-2020")
    assert snapshot is not None and snapshot.content["application"]["requested_cents"] == 367914900


def test_a_submission_at_the_deadline_instant_is_refused_with_the_helsinki_time(session: Session) -> None:
    complete_duty(session, "soite-ru-2020", "project-plan", at=hel("2020-04-20 09:00"), actor="test")
    session.commit()
    with pytest.raises(ValidationFailed) as refused:
        submit_application(session, "soite-ru-2020", at=hel("2020-04-30 16:15:00"), actor="test")
    session.rollback()
    (problem,) = refused.value.problems
    assert problem.field == "submitted_at"
    assert "closed at 30.4.2020 klo 16.15" in problem.rule
    app = session.get(Application, "soite-ru-2020")
    assert app is not None and app.stage == Stage.PREPARATION and app.submitted_at is None


def test_a_submission_with_a_missing_document_is_refused(session: Session) -> None:
    with pytest.raises(ValidationFailed) as refused:
        submit_application(session, "lappi-fsc-2020", at=hel("2020-04-29 12:00"), actor="test")
    assert sorted(p.field for p in refused.value.problems) == ["documents[budget]", "documents[project-plan]"]


def test_readiness_lists_what_is_missing(session: Session) -> None:
    report = readiness(session, "lappi-fsc-2020")
    assert report.missing_documents == ["Hankesuunnitelma", "Talousarvio"] or report.missing_documents == ["Talousarvio", "Hankesuunnitelma"]
    assert (report.workshops, report.workshop_participants) == (4, 139 + 158 + 108 + 70)
    assert not report.ready


def test_an_application_cannot_be_submitted_twice(session: Session) -> None:
    submit_seed(session, "soite-fsc-2020")
    with pytest.raises(IllegalTransition):
        submit_application(session, "soite-fsc-2020", at=hel("2020-04-30 13:00"), actor="test")


def test_review_starts_only_after_the_call_closes(session: Session) -> None:
    submit_seed(session, "soite-fsc-2020")
    with pytest.raises(Exception, match="review starts after it closes"):
        begin_review(session, "fsc-2020", at=hel("2020-04-30 16:00"), actor="test")
    events = begin_review(session, "fsc-2020", at=hel("2020-05-04 08:00"), actor="test")
    assert [e.application_id for e in events] == ["soite-fsc-2020"]
    assert session.exec(select(DomainEvent).where(DomainEvent.name == "grantflow.application.review-started")).one()


def test_review_makes_an_imported_decision_applicable_with_an_event_only_where_there_is_one(session: Session) -> None:
    for application_id in ("soite-ru-2020", "lappi-ru-2020"):
        submit_seed(session, application_id)
    begin_review(session, "ru-2020", at=hel("2020-07-01 08:00"), actor="test")
    applicable = session.exec(select(DomainEvent).where(DomainEvent.name == "grantflow.decision.applicable")).all()
    # The seed decides Soite's application; Lapland's waits for a decision.
    assert [(e.application_id, e.payload["decided_at"]) for e in applicable] == [("soite-ru-2020", "2020-06-30T09:00:00+00:00")]


def test_review_before_an_imported_decision_was_made_does_not_make_it_applicable(session: Session) -> None:
    submit_seed(session, "soite-ru-2020")
    begin_review(session, "ru-2020", at=hel("2020-05-04 08:00"), actor="test")  # decided on 30.6.2020: applied then, not now
    assert session.exec(select(DomainEvent).where(DomainEvent.name == "grantflow.decision.applicable")).all() == []


def test_a_refusal_at_the_second_after_the_deadline_shows_the_seconds_that_decide(session: Session) -> None:
    complete_duty(session, "soite-ru-2020", "project-plan", at=hel("2020-04-20 09:00"), actor="test")
    with pytest.raises(ValidationFailed) as refused:
        submit_application(session, "soite-ru-2020", at=hel("2020-04-30 16:15:01"), actor="test")
    (problem,) = refused.value.problems
    assert "closed at 30.4.2020 klo 16.15.00 (Suomen aikaa); 30.4.2020 klo 16.15.01 (Suomen aikaa) is too late" in problem.rule
