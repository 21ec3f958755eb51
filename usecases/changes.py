"""Change requests: a started project asks for changes; the officer decides each part, and the applicant hears once all are."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from domain import repository as repo
from domain.changes import LineChange, PartDecision, PartInput, change_parts, decide_part, line_changes, request_change
from domain.model import ChangeKind, ChangeOutcome
from notifications.messages import change_decided_messages
from notifications.outbox import enqueue
from usecases.context import NOW, When, actor, changing


class PartResult(BaseModel):
    number: int
    kind: ChangeKind
    outcome: ChangeOutcome | None
    due_at: datetime | None = None
    lines: list[LineChange] = []


class ChangeResult(BaseModel):
    change_id: int
    application_id: str
    parts: list[PartResult]
    # Set once every part is decided.
    decided_at: datetime | None = None
    notifications: list[str] = []
    at: datetime


def submit_change(application_id: str, parts: list[PartInput], reason: str, when: When = NOW) -> ChangeResult:
    """Store a change request on a started project; refused whole, naming the part and field, if any part breaks a rule."""
    with changing() as session:
        at = when.instant(session)
        request = request_change(session, application_id, parts, reason=reason, at=at, actor=actor())
        assert request.id is not None
        parts_stored = [PartResult(number=p.number, kind=p.kind, outcome=None, due_at=p.requested_due_at) for p in change_parts(session, request.id)]
        return ChangeResult(change_id=request.id, application_id=application_id, at=at, parts=parts_stored)


def decide_change(change_id: int, part: int, decision: PartDecision, when: When = NOW) -> ChangeResult:
    """Decide one part of a change request and carry it out; the last part decided notifies the applicant."""
    with changing() as session:
        at = when.instant(session)
        request = decide_part(session, change_id, part, decision, at=at, actor=actor())
        session.flush()
        result = ChangeResult(change_id=change_id, application_id=request.application_id, decided_at=request.decided_at, at=at,
                              parts=[PartResult(number=p.number, kind=p.kind, outcome=p.outcome, due_at=p.granted_due_at or p.requested_due_at,
                                                lines=line_changes(session, p)) for p in change_parts(session, change_id)])
        if request.decided_at is not None:
            app = repo.application(session, request.application_id)
            result.notifications = enqueue(session, change_decided_messages(session, app, request), at=at)
        return result
