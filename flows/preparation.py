"""Preparation: documents delivered, readiness checked and shown as an artifact."""

from __future__ import annotations

from datetime import datetime

from prefect import flow
from prefect.artifacts import acreate_markdown_artifact

from domain.formatting import format_instant
from domain.preparation import Readiness, complete_duty, readiness
from domain.store import unit_of_work
from flows.runtime import actor, begin_stage, engine, step


@step(name="deliver-documents")
def deliver_documents(application_id: str, kinds: list[str], at: datetime) -> list[str]:
    with unit_of_work(engine()) as session:
        return [complete_duty(session, application_id, kind, at=at, actor=actor()).kind for kind in kinds]


@step(name="check-readiness")
def check_readiness(application_id: str) -> Readiness:
    with unit_of_work(engine()) as session:
        return readiness(session, application_id)


def readiness_markdown(report: Readiness) -> str:
    lines = [
        f"# Readiness of {report.application_id}",
        f"Stage: **{report.stage}** · call closes {format_instant(report.deadline_at)}",
        f"Workshops: {report.workshops} ({report.workshop_participants} participants)",
        "",
        "## Missing documents",
        *([f"- {title}" for title in report.missing_documents] or ["- none"]),
        "",
        "## Budget",
        *([f"- {problem}" for problem in report.budget_problems] or ["- valid"]),
    ]
    return "\n".join(lines)


@flow(name="preparation", flow_run_name="prepare/{application_id}")
async def preparation(application_id: str, deliver: list[str] | None = None, at: datetime | None = None) -> Readiness:
    """Record delivered documents, then report what still stands between the application and submission."""
    moment = await begin_stage(application_id, at)
    if deliver:
        await deliver_documents(application_id, deliver, moment)
    report = await check_readiness(application_id)
    await acreate_markdown_artifact(readiness_markdown(report), key=f"readiness-{application_id}", description="Readiness for submission")
    return report
