"""Start-up: the project begins in its grant period, with reporting deadlines and a notice to all parties."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from prefect import flow, get_run_logger
from prefect.artifacts import acreate_markdown_artifact
from pydantic import BaseModel

from domain import repository as repo
from domain.formatting import format_date, format_instant
from domain.model import DutyPhase, Stage
from domain.startup import start_project, unaccepted
from domain.store import unit_of_work
from flows.runtime import actor, begin_stage, deliver_notifications, engine, step
from notifications.messages import started_messages
from notifications.outbox import enqueue


class StartupResult(BaseModel):
    application_id: str
    started: bool
    # False when an earlier run started it: this one changed nothing.
    started_now: bool = False
    project: str = ""
    period: str = ""
    reporting: list[str] = []
    waiting_for: str | None = None
    notifications: list[str] = []


@step(name="start-project")
def start(application_id: str, at: datetime) -> StartupResult:
    """Start the project if its grant is accepted; a started one is left as it is, an unaccepted one waits."""
    with unit_of_work(engine()) as session:
        app = repo.application(session, application_id)
        if app.stage == Stage.STARTED:
            return StartupResult(application_id=app.id, started=True, project=app.title)
        if app.stage in (Stage.GRANTED, Stage.PARTIALLY_GRANTED) and (pending := unaccepted(session, app)) is not None:
            return StartupResult(application_id=app.id, started=False, waiting_for=f"{pending.title}, due {format_instant(pending.due_at)}")
        project, _ = start_project(session, application_id, at=at, actor=actor())
        keys = enqueue(session, started_messages(session, app, project, at), at=at)
        reporting = [f"{d.title}: {format_instant(d.due_at)}" for d in repo.duties(session, app.id, DutyPhase.REPORTING)]
        period = f"{format_date(project.period_start)}–{format_date(project.period_end)}"
        return StartupResult(application_id=app.id, started=True, started_now=True, project=project.name, period=period, reporting=reporting, notifications=keys)


@flow(name="startup", flow_run_name="startup/{application_id}")
async def startup(application_id: str, at: datetime | None = None, triggered_by: UUID | None = None) -> StartupResult:
    """Runs on every grant and on the acceptance of one: the project starts once both are there, and only once."""
    moment = await begin_stage(application_id, at, triggered_by=triggered_by)
    result = await start(application_id, moment)
    if result.waiting_for:
        get_run_logger().info("%s waits for %s; the acceptance's delivery starts it", application_id, result.waiting_for)
        return result
    if not result.started_now:
        return result
    await deliver_notifications(result.notifications, moment)
    text = "\n".join([f"# {result.project} started", f"Grant period {result.period}", "", "## Reporting", *(f"- {r}" for r in result.reporting)])
    await acreate_markdown_artifact(text, key=f"startup-{application_id}", description="Project start-up")
    return result
