"""The reminder sweep: every reminder due at an instant planned once, the outbox sent, and a row per message."""

from __future__ import annotations

import logging
from datetime import datetime

from pydantic import BaseModel

from domain.clock import ensure_reached
from domain.formatting import format_instant
from notifications.delivery import DeliveryReport, Waiting, due_rows
from notifications.outbox import DeliveryStatus, Notification, OutgoingMessage, enqueue
from notifications.reminders import PlanningProblem, ReminderPlan, cancel_stale, error_text, plan_reminders, stale_reminders, stored_keys
from usecases.context import NOW, When, changing, reading
from usecases.outbox import NoticeRow, deliver_due, delivery_counts, delivery_outcomes, doubt_reported, notice_row, notice_rows, still_waiting

log = logging.getLogger("grantflow.reminders")


# The sweep's table rows are the outbox's: recipient, application, slot and outcome first.
SweepRow = NoticeRow


class SweepReport(BaseModel):
    now: datetime
    dry_run: bool
    planned: int = 0
    # A dry run: rows already in the outbox that a sweep at its instant would try again.
    retries: int = 0
    skipped: int = 0
    cancelled: list[str] = []
    delivery: DeliveryReport = DeliveryReport()
    rows: list[SweepRow] = []
    # Applications whose reminders could not be made or stored; every other application's went ahead.
    problems: list[PlanningProblem] = []
    # What the outbox still holds undelivered after the sweep, by reason.
    waiting: list[Waiting] = []

    def counts(self) -> str:
        problems = f", {len(self.problems)} application(s) not planned" if self.problems else ""
        if self.dry_run:
            return f"{self.planned} would be sent, {self.retries} queued earlier would be tried again{problems}"
        return f"{self.planned} planned, {delivery_counts(self.delivery)}, {self.skipped} skipped, {len(self.cancelled)} cancelled{problems}"


def _row(message: OutgoingMessage, outcome: str) -> SweepRow:
    return SweepRow(key=message.key, recipient=message.recipient, application=message.application_id, slot=message.slot or "",
                    due=format_instant(message.due_at) if message.due_at else "", subject=message.subject, outcome=outcome)


def sweep(when: When = NOW, *, dry_run: bool = False) -> SweepReport:
    """Cancel what no longer applies, plan every reminder due once, send the outbox (or, dry, just list what would be sent)."""
    report = plan(when, dry_run=dry_run)
    if not dry_run:
        send(report)
    return report


def plan(when: When = NOW, *, dry_run: bool = False) -> SweepReport:
    """The sweep's planning half: stale reminders cancelled, every due one in the outbox once (a dry run stores nothing)."""
    if dry_run:
        return _dry_run(when)
    with changing() as session:
        now = ensure_reached(when.instant(session), field=when.field)
        cancelled = cancel_stale(session, now)
        planned = plan_reminders(session, now)
    report = SweepReport(now=now, dry_run=dry_run, cancelled=cancelled, problems=list(planned.problems))
    fresh, superseded = _store(planned, now, report.problems)
    report.planned, report.skipped = len(fresh), len(superseded)
    report.rows = [_row(m, "queued") for m in planned.to_send if m.key in fresh]
    report.rows += [_row(m, "skipped: a later reminder superseded it") for m in planned.skipped if m.key in superseded]
    report.rows += _problem_rows(report.problems)
    return report


def _dry_run(when: When) -> SweepReport:
    """What a sweep at the instant would send, read only: reminders not yet in the outbox, and the rows its delivery would try."""
    with reading() as session:
        now = when.instant(session)
        planned = plan_reminders(session, now)
        stored = stored_keys(session, [m.key for m in planned.to_send])
        cancelled = {row.key for row in stale_reminders(session, now)}
        due = [row for row in due_rows(session, now) if row.key not in cancelled]
    fresh = [m for m in planned.to_send if m.key not in stored]
    report = SweepReport(now=now, dry_run=True, planned=len(fresh), retries=len(due), problems=list(planned.problems))
    report.rows = [_row(m, "would send") for m in fresh] + [_waiting_row(row) for row in due]
    report.rows += _problem_rows(report.problems)
    return report


def _waiting_row(row: Notification) -> SweepRow:
    if row.in_doubt:
        outcome = "would resend once with the same Message-ID (in doubt: it may have arrived)"
    elif row.attempts:
        outcome = f"would retry: attempt {row.attempts + 1}"
    else:
        outcome = "would send (queued earlier)"
    return notice_row(row, outcome)


def _problem_rows(problems: list[PlanningProblem]) -> list[SweepRow]:
    return [
        SweepRow(key=p.deadline_key, recipient="", application=p.application_id, slot="", due="", subject="",
                 outcome=f"NOT PLANNED, needs an operator: {p.error}")
        for p in problems
    ]


def send(report: SweepReport) -> None:
    """The sweep's sending half: the outbox delivered at the sweep's instant, each row given its outcome."""
    report.delivery = deliver_due(report.now)
    outcomes = delivery_outcomes(report.delivery)
    for row in report.rows:
        row.outcome = outcomes.get(row.key, row.outcome)
    # Retries of earlier sweeps' messages show in the table too, read back from the outbox.
    shown = {row.key for row in report.rows}
    report.rows += notice_rows({key: outcome for key, outcome in outcomes.items() if key not in shown})
    report.waiting = still_waiting(report.now)


def reported(report: SweepReport) -> None:
    """Once the report is out, its messages in doubt are not reported again."""
    if not report.dry_run:
        doubt_reported(sorted({*report.delivery.in_doubt, *report.delivery.resent}))


def _store(planned: ReminderPlan, now: datetime, problems: list[PlanningProblem]) -> tuple[set[str], set[str]]:
    """The planned rows in one transaction; should that fail, each application's in one of its own, so rows
    that cannot be stored (the failure is recorded in `problems`) hold back no other application's reminders."""
    skipped = [m.model_copy(update={"status": DeliveryStatus.SKIPPED}) for m in planned.skipped]
    try:
        with changing() as session:
            return set(enqueue(session, planned.to_send, at=now)), set(enqueue(session, skipped, at=now))
    except Exception as exc:  # noqa: BLE001 (which application's rows failed is found one application at a time below)
        log.warning("The sweep's reminders could not be stored at once (%s); storing them application by application", error_text(exc))
    by_application: dict[str, tuple[list[OutgoingMessage], list[OutgoingMessage]]] = {}
    for message in planned.to_send:
        by_application.setdefault(message.application_id, ([], []))[0].append(message)
    for message in skipped:
        by_application.setdefault(message.application_id, ([], []))[1].append(message)
    fresh: set[str] = set()
    superseded: set[str] = set()
    for application_id, (sending, skipping) in by_application.items():
        try:
            with changing() as session:
                sent_keys, skipped_keys = enqueue(session, sending, at=now), enqueue(session, skipping, at=now)
        except Exception as exc:  # noqa: BLE001
            deadlines = ", ".join(sorted({m.deadline_key or "" for m in sending + skipping}))
            problems.append(PlanningProblem(application_id=application_id, deadline_key=deadlines, error=error_text(exc)))
            continue
        fresh.update(sent_keys)
        superseded.update(skipped_keys)
    return fresh, superseded
