"""The plan of reminders: every future deadline and reminder, when it is sent and to whom, before it is sent."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel
from sqlmodel import Session

from domain import repository as repo
from domain.errors import NotFound
from domain.model import Application, Call, DutyPhase, Language, Organisation
from domain.reminders import Deadline, plan_window, schedule, slot_label
from notifications.messages import duty_title
from notifications.recipients import concerns_participants, display_name, other_participants
from notifications.reminders import ScheduledReminder, WaitingReminder, due_reminders, scheduled_reminders, stored_keys, waiting_reminders
from usecases.context import NOW, When, reading


class PlanStatus(StrEnum):
    # A slot still to come: the sweep at its instant sends it.
    PLANNED = "planned"
    # A slot that has come and is not in the outbox yet: the next sweep sends it.
    DUE = "due"
    # In the outbox, not tried yet: the next delivery sends it.
    QUEUED = "queued"
    # In the outbox, tried and not delivered: tried again at its next attempt.
    RETRYING = "retrying"


class PlanDeadline(BaseModel):
    """A live deadline: a call closing for an application in preparation, or an open duty."""

    key: str
    application_id: str
    application_title: str
    call_id: str
    kind: Literal["call", "duty"]
    duty_kind: str | None
    phase: DutyPhase | None
    title: str
    due_at: datetime

    @classmethod
    def of(cls, deadline: Deadline, application_title: str) -> PlanDeadline:
        return cls(key=deadline.key, application_id=deadline.application_id, application_title=application_title, call_id=deadline.call_id,
                   kind=deadline.kind, duty_kind=deadline.duty_kind, phase=deadline.phase, title=deadline.title, due_at=deadline.due_at)

    def as_deadline(self) -> Deadline:
        return Deadline(key=self.key, application_id=self.application_id, call_id=self.call_id, kind=self.kind, duty_kind=self.duty_kind,
                        phase=self.phase, title=self.title, due_at=self.due_at)


class PlanRecipient(BaseModel):
    address: str
    language: Language
    status: PlanStatus
    # When it is tried next, for a reminder in the outbox.
    next_attempt: datetime | None = None
    attempts: int = 0
    last_error: str | None = None


class PlanRow(BaseModel):
    """One reminder of one deadline: when it goes out, and to whom."""

    deadline: PlanDeadline
    slot: str
    slot_label: str
    # The slot's own instant; `sends_at` is when it goes out next (the next sweep or attempt for one already due).
    slot_at: datetime
    sends_at: datetime
    # The most pressing of its recipients' statuses: retrying, queued, due, planned.
    status: PlanStatus
    recipients: list[PlanRecipient]


class Plan(BaseModel):
    now: datetime
    start: datetime
    end: datetime
    # The call or application the plan was asked for; none for every one.
    target: str | None = None
    rows: list[PlanRow] = []
    # Every deadline the plan covers: falling due in the window, or reminded of in it.
    deadlines: list[PlanDeadline] = []


class PlanRequest(BaseModel):
    """What a plan covers: the Helsinki days `first` to `last` (default now and 90 days on), one call or application or all."""

    when: When = NOW
    first: date | None = None
    last: date | None = None
    target: str | None = None


class CalendarEvent(BaseModel):
    deadline: PlanDeadline
    # The deadline's title in the organisation's language.
    title: str


class OrganisationCalendar(BaseModel):
    """The deadlines an organisation's contacts are reminded of, in the language most of them read."""

    organisation_id: str
    name: str
    language: Language
    events: list[CalendarEvent]


_PRESSING = [PlanStatus.RETRYING, PlanStatus.QUEUED, PlanStatus.DUE, PlanStatus.PLANNED]
_FIELDS = ("--from", "--to")
_Rows = dict[tuple[str, datetime, str], PlanRow]


def plan(request: PlanRequest) -> Plan:
    """Every reminder the sweeps will send in the window, with the outbox's waiting ones; none already sent."""
    with reading() as session:
        now = request.when.instant(session)
        start, end = plan_window(now, request.first, request.last, fields=_FIELDS)
        _check_target(session, request.target)
        rows: _Rows = {}
        if start <= now <= end:
            _add_scheduled(session, rows, due_reminders(session, now), PlanStatus.DUE, now)
        upcoming = [r for r in scheduled_reminders(session, max(now, start - timedelta(microseconds=1)), end) if not r.superseded]
        _add_scheduled(session, rows, upcoming, PlanStatus.PLANNED, now)
        for waiting in waiting_reminders(session, now, end):
            if waiting.next_attempt >= start:
                _add_waiting(rows, waiting)
        deadlines = {row.deadline.key: row.deadline for row in rows.values()}
        titles: dict[str, str] = {}
        for item in schedule(session, start, end):
            deadline = item.deadline
            if start <= deadline.due_at <= end and deadline.key not in deadlines:
                if deadline.application_id not in titles:
                    titles[deadline.application_id] = repo.application(session, deadline.application_id).title
                deadlines[deadline.key] = PlanDeadline.of(deadline, titles[deadline.application_id])

    def wanted(deadline: PlanDeadline) -> bool:
        return request.target in (None, deadline.call_id, deadline.application_id)

    listed = [row for row in rows.values() if wanted(row.deadline)]
    for row in listed:
        row.status = min((r.status for r in row.recipients), key=_PRESSING.index)
    listed.sort(key=lambda row: (row.sends_at, row.deadline.due_at, row.deadline.application_id, row.deadline.key, row.slot))
    covered = sorted((d for d in deadlines.values() if wanted(d)), key=lambda d: (d.due_at, d.application_id, d.key))
    return Plan(now=now, start=start, end=end, target=request.target, rows=listed, deadlines=covered)


def calendars(plan: Plan) -> list[OrganisationCalendar]:
    """The plan's deadlines per organisation whose contacts are reminded of them: the applicant's, and for a deadline of
    the whole project (the call closing, a report) each participant's."""
    found: dict[str, OrganisationCalendar] = {}
    with reading() as session:
        for deadline in plan.deadlines:
            app = repo.application(session, deadline.application_id)
            organisations = [app.applicant_id]
            if concerns_participants(deadline.as_deadline()):
                organisations += [p.organisation_id for p in other_participants(session, app)]
            for organisation_id in organisations:
                if organisation_id not in found:
                    calendar = _calendar(session, organisation_id)
                    if calendar is None:
                        continue
                    found[organisation_id] = calendar
                calendar = found[organisation_id]
                title = duty_title(deadline.duty_kind, deadline.title, calendar.language) if deadline.duty_kind else deadline.title
                calendar.events.append(CalendarEvent(deadline=deadline, title=title))
    return sorted(found.values(), key=lambda c: c.organisation_id)


def _calendar(session: Session, organisation_id: str) -> OrganisationCalendar | None:
    """An organisation's empty calendar, in its contacts' most common language; none for one without contacts (it hears nothing)."""
    contacts = repo.contacts(session, organisation_id)
    if not contacts:
        return None
    organisation = repo.get(session, Organisation, organisation_id, field="organisation")
    language = Counter(c.language for c in contacts).most_common(1)[0][0]
    return OrganisationCalendar(organisation_id=organisation.id, name=display_name(organisation), language=language, events=[])


def _check_target(session: Session, target: str | None) -> None:
    if target is not None and session.get(Call, target) is None and session.get(Application, target) is None:
        raise NotFound("CALL|APP", f"no call or application with id {target!r}")


def _row(deadline: PlanDeadline, slot: str, slot_at: datetime, sends_at: datetime) -> PlanRow:
    return PlanRow(deadline=deadline, slot=slot, slot_label=slot_label(slot), slot_at=slot_at, sends_at=sends_at,
                   status=PlanStatus.PLANNED, recipients=[])


def _add_scheduled(session: Session, rows: _Rows, reminders: list[ScheduledReminder], status: PlanStatus, now: datetime) -> None:
    """Each reminder's recipients whose message the outbox does not hold yet (one it holds is sent, or waits as a retry)."""
    stored = stored_keys(session, [key for reminder in reminders for key in reminder.keys()])
    for reminder in reminders:
        fresh = [target for target, key in zip(reminder.recipients, reminder.keys(), strict=True) if key not in stored]
        if not fresh:
            continue
        slot = reminder.slot
        key = (reminder.deadline.key, reminder.deadline.due_at, slot.name)
        if key not in rows:
            rows[key] = _row(PlanDeadline.of(reminder.deadline, reminder.application_title), slot.name, slot.send_at, max(slot.send_at, now))
        rows[key].recipients += [PlanRecipient(address=target.address, language=target.language, status=status) for target in fresh]


def _add_waiting(rows: _Rows, waiting: WaitingReminder) -> None:
    key = (waiting.deadline.key, waiting.deadline.due_at, waiting.slot)
    if key not in rows:
        rows[key] = _row(PlanDeadline.of(waiting.deadline, waiting.application_title), waiting.slot, waiting.planned_at, waiting.next_attempt)
    row = rows[key]
    row.sends_at = min(row.sends_at, waiting.next_attempt)
    row.recipients.append(PlanRecipient(
        address=waiting.recipient.address, language=waiting.recipient.language,
        status=PlanStatus.RETRYING if waiting.attempts else PlanStatus.QUEUED,
        next_attempt=waiting.next_attempt, attempts=waiting.attempts, last_error=waiting.last_error,
    ))
