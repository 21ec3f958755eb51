"""Planning a reminder sweep: live deadlines, their due slots, one message per recipient, stale rows cancelled."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import update
from sqlmodel import Session, col, select

from domain import repository as repo
from domain.calendar import HELSINKI
from domain.model import Application, Call, Contact
from domain.reminders import OVERDUE, Deadline, Slot, due_slots, live_deadlines, policy_of, reach, slots
from notifications.messages import duty_title, render
from notifications.outbox import DeliveryStatus, Notification, OutgoingMessage
from notifications.recipients import ReminderAudience, officer, targets


class PlanningProblem(BaseModel):
    """A deadline whose reminders could not be made or stored: reported, while the sweep goes on with the others."""

    application_id: str
    deadline_key: str
    error: str


class ReminderPlan(BaseModel):
    """What a sweep at `now` should send, and the earlier slots it supersedes (recorded as skipped)."""

    now: datetime
    to_send: list[OutgoingMessage] = []
    skipped: list[OutgoingMessage] = []
    deadlines: int = 0
    problems: list[PlanningProblem] = []


def error_text(exc: Exception) -> str:
    """The first line of an error, the driver's own message for a database error (not its SQL and parameters)."""
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[0] if lines else ''}"[:300]


def reminder_key(deadline: Deadline, slot: str, recipient: str) -> str:
    # The due instant is part of the key: a moved deadline gets reminders of its own.
    return f"reminder:{deadline.key}:{deadline.due_at:%Y%m%dT%H%M%SZ}:{slot}:{recipient}"


def plan_reminders(session: Session, now: datetime) -> ReminderPlan:
    policies = {call.id: policy_of(call) for call in session.exec(select(Call))}
    if not policies:
        return ReminderPlan(now=now)
    ahead = max(reach(p) for p in policies.values())
    behind = timedelta(days=max((p.overdue_after or 0) for p in policies.values()) + 14)
    plan = ReminderPlan(now=now)
    # A sweep touches each application and applicant many times over: load each once.
    applications: dict[str, Application] = {}
    audience = ReminderAudience(session)
    # Many deadlines share a due instant (a call's documents, a programme's reports): their slots too.
    slots_of: dict[tuple[datetime, str], list[Slot]] = {}
    for deadline in live_deadlines(session, now, ahead, behind):
        policy = policies[deadline.call_id]
        shared = (deadline.due_at, deadline.call_id)
        if shared not in slots_of:
            slots_of[shared] = slots(deadline, policy)
        send, superseded = due_slots(deadline, policy, now, slots_of[shared])
        if send is None and not superseded:
            continue
        plan.deadlines += 1
        if deadline.application_id not in applications:
            applications[deadline.application_id] = repo.application(session, deadline.application_id)
        app = applications[deadline.application_id]
        contacts = audience.of(app, deadline)
        escalated = send is not None and send.name == OVERDUE and policy.escalate_to_officer
        recipients = [*contacts, officer(session, app)] if escalated else contacts
        try:
            to_send = _messages(deadline, send.name, send.send_at, app, recipients, now, escalated) if send is not None else []
            skipped = [m for slot in superseded for m in _messages(deadline, slot.name, slot.send_at, app, contacts, now, False)]
        except Exception as exc:  # noqa: BLE001 (one application's data must not stop every other applicant's reminders)
            plan.problems.append(PlanningProblem(application_id=app.id, deadline_key=deadline.key, error=error_text(exc)))
            continue
        plan.to_send += to_send
        plan.skipped += skipped
    return plan


def _messages(
    deadline: Deadline, slot: str, planned_at: datetime, app: Application, recipients: Sequence[Contact | None], now: datetime, escalated: bool
) -> list[OutgoingMessage]:
    days = (deadline.due_at.astimezone(HELSINKI).date() - now.astimezone(HELSINKI).date()).days
    out: list[OutgoingMessage] = []
    for target in targets(recipients):
        title = duty_title(deadline.duty_kind, deadline.title, target.language) if deadline.duty_kind else deadline.title
        subject, body = render(
            "overdue" if slot == OVERDUE else "reminder",
            target.language,
            app=app, title=title, kind=deadline.kind, due_at=deadline.due_at, days=days, escalated=escalated,
        )
        out.append(
            OutgoingMessage(
                key=reminder_key(deadline, slot, target.address),
                application_id=app.id,
                recipient=target.address,
                language=target.language,
                subject=subject,
                body=body,
                deadline_key=deadline.key,
                due_at=deadline.due_at,
                slot=slot,
                planned_at=planned_at,
            )
        )
    return out


def cancel_stale(session: Session, now: datetime) -> list[str]:
    """Pending reminders whose duty is done, whose deadline moved or whose application closed are cancelled."""
    pending = list(
        session.exec(
            select(Notification).where(col(Notification.deadline_key).is_not(None), Notification.status == DeliveryStatus.PENDING)
        )
    )
    if not pending:
        return []
    earliest = min(row.due_at for row in pending if row.due_at is not None)
    live = {d.key: d.due_at for d in live_deadlines(session, now, ahead=timedelta(days=3660), behind=now - earliest + timedelta(days=1))}
    stale = [row for row in pending if live.get(row.deadline_key or "") != row.due_at]
    if stale:
        session.execute(
            update(Notification).where(col(Notification.id).in_([row.id for row in stale])).values(status=DeliveryStatus.CANCELLED)
        )
    return [row.key for row in stale]
