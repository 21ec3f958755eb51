"""Decision: a recorded decision applied once, the applicant and participants notified, a summary artifact."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from prefect import flow, get_run_logger
from prefect.artifacts import acreate_markdown_artifact

from flows.runtime import deliver_notifications, delivery_failure, label_run, needs_operator, refreshes_home, step, waiting
from usecases import decision as usecase
from usecases.context import When
from usecases.decision import DecisionResult

apply = step(name="apply-decision")(usecase.apply)


@flow(name="decision", flow_run_name="decision/{application_id}")
@refreshes_home
async def decision(application_id: str, at: datetime | None = None, triggered_by: UUID | None = None) -> DecisionResult:
    """Apply the recorded decision; started by its event's trigger (`triggered_by`), or by hand."""
    await label_run(application_id)
    result = await apply(application_id, When(stated=at, triggered_by=triggered_by))
    if result.waiting_for:
        get_run_logger().info("%s: decision not applied: %s", application_id, result.waiting_for)
        return waiting(result, f"not applied yet: {result.waiting_for}")
    await acreate_markdown_artifact(result.summary, key=f"decision-{application_id}", description="Decision summary")
    if result.notifications and (why := delivery_failure(await deliver_notifications(result.notifications, result.at))):
        return needs_operator(result, why)
    return result
