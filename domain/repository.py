"""Loading records by id; a missing one is a NotFound naming what was looked for."""

from __future__ import annotations

from typing import TypeVar

from sqlmodel import Session, SQLModel, col, select

from domain.errors import NotFound
from domain.model import (
    Application,
    CalculatedShare,
    Call,
    Contact,
    Decision,
    DecisionShare,
    Duty,
    DutyPhase,
    Participant,
    Programme,
    SubArea,
    Workshop,
)

Row = TypeVar("Row", bound=SQLModel)


def get(session: Session, table: type[Row], key: object, *, field: str = "id") -> Row:
    row = session.get(table, key)
    if row is None:
        raise NotFound(field, f"no {table.__name__.lower()} with id {key!r}")
    return row


def application(session: Session, application_id: str) -> Application:
    return get(session, Application, application_id, field="application")


def call_of(session: Session, app: Application) -> Call:
    return get(session, Call, app.call_id, field="call")


def programme_of(session: Session, call: Call) -> Programme:
    return get(session, Programme, call.programme_id, field="programme")


def sub_areas(session: Session, application_id: str) -> list[SubArea]:
    query = select(SubArea).where(SubArea.application_id == application_id).order_by(col(SubArea.number))
    return list(session.exec(query))


def participants(session: Session, application_id: str) -> list[Participant]:
    query = select(Participant).where(Participant.application_id == application_id).order_by(col(Participant.id))
    return list(session.exec(query))


def workshops(session: Session, application_id: str) -> list[Workshop]:
    query = select(Workshop).where(Workshop.application_id == application_id).order_by(col(Workshop.number))
    return list(session.exec(query))


def duties(session: Session, application_id: str, phase: DutyPhase | None = None) -> list[Duty]:
    query = select(Duty).where(Duty.application_id == application_id)
    if phase is not None:
        query = query.where(Duty.phase == phase)
    return list(session.exec(query.order_by(col(Duty.due_at), col(Duty.kind))))


def duty(session: Session, application_id: str, kind: str) -> Duty:
    """The application's duty of `kind`, or NotFound naming the kinds it has."""
    found = session.exec(select(Duty).where(Duty.application_id == application_id, Duty.kind == kind)).first()
    if found is None:
        known = ", ".join(d.kind for d in duties(session, application_id)) or "none"
        raise NotFound("kind", f"application has no duty {kind!r} (known: {known})", record=f"application {application_id}")
    return found


def contacts(session: Session, organisation_id: str) -> list[Contact]:
    query = select(Contact).where(Contact.organisation_id == organisation_id).order_by(col(Contact.id))
    return list(session.exec(query))


def decision_of(session: Session, application_id: str) -> Decision | None:
    return session.exec(select(Decision).where(Decision.application_id == application_id)).first()


def decision_shares(session: Session, decision_id: int | None) -> list[DecisionShare]:
    query = select(DecisionShare).where(DecisionShare.decision_id == decision_id).order_by(col(DecisionShare.id))
    return list(session.exec(query))


def calculated_share(session: Session, call_id: str, organisation_id: str) -> int | None:
    share = session.get(CalculatedShare, (call_id, organisation_id))
    return share.amount_cents if share else None
