"""The operator alert: started by the automations on failed or crashed runs and on notices given up."""

from __future__ import annotations

from typing import cast

from prefect import flow, get_run_logger
from prefect.settings import PREFECT_UI_URL
from prefect.states import Completed

from flows.runtime import needs_operator, step
from usecases import operators as usecase
from usecases.operators import ALERT_FLOW, AlertKind, AlertOutcome, OperatorAlert

send = step(name="send-alert")(usecase.alert_operators)


def _run_link(run_id: str) -> str:
    base = PREFECT_UI_URL.value()
    return f"{base.rstrip('/')}/runs/flow-run/{run_id.removeprefix('prefect.flow-run.')}" if base and run_id else ""


@flow(name=ALERT_FLOW, flow_run_name="operator-alert/{kind}/{subject}")
async def operator_alert(kind: AlertKind, subject: str, state: str = "", message: str = "", run_id: str = "") -> AlertOutcome:
    """Tell the operations channel what went wrong and what to do; an alert that cannot be sent fails this run."""
    outcome = await send(OperatorAlert(kind=kind, subject=subject, state=state, message=message, link=_run_link(run_id)))
    if outcome.sent:
        get_run_logger().info("Alert sent: %s", outcome.title)
        return outcome
    if outcome.skipped:
        return cast(AlertOutcome, Completed(name="Not sent", message=outcome.not_sent, data=outcome))
    return needs_operator(outcome, f"the alert could not be sent: {outcome.not_sent}")
