"""Importing a scenario: every record checked against the file and the database first, then all or nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from domain.budget import application_budget_problems
from domain.calendar import deadline_instant
from domain.decision import decision_problems, store_decision
from domain.errors import GrantflowError, RuleViolation, ValidationFailed
from domain.formatting import format_date
from domain.inputs import ApplicationInput, CallInput, ScenarioInput
from domain.model import (
    Application,
    CalculatedShare,
    Call,
    Contact,
    Duty,
    Organisation,
    Participant,
    Programme,
    SubArea,
    Workshop,
)
from domain.money import to_cents
from domain.store import unit_of_work

_CHUNK = 1000


class _Identified(Protocol):
    @property
    def id(self) -> str: ...

# Called as (phase, done, total) while a large import is checked and stored.
Progress = Callable[[str, int, int], None]


def _silent(phase: str, done: int, total: int) -> None:
    pass


def _bulk_insert(session: Session, table: type[SQLModel], rows: Sequence[SQLModel], report: Progress) -> None:
    for start in range(0, len(rows), 5 * _CHUNK):
        chunk = rows[start : start + 5 * _CHUNK]
        session.execute(insert(table), [row.model_dump(exclude_none=True) for row in chunk])
        report(f"storing {table.__tablename__}", start + len(chunk), len(rows))


def _stored_parts(session: Session, plan: _Plan, application_ids: list[str]) -> None:
    """Replace planned sub-areas and participants by the stored rows, which carry the ids decisions refer to."""
    for start in range(0, len(application_ids), _CHUNK):
        chunk = application_ids[start : start + _CHUNK]
        for app_id in chunk:
            plan.sub_areas[app_id], plan.participants[app_id] = [], []
        for sub in session.exec(select(SubArea).where(col(SubArea.application_id).in_(chunk))):
            plan.sub_areas[sub.application_id].append(sub)
        for participant in session.exec(select(Participant).where(col(Participant.application_id).in_(chunk))):
            plan.participants[participant.application_id].append(participant)


@dataclass
class ImportSummary:
    programmes: int = 0
    organisations: int = 0
    calls: int = 0
    applications: int = 0
    decisions: int = 0
    moved_deadlines: list[str] = field(default_factory=list)


@dataclass
class _Plan:
    """The rows a scenario becomes, built and checked before anything touches the database."""

    programmes: dict[str, Programme] = field(default_factory=dict)
    organisations: dict[str, Organisation] = field(default_factory=dict)
    contacts: dict[str, Contact] = field(default_factory=dict)
    calls: dict[str, Call] = field(default_factory=dict)
    officers: dict[str, str] = field(default_factory=dict)
    shares: dict[tuple[str, str], CalculatedShare] = field(default_factory=dict)
    applications: dict[str, Application] = field(default_factory=dict)
    sub_areas: dict[str, list[SubArea]] = field(default_factory=dict)
    participants: dict[str, list[Participant]] = field(default_factory=dict)
    workshops: list[Workshop] = field(default_factory=list)
    duties: list[Duty] = field(default_factory=list)
    problems: list[GrantflowError] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)


def import_scenario(
    session: Session, scenario: ScenarioInput, *, source: str, at: datetime, actor: str, progress: Progress | None = None
) -> ImportSummary:
    """Check the whole scenario, then store it in the caller's transaction; any problem stores nothing."""
    report = progress or _silent
    plan = _Plan()
    _plan_reference_data(session, scenario, plan)
    total = len(scenario.applications)
    for index, app in enumerate(scenario.applications):
        _plan_application(session, app, f"applications[{index}] {app.id}", plan)
        if index % _CHUNK == _CHUNK - 1:
            report("checking", index + 1, total)
    report("checking", total, total)
    _check_decisions(session, scenario, plan)
    if plan.problems:
        raise ValidationFailed(source, plan.problems, outcome="nothing was imported")
    _store(session, scenario, plan, at=at, actor=actor, report=report)
    return ImportSummary(
        programmes=len(plan.programmes),
        organisations=len(plan.organisations),
        calls=len(plan.calls),
        applications=len(plan.applications),
        decisions=len(scenario.decisions),
        moved_deadlines=plan.moved,
    )


def import_into(
    engine: Engine, scenario: ScenarioInput, *, source: str, at: datetime, actor: str, progress: Progress | None = None
) -> ImportSummary:
    """Import in a transaction of its own, all or nothing.

    Another import storing some of the same records between this one's checks and its inserts makes the
    inserts fail on the database's unique keys. Checked once more, the file is refused naming the records
    that now exist, like any record already in the database (or imported, if the other one rolled back).
    """
    try:
        with unit_of_work(engine) as session:
            return import_scenario(session, scenario, source=source, at=at, actor=actor, progress=progress)
    except IntegrityError:
        with unit_of_work(engine) as session:
            return import_scenario(session, scenario, source=source, at=at, actor=actor, progress=progress)


def _duplicates(ids: Iterable[str]) -> list[str]:
    return [key for key, count in Counter(ids).items() if count > 1]


def _plan_reference_data(session: Session, scenario: ScenarioInput, plan: _Plan) -> None:
    problem = plan.problems.append
    sections: tuple[tuple[str, Sequence[_Identified], type[SQLModel]], ...] = (
        ("programmes", scenario.programmes, Programme),
        ("organisations", scenario.organisations, Organisation),
        ("calls", scenario.calls, Call),
        ("applications", scenario.applications, Application),
    )
    for section, records, table in sections:
        for dup in _duplicates(r.id for r in records):
            problem(RuleViolation("id", f"{dup!r} appears more than once in the file", record=section))
        existing = _existing_ids(session, table, [r.id for r in records])
        for index, r in enumerate(records):
            if r.id in existing:
                problem(RuleViolation("id", f"{r.id!r} already exists in the database", record=f"{section}[{index}] {r.id}"))

    for p in scenario.programmes:
        plan.programmes[p.id] = Programme(id=p.id, name=p.name, period_start=p.period.start, period_end=p.period.end)
    for index, o in enumerate(scenario.organisations):
        plan.organisations[o.id] = Organisation(id=o.id, name=o.name, short_name=o.short_name, kind=o.kind)
        for c in o.contacts:
            if c.email in plan.contacts or _existing_contact(session, c.email) is not None:
                problem(RuleViolation("contacts.email", f"{c.email} is already a contact", record=f"organisations[{index}] {o.id}"))
            plan.contacts[c.email] = Contact(organisation_id=o.id, role=c.role, email=c.email, language=c.language, channels=list(c.channels))
    for index, call in enumerate(scenario.calls):
        _plan_call(session, call, f"calls[{index}] {call.id}", plan)


def _existing_ids(session: Session, table: type[SQLModel], ids: list[str]) -> set[str]:
    """Which of `ids` the database holds, asked in chunks rather than one query per record."""
    key = table.id  # type: ignore[attr-defined]
    found: set[str] = set()
    for start in range(0, len(ids), _CHUNK):
        found.update(session.exec(select(key).where(key.in_(ids[start : start + _CHUNK]))))
    return found


def _existing_contact(session: Session, email: str) -> Contact | None:
    return session.exec(select(Contact).where(Contact.email == email)).first()


def _known(session: Session, plan_rows: Mapping[str, object], table: type[SQLModel], key: str) -> bool:
    return key in plan_rows or session.get(table, key) is not None


def _plan_call(session: Session, c: CallInput, record: str, plan: _Plan) -> None:
    problem = plan.problems.append
    if not _known(session, plan.programmes, Programme, c.programme):
        problem(RuleViolation("programme", f"no programme {c.programme!r} in the file or the database", record=record))
    if c.officer and c.officer not in plan.contacts and _existing_contact(session, c.officer) is None:
        problem(RuleViolation("officer", f"{c.officer} is not a contact of any organisation", record=record))
    for org in c.calculated_shares:
        if not _known(session, plan.organisations, Organisation, org):
            problem(RuleViolation(f"calculated_shares[{org}]", f"no organisation {org!r}", record=record))
    deadline = _deadline(c.deadline, "deadline", record, plan)
    plan.calls[c.id] = Call(
        id=c.id,
        programme_id=c.programme,
        name=c.name,
        deadline_at=deadline,
        state_share_percent=c.state_share_percent,
        appropriation_cents=to_cents(c.appropriation),
        reminder_policy=c.reminders.model_dump(mode="json") if c.reminders else None,
        payment_plan=c.payments.model_dump(mode="json") if c.payments else None,
    )
    if c.officer:
        plan.officers[c.id] = c.officer
    for org, amount in c.calculated_shares.items():
        plan.shares[(c.id, org)] = CalculatedShare(call_id=c.id, organisation_id=org, amount_cents=to_cents(amount))


def _deadline(stated: datetime, field_name: str, record: str, plan: _Plan) -> datetime:
    """The act-time rule applied to a stated deadline; a move is reported back to the importer."""
    try:
        moved = deadline_instant(stated, field=field_name)
    except RuleViolation as exc:
        plan.problems.append(RuleViolation(exc.field, exc.rule, record=record))
        return stated
    if moved.date() != stated.date():
        plan.moved.append(f"{record}: {field_name} {format_date(stated.date())} is not a working day; moved to {format_date(moved.date())}")
    return moved


def _plan_application(session: Session, a: ApplicationInput, record: str, plan: _Plan) -> None:
    problem = plan.problems.append
    call = plan.calls.get(a.call) or session.get(Call, a.call)
    if call is None:
        problem(RuleViolation("call", f"no call {a.call!r} in the file or the database", record=record))
    if not _known(session, plan.organisations, Organisation, a.applicant):
        problem(RuleViolation("applicant", f"no organisation {a.applicant!r} in the file or the database", record=record))
    for label, values in (
        ("sub_areas.number", [s.number for s in a.sub_areas]),
        ("workshops.number", [w.number for w in a.workshops]),
        ("documents.kind", [d.kind for d in a.documents]),
        ("participants.organisation", [p.organisation for p in a.participants]),
    ):
        for dup in _duplicates(str(v) for v in values):
            problem(RuleViolation(label, f"{dup} appears more than once", record=record))
    for p in a.participants:
        if not _known(session, plan.organisations, Organisation, p.organisation):
            problem(RuleViolation("participants.organisation", f"no organisation {p.organisation!r}", record=record))

    app = Application(
        id=a.id,
        call_id=a.call,
        applicant_id=a.applicant,
        title=a.title,
        total_cost_cents=to_cents(a.total_cost),
        requested_cents=to_cents(a.requested),
    )
    sub_areas = [
        SubArea(application_id=a.id, number=s.number, name=s.name, total_cost_cents=to_cents(s.total_cost), requested_cents=to_cents(s.requested))
        for s in a.sub_areas
    ]
    participants = [Participant(application_id=a.id, organisation_id=p.organisation, requested_cents=to_cents(p.requested)) for p in a.participants]
    plan.applications[a.id] = app
    plan.sub_areas[a.id] = sub_areas
    plan.participants[a.id] = participants
    plan.workshops += [
        Workshop(application_id=a.id, number=w.number, purpose=w.purpose, held_on=w.date, place=w.place, remote=w.remote, participants=w.participants)
        for w in a.workshops
    ]
    for d in a.documents:
        due_at = _deadline(d.due, f"documents[{d.kind}].due", record, plan)
        plan.duties.append(Duty(application_id=a.id, kind=d.kind, title=d.title, phase=d.phase, due_at=due_at, done_at=d.done))
    if call is not None:
        planned = plan.shares.get((call.id, a.applicant))
        share = planned.amount_cents if planned else None
        if share is None and call.id not in plan.calls:
            existing = session.get(CalculatedShare, (call.id, a.applicant))
            share = existing.amount_cents if existing else None
        for violation in application_budget_problems(app, call, sub_areas, participants, share):
            problem(RuleViolation(violation.field, violation.rule, record=record))


def _check_decisions(session: Session, scenario: ScenarioInput, plan: _Plan) -> None:
    problem = plan.problems.append
    for dup in _duplicates(d.application for d in scenario.decisions):
        problem(RuleViolation("application", f"{dup!r} has more than one decision", record="decisions"))
    for index, d in enumerate(scenario.decisions):
        record = f"decisions[{index}] {d.application}"
        app = plan.applications.get(d.application)
        if app is None:
            if session.get(Application, d.application) is not None:
                problem(RuleViolation("application", "decisions on applications already in the database are recorded with `grantflow decide`", record=record))
            else:
                problem(RuleViolation("application", f"no application {d.application!r} in the file", record=record))
            continue
        call = plan.calls.get(app.call_id) or session.get(Call, app.call_id)
        if call is None:
            continue
        programme = plan.programmes.get(call.programme_id) or session.get(Programme, call.programme_id)
        if programme is None:
            continue
        for p in decision_problems(d, app, call, programme, plan.sub_areas[app.id], plan.participants[app.id]):
            problem(RuleViolation(p.field, p.rule, record=record))


def _store(session: Session, scenario: ScenarioInput, plan: _Plan, *, at: datetime, actor: str, report: Progress) -> None:
    session.add_all(plan.programmes.values())
    session.add_all(plan.organisations.values())
    session.flush()
    session.add_all(plan.contacts.values())
    session.flush()
    for call_id, email in plan.officers.items():
        officer = plan.contacts.get(email) or _existing_contact(session, email)
        plan.calls[call_id].officer_contact_id = officer.id if officer else None
    session.add_all(plan.calls.values())
    session.flush()
    session.add_all(plan.shares.values())
    session.flush()
    # Bulk inserts: a country's worth of applications in one transaction without per-row ORM work.
    _bulk_insert(session, Application, list(plan.applications.values()), report)
    _bulk_insert(session, SubArea, [s for rows in plan.sub_areas.values() for s in rows], report)
    _bulk_insert(session, Participant, [p for rows in plan.participants.values() for p in rows], report)
    _bulk_insert(session, Workshop, plan.workshops, report)
    _bulk_insert(session, Duty, plan.duties, report)
    _stored_parts(session, plan, [d.application for d in scenario.decisions])
    for d in scenario.decisions:
        app = plan.applications[d.application]
        store_decision(session, d, app, plan.sub_areas[app.id], plan.participants[app.id], at=at)
