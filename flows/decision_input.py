"""The interactive decision: an officer enters it in the Prefect UI's form; the same validation as `grantflow decide`."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from prefect import flow, get_run_logger
from prefect.artifacts import acreate_markdown_artifact
from prefect.client.orchestration import get_client
from prefect.context import FlowRunContext
from prefect.flow_runs import suspend_flow_run
from prefect.input import RunInput
from pydantic import BaseModel, Field, WithJsonSchema

from domain import repository as repo
from domain.clock import system_now
from domain.decision import record_decision, undecidable
from domain.errors import GrantflowError, Problem, ValidationFailed
from domain.formatting import format_money
from domain.inputs import DecisionInput
from domain.store import unit_of_work
from flows.runtime import begin_stage, engine
from grantflow.decide import OUTCOME, validated

# An officer has two weeks to fill in the form before the run gives up and fails.
FORM_TIMEOUT = 14 * 24 * 3600
MAX_FORMS = 50
# An amount as the officer types it (`2 680 000,50`) or a number from the API: kept as given, and read by DecisionInput's
# Euros (parse_euros) so that the form takes the same forms as files and options and refuses the rest naming the field.
EurosEntry = Annotated[str | Decimal, WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "number"}]})]


class LineForm(BaseModel):
    sub_area: int = Field(description="The sub-area's number in the application")
    granted: EurosEntry = Field(description="Euros granted for it, e.g. 580000, 580000,50 or 580 000,50")


class DecisionForm(RunInput):
    """The decision as the officer types it; amounts in euros."""

    decided_by: str = Field(description="Your name: the decision is recorded as made by you")
    granted: EurosEntry = Field(description="The granted total in euros, e.g. 2680000 or 2 680 000,50 (0 rejects the application)")
    lines: list[LineForm] = Field(default=[], description="A partial grant's split per sub-area")
    justification: str = Field(description="The written justification")
    period_start: date | None = Field(default=None, description="First day of the grant period")
    period_end: date | None = Field(default=None, description="Last day of the grant period")


class InteractiveResult(BaseModel):
    application_id: str
    recorded: bool
    decided_by: str | None = None
    attempts: int = 0
    # Why no form was asked for: the application cannot be decided now.
    refused: str | None = None


def decision_of(application_id: str, form: DecisionForm, at: datetime) -> DecisionInput:
    """The form as the domain's DecisionInput; shape problems named by the form's fields."""
    raw: dict[str, object] = {
        "application": application_id,
        "granted": form.granted,
        "lines": [line.model_dump() for line in form.lines],
        "justification": form.justification,
        "period": {"start": form.period_start, "end": form.period_end} if form.period_start or form.period_end else None,
        "decided_at": at,
        "decided_by": form.decided_by,
    }
    decision, problems = validated(raw)
    if decision is None:
        raise ValidationFailed(f"decision for {application_id}", list(problems), outcome=OUTCOME)
    return decision


async def _show(application_id: str, text: str) -> None:
    await acreate_markdown_artifact(text, key=f"decision-input-{application_id}", description="Interactive decision")


async def _tag_entered_by(officer: str) -> None:
    context = FlowRunContext.get()
    if context is None or context.flow_run is None:
        return
    async with get_client() as client:
        await client.update_flow_run(context.flow_run.id, tags=sorted({*context.flow_run.tags, f"entered-by:{officer[:60]}"}))


@flow(name="decision-interactive", flow_run_name="decision-input/{application_id}")
async def interactive_decision(application_id: str) -> InteractiveResult:
    """Wait for the officer's form; refuse what breaks a rule and wait again; record what holds."""
    logger = get_run_logger()
    await begin_stage(application_id, None)
    with unit_of_work(engine()) as session:
        app = repo.application(session, application_id)
        if (existing := repo.decision_of(session, application_id)) is not None:
            logger.info("%s already has a decision (%s); nothing to enter", application_id, existing.outcome.value)
            return InteractiveResult(application_id=application_id, recorded=False, decided_by=existing.decided_by)
        if (reason := undecidable(app.stage)) is not None:
            # No form could be accepted: say so at once rather than wait for forms that would all be refused.
            logger.error("%s cannot be decided: %s", application_id, reason)
            await _show(application_id, f"# No decision can be entered for {application_id}\n\n{reason}.")
            return InteractiveResult(application_id=application_id, recorded=False, refused=reason)
        lines = ", ".join(f"{s.number}. {s.name} {format_money(s.requested_cents)}" for s in repo.sub_areas(session, app.id))
        prompt = f"Decision on {app.title} ({app.id}); requested {format_money(app.requested_cents)}" + (f" — lines: {lines}" if lines else "")
    # Each form has its own key: after a refusal the run asks again, and a rerun replays the answers given.
    for attempt in range(1, MAX_FORMS + 1):
        form = await suspend_flow_run(wait_for_input=DecisionForm.with_initial_data(description=prompt), key=f"decision-form-{attempt}", timeout=FORM_TIMEOUT)
        logger.info("Decision form %d entered by %s", attempt, form.decided_by)
        now = system_now()
        try:
            with unit_of_work(engine()) as session:
                decision = record_decision(session, decision_of(application_id, form, now), at=now, actor=form.decided_by)
                outcome, granted = decision.outcome.value, decision.granted_cents
        except (ValidationFailed, GrantflowError) as exc:
            logger.error("Form %d refused, waiting for a corrected one: %s", attempt, exc)
            await _show(application_id, f"# Form {attempt} refused\n\nEntered by {form.decided_by}. Nothing was recorded.\n\n```\n{exc}\n```\n\n"
                                        "Resume the run with a corrected form.")
            continue
        await _tag_entered_by(form.decided_by)
        logger.info("Decision on %s recorded (%s) as entered by %s; the decision flow applies it", application_id, outcome, form.decided_by)
        await _show(application_id, f"# Decision recorded\n\n{outcome}, {format_money(granted)}, entered by **{form.decided_by}**.")
        return InteractiveResult(application_id=application_id, recorded=True, decided_by=form.decided_by, attempts=attempt)
    raise ValidationFailed(f"decision for {application_id}", [Problem("form", f"refused {MAX_FORMS} times")], outcome=OUTCOME)
