"""The reminder sweep: one flow run plans every due reminder, sends the outbox, and reports in a table."""

from __future__ import annotations

from datetime import datetime

from prefect import flow, get_run_logger
from prefect.artifacts import acreate_table_artifact
from pydantic import BaseModel

from domain.formatting import format_instant
from domain.store import unit_of_work
from flows.outbox import delivery_counts, doubt_reported, log_delivery, send_outbox, still_waiting
from flows.runtime import engine, instant, step
from notifications.delivery import DeliveryReport, Waiting
from notifications.outbox import DeliveryStatus, OutgoingMessage, enqueue
from notifications.reminders import (
    PlanningProblem,
    ReminderPlan,
    cancel_stale,
    error_text,
    plan_reminders,
)


class SweepRow(BaseModel):
    key: str
    recipient: str
    application: str
    slot: str
    due: str
    subject: str
    outcome: str


class SweepReport(BaseModel):
    now: datetime
    dry_run: bool
    planned: int = 0
    skipped: int = 0
    cancelled: list[str] = []
    delivery: DeliveryReport = DeliveryReport()
    rows: list[SweepRow] = []
    # Applications whose reminders could not be made or stored; every other application's went ahead.
    problems: list[PlanningProblem] = []
    # What the outbox still holds undelivered after the sweep, by reason.
    waiting: list[Waiting] = []


def _row(message: OutgoingMessage, outcome: str) -> SweepRow:
    return SweepRow(
        key=message.key,
        recipient=message.recipient,
        application=message.application_id,
        slot=message.slot or "",
        due=format_instant(message.due_at) if message.due_at else "",
        subject=message.subject,
        outcome=outcome,
    )


@step(name="plan-reminders")
def plan(now: datetime, dry_run: bool) -> SweepReport:
    """Cancel what no longer applies, then put every reminder due at `now` in the outbox once (or just list it)."""
    report = SweepReport(now=now, dry_run=dry_run)
    with unit_of_work(engine()) as session:
        if not dry_run:
            report.cancelled = cancel_stale(session, now)
        planned = plan_reminders(session, now)
        if dry_run:
            session.rollback()
    report.problems = list(planned.problems)
    if dry_run:
        report.rows = [_row(m, "would send") for m in planned.to_send]
        report.planned = len(planned.to_send)
    else:
        fresh, superseded = _store(planned, now, report.problems)
        report.planned, report.skipped = len(fresh), len(superseded)
        report.rows = [_row(m, "queued") for m in planned.to_send if m.key in fresh]
        report.rows += [_row(m, "skipped: a later reminder superseded it") for m in planned.skipped if m.key in superseded]
    report.rows += [
        SweepRow(key=p.deadline_key, recipient="", application=p.application_id, slot="", due="", subject="",
                 outcome=f"NOT PLANNED, needs an operator: {p.error}")
        for p in report.problems
    ]
    return report


def _store(planned: ReminderPlan, now: datetime, problems: list[PlanningProblem]) -> tuple[set[str], set[str]]:
    """The planned rows in one transaction; should that fail, each application's in one of its own, so rows
    that cannot be stored (the failure is recorded in `problems`) hold back no other application's reminders."""
    skipped = [m.model_copy(update={"status": DeliveryStatus.SKIPPED}) for m in planned.skipped]
    try:
        with unit_of_work(engine()) as session:
            return set(enqueue(session, planned.to_send, at=now)), set(enqueue(session, skipped, at=now))
    except Exception as exc:  # noqa: BLE001 (which application's rows failed is found one application at a time below)
        get_run_logger().warning("The sweep's reminders could not be stored at once (%s); storing them application by application", error_text(exc))
    by_application: dict[str, tuple[list[OutgoingMessage], list[OutgoingMessage]]] = {}
    for message in planned.to_send:
        by_application.setdefault(message.application_id, ([], []))[0].append(message)
    for message in skipped:
        by_application.setdefault(message.application_id, ([], []))[1].append(message)
    fresh: set[str] = set()
    superseded: set[str] = set()
    for application_id, (sending, skipping) in by_application.items():
        try:
            with unit_of_work(engine()) as session:
                sent_keys, skipped_keys = enqueue(session, sending, at=now), enqueue(session, skipping, at=now)
        except Exception as exc:  # noqa: BLE001
            deadlines = ", ".join(sorted({m.deadline_key or "" for m in sending + skipping}))
            problems.append(PlanningProblem(application_id=application_id, deadline_key=deadlines, error=error_text(exc)))
            continue
        fresh.update(sent_keys)
        superseded.update(skipped_keys)
    return fresh, superseded


def _run_name() -> str:
    from prefect.runtime import flow_run

    now = flow_run.parameters.get("now")
    return f"remind/{now:%Y-%m-%dT%H:%M}" if isinstance(now, datetime) else "remind/now"


@flow(name="reminder-sweep", flow_run_name=_run_name)
async def reminder_sweep(now: datetime | None = None, dry_run: bool = False) -> SweepReport:
    """Every due reminder, each sent once, in one flow run; failures wait for the next sweep."""
    logger = get_run_logger()
    moment = instant(now, field="now")
    report = await plan(moment, dry_run)
    for problem in report.problems:
        logger.error("Reminders of application %s (deadline %s) were not planned: %s", problem.application_id, problem.deadline_key, problem.error)
    if not dry_run:
        report.delivery = await send_outbox(moment)
        delivery = report.delivery
        outcomes = {key: "sent" for key in delivery.sent}
        outcomes |= {key: f"retrying: {delivery.errors.get(key, '')}" for key in delivery.retrying}
        outcomes |= {key: f"FAILED, needs an operator: {delivery.errors.get(key, '')}" for key in delivery.failed}
        outcomes |= {key: f"skipped: {delivery.errors.get(key, '')}" for key in delivery.stale}
        outcomes |= {key: f"IN DOUBT, {outcomes.get(key, 'to be resent once')}: {delivery.errors.get(key, '')}" for key in delivery.in_doubt}
        outcomes |= {key: f"RESENT IN DOUBT, may have arrived twice; {outcomes.get(key, '')}" for key in delivery.resent}
        for row in report.rows:
            row.outcome = outcomes.get(row.key, row.outcome)
        # Retries of earlier sweeps' messages show in the table too.
        shown = {row.key for row in report.rows}
        report.rows += [
            SweepRow(key=key, recipient="", application="", slot="", due="", subject="(queued earlier)", outcome=outcome)
            for key, outcome in outcomes.items() if key not in shown
        ]
        log_delivery(delivery, logger)
        report.waiting = await still_waiting(moment)
    await acreate_table_artifact(
        artifact_table(report.rows),
        key="reminder-sweep",
        description=f"Reminder sweep at {format_instant(moment)}{' (dry run)' if dry_run else ''}: {_counts(report)}",
    )
    if not dry_run:
        await doubt_reported(sorted({*report.delivery.in_doubt, *report.delivery.resent}))
    return report


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


def _counts(report: SweepReport) -> str:
    problems = f", {len(report.problems)} application(s) not planned" if report.problems else ""
    if report.dry_run:
        return f"{report.planned} would be sent{problems}"
    return f"{report.planned} planned, {delivery_counts(report.delivery)}, {report.skipped} skipped, {len(report.cancelled)} cancelled{problems}"
