"""Withdrawal: an applicant takes back an application that is still open; its reminders stop with it."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from domain import repository as repo
from domain.errors import RuleViolation
from domain.lifecycle import is_open, transition
from domain.model import DomainEvent, Stage

REASON_LENGTH = 2000


def withdraw_application(session: Session, application_id: str, *, reason: str, at: datetime, actor: str) -> DomainEvent:
    """Move an open application (before its decision) to WITHDRAWN, with the applicant's reason."""
    app = repo.application(session, application_id)
    record = f"application {app.id}"
    reason = " ".join(reason.split())
    if not reason:
        raise RuleViolation("reason", "say why the application is withdrawn", record=record)
    if len(reason) > REASON_LENGTH:
        raise RuleViolation("reason", f"at most {REASON_LENGTH} characters", record=record)
    if not is_open(app.stage):
        raise RuleViolation("stage", f"only an application not yet decided can be withdrawn (it is {app.stage.value})", record=record)
    return transition(session, app, Stage.WITHDRAWN, actor=actor, at=at, payload={"reason": reason})
