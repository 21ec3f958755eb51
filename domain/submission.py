"""Submission: the guard (documents, budget, deadline to the second), the frozen version, the review."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from domain import repository as repo
from domain.budget import application_budget_problems
from domain.decision import not_yet_applicable
from domain.errors import RuleViolation, ValidationFailed
from domain.formatting import format_instants
from domain.lifecycle import DECISION_APPLICABLE, ensure_can_move, record_event, transition
from domain.model import Application, Call, DomainEvent, DutyPhase, Stage, SubmissionSnapshot


def lateness_problem(call: Call, at: datetime, record: str) -> RuleViolation | None:
    """Submissions count until the deadline instant; one at or after it is late."""
    if at < call.deadline_at:
        return None
    closed, submitted = format_instants(call.deadline_at, at)
    return RuleViolation("submitted_at", f"the call {call.id} closed at {closed}; {submitted} is too late", record=record)


def submission_problems(session: Session, app: Application, at: datetime) -> list[RuleViolation]:
    record = f"application {app.id}"
    call = repo.call_of(session, app)
    problems: list[RuleViolation] = []
    late = lateness_problem(call, at, record)
    if late:
        problems.append(late)
    for duty in repo.duties(session, app.id, DutyPhase.SUBMISSION):
        if duty.done_at is None:
            problems.append(RuleViolation(f"documents[{duty.kind}]", f"{duty.title} has not been delivered", record=record))
    problems += application_budget_problems(
        app,
        call,
        repo.sub_areas(session, app.id),
        repo.participants(session, app.id),
        repo.calculated_share(session, call.id, app.applicant_id),
    )
    return problems


def submit_application(session: Session, application_id: str, *, at: datetime, actor: str) -> DomainEvent:
    """Submit if every guard holds, freezing the submitted version; otherwise refuse and change nothing."""
    app = repo.application(session, application_id)
    ensure_can_move(app, Stage.SUBMITTED)
    problems = submission_problems(session, app, at)
    if problems:
        raise ValidationFailed(f"submission of {app.id}", list(problems))
    app.submitted_at = at
    session.add(SubmissionSnapshot(application_id=app.id, submitted_at=at, content=_frozen_version(session, app)))
    return transition(
        session,
        app,
        Stage.SUBMITTED,
        actor=actor,
        at=at,
        payload={"call": app.call_id, "applicant": app.applicant_id, "requested_cents": app.requested_cents},
    )


def _frozen_version(session: Session, app: Application) -> dict[str, object]:
    return {
        "application": app.model_dump(mode="json"),
        "sub_areas": [s.model_dump(mode="json") for s in repo.sub_areas(session, app.id)],
        "participants": [p.model_dump(mode="json") for p in repo.participants(session, app.id)],
        "documents": [d.model_dump(mode="json") for d in repo.duties(session, app.id)],
    }


def begin_review(session: Session, call_id: str, *, at: datetime, actor: str) -> list[DomainEvent]:
    """Once a call has closed, every application submitted to it goes under review."""
    call = repo.get(session, Call, call_id, field="call")
    if at < call.deadline_at:
        asked, closes = format_instants(at, call.deadline_at)
        raise RuleViolation("at", f"at {asked} the call is still open until {closes}; review starts after it closes", record=f"call {call.id}")
    submitted = session.exec(
        select(Application).where(Application.call_id == call.id, Application.stage == Stage.SUBMITTED).order_by(Application.id)
    )
    events = []
    for app in list(submitted):
        events.append(transition(session, app, Stage.UNDER_REVIEW, actor=actor, at=at))
        decision = repo.decision_of(session, app.id)
        if decision is not None and decision.applied_at is None and not_yet_applicable(app, decision, at) is None:
            # A decision imported with the application's history, and made by now, can be applied from now on; one made
            # later (a replay reviewing in May what was decided in June) is applied by the step at or after its decided_at.
            record_event(session, app.id, DECISION_APPLICABLE, actor=actor, at=at,
                         payload={"outcome": decision.outcome.value, "decided_at": decision.decided_at.isoformat()})
    return events


def closed_calls_with_submissions(session: Session, at: datetime) -> list[str]:
    """Calls closed by `at` that still hold submitted applications, i.e. whose review is due."""
    query = (
        select(Call.id)
        .join(Application, col(Application.call_id) == col(Call.id))
        .where(col(Call.deadline_at) <= at, Application.stage == Stage.SUBMITTED)
        .distinct()
        .order_by(col(Call.id))
    )
    return list(session.exec(query))
