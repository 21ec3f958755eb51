"""Preparation: workshops held, documents gathered, and what is still missing before submission."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlmodel import Session

from domain import repository as repo
from domain.budget import application_budget_problems
from domain.errors import RuleViolation
from domain.lifecycle import record_event
from domain.model import Duty, DutyPhase, Stage

DUTY_COMPLETED = "grantflow.duty.completed"


class Readiness(BaseModel):
    """What stands between an application and its submission."""

    application_id: str
    stage: str
    deadline_at: datetime
    workshops: int
    workshop_participants: int
    missing_documents: list[str]
    budget_problems: list[str]

    @property
    def ready(self) -> bool:
        return not self.missing_documents and not self.budget_problems


def readiness(session: Session, application_id: str) -> Readiness:
    app = repo.application(session, application_id)
    call = repo.call_of(session, app)
    held = repo.workshops(session, app.id)
    missing = [d.title for d in repo.duties(session, app.id, DutyPhase.SUBMISSION) if d.done_at is None]
    budget = application_budget_problems(
        app,
        call,
        repo.sub_areas(session, app.id),
        repo.participants(session, app.id),
        repo.calculated_share(session, call.id, app.applicant_id),
    )
    return Readiness(
        application_id=app.id,
        stage=app.stage.value,
        deadline_at=call.deadline_at,
        workshops=len(held),
        workshop_participants=sum(w.participants for w in held),
        missing_documents=missing,
        budget_problems=[p.message for p in budget],
    )


def complete_duty(session: Session, application_id: str, kind: str, *, at: datetime, actor: str) -> Duty:
    """Mark a document delivered (or a duty done); doing it again changes nothing."""
    app = repo.application(session, application_id)
    duty = repo.duty(session, app.id, kind)
    if duty.done_at is not None:
        return duty
    if app.stage in (Stage.WITHDRAWN, Stage.REJECTED):
        raise RuleViolation("stage", f"a {app.stage.value} application takes no more documents", record=f"application {app.id}")
    duty.done_at = at
    session.add(duty)
    record_event(session, app.id, DUTY_COMPLETED, actor=actor, at=at, payload={"kind": kind, "due_at": duty.due_at.isoformat()})
    return duty
