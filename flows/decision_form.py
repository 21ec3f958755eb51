"""The decision form: an officer enters a decision in the Prefect UI; the same validation as `grantflow decide`."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from prefect import flow, get_run_logger
from prefect.artifacts import acreate_markdown_artifact
from prefect.client.orchestration import get_client
from prefect.context import FlowRunContext
from prefect.flow_runs import suspend_flow_run
from prefect.input import RunInput
from prefect.input.actions import acreate_flow_run_input, aread_flow_run_input
from pydantic import BaseModel, Field, WithJsonSchema, create_model

from domain.clock import system_now
from domain.errors import GrantflowError, Problem, ValidationFailed
from domain.formatting import format_money
from domain.inputs import DecisionInput
from domain.money import MAX_EUROS
from flows import prefect_patches
from flows.runtime import add_tags, label_run, refreshes_home
from usecases import decision as usecase

# Any worker running the form, `grantflow serve`'s or `prefect worker start`, logs its suspension as the wait it is.
prefect_patches.quiet_suspensions()

# An officer has two weeks to fill in the form before the run gives up and fails.
FORM_TIMEOUT = 14 * 24 * 3600
MAX_FORMS = 50
# The UI shows a number input of euros. No `multipleOf: 0.01`: the server checks a form against its schema with
# jsonschema, whose float division refuses 580000.07 as a multiple of 0.01; whole cents are the amount reader's rule
# (DecisionInput's Euros), which also takes the written forms (`2 680 000,50`) from a program calling the API.
EurosEntry = Annotated[Decimal | str, WithJsonSchema({"type": "number", "minimum": 0, "maximum": float(MAX_EUROS)})]
# The UI opens an anyOf on its first choice: a date picker; "none" is for a rejection, which has no period.
PeriodDay = Annotated[date | None, WithJsonSchema({"anyOf": [{"type": "string", "format": "date", "title": "date"},
                                                             {"type": "null", "title": "none (a rejection)"}]})]
# A run started without an application asks which: "choose" is the UI's second choice, the id its first.
ApplicationParameter = Annotated[str | None, WithJsonSchema({"anyOf": [{"type": "string", "title": "application id"},
                                                                       {"type": "null", "title": "choose from a list"}]})]
# The domain's decision has a `period`; the form has its two days, and a refusal names those.
FORM_FIELDS = {"period": "period_start, period_end", "period.start": "period_start", "period.end": "period_end"}


class LineForm(BaseModel):
    sub_area: Annotated[int, Field(ge=1, description="The sub-area's number in the application")]
    granted: EurosEntry = Field(description="Euros granted for it, e.g. 580000 or 580000.50")


class DecisionForm(RunInput):
    """The decision as the officer enters it; amounts in euros."""

    decided_by: str = Field(description="Your name: the decision is recorded as made by you")
    granted: EurosEntry = Field(description="The granted total in euros, e.g. 2680000 or 2680000.50 (0 rejects the application)")
    lines: list[LineForm] = Field(default=[], description="A partial grant's split per sub-area")
    justification: str = Field(description="The written justification")
    period_start: PeriodDay = Field(default=None, description="First day of the grant period: required for a grant, none for a rejection")
    period_end: PeriodDay = Field(default=None, description="Last day of the grant period: required for a grant, none for a rejection")


class FormResult(BaseModel):
    application_id: str | None
    recorded: bool
    decided_by: str | None = None
    attempts: int = 0
    # Why no form was asked for: the application cannot be decided now, or none awaits a decision.
    refused: str | None = None


def _in_form_terms(refusal: ValidationFailed) -> ValidationFailed:
    problems: list[GrantflowError] = [Problem(FORM_FIELDS.get(p.field, p.field), p.rule, record=p.record) for p in refusal.problems]
    return ValidationFailed(refusal.source, problems, outcome=usecase.OUTCOME)


def decision_of(application_id: str, form: DecisionForm, at: datetime) -> DecisionInput:
    """The form as the domain's DecisionInput, decided at `at`; shape problems named by the form's fields."""
    try:
        return usecase.decision_input({
            "application": application_id,
            "granted": form.granted,
            "lines": [line.model_dump() for line in form.lines],
            "justification": form.justification,
            "period": {"start": form.period_start, "end": form.period_end} if form.period_start or form.period_end else None,
            "decided_at": at,
            "decided_by": form.decided_by,
        })
    except ValidationFailed as refusal:
        raise _in_form_terms(refusal) from None


def record_form(application_id: str, form: DecisionForm) -> usecase.RecordedDecision:
    """Record the form's decision, decided now; a refusal names the form's fields (a grant without its period: period_start, period_end)."""
    try:
        return usecase.record(decision_of(application_id, form, system_now()))
    except ValidationFailed as refusal:
        raise _in_form_terms(refusal) from None


def choice_form(awaiting: list[usecase.AwaitingDecision]) -> type[RunInput]:
    """A form choosing one of the applications awaiting a decision: a list in the UI, as it stands when the run asks."""
    listing = "; ".join(f"{a.application_id}: {a.title}, requested {format_money(a.requested_cents)}" for a in awaiting)
    field: Any = (str, Field(description=f"Awaiting a decision: {listing}", json_schema_extra={"enum": [a.application_id for a in awaiting]}))
    return create_model("ApplicationChoice", __base__=RunInput, application_id=field)


async def _show(application_id: str, text: str) -> None:
    await acreate_markdown_artifact(text, key=f"decision-form-{application_id}", description="Decision form")


async def _rename_run(name: str) -> None:
    context = FlowRunContext.get()
    if context is not None and context.flow_run is not None:
        async with get_client() as client:
            await client.update_flow_run(context.flow_run.id, name=name)


def _run_name() -> str:
    from prefect.runtime import flow_run

    return f"decision-form/{flow_run.parameters.get('application_id') or 'choose'}"


async def _choose() -> str | None:
    """The application the officer picks from those awaiting a decision; None when none does."""
    awaiting = await asyncio.to_thread(usecase.awaiting)
    if not awaiting:
        return None
    form = choice_form(awaiting).with_initial_data(description="Choose the application to decide; the decision form follows.")
    choice = await suspend_flow_run(wait_for_input=form, key="choose-application", timeout=FORM_TIMEOUT)
    chosen: str = choice.application_id
    await _rename_run(f"decision-form/{chosen}")
    return chosen


@flow(name="decision-form", flow_run_name=_run_name)
@refreshes_home
async def decision_form(application_id: ApplicationParameter = None) -> FormResult:
    """Wait for the officer's form; refuse what breaks a rule and wait again; record what holds.

    Args:
        application_id: The application to decide, e.g. soite-ru-2020. Leave it empty (or take "choose from a list") to pick one of those awaiting a decision.
    """
    logger = get_run_logger()
    if not application_id:
        application_id = await _choose()
        if application_id is None:
            logger.info("No application awaits a decision: none is submitted or under review without one")
            return FormResult(application_id=None, recorded=False, refused="no application awaits a decision")
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
    # Each form has its own key: after a refusal the run asks again. A resumed run starts over, and each
    # suspension it passes again returns the form given then; one refused then was told then, and is skipped.
    for attempt in range(1, MAX_FORMS + 1):
        key = f"decision-form-{attempt}"
        form = await suspend_flow_run(wait_for_input=DecisionForm.with_initial_data(description=prompt.text), key=key, timeout=FORM_TIMEOUT)
        if await aread_flow_run_input(f"{key}-refused") is not None:
            continue
        logger.info("Decision form %d entered by %s", attempt, form.decided_by)
        try:
            recorded = await asyncio.to_thread(record_form, application_id, form)
        except (ValidationFailed, GrantflowError) as exc:
            logger.error("Form %d refused, waiting for a corrected one: %s", attempt, exc)
            await _show(application_id, f"# Form {attempt} refused\n\nEntered by {form.decided_by}. Nothing was recorded.\n\n```\n{exc}\n```\n\n"
                                        "Resume the run with a corrected form.")
            await acreate_flow_run_input(f"{key}-refused", str(exc))
            continue
        await add_tags(f"entered-by:{form.decided_by[:60]}")
        logger.info("Decision on %s recorded (%s) as entered by %s; the decision flow applies it", application_id, recorded.outcome, form.decided_by)
        await _show(application_id, f"# Decision recorded\n\n{recorded.outcome}, {format_money(recorded.granted_cents)}, entered by **{form.decided_by}**.")
        return FormResult(application_id=application_id, recorded=True, decided_by=form.decided_by, attempts=attempt)
    raise ValidationFailed(f"decision for {application_id}", [Problem("form", f"refused {MAX_FORMS} times")], outcome=usecase.OUTCOME)
