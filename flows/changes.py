"""Change requests: submitted on a started project, then decided part by part; the last part decided notifies the applicant."""

from __future__ import annotations

from datetime import datetime

from prefect import flow
from prefect.artifacts import acreate_markdown_artifact

from domain.changes import PartDecision, PartInput
from domain.formatting import format_money
from flows.runtime import deliver_notifications, delivery_failure, label_run, needs_operator, refreshes_home, step
from usecases import changes as usecase
from usecases.changes import ChangeResult
from usecases.context import When

submit = step(name="submit-change")(usecase.submit_change)
decide = step(name="decide-change")(usecase.decide_change)


def _summary(result: ChangeResult) -> str:
    lines = [f"# Change request {result.change_id}: {result.application_id}", ""]
    for part in result.parts:
        lines.append(f"- {part.number}. {part.kind.value}: {part.outcome.value.replace('_', ' ') if part.outcome else 'undecided'}")
        lines += [f"  - {line.number}. {line.name}: requested {format_money(line.requested_cents)}, before {format_money(line.before_cents)}, "
                  f"after {format_money(line.after_cents)}" for line in part.lines]
    return "\n".join(lines)


@flow(name="change-submission", flow_run_name="change/{application_id}")
@refreshes_home
async def change_submission(application_id: str, parts: list[PartInput], reason: str, at: datetime | None = None) -> ChangeResult:
    """A started project requests changes: each part is checked and stored, to be decided on its own."""
    await label_run(application_id)
    result = await submit(application_id, parts, reason, When(stated=at))
    await acreate_markdown_artifact(_summary(result), key=f"change-{result.change_id}", description="Change request")
    return result


@flow(name="change-decision", flow_run_name="change-{change_id}/part-{part}")
@refreshes_home
async def change_decision(change_id: int, part: int, decision: PartDecision, at: datetime | None = None) -> ChangeResult:
    """Decide one part of a change request and carry it out; once every part is decided the applicant is told."""
    result = await decide(change_id, part, decision, When(stated=at))
    await label_run(result.application_id)
    await acreate_markdown_artifact(_summary(result), key=f"change-{change_id}", description="Change request")
    if why := delivery_failure(await deliver_notifications(result.notifications, result.at)):
        return needs_operator(result, why)
    return result
