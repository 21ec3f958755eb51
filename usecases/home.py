"""The operators' home page: per call, the stages, what waits for a decision, overdue duties, failed notices, the next sweep."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from pydantic import BaseModel
from sqlmodel import Session, col, func, select

from domain.clock import replaying, system_now
from domain.formatting import format_instant
from domain.model import Application, DomainEvent
from domain.operations import call_operations, next_sweep
from notifications.outbox import DeliveryStatus, Notification
from notifications.reminders import scheduled_reminders
from usecases.context import reading


def _present(session: Session) -> datetime:
    """Now on the system clock; on a replay database, the instant of the last lifecycle move its history records
    (an import's own events happen when it runs, not in the history replayed)."""
    if not replaying(session):
        return system_now()
    return session.exec(select(func.max(DomainEvent.occurred_at)).where(col(DomainEvent.to_stage).is_not(None))).one() or system_now()


STAGE_ORDER = ["preparation", "submitted", "under_review", "granted", "partially_granted", "rejected", "started", "withdrawn"]


class HomeRow(BaseModel):
    """One call as the home page shows it; every value a short text, as a table artifact holds."""

    call: str
    stages: str
    waiting_for_a_decision: str
    overdue_duties: int
    failed_notices: int
    next_sweep: str
    planned_sends: int


def home(at: datetime | None = None) -> list[HomeRow]:
    """The home page as of `at`: by default now, or on a replay database the instant its history has reached."""
    with reading() as session:
        now = at or _present(session)
        sweep = next_sweep(now)
        calls = call_operations(session, now)
        failed = dict(session.exec(
            select(Application.call_id, func.count()).join(Notification, col(Notification.application_id) == col(Application.id))
            .where(col(Notification.status) == DeliveryStatus.FAILED).group_by(col(Application.call_id))).all())
        call_of = dict(session.exec(select(Application.id, Application.call_id)).all())
        planned = Counter(call_of.get(r.application_id) for r in scheduled_reminders(session, now, sweep) if not r.superseded for _ in r.recipients)
    rows = []
    for call in calls:
        stages = " · ".join(f"{stage.replace('_', ' ')} {call.stages[s]}" for stage in STAGE_ORDER for s in call.stages if s.value == stage)
        waits = ", ".join(f"{w.application_id} ({w.days} d)" for w in call.awaiting_decision) or "none"
        rows.append(HomeRow(call=f"{call.call_name} ({call.call_id})", stages=stages or "no applications", waiting_for_a_decision=waits,
                            overdue_duties=call.overdue_duties, failed_notices=failed.get(call.call_id, 0),
                            next_sweep=format_instant(sweep), planned_sends=planned.get(call.call_id, 0)))
    return rows
