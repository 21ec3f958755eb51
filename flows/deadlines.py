"""Deadline extensions: an officer's decision moves a duty's deadline; the next sweep re-plans its reminders."""

from __future__ import annotations

from datetime import datetime

from prefect import flow
from prefect.artifacts import acreate_markdown_artifact

from domain.formatting import format_instant
from flows.runtime import label_run, refreshes_home, step
from usecases import deadlines as usecase
from usecases.context import When
from usecases.deadlines import ExtensionResult

extend = step(name="extend-deadline")(usecase.extend)


@flow(name="deadline-extension", flow_run_name="extend/{application_id}/{kind}")
@refreshes_home
async def deadline_extension(application_id: str, kind: str, due_at: datetime, reason: str, at: datetime | None = None) -> ExtensionResult:
    """Move the duty `kind` of the application to `due_at`, with the officer's reason."""
    await label_run(application_id)
    result = await extend(application_id, kind, due_at, reason, When(stated=at))
    await acreate_markdown_artifact(f"# {result.title}: deadline extended\n\n{application_id}: now due {format_instant(result.due_at)}.\n\n> {reason}",
                                    key=f"extension-{application_id}-{kind}", description="Deadline extension")
    return result
