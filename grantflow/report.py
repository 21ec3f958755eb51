"""Rich renderings for the terminal: the per-call table, received mail."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from domain.calendar import HELSINKI
from domain.formatting import format_date, format_instant, format_money
from domain.model import Outcome, Stage
from domain.status import CallStatus
from grantflow.mailsink import ReceivedMail
from usecases.home import HomeRow
from usecases.outbox import NoticeState, OutboxListing, OutboxRow
from usecases.plan import Plan, PlanRecipient, PlanStatus
from usecases.reminders import SweepReport

OUTCOME_LABELS = {Outcome.FULL: "granted in full", Outcome.PARTIAL: "partially granted", Outcome.REJECTED: "rejected"}
STAGE_STYLES = {
    Stage.GRANTED: "green",
    Stage.PARTIALLY_GRANTED: "yellow",
    Stage.STARTED: "bold green",
    Stage.REJECTED: "red",
    Stage.WITHDRAWN: "dim",
}


def call_table(call: CallStatus) -> Table:
    table = Table(title=f"{call.name} ({call.id}) · haku päättyi {format_instant(call.deadline_at)}", title_justify="left")
    table.add_column("application", no_wrap=True)
    table.add_column("title")
    table.add_column("applicant")
    table.add_column("requested", justify="right", no_wrap=True)
    table.add_column("granted", justify="right", no_wrap=True)
    table.add_column("decision", no_wrap=True)
    table.add_column("decided by")
    table.add_column("stage", no_wrap=True)
    for app in call.applications:
        granted = format_money(app.granted_cents) if app.granted_cents is not None else "–"
        style = STAGE_STYLES.get(app.stage, "")
        stage = app.stage.value.replace("_", " ")
        table.add_row(
            app.id,
            app.title,
            app.applicant,
            format_money(app.requested_cents),
            granted,
            OUTCOME_LABELS[app.outcome] if app.outcome else "–",
            f"{app.decided_by}, {format_date(app.decided_at.astimezone(HELSINKI).date())}" if app.decided_by and app.decided_at else "–",
            f"[{style}]{stage}[/]" if style else stage,
        )
    return table


def mail_table(mails: list[ReceivedMail]) -> Table:
    table = Table(title=f"E-mail received by the SMTP server ({len(mails)})", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("to")
    table.add_column("subject")
    for number, mail in enumerate(mails, 1):
        table.add_row(str(number), ", ".join(mail.recipients), mail.subject)
    return table


def sweep_table(report: SweepReport) -> Table:
    title = f"Reminder sweep at {format_instant(report.now)}" + (" (dry run)" if report.dry_run else "")
    table = Table(title=title, title_justify="left")
    for name in ("recipient", "application", "slot", "due", "subject", "outcome"):
        table.add_column(name, overflow="fold")
    for row in report.rows:
        table.add_row(row.recipient, row.application, row.slot, row.due, row.subject, row.outcome)
    return table


def _plan_recipient(recipient: PlanRecipient) -> str:
    shown = f"{recipient.address} ({recipient.language.value})"
    if recipient.status == PlanStatus.RETRYING and recipient.next_attempt is not None:
        return f"{shown}: attempt {recipient.attempts + 1} at {format_instant(recipient.next_attempt)} after: {recipient.last_error or ''}"
    return shown


def plan_table(plan: Plan) -> Table:
    within = f"{format_instant(plan.start)} – {format_instant(plan.end)}" + (f" · {plan.target}" if plan.target else "")
    table = Table(title=f"Reminders to send, {within}", title_justify="left")
    for name in ("sends", "application", "deadline", "due", "slot", "recipients", "status"):
        table.add_column(name, overflow="fold")
    for row in plan.rows:
        deadline = row.deadline
        # Text, not markup: a title or an error may hold brackets.
        sends = format_instant(row.sends_at) + {PlanStatus.DUE: ", next sweep", PlanStatus.QUEUED: ", next delivery"}.get(row.status, "")
        cells = (sends, deadline.application_id, f"{deadline.kind}: {deadline.title}", format_instant(deadline.due_at),
                 row.slot_label, "\n".join(_plan_recipient(r) for r in row.recipients), row.status.value)
        table.add_row(*(Text(cell) for cell in cells))
    return table


def _next_attempt(row: OutboxRow) -> str:
    if row.state == NoticeState.SENDING:
        return "being sent"
    if row.state == NoticeState.FAILED:
        return "none: `outbox retry` once the cause is fixed"
    return format_instant(row.next_attempt) if row.next_attempt else "due now"


def outbox_table(listing: OutboxListing) -> Table:
    counts = ", ".join(f"{count} {state.value}" for state, count in listing.counts.items())
    table = Table(title=f"Outbox: {counts}", title_justify="left")
    for name in ("recipient", "application", "notice", "state", "attempts", "next attempt", "last error", "subject", "key"):
        table.add_column(name, overflow="fold")
    for row in listing.rows:
        notice = f"{row.notice} {row.slot}" if row.slot else row.notice
        state = f"{row.state.value}, in doubt" if row.in_doubt else row.state.value
        # Text, not markup: a subject or an error may hold brackets.
        cells = (row.recipient, row.application, notice, state, str(row.attempts), _next_attempt(row), row.last_error or "", row.subject, row.key)
        table.add_row(*(Text(cell) for cell in cells))
    return table


def home_table(rows: list[HomeRow]) -> Table:
    """The operators' home page: per call, the stages, what waits for a decision, overdue duties, failed notices, the next sweep."""
    table = Table(title="grantflow: what needs an operator", title_justify="left")
    for column in ("call", "stages", "waiting for a decision", "overdue duties", "failed notices", "next sweep", "its sends"):
        table.add_column(column, justify="right" if column in ("overdue duties", "failed notices", "its sends") else "left")
    for row in rows:
        table.add_row(row.call, row.stages, row.waiting_for_a_decision, str(row.overdue_duties),
                      f"[bold red]{row.failed_notices}[/]" if row.failed_notices else "0", row.next_sweep, str(row.planned_sends))
    return table
