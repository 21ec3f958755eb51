"""Decision: a recorded decision applied once, the applicant and participants notified, a summary artifact."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from prefect import flow, get_run_logger
from prefect.artifacts import acreate_markdown_artifact
from pydantic import BaseModel
from sqlmodel import Session, select

from domain import repository as repo
from domain.decision import NotYetApplicable, apply_decision
from domain.formatting import format_date, format_money
from domain.model import DecisionLine, DutyPhase
from domain.store import unit_of_work
from flows.runtime import actor, begin_stage, deliver_notifications, engine, step
from notifications.messages import decision_messages
from notifications.outbox import enqueue


class DecisionResult(BaseModel):
    application_id: str
    applied: bool
    waiting_for: str | None = None
    stage: str
    summary: str
    notifications: list[str] = []


@step(name="apply-decision")
def apply(application_id: str, at: datetime) -> DecisionResult:
    """Apply the recorded decision and queue its notices in one transaction; a second run changes nothing."""
    try:
        with unit_of_work(engine()) as session:
            event = apply_decision(session, application_id, at=at, actor=actor())
            app = repo.application(session, application_id)
            keys: list[str] = []
            if event is not None:
                decision = repo.decision_of(session, application_id)
                assert decision is not None
                keys = enqueue(session, decision_messages(session, app, decision), at=at)
            stage = app.stage.value
    except NotYetApplicable as exc:
        # Triggered by the call's review as well as by the decision: whichever comes second applies it.
        with Session(engine()) as session:
            stage = repo.application(session, application_id).stage.value
        return DecisionResult(application_id=application_id, applied=False, stage=stage, summary=f"# {application_id}\n\nNot applied: {exc.rule}.",
                              waiting_for=exc.rule)
    return DecisionResult(
        application_id=application_id, applied=event is not None, stage=stage, summary=decision_markdown(application_id), notifications=keys
    )


def decision_markdown(application_id: str) -> str:
    """Requested against granted per line, with the justification and the grant period."""
    with unit_of_work(engine()) as session:
        app = repo.application(session, application_id)
        decision = repo.decision_of(session, application_id)
        if decision is None:
            return f"# {application_id}\n\nNo decision recorded."
        sub_areas = {s.id: s for s in repo.sub_areas(session, app.id)}
        granted = {line.sub_area_id: line.granted_cents for line in session.exec(select(DecisionLine).where(DecisionLine.decision_id == decision.id))}
        rows = [
            f"| {s.number}. {s.name} | {format_money(s.requested_cents)} | {format_money(granted[s.id]) if s.id in granted else '–'} |"
            for s in sub_areas.values()
        ]
        period = f"{format_date(decision.period_start)}–{format_date(decision.period_end)}" if decision.period_start and decision.period_end else "–"
        duties = [f"- {d.title}: {d.due_at:%Y-%m-%d}" for d in repo.duties(session, app.id, DutyPhase.STARTUP)]
        return "\n".join(
            [
                f"# Decision: {app.title} ({app.id})",
                f"Outcome: **{decision.outcome.value}** · stage **{app.stage.value}** · grant period {period}",
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


@flow(name="decision", flow_run_name="decision/{application_id}")
async def decision(application_id: str, at: datetime | None = None, triggered_by: UUID | None = None) -> DecisionResult:
    """Apply the recorded decision; started by its event's trigger (`triggered_by`), or by hand."""
    moment = await begin_stage(application_id, at, triggered_by=triggered_by)
    result = await apply(application_id, moment)
    if result.waiting_for:
        get_run_logger().info("%s: decision not applied: %s", application_id, result.waiting_for)
        return result
    if result.notifications:
        await deliver_notifications(result.notifications, moment)
    await acreate_markdown_artifact(result.summary, key=f"decision-{application_id}", description="Decision summary")
    return result
