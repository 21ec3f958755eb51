"""Overdue checks: the daily look for decisions and start-ups that are late, told to the call's officer once."""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.artifacts import acreate_table_artifact

from domain.formatting import format_instant
from flows.runtime import StatedNow, deliver_notifications, delivery_failure, needs_operator, refreshes_home, step
from usecases import alerts as usecase
from usecases.alerts import AlertReport
from usecases.context import When

find = step(name="find-overdue")(usecase.check_overdue)


@flow(name="overdue-checks", flow_run_name="overdue-checks")
@refreshes_home
async def overdue_checks(now: StatedNow = None) -> AlertReport:
    """Late decisions and unconfirmed start-ups as of `now`; each officer hears of each once."""
    report = await find(When(stated=now, field="now"))
    delivered = await deliver_notifications(report.notifications, report.at) if report.notifications else None
    for alert in report.alerts:
        get_run_logger().warning("%s: %s for %d days", alert.application_id, alert.kind.value, alert.days)
    await acreate_table_artifact(
        [{"application": a.application_id, "alert": a.kind.value, "since": format_instant(a.since), "days": str(a.days)} for a in report.alerts]
        or [{"alert": "nothing overdue"}],
        key="overdue-checks",
        description=f"Overdue checks at {format_instant(report.at)}",
    )
    if delivered is not None and (why := delivery_failure(delivered)):
        return needs_operator(report, why)
    return report
