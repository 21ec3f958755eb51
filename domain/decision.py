"""Decisions: validated when recorded, applied once to move the application to its outcome."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from domain import repository as repo
from domain.budget import allocation_problems, decision_outcome
from domain.errors import RuleViolation, ValidationFailed
from domain.formatting import format_instant, format_instants, format_money
from domain.inputs import DecisionInput, Period
from domain.lifecycle import DECISION_RECORDED, record_event, transition
from domain.model import (
    Application,
    Call,
    Decision,
    DecisionLine,
    DecisionShare,
    DomainEvent,
    Outcome,
    Participant,
    Programme,
    Stage,
    SubArea,
)
from domain.money import to_cents
from domain.startup import startup_duties

OUTCOME_STAGES = {Outcome.FULL: Stage.GRANTED, Outcome.PARTIAL: Stage.PARTIALLY_GRANTED, Outcome.REJECTED: Stage.REJECTED}


def decision_problems(
    decision: DecisionInput,
    app: Application,
    call: Call,
    programme: Programme,
    sub_areas: list[SubArea],
    participants: list[Participant],
) -> list[RuleViolation]:
    """Every rule a decision breaks against its application and programme."""
    record = f"decision for {app.id}"
    problems: list[RuleViolation] = []
    granted = to_cents(decision.granted)
    outcome = decision_outcome(app.requested_cents, granted)
    if granted > app.requested_cents:
        problems.append(RuleViolation("granted", f"{format_money(granted)} exceeds the requested {format_money(app.requested_cents)}", record=record))
    lines = {str(line.sub_area): to_cents(line.granted) for line in decision.lines}
    problems += allocation_problems(record, "lines", {str(s.number): s.requested_cents for s in sub_areas}, lines, granted)
    by_org = {p.organisation_id: p.requested_cents for p in participants}
    shares = {share.organisation: to_cents(share.granted) for share in decision.shares}
    problems += allocation_problems(record, "shares", by_org, shares, granted)
    if outcome == Outcome.PARTIAL and sub_areas and not lines:
        problems.append(RuleViolation("lines", "a partial grant must be split into lines per sub-area", record=record))
    if outcome == Outcome.PARTIAL and participants and not shares:
        # Each participant is told its own grant, which a partial grant leaves open unless it is split.
        problems.append(RuleViolation("shares", "a partial grant to a multi-region project must be split into shares per participant", record=record))
    if outcome == Outcome.REJECTED:
        if lines or shares:
            problems.append(RuleViolation("lines", "a rejection grants nothing and has no lines or shares", record=record))
    elif decision.period is None:
        problems.append(RuleViolation("period", "a grant needs a grant period", record=record))
    else:
        allowed = Period(start=programme.period_start, end=programme.period_end)
        if not decision.period.within(allowed):
            problems.append(
                RuleViolation("period", f"{decision.period} is outside the programme's period {allowed}", record=record)
            )
    if decision.decided_at < call.deadline_at:
        decided, closed = format_instants(decision.decided_at, call.deadline_at)
        problems.append(RuleViolation("decided_at", f"{decided} is before the call closed at {closed}", record=record))
    return problems


def store_decision(
    session: Session,
    decision: DecisionInput,
    app: Application,
    sub_areas: list[SubArea],
    participants: list[Participant],
    *,
    at: datetime,
) -> Decision:
    """Write an already validated decision, its lines and shares, and its `decision.recorded` event in the decider's name."""
    granted = to_cents(decision.granted)
    row = Decision(
        application_id=app.id,
        outcome=decision_outcome(app.requested_cents, granted),
        granted_cents=granted,
        justification=decision.justification,
        period_start=decision.period.start if decision.period else None,
        period_end=decision.period.end if decision.period else None,
        decided_at=decision.decided_at,
        decided_by=decision.decided_by,
        recorded_at=at,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    sub_area_ids = {s.number: s.id for s in sub_areas}
    participant_ids = {p.organisation_id: p.id for p in participants}
    session.add_all(
        DecisionLine(decision_id=row.id, sub_area_id=sub_area_ids[line.sub_area], granted_cents=to_cents(line.granted))  # type: ignore[arg-type]
        for line in decision.lines
    )
    session.add_all(
        DecisionShare(decision_id=row.id, participant_id=participant_ids[s.organisation], granted_cents=to_cents(s.granted))  # type: ignore[arg-type]
        for s in decision.shares
    )
    record_event(session, app.id, DECISION_RECORDED, actor=row.decided_by, at=at, payload=_decision_payload(row))
    return row


# A decision answers a submitted application; an imported history may carry one for an application
# still in preparation (the import stores it directly), applied once the application is under review.
DECIDABLE = frozenset({Stage.SUBMITTED, Stage.UNDER_REVIEW})


def awaiting_decision(session: Session) -> list[Application]:
    """The applications that can be decided now and have no decision recorded, by id."""
    query = (
        select(Application)
        .outerjoin(Decision, col(Decision.application_id) == col(Application.id))
        .where(col(Application.stage).in_(DECIDABLE), col(Decision.id).is_(None))
        .order_by(col(Application.id))
    )
    return list(session.exec(query))


def undecidable(stage: Stage) -> str | None:
    """Why an application in `stage` cannot be decided now, or None when it can."""
    if stage in DECIDABLE:
        return None
    if stage == Stage.PREPARATION:
        return "the application is in preparation, never submitted; only a submitted application can be decided"
    return f"the application is {stage.value.replace('_', ' ')}; only a submitted application can be decided"


def record_decision(session: Session, decision: DecisionInput, *, at: datetime) -> Decision:
    """Validate and store a decision and its `decision.recorded` event; applying it is a separate step."""
    app = repo.application(session, decision.application)
    record = f"decision for {app.id}"
    existing = repo.decision_of(session, app.id)
    problems: list[RuleViolation] = []
    if existing is not None:
        problems.append(RuleViolation("application", f"already has a decision, recorded {format_instant(existing.recorded_at)}", record=record))
    if (reason := undecidable(app.stage)) is not None:
        problems.append(RuleViolation("stage", reason, record=record))
    if decision.decided_at > at:
        # decided_at is data about the ministry's decision, which may precede its recording but never follow it.
        decided, recorded = format_instants(decision.decided_at, at)
        problems.append(RuleViolation("decided_at", f"{decided} is after the decision is recorded, {recorded}", record=record))
    call = repo.call_of(session, app)
    sub_areas = repo.sub_areas(session, app.id)
    participants = repo.participants(session, app.id)
    problems += decision_problems(decision, app, call, repo.programme_of(session, call), sub_areas, participants)
    if problems:
        raise ValidationFailed(record, list(problems))
    return store_decision(session, decision, app, sub_areas, participants, at=at)


def granted_shares(decision: Decision, participants: list[Participant], shares: list[DecisionShare]) -> dict[str, int | None]:
    """Each participant's grant by organisation: as the decision splits it; a full grant gives each its request,
    a rejection nothing. None where a partial grant recorded before shares were required leaves it open."""
    if shares:
        organisation_of = {p.id: p.organisation_id for p in participants}
        split: dict[str, int | None] = {p.organisation_id: 0 for p in participants}
        split.update({organisation_of[s.participant_id]: s.granted_cents for s in shares})
        return split
    if decision.outcome == Outcome.FULL:
        return {p.organisation_id: p.requested_cents for p in participants}
    if decision.outcome == Outcome.REJECTED:
        return {p.organisation_id: 0 for p in participants}
    return {p.organisation_id: None for p in participants}


def granted_lines(decision: Decision, sub_areas: list[SubArea], lines: list[DecisionLine]) -> dict[int, int | None]:
    """Each sub-area's grant by its number, by the rule of granted_shares: as the decision splits it; a full grant
    gives each its request, a rejection nothing; None where a partial grant without lines leaves it open."""
    if lines:
        granted: dict[int | None, int] = {line.sub_area_id: line.granted_cents for line in lines}
        return {s.number: granted.get(s.id, 0) for s in sub_areas}
    if decision.outcome == Outcome.FULL:
        return {s.number: s.requested_cents for s in sub_areas}
    if decision.outcome == Outcome.REJECTED:
        return {s.number: 0 for s in sub_areas}
    return {s.number: None for s in sub_areas}


def in_effect(decision: Decision | None) -> Decision | None:
    """The decision once applied; until then the application shows no grant (in status and exports alike)."""
    return decision if decision is not None and decision.applied_at is not None else None


def _decision_payload(decision: Decision) -> dict[str, object]:
    return {"outcome": decision.outcome.value, "granted_cents": decision.granted_cents, "decided_at": decision.decided_at.isoformat()}


class NotYetApplicable(RuleViolation):
    """A decision that cannot be applied yet; applying it later will work."""


def not_yet_applicable(app: Application, decision: Decision | None, at: datetime) -> NotYetApplicable | None:
    """Why a decision cannot be applied at `at`: none recorded, (an imported history) the application not yet
    submitted, or (a replayed history) the decision not yet made then."""
    record = f"application {app.id}"
    if decision is None:
        return NotYetApplicable("decision", "no decision has been recorded", record=record)
    if app.stage == Stage.PREPARATION:
        return NotYetApplicable("decision", "the application has not been submitted yet", record=record)
    if at < decision.decided_at:
        # A replay reviewing in May a history decided in June: applied in May, the grant and every deadline
        # counted from it would be a history that never happened.
        decided, asked = format_instants(decision.decided_at, at)
        return NotYetApplicable("decided_at", f"decided on {decided}; it applies from then, not at {asked}", record=record)
    return None


def apply_decision(session: Session, application_id: str, *, at: datetime, actor: str) -> DomainEvent | None:
    """Move the application to the decision's outcome and create its start-up duties; a second call does nothing.

    The outcome's event names the decider; `actor` is who applies it (a review it implies is theirs).
    Raises NotYetApplicable, after which the caller rolls back (a unit of work does).
    """
    # The claim is the transaction's first statement: it takes the write lock (SQLite) or the row lock
    # (PostgreSQL) before anything is read, so two runs applying one decision at once apply it once.
    claimed = session.execute(
        update(Decision).where(col(Decision.application_id) == application_id, col(Decision.applied_at).is_(None)).values(applied_at=at)
    ).rowcount == 1  # type: ignore[attr-defined]
    app = repo.application(session, application_id)
    decision = repo.decision_of(session, app.id)
    if decision is not None and not claimed:
        return None
    if (waiting := not_yet_applicable(app, decision, at)) is not None:
        raise waiting
    assert decision is not None
    if app.stage == Stage.SUBMITTED:
        transition(session, app, Stage.UNDER_REVIEW, actor=actor, at=at)
    payload = {**_decision_payload(decision), "requested_cents": app.requested_cents, "call": app.call_id, "applicant": app.applicant_id}
    event = transition(session, app, OUTCOME_STAGES[decision.outcome], actor=decision.decided_by, at=at, payload=payload)
    if decision.outcome != Outcome.REJECTED:
        session.add_all(startup_duties(app, decision))
    return event
