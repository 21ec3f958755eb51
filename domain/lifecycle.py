"""The lifecycle state machine: which stage may follow which, and the event each move writes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from domain.clock import replaying, system_now
from domain.errors import IllegalTransition
from domain.model import Application, DomainEvent, Stage

_OPEN = {Stage.PREPARATION, Stage.SUBMITTED, Stage.UNDER_REVIEW}

TRANSITIONS: dict[Stage, frozenset[Stage]] = {
    Stage.PREPARATION: frozenset({Stage.SUBMITTED, Stage.WITHDRAWN}),
    Stage.SUBMITTED: frozenset({Stage.UNDER_REVIEW, Stage.WITHDRAWN}),
    Stage.UNDER_REVIEW: frozenset({Stage.GRANTED, Stage.PARTIALLY_GRANTED, Stage.REJECTED, Stage.WITHDRAWN}),
    Stage.GRANTED: frozenset({Stage.STARTED}),
    Stage.PARTIALLY_GRANTED: frozenset({Stage.STARTED}),
    Stage.REJECTED: frozenset(),
    Stage.STARTED: frozenset(),
    Stage.WITHDRAWN: frozenset(),
}

# A partial grant is still a grant: both start the project, told apart by the payload's outcome.
EVENT_NAMES: dict[Stage, str] = {
    Stage.SUBMITTED: "grantflow.application.submitted",
    Stage.UNDER_REVIEW: "grantflow.application.review-started",
    Stage.GRANTED: "grantflow.application.granted",
    Stage.PARTIALLY_GRANTED: "grantflow.application.granted",
    Stage.REJECTED: "grantflow.application.rejected",
    Stage.STARTED: "grantflow.project.started",
    Stage.WITHDRAWN: "grantflow.application.withdrawn",
}

DECISION_RECORDED = "grantflow.decision.recorded"
DECISION_APPLICABLE = "grantflow.decision.applicable"
# A notice the outbox gave up on for good: an operator must see to it (fix the cause, then `grantflow outbox retry`).
DELIVERY_FAILED = "grantflow.delivery.failed"


def is_open(stage: Stage) -> bool:
    """Still before a decision: the application can be withdrawn and its duties are live."""
    return stage in _OPEN


def ensure_can_move(application: Application, to: Stage) -> None:
    if to == application.stage:
        raise IllegalTransition("stage", f"is already {to.value}", record=f"application {application.id}")
    if to not in TRANSITIONS[application.stage]:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[application.stage])) or "none"
        raise IllegalTransition(
            "stage",
            f"cannot move from {application.stage.value} to {to.value} (allowed: {allowed})",
            record=f"application {application.id}",
        )


def transition(
    session: Session,
    application: Application,
    to: Stage,
    *,
    actor: str,
    at: datetime,
    payload: dict[str, Any] | None = None,
) -> DomainEvent:
    """Move to `to` and append its domain event in the same transaction; illegal moves change nothing."""
    ensure_can_move(application, to)
    event = _event(session, application.id, EVENT_NAMES[to], actor=actor, at=at, payload=payload or {})
    event.from_stage, event.to_stage = application.stage, to
    application.stage = to
    session.add(application)
    session.add(event)
    return event


def record_event(
    session: Session, application_id: str, name: str, *, actor: str, at: datetime, payload: dict[str, Any]
) -> DomainEvent:
    """An event that changes no stage (a decision recorded, a document delivered)."""
    event = _event(session, application_id, name, actor=actor, at=at, payload=payload)
    session.add(event)
    return event


def _event(session: Session, application_id: str, name: str, *, actor: str, at: datetime, payload: dict[str, Any]) -> DomainEvent:
    """A domain event at `at`, saying whether that instant was replayed and when the event was really written."""
    return DomainEvent(application_id=application_id, name=name, actor=actor, occurred_at=at, payload=payload,
                       replayed=replaying(session), recorded_at=system_now())
