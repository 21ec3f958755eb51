"""Change requests (muutoshakemus): a started project asks to change its grant; each part is decided on its own."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlmodel import Session, col, select

from domain import repository as repo
from domain.deadlines import extend_duty
from domain.errors import NotFound, RuleViolation
from domain.formatting import format_money
from domain.lifecycle import record_event
from domain.model import (
    ChangeKind,
    ChangeLine,
    ChangeOutcome,
    ChangePart,
    ChangeRequest,
    DecisionLine,
    Organisation,
    Participant,
    Stage,
    SubArea,
)

CHANGE_SUBMITTED = "grantflow.change.submitted"
CHANGE_DECIDED = "grantflow.change.decided"


class PartInput(BaseModel):
    """One change asked for: an extension (duty and new deadline), a reallocation (cents per sub-area number) or content."""

    kind: ChangeKind
    duty_kind: str | None = None
    due_at: datetime | None = None
    lines: dict[int, int] = {}
    content: str | None = None
    leaving: str | None = None
    joining: str | None = None


class PartDecision(BaseModel):
    """The officer's word on one part; changes (a deadline, lines) only with ACCEPTED_WITH_CHANGES."""

    outcome: ChangeOutcome
    justification: str
    due_at: datetime | None = None
    lines: dict[int, int] = {}
    above_request_allowed: bool = False


class LineChange(BaseModel):
    """A reallocated line: what was requested for the sub-area, granted before, and granted after."""

    number: int
    name: str
    requested_cents: int
    before_cents: int
    after_cents: int


def _text(value: str | None, field: str, rule: str, record: str) -> str:
    text = " ".join((value or "").split())
    if not text:
        raise RuleViolation(field, rule, record=record)
    return text


def _granted_lines(session: Session, application_id: str, record: str) -> dict[int, tuple[SubArea, DecisionLine]]:
    """The project's granted lines by sub-area number."""
    decision = repo.decision_of(session, application_id)
    lines = list(session.exec(select(DecisionLine).where(DecisionLine.decision_id == (decision.id if decision else None))))
    if not lines:
        raise RuleViolation("lines", "the grant has no sub-area lines to reallocate", record=record)
    sub_areas = {s.id: s for s in repo.sub_areas(session, application_id)}
    return {sub_areas[line.sub_area_id].number: (sub_areas[line.sub_area_id], line) for line in lines}


def check_reallocation(session: Session, application_id: str, lines: dict[int, int], *, above_request_allowed: bool, record: str) -> None:
    """The lines name every granted sub-area, sum to the granted total, and (unless allowed) stay within each request."""
    granted = _granted_lines(session, application_id, record)
    if set(lines) != set(granted):
        expected = ", ".join(str(n) for n in sorted(granted))
        raise RuleViolation("lines", f"give one amount for each granted sub-area ({expected}), no other", record=record)
    for number, cents in sorted(lines.items()):
        if cents < 0:
            raise RuleViolation(f"lines[{number}]", "must not be negative", record=record)
        sub_area = granted[number][0]
        if cents > sub_area.requested_cents and not above_request_allowed:
            raise RuleViolation(f"lines[{number}]", f"{format_money(cents)} is above the {format_money(sub_area.requested_cents)} requested for it; "
                                                    "only a decision allowing it explicitly may grant more", record=record)
    total = sum(line.granted_cents for _, line in granted.values())
    if sum(lines.values()) != total:
        raise RuleViolation("lines", f"sum to {format_money(sum(lines.values()))}; a reallocation keeps the granted total {format_money(total)}",
                            record=record)


def _leaving(session: Session, application_id: str, leaving: str | None, joining: str | None, *, record: str) -> Participant:
    """The participant a change of participant replaces: a listed one other than the lead, by one not yet taking part."""
    app = repo.application(session, application_id)
    participants = {p.organisation_id: p for p in repo.participants(session, application_id)}
    if not participants:
        raise RuleViolation("participant", "only a multi-region project has participants to change", record=record)
    if leaving is None or joining is None:
        raise RuleViolation("participant", "name the participant leaving and the organisation taking its place", record=record)
    if leaving not in participants:
        raise RuleViolation("participant.leaving", f"{leaving!r} is not a participant (participants: {', '.join(sorted(participants))})", record=record)
    if leaving == app.applicant_id:
        raise RuleViolation("participant.leaving", "the lead administers the project and cannot be changed by a change request", record=record)
    repo.get(session, Organisation, joining, field="participant.joining")
    if joining in participants or joining == app.applicant_id:
        raise RuleViolation("participant.joining", f"{joining!r} already takes part in the project", record=record)
    return participants[leaving]


def request_change(session: Session, application_id: str, parts: list[PartInput], *, reason: str, at: datetime, actor: str) -> ChangeRequest:
    """Store a change request with its parts, each checked; refused whole if the project has not started or a part is bad."""
    app = repo.application(session, application_id)
    record = f"application {app.id}"
    if app.stage != Stage.STARTED:
        raise RuleViolation("stage", f"a change request needs a started project; this one is {app.stage.value}", record=record)
    reason = _text(reason, "reason", "say why the changes are requested", record)
    if not parts:
        raise RuleViolation("parts", "ask for at least one change", record=record)
    request = ChangeRequest(application_id=app.id, reason=reason, submitted_at=at, submitted_by=actor)
    rows: list[tuple[ChangePart, dict[int, int]]] = []
    for number, part in enumerate(parts, start=1):
        where = f"{record}, part {number}"
        row = ChangePart(change_request_id=0, number=number, kind=part.kind)
        if part.kind == ChangeKind.EXTENSION:
            if part.duty_kind is None or part.due_at is None:
                raise RuleViolation("extension", "name the duty and the deadline asked for", record=where)
            row.duty_kind = repo.duty(session, app.id, part.duty_kind).kind
            row.requested_due_at = part.due_at
        elif part.kind == ChangeKind.REALLOCATION:
            # What the applicant asks for may go above a line's request: only the decision may grant that.
            check_reallocation(session, app.id, part.lines, above_request_allowed=True, record=where)
        elif part.kind == ChangeKind.PARTICIPANT:
            row.leaving_id, row.joining_id = _leaving(session, app.id, part.leaving, part.joining, record=where).organisation_id, part.joining
        else:
            row.content = _text(part.content, "content", "describe the change of content", where)
        rows.append((row, part.lines))
    session.add(request)
    session.flush()
    sub_area_ids = {s.number: s.id for s in repo.sub_areas(session, app.id)}
    for row, lines in rows:
        assert request.id is not None
        row.change_request_id = request.id
        session.add(row)
        session.flush()
        assert row.id is not None
        for number, cents in sorted(lines.items()):
            session.add(ChangeLine(change_part_id=row.id, sub_area_id=sub_area_ids[number], proposed_cents=cents))  # type: ignore[arg-type]
    record_event(session, app.id, CHANGE_SUBMITTED, actor=actor, at=at, payload={"change": request.id, "parts": [p.kind.value for p in parts]})
    return request


def change_request(session: Session, change_id: int) -> ChangeRequest:
    return repo.get(session, ChangeRequest, change_id, field="change")


def change_parts(session: Session, change_id: int | None) -> list[ChangePart]:
    return list(session.exec(select(ChangePart).where(ChangePart.change_request_id == change_id).order_by(col(ChangePart.number))))


def change_lines(session: Session, part: ChangePart) -> list[ChangeLine]:
    return list(session.exec(select(ChangeLine).where(ChangeLine.change_part_id == part.id).order_by(col(ChangeLine.sub_area_id))))


def line_changes(session: Session, part: ChangePart) -> list[LineChange]:
    """A decided reallocation per line: requested / before / after."""
    request = change_request(session, part.change_request_id)
    sub_areas = {s.id: s for s in repo.sub_areas(session, request.application_id)}
    shown = [
        LineChange(number=sub_areas[line.sub_area_id].number, name=sub_areas[line.sub_area_id].name,
                   requested_cents=sub_areas[line.sub_area_id].requested_cents, before_cents=line.before_cents, after_cents=line.after_cents)
        for line in change_lines(session, part) if line.before_cents is not None and line.after_cents is not None
    ]
    return sorted(shown, key=lambda line: line.number)


def decide_part(session: Session, change_id: int, number: int, decision: PartDecision, *, at: datetime, actor: str) -> ChangeRequest:
    """Decide one part and carry out what it accepts; the request is decided (an event) when its last part is."""
    request = change_request(session, change_id)
    record = f"change {change_id}"
    parts = change_parts(session, request.id)
    part = next((p for p in parts if p.number == number), None)
    if part is None:
        raise NotFound("part", f"no part {number} (the request has {len(parts)})", record=record)
    where = f"{record}, part {number}"
    if part.outcome is not None:
        raise RuleViolation("part", f"was already decided ({part.outcome.value}); a part is decided once", record=where)
    justification = _text(decision.justification, "justification", "give the officer's justification", where)
    changed = decision.due_at is not None or bool(decision.lines)
    if changed and decision.outcome != ChangeOutcome.ACCEPTED_WITH_CHANGES:
        raise RuleViolation("outcome", "a new deadline or new lines come only with accepted_with_changes", record=where)
    if decision.outcome == ChangeOutcome.ACCEPTED_WITH_CHANGES:
        wanted = {ChangeKind.EXTENSION: decision.due_at is not None, ChangeKind.REALLOCATION: bool(decision.lines), ChangeKind.CONTENT: not changed,
                  ChangeKind.PARTICIPANT: False}
        if not wanted[part.kind]:
            what = {ChangeKind.EXTENSION: "give the deadline granted", ChangeKind.REALLOCATION: "give the lines granted",
                    ChangeKind.CONTENT: "state the changes in the justification; a content change takes no deadline or lines",
                    ChangeKind.PARTICIPANT: "a change of participant is accepted or rejected as asked"}
            raise RuleViolation("outcome", f"accepted_with_changes: {what[part.kind]}", record=where)
    if decision.above_request_allowed and part.kind != ChangeKind.REALLOCATION:
        raise RuleViolation("above_request_allowed", "applies to a reallocation only", record=where)
    if decision.outcome != ChangeOutcome.REJECTED:
        _carry_out(session, request, part, decision, justification, at=at, actor=actor, record=where)
    part.outcome, part.justification, part.decided_at, part.decided_by = decision.outcome, justification, at, actor
    part.above_request_allowed = decision.above_request_allowed
    session.add(part)
    if all(p.outcome is not None for p in parts):
        request.decided_at = at
        session.add(request)
        record_event(session, request.application_id, CHANGE_DECIDED, actor=actor, at=at,
                     payload={"change": request.id, "parts": {str(p.number): {"kind": p.kind.value, "outcome": p.outcome.value} for p in parts if p.outcome}})
    return request


def _carry_out(session: Session, request: ChangeRequest, part: ChangePart, decision: PartDecision, justification: str, *,
               at: datetime, actor: str, record: str) -> None:
    if part.kind == ChangeKind.EXTENSION:
        assert part.duty_kind is not None and part.requested_due_at is not None
        due_at = decision.due_at or part.requested_due_at
        extend_duty(session, request.application_id, part.duty_kind, due_at=due_at, reason=justification, at=at, actor=actor)
        part.granted_due_at = due_at
    elif part.kind == ChangeKind.PARTICIPANT:
        # Checked again: another change may have moved the participants since the request.
        participant = _leaving(session, request.application_id, part.leaving_id, part.joining_id, record=record)
        participant.organisation_id = part.joining_id  # type: ignore[assignment]
        session.add(participant)
    elif part.kind == ChangeKind.REALLOCATION:
        rows = {line.sub_area_id: line for line in change_lines(session, part)}
        granted = _granted_lines(session, request.application_id, record)
        lines = decision.lines or {number: rows[sub_area.id].proposed_cents for number, (sub_area, _) in granted.items() if sub_area.id in rows}
        check_reallocation(session, request.application_id, lines, above_request_allowed=decision.above_request_allowed, record=record)
        for number, (sub_area, line) in granted.items():
            assert sub_area.id is not None and part.id is not None
            row = rows.get(sub_area.id) or ChangeLine(change_part_id=part.id, sub_area_id=sub_area.id, proposed_cents=line.granted_cents)
            row.before_cents, row.after_cents = line.granted_cents, lines[number]
            line.granted_cents = lines[number]
            session.add_all([row, line])
