"""The operators' read model: per call, where its applications stand and what waits on someone."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from pydantic import BaseModel
from sqlmodel import Session, col, func, select

from domain.calendar import HELSINKI
from domain.deadlines import ENDED
from domain.decision import DECIDABLE
from domain.model import Application, Call, Duty, Stage

# The reminder sweep's schedule (prefect.yaml's reminder-sweep cron, which a test holds to this):
# 09:00 Helsinki time, Monday to Friday.
SWEEP_CRON = "0 9 * * 1-5"
SWEEP_AT = time(9, 0)


def next_sweep(now: datetime) -> datetime:
    """The first scheduled sweep strictly after `now`."""
    local = now.astimezone(HELSINKI)
    day = local.date()
    while True:
        candidate = datetime.combine(day, SWEEP_AT, tzinfo=HELSINKI)
        if candidate > local and candidate.weekday() < 5:
            return candidate
        day += timedelta(days=1)


class AwaitingDecision(BaseModel):
    application_id: str
    # Whole days since the call closed.
    days: int


class CallOperations(BaseModel):
    call_id: str
    call_name: str
    stages: dict[Stage, int]
    awaiting_decision: list[AwaitingDecision]
    overdue_duties: int


def call_operations(session: Session, now: datetime) -> list[CallOperations]:
    """Per call: applications per stage, those waiting for a decision (longest first), open duties past their due instant."""
    calls = {call.id: call for call in session.exec(select(Call).order_by(col(Call.id)))}
    stages: dict[str, dict[Stage, int]] = {call_id: {} for call_id in calls}
    counted = select(Application.call_id, Application.stage, func.count()).group_by(col(Application.call_id), col(Application.stage))
    for call_id, stage, count in session.exec(counted):
        stages[call_id][Stage(stage)] = count
    waiting: dict[str, list[AwaitingDecision]] = {call_id: [] for call_id in calls}
    for app in session.exec(select(Application).where(col(Application.stage).in_(DECIDABLE)).order_by(col(Application.id))):
        closed = calls[app.call_id].deadline_at
        if closed <= now:
            waiting[app.call_id].append(AwaitingDecision(application_id=app.id, days=(now - closed).days))
    overdue: dict[str, int] = dict.fromkeys(calls, 0)
    late = select(Application.call_id, Application.stage).join(Duty, col(Duty.application_id) == col(Application.id)).where(
        col(Duty.done_at).is_(None), col(Duty.due_at) < now)
    for call_id, stage in session.exec(late):
        if stage not in ENDED:
            overdue[call_id] += 1
    return [
        CallOperations(call_id=call.id, call_name=call.name, stages=stages[call.id], overdue_duties=overdue[call.id],
                       awaiting_decision=sorted(waiting[call.id], key=lambda w: -w.days))
        for call in calls.values()
    ]
