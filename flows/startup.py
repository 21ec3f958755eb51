"""Start-up: the project begins in its grant period, with reporting deadlines and a notice to all parties."""

from __future__ import annotations

from datetime import datetime

from prefect import flow, task
from prefect.artifacts import acreate_markdown_artifact
from pydantic import BaseModel

from domain import repository as repo
from domain.formatting import format_date, format_instant
from domain.model import DutyPhase
from domain.startup import start_project
from domain.store import unit_of_work
from flows.runtime import actor, begin_stage, deliver_notifications, engine
from notifications.messages import started_messages
from notifications.outbox import enqueue


class StartupResult(BaseModel):
    application_id: str
    project: str
    period: str
    reporting: list[str]
    notifications: list[str] = []


@task(name="start-project")
def start(application_id: str, at: datetime) -> StartupResult:
    with unit_of_work(engine()) as session:
        project, _ = start_project(session, application_id, at=at, actor=actor())
        app = repo.application(session, application_id)
        keys = enqueue(session, started_messages(session, app, project, at), at=at)
        reporting = [f"{d.title}: {format_instant(d.due_at)}" for d in repo.duties(session, app.id, DutyPhase.REPORTING)]
        period = f"{format_date(project.period_start)}–{format_date(project.period_end)}"
        return StartupResult(application_id=app.id, project=project.name, period=period, reporting=reporting, notifications=keys)


@flow(name="startup", flow_run_name="startup/{application_id}")
async def startup(application_id: str, at: datetime | None = None) -> StartupResult:
    moment = await begin_stage(application_id, at)
    result = start(application_id, moment)
    deliver_notifications(result.notifications, moment)
    text = "\n".join([f"# {result.project} started", f"Grant period {result.period}", "", "## Reporting", *(f"- {r}" for r in result.reporting)])
    await acreate_markdown_artifact(text, key=f"startup-{application_id}", description="Project start-up")
    return result
