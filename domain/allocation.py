"""A call's allocation as rows: each application, each of its sub-area lines, each participant's share."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel
from sqlmodel import Session, col, select

from domain import repository as repo
from domain.decision import granted_lines, granted_shares, in_effect
from domain.model import Application, Call, Decision, DecisionLine, DecisionShare, Organisation, Outcome, Participant, SubArea


class RowKind(StrEnum):
    APPLICATION = "application"
    LINE = "line"
    PARTICIPANT = "participant"


class AllocationRow(BaseModel):
    """One row of an export: the application's own row carries its totals, its lines and shares the parts."""

    call: str
    application: str
    applicant: str
    title: str
    kind: RowKind
    # The sub-area (`1. Name`) of a line, the organisation of a participant's share; empty on the application's row.
    part: str
    requested_cents: int
    # None until the decision is applied, or where a partial grant leaves a part open.
    granted_cents: int | None
    outcome: Outcome | None
    decided_at: datetime | None


def _shown_name(organisation: Organisation) -> str:
    return organisation.short_name or organisation.name


def allocation_rows(session: Session, call_id: str) -> list[AllocationRow]:
    """Every application of the call in applicant order, each followed by its lines and participants; NotFound names CALL."""
    call = repo.get(session, Call, call_id, field="CALL")
    applications = list(session.exec(
        select(Application, Organisation)
        .join(Organisation, col(Organisation.id) == col(Application.applicant_id))
        .where(col(Application.call_id) == call.id)
        .order_by(col(Organisation.name), col(Application.id))
    ))
    ids = [app.id for app, _ in applications]
    sub_areas: dict[str, list[SubArea]] = defaultdict(list)
    for sub_area in session.exec(select(SubArea).where(col(SubArea.application_id).in_(ids)).order_by(col(SubArea.number))):
        sub_areas[sub_area.application_id].append(sub_area)
    participants: dict[str, list[Participant]] = defaultdict(list)
    for participant in session.exec(select(Participant).where(col(Participant.application_id).in_(ids)).order_by(col(Participant.id))):
        participants[participant.application_id].append(participant)
    decisions = {d.application_id: d for d in session.exec(select(Decision).where(col(Decision.application_id).in_(ids)))}
    decision_ids = [d.id for d in decisions.values()]
    lines: dict[int, list[DecisionLine]] = defaultdict(list)
    for line in session.exec(select(DecisionLine).where(col(DecisionLine.decision_id).in_(decision_ids))):
        lines[line.decision_id].append(line)
    shares: dict[int, list[DecisionShare]] = defaultdict(list)
    for share in session.exec(select(DecisionShare).where(col(DecisionShare.decision_id).in_(decision_ids))):
        shares[share.decision_id].append(share)
    organisation_ids = {p.organisation_id for parts in participants.values() for p in parts}
    names = {o.id: _shown_name(o) for o in session.exec(select(Organisation).where(col(Organisation.id).in_(organisation_ids)))}

    rows: list[AllocationRow] = []
    for app, applicant in applications:
        decision = in_effect(decisions.get(app.id))
        decision_id = decision.id if decision else None
        parts = _Parts(
            sub_areas=sub_areas[app.id], lines=lines[decision_id] if decision_id else [],
            participants=participants[app.id], shares=shares[decision_id] if decision_id else [], names=names,
        )
        rows += _application_rows(call.id, app, _shown_name(applicant), decision, parts)
    return rows


@dataclass(frozen=True)
class _Parts:
    """What one application is split into, and how its decision splits it."""

    sub_areas: list[SubArea]
    lines: list[DecisionLine]
    participants: list[Participant]
    shares: list[DecisionShare]
    names: dict[str, str]


def _application_rows(call_id: str, app: Application, applicant: str, decision: Decision | None, parts: _Parts) -> list[AllocationRow]:
    def row(kind: RowKind, part: str, requested: int, granted: int | None) -> AllocationRow:
        return AllocationRow(
            call=call_id, application=app.id, applicant=applicant, title=app.title, kind=kind, part=part, requested_cents=requested,
            granted_cents=granted, outcome=decision.outcome if decision else None, decided_at=decision.decided_at if decision else None,
        )

    line_grants = granted_lines(decision, parts.sub_areas, parts.lines) if decision else {}
    share_grants = granted_shares(decision, parts.participants, parts.shares) if decision else {}
    return [
        row(RowKind.APPLICATION, "", app.requested_cents, decision.granted_cents if decision else None),
        *(row(RowKind.LINE, f"{s.number}. {s.name}", s.requested_cents, line_grants.get(s.number)) for s in parts.sub_areas),
        *(row(RowKind.PARTICIPANT, parts.names[p.organisation_id], p.requested_cents, share_grants.get(p.organisation_id)) for p in parts.participants),
    ]
