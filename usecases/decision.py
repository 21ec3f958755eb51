"""Decisions: recorded from the CLI, an import or the UI form; applied once, with notices and a summary."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlmodel import Session, select

from domain import repository as repo
from domain.clock import system_now
from domain.decision import NotYetApplicable, apply_decision, awaiting_decision, record_decision, undecidable
from domain.errors import ValidationFailed
from domain.formatting import format_date, format_instant, format_money
from domain.inputs import DecisionInput, problem_of
from domain.model import DecisionLine, DutyPhase
from notifications.messages import decision_messages
from notifications.outbox import enqueue
from usecases.context import NOW, When, actor, changing, reading

OUTCOME = "nothing was recorded"


class RecordedDecision(BaseModel):
    application_id: str
    outcome: str
    granted_cents: int
    decided_by: str
    recorded_at: datetime


class DecisionResult(BaseModel):
    application_id: str
    applied: bool
    waiting_for: str | None = None
    stage: str
    summary: str
    notifications: list[str] = []
    at: datetime


class AwaitingDecision(BaseModel):
    application_id: str
    title: str
    requested_cents: int


class DecisionPrompt(BaseModel):
    """What the UI form shows the officer, or why no form can be taken."""

    application_id: str
    text: str = ""
    decided_already: str | None = None
    refused: str | None = None


def decision_input(raw: dict[str, Any]) -> DecisionInput:
    """A decision's fields, as any door gathers them, validated: problems named by field, nothing recorded."""
    try:
        return DecisionInput.model_validate(raw)
    except ValidationError as exc:
        raise ValidationFailed(f"decision for {raw.get('application')}", [problem_of(e, raw) for e in exc.errors()], outcome=OUTCOME) from None


def record(decision: DecisionInput) -> RecordedDecision:
    """Store a decision and its `grantflow.decision.recorded` event, in its decider's name, now; applying it is the next step."""
    now = system_now()
    with changing() as session:
        row = record_decision(session, decision, at=now)
        return RecordedDecision(application_id=row.application_id, outcome=row.outcome.value, granted_cents=row.granted_cents,
                                decided_by=row.decided_by, recorded_at=now)


def apply(application_id: str, when: When = NOW) -> DecisionResult:
    """Apply the recorded decision and queue its notices in one transaction; a second run changes nothing."""
    try:
        with changing() as session:
            at = when.instant(session)
            event = apply_decision(session, application_id, at=at, actor=actor())
            app = repo.application(session, application_id)
            keys: list[str] = []
            if event is not None:
                decision = repo.decision_of(session, application_id)
                assert decision is not None
                keys = enqueue(session, decision_messages(session, app, decision), at=at)
            session.flush()
            return DecisionResult(application_id=application_id, applied=event is not None, stage=app.stage.value,
                                  summary=_summary(session, application_id), notifications=keys, at=at)
    except NotYetApplicable as exc:
        # Triggered by the call's review as well as by the decision: whichever comes second applies it.
        with reading() as session:
            stage = repo.application(session, application_id).stage.value
        return DecisionResult(application_id=application_id, applied=False, stage=stage, summary=f"# {application_id}\n\nNot applied: {exc.rule}.",
                              waiting_for=exc.rule, at=system_now())


def summary(application_id: str) -> str:
    with reading() as session:
        return _summary(session, application_id)


def _summary(session: Session, application_id: str) -> str:
    """Requested against granted per line, with the justification and the grant period."""
    app = repo.application(session, application_id)
    decision = repo.decision_of(session, application_id)
    if decision is None:
        return f"# {application_id}\n\nNo decision recorded."
    granted = {line.sub_area_id: line.granted_cents for line in session.exec(select(DecisionLine).where(DecisionLine.decision_id == decision.id))}
    rows = [
        f"| {s.number}. {s.name} | {format_money(s.requested_cents)} | {format_money(granted[s.id]) if s.id in granted else '–'} |"
        for s in repo.sub_areas(session, app.id)
    ]
    period = f"{format_date(decision.period_start)}–{format_date(decision.period_end)}" if decision.period_start and decision.period_end else "–"
    duties = [f"- {d.title}: {d.due_at:%Y-%m-%d}" for d in repo.duties(session, app.id, DutyPhase.STARTUP)]
    return "\n".join(
        [
            f"# Decision: {app.title} ({app.id})",
            f"Outcome: **{decision.outcome.value}** · stage **{app.stage.value}** · grant period {period}",
            "",
            f"Decided on {format_instant(decision.decided_at)} by {decision.decided_by}",
            "",
            "| line | requested | granted |",
            "|---|---:|---:|",
            *rows,
            f"| **total** | **{format_money(app.requested_cents)}** | **{format_money(decision.granted_cents)}** |",
            "",
            f"> {decision.justification}",
            "",
            *(["## Start-up duties", *duties] if duties else []),
        ]
    )


def prompt(application_id: str) -> DecisionPrompt:
    """The form's prompt: the application with its requested lines, unless it has a decision or cannot be decided."""
    with reading() as session:
        app = repo.application(session, application_id)
        if (existing := repo.decision_of(session, application_id)) is not None:
            return DecisionPrompt(application_id=app.id, decided_already=f"{existing.outcome.value}, decided by {existing.decided_by}")
        if (reason := undecidable(app.stage)) is not None:
            return DecisionPrompt(application_id=app.id, refused=reason)
        lines = ", ".join(f"{s.number}. {s.name} {format_money(s.requested_cents)}" for s in repo.sub_areas(session, app.id))
        text = f"Decision on {app.title} ({app.id}); requested {format_money(app.requested_cents)}" + (f" — lines: {lines}" if lines else "")
        return DecisionPrompt(application_id=app.id, text=text)


def awaiting() -> list[AwaitingDecision]:
    """The applications an officer can decide now: submitted or under review, with no decision recorded."""
    with reading() as session:
        return [AwaitingDecision(application_id=app.id, title=app.title, requested_cents=app.requested_cents) for app in awaiting_decision(session)]
