"""Overdue checks: decisions and start-ups that are late, told to the call's officer once each."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from domain.alerts import Alert, late_decisions, unconfirmed_startups
from domain.clock import ensure_reached
from notifications.messages import alert_messages
from notifications.outbox import enqueue
from usecases.context import NOW, When, changing
from usecases.settings import get_settings


class AlertReport(BaseModel):
    at: datetime
    alerts: list[Alert] = []
    notifications: list[str] = []  # new ones only: an alert already sent is not sent again


def check_overdue(when: When = NOW) -> AlertReport:
    """Late decisions and unconfirmed start-ups as of the step's instant, each alert queued once."""
    settings = get_settings()
    with changing() as session:
        at = ensure_reached(when.instant(session), field=when.field)
        alerts = late_decisions(session, at, settings.alert_decision_days) + unconfirmed_startups(session, at, settings.alert_startup_days)
        keys = enqueue(session, [m for alert in alerts for m in alert_messages(session, alert)], at=at)
    return AlertReport(at=at, alerts=alerts, notifications=keys)
