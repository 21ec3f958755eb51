"""Proactive alerts: what should have happened by now and has not, measured from absolute dates."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel
from sqlmodel import Session, col, select

from domain.model import Application, Call, Decision, Stage


class AlertKind(StrEnum):
    LATE_DECISION = "late-decision"
    UNCONFIRMED_STARTUP = "unconfirmed-startup"


class Alert(BaseModel):
    kind: AlertKind
    application_id: str
    since: datetime  # the call's close, or the grant
    days: int


def late_decisions(session: Session, now: datetime, days: int) -> list[Alert]:
    """Applications submitted to a call that closed `days` or more ago, with no decision recorded yet."""
    query = (
        select(Application.id, Call.deadline_at)
        .join(Call, col(Call.id) == col(Application.call_id))
        .outerjoin(Decision, col(Decision.application_id) == col(Application.id))
        .where(col(Application.stage).in_([Stage.SUBMITTED, Stage.UNDER_REVIEW]), col(Decision.id).is_(None))
        .where(col(Call.deadline_at) <= now - timedelta(days=days))
        .order_by(col(Application.id))
    )
    return [Alert(kind=AlertKind.LATE_DECISION, application_id=app_id, since=closed, days=(now - closed).days)
            for app_id, closed in session.exec(query)]


def unconfirmed_startups(session: Session, now: datetime, days: int) -> list[Alert]:
    """Grants applied `days` or more ago whose project has not started."""
    query = (
        select(Application.id, Decision.applied_at)
        .join(Decision, col(Decision.application_id) == col(Application.id))
        .where(col(Application.stage).in_([Stage.GRANTED, Stage.PARTIALLY_GRANTED]))
        .where(col(Decision.applied_at) <= now - timedelta(days=days))
        .order_by(col(Application.id))
    )
    return [Alert(kind=AlertKind.UNCONFIRMED_STARTUP, application_id=app_id, since=granted, days=(now - granted).days)
            for app_id, granted in session.exec(query) if granted is not None]
