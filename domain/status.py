"""Read models: where every application of every call stands."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, computed_field
from sqlmodel import Session, col, func, select

from domain.decision import in_effect
from domain.model import Application, Call, ClockMode, Decision, DomainEvent, Organisation, Outcome, Stage
from domain.money import euros_text


class ApplicationStatus(BaseModel):
    id: str
    title: str
    applicant: str
    requested_cents: int
    granted_cents: int | None
    outcome: Outcome | None
    stage: Stage
    # Who decided, and when the decision was made (not when it was recorded), once it is applied.
    decided_by: str | None = None
    decided_at: datetime | None = None

    # Amounts are also given in euros with two decimals, for readers that take neither cents nor binary floats.
    @computed_field  # type: ignore[prop-decorator]
    @property
    def requested(self) -> str:
        return euros_text(self.requested_cents)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def granted(self) -> str | None:
        return euros_text(self.granted_cents) if self.granted_cents is not None else None


class CallStatus(BaseModel):
    id: str
    name: str
    deadline_at: datetime
    applications: list[ApplicationStatus]


class ClockStatus(BaseModel):
    mode: ClockMode
    says: str


class StatusReport(BaseModel):
    """What `grantflow status` shows: the clock, every call's applications, the events not yet relayed."""

    clock: ClockStatus
    calls: list[CallStatus]
    unrelayed_events: int


def call_statuses(session: Session) -> list[CallStatus]:
    """Every call with its applications, applicant names and granted amounts (once a decision is applied)."""
    rows = session.exec(
        select(Call, Application, Organisation, Decision)
        .join(Application, col(Application.call_id) == col(Call.id))
        .join(Organisation, col(Organisation.id) == col(Application.applicant_id))
        .join(Decision, col(Decision.application_id) == col(Application.id), isouter=True)
        .order_by(col(Call.id), col(Organisation.name), col(Application.id))
    )
    calls: dict[str, CallStatus] = {}
    for call, app, org, decision in rows:
        status = calls.setdefault(call.id, CallStatus(id=call.id, name=call.name, deadline_at=call.deadline_at, applications=[]))
        applied = in_effect(decision)
        status.applications.append(
            ApplicationStatus(
                id=app.id,
                title=app.title,
                applicant=org.short_name or org.name,
                requested_cents=app.requested_cents,
                granted_cents=applied.granted_cents if applied else None,
                outcome=applied.outcome if applied else None,
                stage=app.stage,
                decided_by=applied.decided_by if applied else None,
                decided_at=applied.decided_at if applied else None,
            )
        )
    return list(calls.values())


def unrelayed_events(session: Session) -> int:
    """Domain events written but not yet accepted by Prefect: non-zero for long means the relay is not running."""
    return session.exec(select(func.count()).select_from(DomainEvent).where(col(DomainEvent.relayed_at).is_(None))).one()
