"""Overdue checks: the daily look for decisions and start-ups that are late, told to the call's officer once."""

from __future__ import annotations

from datetime import datetime

from prefect import flow, get_run_logger
from prefect.artifacts import acreate_table_artifact
from pydantic import BaseModel

from domain.alerts import Alert, late_decisions, unconfirmed_startups
from domain.formatting import format_instant
from domain.store import unit_of_work
from flows.runtime import deliver_notifications, engine, instant, step
from grantflow.settings import get_settings
from notifications.messages import alert_messages
from notifications.outbox import enqueue


class AlertReport(BaseModel):
    alerts: list[Alert] = []
    notifications: list[str] = []  # new ones only: an alert already sent is not sent again


@step(name="find-overdue")
def find(now: datetime) -> AlertReport:
    settings = get_settings()
    with unit_of_work(engine()) as session:
        alerts = late_decisions(session, now, settings.alert_decision_days) + unconfirmed_startups(session, now, settings.alert_startup_days)
        keys = enqueue(session, [m for alert in alerts for m in alert_messages(session, alert)], at=now)
    return AlertReport(alerts=alerts, notifications=keys)


@flow(name="overdue-checks", flow_run_name="overdue-checks")
async def overdue_checks(now: datetime | None = None) -> AlertReport:
    """Late decisions and unconfirmed start-ups as of `now`; each officer hears of each once."""
    moment = instant(now, field="now")
    report = await find(moment)
    if report.notifications:
        await deliver_notifications(report.notifications, moment)
    for alert in report.alerts:
        get_run_logger().warning("%s: %s for %d days", alert.application_id, alert.kind.value, alert.days)
    await acreate_table_artifact(
        [{"application": a.application_id, "alert": a.kind.value, "since": format_instant(a.since), "days": str(a.days)} for a in report.alerts]
        or [{"alert": "nothing overdue"}],
        key="overdue-checks",
        description=f"Overdue checks at {format_instant(moment)}",
    )
    return report
