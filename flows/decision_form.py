"""The decision form: an officer enters a decision in the Prefect UI; the same validation as `grantflow decide`."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from prefect import flow, get_run_logger
from prefect.artifacts import acreate_markdown_artifact
from prefect.flow_runs import suspend_flow_run
from prefect.input import RunInput
from pydantic import BaseModel, Field, WithJsonSchema

from domain.clock import system_now
from domain.errors import GrantflowError, Problem, ValidationFailed
from domain.formatting import format_money
from domain.inputs import DecisionInput
from flows.runtime import add_tags, label_run
from usecases import decision as usecase

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


class FormResult(BaseModel):
    application_id: str
    recorded: bool
    decided_by: str | None = None
    attempts: int = 0
    # Why no form was asked for: the application cannot be decided now.
    refused: str | None = None


def decision_of(application_id: str, form: DecisionForm, at: datetime) -> DecisionInput:
    """The form as the domain's DecisionInput, decided at `at`; shape problems named by the form's fields."""
    return usecase.decision_input({
        "application": application_id,
        "granted": form.granted,
        "lines": [line.model_dump() for line in form.lines],
        "justification": form.justification,
        "period": {"start": form.period_start, "end": form.period_end} if form.period_start or form.period_end else None,
        "decided_at": at,
        "decided_by": form.decided_by,
    })


def record_form(application_id: str, form: DecisionForm) -> usecase.RecordedDecision:
    return usecase.record(decision_of(application_id, form, system_now()))


async def _show(application_id: str, text: str) -> None:
    await acreate_markdown_artifact(text, key=f"decision-form-{application_id}", description="Decision form")


@flow(name="decision-form", flow_run_name="decision-form/{application_id}")
async def decision_form(application_id: str) -> FormResult:
    """Wait for the officer's form; refuse what breaks a rule and wait again; record what holds."""
    logger = get_run_logger()
    await label_run(application_id)
    prompt = await asyncio.to_thread(usecase.prompt, application_id)
    if prompt.decided_already is not None:
        logger.info("%s already has a decision (%s); nothing to enter", application_id, prompt.decided_already)
        return FormResult(application_id=application_id, recorded=False)
    if prompt.refused is not None:
        # No form could be accepted: say so at once rather than wait for forms that would all be refused.
        logger.error("%s cannot be decided: %s", application_id, prompt.refused)
        await _show(application_id, f"# No decision can be entered for {application_id}\n\n{prompt.refused}.")
        return FormResult(application_id=application_id, recorded=False, refused=prompt.refused)
    # Each form has its own key: after a refusal the run asks again, and a rerun replays the answers given.
    for attempt in range(1, MAX_FORMS + 1):
        form = await suspend_flow_run(wait_for_input=DecisionForm.with_initial_data(description=prompt.text), key=f"decision-form-{attempt}",
                                      timeout=FORM_TIMEOUT)
        logger.info("Decision form %d entered by %s", attempt, form.decided_by)
        try:
            recorded = await asyncio.to_thread(record_form, application_id, form)
        except (ValidationFailed, GrantflowError) as exc:
            logger.error("Form %d refused, waiting for a corrected one: %s", attempt, exc)
            await _show(application_id, f"# Form {attempt} refused\n\nEntered by {form.decided_by}. Nothing was recorded.\n\n```\n{exc}\n```\n\n"
                                        "Resume the run with a corrected form.")
            continue
        await add_tags(f"entered-by:{form.decided_by[:60]}")
        logger.info("Decision on %s recorded (%s) as entered by %s; the decision flow applies it", application_id, recorded.outcome, form.decided_by)
        await _show(application_id, f"# Decision recorded\n\n{recorded.outcome}, {format_money(recorded.granted_cents)}, entered by **{form.decided_by}**.")
        return FormResult(application_id=application_id, recorded=True, decided_by=form.decided_by, attempts=attempt)
    raise ValidationFailed(f"decision for {application_id}", [Problem("form", f"refused {MAX_FORMS} times")], outcome=usecase.OUTCOME)
