"""Start-up: the grant accepted, then the project begun in its grant period, with reporting deadlines and notices."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from prefect import flow, get_run_logger
from prefect.artifacts import acreate_markdown_artifact

from domain.formatting import format_instant
from flows.runtime import deliver_notifications, delivery_failure, label_run, needs_operator, refreshes_home, step, waiting
from usecases import startup as usecase
from usecases.context import When
from usecases.startup import AcceptanceResult, StartupResult

accept = step(name="accept-grant")(usecase.accept)
start = step(name="start-project")(usecase.start)


@flow(name="grant-acceptance", flow_run_name="accept/{application_id}")
@refreshes_home
async def grant_acceptance(application_id: str, at: datetime | None = None) -> AcceptanceResult:
    """The grantee accepts the grant; its event starts the project through the start-up trigger."""
    await label_run(application_id)
    result = await accept(application_id, When(stated=at))
    await acreate_markdown_artifact(f"# Grant accepted: {application_id}\n\nAccepted {format_instant(result.accepted_at)}.",
                                    key=f"acceptance-{application_id}", description="Acceptance of the grant")
    return result


@flow(name="startup", flow_run_name="startup/{application_id}")
@refreshes_home
async def startup(application_id: str, at: datetime | None = None, triggered_by: UUID | None = None) -> StartupResult:
    """Runs on every grant and on the acceptance of one: the project starts once both are there, and only once."""
    await label_run(application_id)
    result = await start(application_id, When(stated=at, triggered_by=triggered_by))
    if result.waiting_for:
        get_run_logger().info("%s waits for %s; the acceptance's delivery starts it", application_id, result.waiting_for)
        return waiting(result, f"waiting for {result.waiting_for}")
    if not result.started_now:
        return result
    text = "\n".join([f"# {result.project} started", f"Grant period {result.period}", "", "## Reporting", *(f"- {r}" for r in result.reporting)])
    await acreate_markdown_artifact(text, key=f"startup-{application_id}", description="Project start-up")
    if why := delivery_failure(await deliver_notifications(result.notifications, result.at)):
        return needs_operator(result, why)
    return result
