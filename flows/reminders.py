"""The reminder sweep: one flow run plans every due reminder, sends the outbox, and reports in a table."""

from __future__ import annotations

import asyncio
from datetime import datetime

from prefect import flow, get_run_logger
from prefect.artifacts import acreate_table_artifact

from domain.formatting import format_instant
from flows.runtime import StatedNow, delivery_failure, log_delivery, needs_operator, refreshes_home, step
from usecases import outbox
from usecases import reminders as usecase
from usecases.context import When
from usecases.reminders import SweepReport, SweepRow


@step(name="plan-reminders")
def plan(when: When, dry_run: bool) -> SweepReport:
    return usecase.plan(when, dry_run=dry_run)


@step(name="send-outbox")
def send(report: SweepReport) -> SweepReport:
    usecase.send(report)
    return report


def _run_name() -> str:
    from prefect.runtime import flow_run

    now = flow_run.parameters.get("now")
    return f"remind/{now:%Y-%m-%dT%H:%M}" if isinstance(now, datetime) else "remind/now"


@flow(name="reminder-sweep", flow_run_name=_run_name)
@refreshes_home
async def reminder_sweep(now: StatedNow = None, dry_run: bool = False) -> SweepReport:
    """Every due reminder, each sent once, in one flow run; failures wait for the next sweep."""
    logger = get_run_logger()
    report = await plan(When(stated=now, field="now"), dry_run=dry_run)
    for problem in report.problems:
        logger.error("Reminders of application %s (deadline %s) were not planned: %s", problem.application_id, problem.deadline_key, problem.error)
    if not dry_run:
        if not outbox.channel_configured():
            logger.warning("Nothing sent: %s", outbox.NO_CHANNEL)
        report = await send(report)
        log_delivery(report.delivery)
    await acreate_table_artifact(
        artifact_table(report.rows),
        key="reminder-sweep",
        description=f"Reminder sweep at {format_instant(report.now)}{' (dry run)' if dry_run else ''}: {report.counts()}",
    )
    await asyncio.to_thread(usecase.reported, report)
    problems = [f"{len(report.problems)} application(s)' reminders not planned"] if report.problems else []
    if not dry_run and (why := delivery_failure(report.delivery)):
        problems.append(why)
    return needs_operator(report, "; ".join(problems)) if problems else report


# Prefect refuses events over 1.5 MB, and a table of a large sweep's every row would be one; the
# outbox table keeps every row, the artifact shows what needs an operator first.
ARTIFACT_ROWS = 1000


def artifact_table(rows: list[SweepRow], limit: int = ARTIFACT_ROWS) -> list[dict[str, str]]:
    """The sweep's rows for its table artifact: failures, retries and skips before plain sends, at most `limit`."""
    if not rows:
        return [{"outcome": "nothing due"}]
    ordered = sorted(rows, key=lambda row: row.outcome in ("sent", "queued", "would send"))
    shown = [row.model_dump() for row in ordered[:limit]]
    if len(ordered) > limit:
        shown.append({"outcome": f"{len(ordered) - limit} more rows not shown; every message is in the outbox table"})
    return shown
