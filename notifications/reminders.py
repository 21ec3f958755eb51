"""Planning a reminder sweep: live deadlines, their due slots, one message per recipient, stale rows cancelled."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import update
from sqlmodel import Session, col, select

from domain import repository as repo
from domain.calendar import HELSINKI
from domain.model import Application, Contact
from domain.reminders import OVERDUE, Deadline, Scheduled, Slot, live_deadlines, schedule
from notifications.delivery import due_rows
from notifications.messages import duty_title, render
from notifications.outbox import DeliveryStatus, Notification, OutgoingMessage
from notifications.recipients import ReminderAudience, Target, officer, targets


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


class ScheduledReminder(BaseModel):
    """One reminder slot of a live deadline, with everyone it goes to."""

    deadline: Deadline
    slot: Slot
    application_id: str
    application_title: str
    recipients: list[Target]
    escalated: bool
    # A later slot of the deadline falls at the same instant (a day off moved both): the sweep records this one as skipped.
    superseded: bool

    def keys(self) -> list[str]:
        return [reminder_key(self.deadline, self.slot.name, target.address) for target in self.recipients]


class _Recipients:
    """Who hears of each slot of a sweep's or a plan's deadlines, each application and audience loaded once."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._applications: dict[str, Application] = {}
        self._audience = ReminderAudience(session)

    def application(self, application_id: str) -> Application:
        if application_id not in self._applications:
            self._applications[application_id] = repo.application(self._session, application_id)
        return self._applications[application_id]

    def of(self, item: Scheduled, slot: Slot) -> tuple[list[Target], bool]:
        """The deadline's audience; for an overdue notice the call's officer too, when the policy escalates it."""
        app = self.application(item.deadline.application_id)
        contacts: list[Contact | None] = list(self._audience.of(app, item.deadline))
        escalated = slot.name == OVERDUE and item.policy.escalate_to_officer
        if escalated:
            contacts.append(officer(self._session, app))
        return targets(contacts), escalated


    def reminder(self, item: Scheduled, slot: Slot) -> ScheduledReminder:
        app = self.application(item.deadline.application_id)
        recipients, escalated = self.of(item, slot)
        sent, _ = item.due(slot.send_at)
        return ScheduledReminder(deadline=item.deadline, slot=slot, application_id=app.id, application_title=app.title,
                                 recipients=recipients, escalated=escalated, superseded=sent != slot)


def scheduled_reminders(session: Session, after: datetime, until: datetime) -> list[ScheduledReminder]:
    """Every reminder whose send instant falls in (after, until], earliest first: what the sweeps after `after`
    up to `until` put in the outbox (sent, or skipped when a later slot of the same deadline has come too)."""
    recipients = _Recipients(session)
    found = [recipients.reminder(item, slot) for item in schedule(session, after, until) for slot in item.between(after, until)]
    return sorted(found, key=lambda r: (r.slot.send_at, r.deadline.due_at, r.application_id, r.deadline.key))


def due_reminders(session: Session, now: datetime) -> list[ScheduledReminder]:
    """The reminder of each live deadline that a sweep at `now` sends, whether or not an earlier sweep put it in the outbox."""
    recipients = _Recipients(session)
    return [recipients.reminder(item, send) for item in schedule(session, now, now) if (send := item.due(now)[0]) is not None]


class WaitingReminder(BaseModel):
    """A reminder in the outbox, not delivered yet, with its live deadline and when it is tried next."""

    deadline: Deadline
    slot: str
    # The slot's own instant.
    planned_at: datetime
    application_id: str
    application_title: str
    recipient: Target
    attempts: int
    next_attempt: datetime
    last_error: str | None
    in_doubt: bool


def waiting_reminders(session: Session, now: datetime, until: datetime) -> list[WaitingReminder]:
    """The reminders in the outbox that deliveries from `now` to `until` try: neither cancelled by the next sweep nor skipped as stale."""
    rows = [row for row in due_rows(session, now, until) if row.deadline_key is not None]
    live = _live(session, now, rows)
    recipients = _Recipients(session)
    found: list[WaitingReminder] = []
    for row in rows:
        if _stale(row, live):
            continue
        app = recipients.application(row.application_id)
        found.append(WaitingReminder(
            deadline=live[row.deadline_key or ""], slot=row.slot or "", planned_at=row.planned_at or row.created_at,
            application_id=app.id, application_title=app.title,
            recipient=Target(address=row.recipient, language=row.language), attempts=row.attempts,
            next_attempt=max(row.next_attempt_at or now, now), last_error=row.last_error, in_doubt=row.in_doubt,
        ))
    return found


def plan_reminders(session: Session, now: datetime) -> ReminderPlan:
    """Every slot of a live deadline that has come by `now`: the latest to send, the earlier ones as skipped."""
    plan = ReminderPlan(now=now)
    recipients = _Recipients(session)
    for item in schedule(session, now, now):
        send, superseded = item.due(now)
        if send is None and not superseded:
            continue
        plan.deadlines += 1
        deadline = item.deadline
        app = recipients.application(deadline.application_id)
        try:
            to_send = _messages(deadline, send, app, *recipients.of(item, send), now) if send is not None else []
            skipped = [m for slot in superseded for m in _messages(deadline, slot, app, *recipients.of(item, slot), now)]
        except Exception as exc:  # noqa: BLE001 (one application's data must not stop every other applicant's reminders)
            plan.problems.append(PlanningProblem(application_id=app.id, deadline_key=deadline.key, error=error_text(exc)))
            continue
        plan.to_send += to_send
        plan.skipped += skipped
    return plan


def _messages(deadline: Deadline, slot: Slot, app: Application, recipients: list[Target], escalated: bool, now: datetime) -> list[OutgoingMessage]:
    days = (deadline.due_at.astimezone(HELSINKI).date() - now.astimezone(HELSINKI).date()).days
    out: list[OutgoingMessage] = []
    for target in recipients:
        title = duty_title(deadline.duty_kind, deadline.title, target.language) if deadline.duty_kind else deadline.title
        subject, body = render(
            "overdue" if slot.name == OVERDUE else "reminder",
            target.language,
            app=app, title=title, kind=deadline.kind, due_at=deadline.due_at, days=days, escalated=escalated,
        )
        out.append(
            OutgoingMessage(
                key=reminder_key(deadline, slot.name, target.address),
                application_id=app.id,
                recipient=target.address,
                language=target.language,
                subject=subject,
                body=body,
                deadline_key=deadline.key,
                due_at=deadline.due_at,
                slot=slot.name,
                planned_at=slot.send_at,
            )
        )
    return out


def _live(session: Session, now: datetime, rows: list[Notification]) -> dict[str, Deadline]:
    """The live deadlines of reminder rows, by key."""
    if not rows:
        return {}
    earliest = min(row.due_at for row in rows if row.due_at is not None)
    return {d.key: d for d in live_deadlines(session, now, ahead=timedelta(days=3660), behind=now - earliest + timedelta(days=1))}


def _stale(row: Notification, live: dict[str, Deadline]) -> bool:
    """A reminder whose duty is done, whose deadline moved or whose application closed."""
    deadline = live.get(row.deadline_key or "")
    return deadline is None or deadline.due_at != row.due_at


def stale_reminders(session: Session, now: datetime) -> list[Notification]:
    """Pending reminders whose duty is done, whose deadline moved or whose application closed: the sweep cancels them."""
    pending = list(
        session.exec(
            select(Notification).where(col(Notification.deadline_key).is_not(None), Notification.status == DeliveryStatus.PENDING)
        )
    )
    live = _live(session, now, pending)
    return [row for row in pending if _stale(row, live)]


def cancel_stale(session: Session, now: datetime) -> list[str]:
    """Pending reminders whose duty is done, whose deadline moved or whose application closed are cancelled."""
    stale = stale_reminders(session, now)
    if stale:
        session.execute(
            update(Notification).where(col(Notification.id).in_([row.id for row in stale])).values(status=DeliveryStatus.CANCELLED)
        )
    return [row.key for row in stale]


# Keys looked up per statement: well under the bound parameters SQLite and PostgreSQL take.
_KEYS_PER_QUERY = 500


def stored_keys(session: Session, keys: list[str]) -> set[str]:
    """Which of `keys` the outbox already holds, whatever their state: a sweep adds none of them again."""
    found: set[str] = set()
    for start in range(0, len(keys), _KEYS_PER_QUERY):
        chunk = keys[start:start + _KEYS_PER_QUERY]
        found.update(session.exec(select(Notification.key).where(col(Notification.key).in_(chunk))))
    return found
