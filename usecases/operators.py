"""Operator alerts: what went wrong, and what to do about it, sent to the operations channel."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel

from notifications.operators import send_to_operators
from usecases.outbox import NoticeState, outbox_rows
from usecases.settings import get_settings

# The names of grantflow's Failed run states; Prefect names a state-change event after them
# (prefect.flow-run.Refused), so the alert automation in prefect.yaml expects each.
REFUSED = "Refused"
NEEDS_AN_OPERATOR = "Needs an operator"
FAILED_STATE_NAMES = (REFUSED, NEEDS_AN_OPERATOR)

# The alert flow's own runs are never alerted on: a failing alert channel must not alert about itself.
ALERT_FLOW = "operator-alert"


class AlertKind(StrEnum):
    RUN_FAILED = "run-failed"
    RUN_CRASHED = "run-crashed"
    DELIVERY_FAILED = "delivery-failed"


class OperatorAlert(BaseModel):
    kind: AlertKind
    # The run's name (e.g. decision/soite-ru-2020) or the application whose notice was given up.
    subject: str
    state: str = ""
    message: str = ""
    link: str = ""


class AlertOutcome(BaseModel):
    sent: bool
    title: str
    body: str
    # Why nothing was sent: no operations channel, the channel refused it, or an alert about the alert flow itself.
    not_sent: str | None = None
    # Not sent by design (no channel set, or about the alert flow itself), as opposed to refused by the channel.
    skipped: bool = False


NOTICES_FAILED = ("Fix the cause (the SMTP server or GRANTFLOW_EMAIL_URL, a recipient's address), then requeue them with "
                  "`grantflow outbox retry --all-failed`; `grantflow outbox --status failed` lists them with their last error.")
WHAT_TO_DO = {
    REFUSED: "Nothing was changed. Correct what the message names and run the step again (the run's artifact lists every reason).",
    NEEDS_AN_OPERATOR: NOTICES_FAILED,
    AlertKind.RUN_CRASHED: "The run stopped before it finished (its process or infrastructure failed). Its steps are idempotent: "
                           "look at the run's logs, then start the deployment again for the same parameters.",
    AlertKind.DELIVERY_FAILED: NOTICES_FAILED,
}


def compose(alert: OperatorAlert) -> tuple[str, str]:
    """The alert's title and body: what happened, where to look, and what to do."""
    failed = outbox_rows([NoticeState.FAILED], limit=20)
    if alert.kind == AlertKind.DELIVERY_FAILED:
        title = f"grantflow: {failed.counts[NoticeState.FAILED]} notice(s) given up for good"
        what = WHAT_TO_DO[AlertKind.DELIVERY_FAILED]
    else:
        verb = "crashed" if alert.kind == AlertKind.RUN_CRASHED else f"failed ({alert.state or 'Failed'})"
        title = f"grantflow: run {alert.subject} {verb}"
        what = WHAT_TO_DO.get(AlertKind.RUN_CRASHED if alert.kind == AlertKind.RUN_CRASHED else alert.state,
                              "Look at the run's logs and artifact in the Prefect UI; its steps are idempotent, so it can be run again.")
    lines = [title, ""]
    if alert.message:
        lines += [alert.message, ""]
    lines += [f"What to do: {what}"]
    if alert.link:
        lines += ["", f"In the Prefect UI: {alert.link}"]
    if failed.rows and (alert.kind == AlertKind.DELIVERY_FAILED or alert.state == NEEDS_AN_OPERATOR):
        lines += ["", "Notices given up:"] + [f"- {row.application}: {row.subject} to {row.recipient}: {row.last_error or ''}" for row in failed.rows]
        if failed.not_shown:
            lines.append(f"- … and {failed.not_shown} more")
    return title, "\n".join(lines)


def alert_operators(alert: OperatorAlert) -> AlertOutcome:
    """Send the alert to GRANTFLOW_OPS_URL; an alert about the alert flow itself is dropped, never sent in a loop."""
    title, body = compose(alert)
    if alert.subject.startswith(f"{ALERT_FLOW}/"):
        return AlertOutcome(sent=False, title=title, body=body, not_sent="an alert about the alert flow itself is not sent", skipped=True)
    url = get_settings().ops_channel()
    if url is None:
        return AlertOutcome(sent=False, title=title, body=body, not_sent="no operations channel is set (GRANTFLOW_OPS_URL)", skipped=True)
    error = send_to_operators(url, title, body)
    return AlertOutcome(sent=error is None, title=title, body=body, not_sent=error)
