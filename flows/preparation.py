"""Preparation: documents delivered, readiness checked and shown as an artifact."""

from __future__ import annotations

from datetime import datetime

from prefect import flow
from prefect.artifacts import acreate_markdown_artifact

from domain.formatting import format_instant
from domain.preparation import Readiness
from flows.runtime import label_run, refreshes_home, step
from usecases import preparation as usecase
from usecases.context import When

deliver_documents = step(name="deliver-documents")(usecase.deliver_documents)


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
@refreshes_home
async def preparation(application_id: str, deliver: list[str] | None = None, at: datetime | None = None) -> Readiness:
    """Record delivered documents (duty kinds), then report what still stands between the application and submission."""
    await label_run(application_id)
    report = await deliver_documents(application_id, deliver or [], When(stated=at))
    await acreate_markdown_artifact(readiness_markdown(report), key=f"readiness-{application_id}", description="Readiness for submission")
    return report
