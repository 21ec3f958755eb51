"""Rich renderings for the terminal: the per-call table, received mail."""

from __future__ import annotations

from rich.table import Table

from domain.formatting import format_instant, format_money
from domain.model import Stage
from domain.status import CallStatus
from grantflow.mailsink import ReceivedMail

STAGE_STYLES = {
    Stage.GRANTED: "green",
    Stage.PARTIALLY_GRANTED: "yellow",
    Stage.STARTED: "bold green",
    Stage.REJECTED: "red",
    Stage.WITHDRAWN: "dim",
}


def call_table(call: CallStatus) -> Table:
    table = Table(title=f"{call.name} ({call.id}) · haku päättyi {format_instant(call.deadline_at)}", title_justify="left")
    table.add_column("application")
    table.add_column("applicant")
    table.add_column("requested", justify="right")
    table.add_column("granted", justify="right")
    table.add_column("stage")
    for app in call.applications:
        granted = format_money(app.granted_cents) if app.granted_cents is not None else "–"
        style = STAGE_STYLES.get(app.stage, "")
        table.add_row(app.id, app.applicant, format_money(app.requested_cents), granted, f"[{style}]{app.stage.value}[/]" if style else app.stage.value)
    return table


def mail_table(mails: list[ReceivedMail]) -> Table:
    table = Table(title=f"E-mail received by the SMTP server ({len(mails)})", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("to")
    table.add_column("subject")
    for number, mail in enumerate(mails, 1):
        table.add_row(str(number), ", ".join(mail.recipients), mail.subject)
    return table
