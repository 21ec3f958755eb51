"""Reminder rules: which deadlines are live, when each reminder falls due, and which one to send now."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import and_
from sqlmodel import Session, col, select

from domain.calendar import HELSINKI, add_working_days, local_instant, next_working_day, previous_working_day
from domain.errors import RuleViolation
from domain.limits import ID_LENGTH
from domain.model import Application, Call, Duty, DutyPhase, Stage


class DayCount(StrEnum):
    CALENDAR = "calendar"
    WORKING = "working"


class ReminderPolicy(BaseModel):
    """When a call's reminders go out; stored with the call, the default where a call sets none."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    offsets: list[int] = Field(default=[14, 7, 1], min_length=1, max_length=10)
    days: DayCount = DayCount.CALENDAR
    send_at: time = time(9, 0)
    # Days after the deadline for the overdue notice; None sends none.
    overdue_after: int | None = Field(default=1, ge=1, le=60)
    escalate_to_officer: bool = True

    @field_validator("offsets")
    @classmethod
    def _sensible_offsets(cls, offsets: list[int]) -> list[int]:
        if any(o < 1 or o > 365 for o in offsets):
            raise ValueError("each offset is a number of days from 1 to 365 before the deadline")
        if len(set(offsets)) != len(offsets):
            raise ValueError("offsets must not repeat")
        return sorted(offsets, reverse=True)

    @model_validator(mode="after")
    def _local_time(self) -> Self:
        if self.send_at.tzinfo is not None:
            raise ValueError("send_at is Helsinki wall time, given without an offset")
        return self


DEFAULT_POLICY = ReminderPolicy()
OVERDUE = "overdue"


# A deadline's key, kept with each of its reminders: `call:<call>:<application>` or `duty:<id>`.
DEADLINE_KEY_LENGTH = len("call::") + 2 * ID_LENGTH


def call_deadline_key(call_id: str, application_id: str) -> str:
    return f"call:{call_id}:{application_id}"


def duty_deadline_key(duty_id: int | None) -> str:
    return f"duty:{duty_id}"


class Deadline(BaseModel):
    """Something live that falls due: a call closing for an application in preparation, or an open duty."""

    key: str
    application_id: str
    call_id: str
    kind: Literal["call", "duty"]
    duty_kind: str | None
    # A duty's phase; none for a call closing.
    phase: DutyPhase | None = None
    title: str
    due_at: datetime


class Slot(BaseModel):
    """One reminder of a deadline: `14d` (calendar days before), `1wd` (working days before) or `overdue`."""

    name: str
    send_at: datetime


def slot_name(offset: int, policy: ReminderPolicy) -> str:
    return f"{offset}{'wd' if policy.days == DayCount.WORKING else 'd'}"


def slot_label(name: str) -> str:
    """A slot's name as an operator reads it: `14d` is 14 days before, `3wd` 3 working days before."""
    if name == OVERDUE:
        return "overdue notice"
    count, unit = (name[:-2], "working day") if name.endswith("wd") else (name[:-1], "day")
    return f"{count} {unit}{'' if count == '1' else 's'} before"


def slots(deadline: Deadline, policy: ReminderPolicy) -> list[Slot]:
    """Every reminder a deadline gets under `policy`, earliest first; a day off moves it to the working day before."""
    due_day = deadline.due_at.astimezone(HELSINKI).date()
    planned: list[Slot] = []
    for offset in policy.offsets:
        if policy.days == DayCount.WORKING:
            day = add_working_days(due_day, -offset)
        else:
            day = previous_working_day(due_day - timedelta(days=offset))
        send_at = _at(day, policy)
        if send_at < deadline.due_at:
            planned.append(Slot(name=slot_name(offset, policy), send_at=send_at))
    if policy.overdue_after is not None:
        day = next_working_day(due_day + timedelta(days=policy.overdue_after))
        planned.append(Slot(name=OVERDUE, send_at=_at(day, policy)))
    return sorted(planned, key=lambda s: s.send_at)


def _at(day: date, policy: ReminderPolicy) -> datetime:
    return local_instant(day, policy.send_at, field="send_at")


def due_slots(
    deadline: Deadline, policy: ReminderPolicy, now: datetime, planned: list[Slot] | None = None
) -> tuple[Slot | None, list[Slot]]:
    """The slot to send at `now` (the latest that has come), and the earlier ones it supersedes."""
    come = [s for s in (planned if planned is not None else slots(deadline, policy)) if s.send_at <= now]
    before = [s for s in come if s.name != OVERDUE]
    if any(s.name == OVERDUE for s in come):
        return next(s for s in come if s.name == OVERDUE), before
    if before and now < deadline.due_at:
        return before[-1], before[:-1]
    return None, before


def reach(policy: ReminderPolicy) -> timedelta:
    """How far ahead of a deadline its first reminder can fall (weekends and holidays included)."""
    return timedelta(days=max(policy.offsets) * (2 if policy.days == DayCount.WORKING else 1) + 12)


def overdue_reach(policy: ReminderPolicy) -> timedelta:
    """How long after a deadline its overdue notice can fall (weekends and holidays included)."""
    return timedelta(days=(policy.overdue_after or 0) + 14)


# How far ahead a plan of reminders looks when asked for no end.
PLAN_AHEAD = timedelta(days=90)


def plan_window(now: datetime, first: date | None, last: date | None, *, fields: tuple[str, str] = ("from", "to")) -> tuple[datetime, datetime]:
    """The instants a plan of reminders covers: Helsinki days `first` to `last`, both whole; from `now` and
    90 days on where either is not given."""
    start = local_instant(first, time(0), field=fields[0]) if first is not None else now
    if last is None:
        return start, max(start, now) + PLAN_AHEAD
    if first is not None and first > last:
        raise RuleViolation(fields[0], f"{first.isoformat()} is after {fields[1]} {last.isoformat()}: the first day must not come after the last")
    # The last day's last instant: datetimes count microseconds, so this is the whole day and nothing after it.
    end = local_instant(last + timedelta(days=1), time(0), field=fields[1]) - timedelta(microseconds=1)
    if end < start:
        raise RuleViolation(fields[1], f"{last.isoformat()} is over before the plan starts, at {start.isoformat()}")
    return start, end


class Scheduled(BaseModel):
    """A live deadline, its call's policy, and every reminder slot it gets."""

    deadline: Deadline
    policy: ReminderPolicy
    slots: list[Slot]

    def due(self, now: datetime) -> tuple[Slot | None, list[Slot]]:
        """What a sweep at `now` does: the slot it sends and the earlier ones it records as skipped."""
        return due_slots(self.deadline, self.policy, now, self.slots)

    def between(self, after: datetime, until: datetime) -> list[Slot]:
        """The slots falling in (after, until]: what a sweep at `until` adds to what a sweep at `after` planned."""
        return [s for s in self.slots if after < s.send_at <= until]


def schedule(session: Session, start: datetime, end: datetime) -> list[Scheduled]:
    """Every live deadline that can have a reminder in [start, end], with its slots.

    A sweep asks for its own instant (start = end), a plan for a window: both select deadlines and
    compute slots here, so the plan lists exactly what the sweeps will put in the outbox.
    """
    policies = {call.id: policy_of(call) for call in session.exec(select(Call))}
    if not policies:
        return []
    ahead = max(reach(p) for p in policies.values())
    behind = max(overdue_reach(p) for p in policies.values())
    # Many deadlines share a due instant (a call's documents, a programme's reports): their slots too.
    slots_of: dict[tuple[datetime, str], list[Slot]] = {}
    found: list[Scheduled] = []
    for deadline in live_deadlines(session, start, ahead=end - start + ahead, behind=behind):
        policy = policies[deadline.call_id]
        shared = (deadline.due_at, deadline.call_id)
        if shared not in slots_of:
            slots_of[shared] = slots(deadline, policy)
        found.append(Scheduled.model_construct(deadline=deadline, policy=policy, slots=slots_of[shared]))
    return found


def policy_of(call: Call) -> ReminderPolicy:
    return ReminderPolicy.model_validate(call.reminder_policy) if call.reminder_policy else DEFAULT_POLICY


def live_deadlines(session: Session, now: datetime, ahead: timedelta, behind: timedelta) -> list[Deadline]:
    """Open deadlines falling due in [now - behind, now + ahead]: the due-instant index does the selecting."""
    low, high = now - behind, now + ahead
    duties = session.exec(
        select(Duty, Application)
        .join(Application, col(Application.id) == col(Duty.application_id))
        .where(col(Duty.done_at).is_(None), col(Duty.due_at) >= low, col(Duty.due_at) <= high)
        .where(col(Application.stage).not_in([Stage.WITHDRAWN, Stage.REJECTED]))
    )
    found = [
        Deadline(
            key=duty_deadline_key(duty.id), application_id=app.id, call_id=app.call_id, kind="duty",
            duty_kind=duty.kind, phase=duty.phase, title=duty.title, due_at=duty.due_at,
        )
        for duty, app in duties
    ]
    closing = session.exec(
        select(Call, Application)
        .join(Application, col(Application.call_id) == col(Call.id))
        .where(and_(col(Call.deadline_at) >= low, col(Call.deadline_at) <= high))
        .where(col(Application.stage) == Stage.PREPARATION)
    )
    found += [
        Deadline(
            key=call_deadline_key(call.id, app.id), application_id=app.id, call_id=call.id, kind="call",
            duty_kind=None, title=call.name, due_at=call.deadline_at,
        )
        for call, app in closing
    ]
    return found
