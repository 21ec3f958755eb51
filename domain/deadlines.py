"""Deadline extensions: a duty's due instant moved later, by an officer's decision; reminders follow the new date."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from domain import repository as repo
from domain.errors import RuleViolation
from domain.lifecycle import record_event
from domain.model import Duty, Stage

DUTY_EXTENDED = "grantflow.duty.extended"
ENDED = frozenset({Stage.WITHDRAWN, Stage.REJECTED})


def extend_duty(session: Session, application_id: str, kind: str, *, due_at: datetime, reason: str, at: datetime, actor: str) -> Duty:
    """Move an open duty's due instant later; the reminders planned for the old instant are cancelled by the next sweep."""
    app = repo.application(session, application_id)
    record = f"application {app.id}"
    duty = repo.duty(session, app.id, kind)
    if app.stage in ENDED:
        raise RuleViolation("stage", f"a {app.stage.value} application has no deadlines to extend", record=record)
    if duty.done_at is not None:
        raise RuleViolation("kind", f"{duty.title} was already delivered; its deadline cannot move", record=record)
    if due_at.tzinfo is None:
        raise RuleViolation("due", "give the time with a UTC offset, e.g. 2020-09-30T16:15:00+03:00", record=record)
    if due_at <= duty.due_at:
        raise RuleViolation("due", f"an extension moves the deadline later than {duty.due_at.isoformat()}", record=record)
    if due_at <= at:
        raise RuleViolation("due", "an extension moves the deadline into the future", record=record)
    reason = " ".join(reason.split())
    if not reason:
        raise RuleViolation("reason", "say why the deadline is extended", record=record)
    previous = duty.due_at
    duty.due_at = due_at
    session.add(duty)
    record_event(session, app.id, DUTY_EXTENDED, actor=actor, at=at,
                 payload={"kind": kind, "from": previous.isoformat(), "to": due_at.isoformat(), "reason": reason})
    return duty
