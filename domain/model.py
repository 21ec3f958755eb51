"""The grant lifecycle's tables. Money in integer cents, instants as aware UTC, stages as enums."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from domain.columns import CENTS, UTCDateTime, enum_column
from domain.limits import ACTOR_LENGTH, EMAIL_LENGTH, ID_LENGTH, PAYMENT_REFERENCE_LENGTH, SHORT_NAME_LENGTH, TEXT_LENGTH


class Stage(StrEnum):
    PREPARATION = "preparation"
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    GRANTED = "granted"
    PARTIALLY_GRANTED = "partially_granted"
    REJECTED = "rejected"
    STARTED = "started"
    WITHDRAWN = "withdrawn"


class OrganisationKind(StrEnum):
    REGION = "region"
    JOINT_AUTHORITY = "joint_authority"
    HOSPITAL_DISTRICT = "hospital_district"
    MUNICIPALITY = "municipality"
    STAKEHOLDER = "stakeholder"
    MINISTRY = "ministry"


class Language(StrEnum):
    FI = "fi"
    SV = "sv"
    EN = "en"


class DutyPhase(StrEnum):
    """When a duty falls due: before submission, in the follow-up, at start-up, or as reporting."""

    SUBMISSION = "submission"
    FOLLOW_UP = "follow_up"
    STARTUP = "startup"
    REPORTING = "reporting"


class Outcome(StrEnum):
    FULL = "full"
    PARTIAL = "partial"
    REJECTED = "rejected"


class ClockMode(StrEnum):
    """Whose clock gives a step its instant: the system's, or (replaying history) the caller's."""

    SYSTEM = "system"
    REPLAY = "replay"


class DatabaseClock(SQLModel, table=True):
    """The database's one clock row: every database runs on the system clock unless made a replay one while empty."""

    __table_args__ = (sa.CheckConstraint("id = 1", name="ck_databaseclock_one_row"),)

    id: int = Field(default=1, primary_key=True)
    mode: ClockMode = Field(sa_type=enum_column(ClockMode))
    chosen_at: datetime = Field(sa_type=UTCDateTime)


class Programme(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=ID_LENGTH)
    name: str
    period_start: date
    period_end: date


class Organisation(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=ID_LENGTH)
    name: str
    short_name: str | None = Field(default=None, max_length=SHORT_NAME_LENGTH)
    kind: OrganisationKind = Field(sa_type=enum_column(OrganisationKind))


class Contact(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("organisation_id", "email"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: str = Field(foreign_key="organisation.id", index=True, max_length=ID_LENGTH)
    role: str = Field(max_length=ID_LENGTH)
    email: str = Field(max_length=EMAIL_LENGTH)
    language: Language = Field(sa_type=enum_column(Language))
    # Tags of channels in the Apprise config (chat rooms, webhooks) that also get this contact's messages.
    channels: list[str] = Field(default_factory=list, sa_type=sa.JSON, sa_column_kwargs={"server_default": "[]"})


class Call(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=ID_LENGTH)
    programme_id: str = Field(foreign_key="programme.id", index=True, max_length=ID_LENGTH)
    name: str
    deadline_at: datetime = Field(sa_type=UTCDateTime)
    # The largest state share of eligible cost, in whole percent.
    state_share_percent: int
    appropriation_cents: int = Field(sa_type=CENTS)
    officer_contact_id: int | None = Field(default=None, foreign_key="contact.id")
    # A ReminderPolicy as JSON; none means the default policy.
    reminder_policy: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    # A PaymentPlan as JSON; none means the default plan.
    payment_plan: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)


class CalculatedShare(SQLModel, table=True):
    """An applicant's computed share of a call's appropriation (laskennallinen osuus)."""

    call_id: str = Field(foreign_key="call.id", primary_key=True, max_length=ID_LENGTH)
    organisation_id: str = Field(foreign_key="organisation.id", primary_key=True, max_length=ID_LENGTH)
    amount_cents: int = Field(sa_type=CENTS)


class Application(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=ID_LENGTH)
    call_id: str = Field(foreign_key="call.id", index=True, max_length=ID_LENGTH)
    # The applicant; for a multi-region project, its lead administrator.
    applicant_id: str = Field(foreign_key="organisation.id", index=True, max_length=ID_LENGTH)
    title: str
    stage: Stage = Field(default=Stage.PREPARATION, sa_type=enum_column(Stage), index=True)
    total_cost_cents: int = Field(sa_type=CENTS)
    requested_cents: int = Field(sa_type=CENTS)
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SubArea(SQLModel, table=True):
    """A part of an application with its own budget (osa-alue)."""

    __table_args__ = (sa.UniqueConstraint("application_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    application_id: str = Field(foreign_key="application.id", index=True, max_length=ID_LENGTH)
    number: int
    name: str
    total_cost_cents: int = Field(sa_type=CENTS)
    requested_cents: int = Field(sa_type=CENTS)


class Participant(SQLModel, table=True):
    """An organisation taking part in a multi-region project with its own share; the lead is one only if it takes a share."""

    __table_args__ = (sa.UniqueConstraint("application_id", "organisation_id"),)

    id: int | None = Field(default=None, primary_key=True)
    application_id: str = Field(foreign_key="application.id", index=True, max_length=ID_LENGTH)
    organisation_id: str = Field(foreign_key="organisation.id", index=True, max_length=ID_LENGTH)
    requested_cents: int = Field(sa_type=CENTS)


class Workshop(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("application_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    application_id: str = Field(foreign_key="application.id", index=True, max_length=ID_LENGTH)
    number: int
    purpose: str
    held_on: date
    place: str | None = None
    remote: bool = False
    participants: int


class Duty(SQLModel, table=True):
    """Something an application owes by a due instant: a document, a start-up step, a report."""

    __table_args__ = (sa.UniqueConstraint("application_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    application_id: str = Field(foreign_key="application.id", index=True, max_length=ID_LENGTH)
    kind: str = Field(max_length=ID_LENGTH)
    title: str
    phase: DutyPhase = Field(sa_type=enum_column(DutyPhase))
    due_at: datetime = Field(sa_type=UTCDateTime, index=True)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Decision(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    application_id: str = Field(foreign_key="application.id", unique=True, max_length=ID_LENGTH)
    outcome: Outcome = Field(sa_type=enum_column(Outcome))
    granted_cents: int = Field(sa_type=CENTS)
    justification: str
    period_start: date | None = None
    period_end: date | None = None
    decided_at: datetime = Field(sa_type=UTCDateTime)
    decided_by: str = Field(max_length=ACTOR_LENGTH)
    recorded_at: datetime = Field(sa_type=UTCDateTime)
    applied_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class DecisionLine(SQLModel, table=True):
    """The grant for one sub-area."""

    __table_args__ = (sa.UniqueConstraint("decision_id", "sub_area_id"),)

    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="decision.id", index=True)
    sub_area_id: int = Field(foreign_key="subarea.id")
    granted_cents: int = Field(sa_type=CENTS)


class DecisionShare(SQLModel, table=True):
    """The grant for one participant of a multi-region project."""

    __table_args__ = (sa.UniqueConstraint("decision_id", "participant_id"),)

    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="decision.id", index=True)
    participant_id: int = Field(foreign_key="participant.id")
    granted_cents: int = Field(sa_type=CENTS)


class Project(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    application_id: str = Field(foreign_key="application.id", unique=True, max_length=ID_LENGTH)
    name: str
    period_start: date
    period_end: date
    started_at: datetime = Field(sa_type=UTCDateTime)


class PaymentStatus(StrEnum):
    CREATED = "created"
    APPROVED = "approved"
    SENT = "sent"
    PAID = "paid"
    FAILED = "failed"


class Payment(SQLModel, table=True):
    """One instalment of a grant, from due (created) to paid or failed."""

    __table_args__ = (sa.UniqueConstraint("application_id", "instalment"),)

    id: int | None = Field(default=None, primary_key=True)
    application_id: str = Field(foreign_key="application.id", index=True, max_length=ID_LENGTH)
    # The instalment's place in the call's payment plan, from 1.
    instalment: int
    percent: int
    trigger: str = Field(max_length=ID_LENGTH)
    amount_cents: int = Field(sa_type=CENTS)
    status: PaymentStatus = Field(default=PaymentStatus.CREATED, sa_type=enum_column(PaymentStatus), index=True)
    # A Finnish creditor reference (RF, ISO 11649) built from the row's id: set in the transaction that creates the row.
    reference: str | None = Field(default=None, unique=True, max_length=PAYMENT_REFERENCE_LENGTH)
    created_at: datetime = Field(sa_type=UTCDateTime)
    approved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    paid_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    failed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    failure: str | None = Field(default=None, max_length=TEXT_LENGTH)


class SubmissionSnapshot(SQLModel, table=True):
    """The application as submitted, frozen: later edits never change what was sent."""

    application_id: str = Field(foreign_key="application.id", primary_key=True, max_length=ID_LENGTH)
    submitted_at: datetime = Field(sa_type=UTCDateTime)
    content: dict[str, Any] = Field(sa_type=sa.JSON)


class DomainEvent(SQLModel, table=True):
    """An audit row per lifecycle change, written in the change's own transaction."""

    id: int | None = Field(default=None, primary_key=True)
    application_id: str = Field(foreign_key="application.id", index=True, max_length=ID_LENGTH)
    name: str = Field(max_length=96)
    from_stage: Stage | None = Field(default=None, sa_type=enum_column(Stage))
    to_stage: Stage | None = Field(default=None, sa_type=enum_column(Stage))
    actor: str = Field(max_length=ACTOR_LENGTH)
    # The instant of the change: the system clock's, or on a replay database the one the replay stated.
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    # Written on a replay database (its instant stated, not the system clock's), and when it was
    # really written; both unknown (None) for events written before the database knew its clock.
    replayed: bool | None = None
    recorded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    # The id the event carries outside: a relay that sends it twice sends the same event.
    event_id: uuid.UUID = Field(default_factory=uuid.uuid4, sa_type=sa.Uuid, unique=True)
    relayed_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)


class ChangeKind(StrEnum):
    EXTENSION = "extension"
    REALLOCATION = "reallocation"
    CONTENT = "content"
    PARTICIPANT = "participant"


class ChangeOutcome(StrEnum):
    ACCEPTED = "accepted"
    ACCEPTED_WITH_CHANGES = "accepted_with_changes"
    REJECTED = "rejected"


class ChangeRequest(SQLModel, table=True):
    """A started project's request to change its grant (muutoshakemus); decided part by part."""

    id: int | None = Field(default=None, primary_key=True)
    application_id: str = Field(foreign_key="application.id", index=True, max_length=ID_LENGTH)
    reason: str
    submitted_at: datetime = Field(sa_type=UTCDateTime)
    submitted_by: str = Field(max_length=ACTOR_LENGTH)
    # Set when the last part is decided.
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ChangePart(SQLModel, table=True):
    """One change asked for; the officer decides it on its own, with a justification."""

    __table_args__ = (sa.UniqueConstraint("change_request_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    change_request_id: int = Field(foreign_key="changerequest.id", index=True)
    number: int
    kind: ChangeKind = Field(sa_type=enum_column(ChangeKind))
    # An extension: the duty and the deadline asked for; the deadline granted once decided.
    duty_kind: str | None = Field(default=None, max_length=ID_LENGTH)
    requested_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    granted_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # A change of content: what changes, in the applicant's words.
    content: str | None = None
    # A change of participant in a multi-region project: who leaves, and who takes its place and share.
    leaving_id: str | None = Field(default=None, max_length=ID_LENGTH)
    joining_id: str | None = Field(default=None, max_length=ID_LENGTH)
    outcome: ChangeOutcome | None = Field(default=None, sa_type=enum_column(ChangeOutcome))
    justification: str | None = None
    # A reallocation: the decision lets a line go above what was requested for it.
    above_request_allowed: bool = False
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by: str | None = Field(default=None, max_length=ACTOR_LENGTH)


class ChangeLine(SQLModel, table=True):
    """A reallocation's line for one sub-area: asked for, and before / after once decided."""

    __table_args__ = (sa.UniqueConstraint("change_part_id", "sub_area_id"),)

    id: int | None = Field(default=None, primary_key=True)
    change_part_id: int = Field(foreign_key="changepart.id", index=True)
    sub_area_id: int = Field(foreign_key="subarea.id")
    proposed_cents: int = Field(sa_type=CENTS)
    before_cents: int | None = Field(default=None, sa_type=CENTS)
    after_cents: int | None = Field(default=None, sa_type=CENTS)
