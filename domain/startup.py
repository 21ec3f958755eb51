"""Start-up: the duties a grant brings, the project with its grant period, and its reporting deadlines."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pydantic import BaseModel, ConfigDict
from sqlmodel import Session, select

from domain import repository as repo
from domain.calendar import HELSINKI, OFFICE_HOURS_END, act_time_day, local_instant
from domain.errors import RuleViolation
from domain.lifecycle import transition
from domain.model import Application, Decision, DomainEvent, Duty, DutyPhase, Outcome, Project, Stage
from domain.payments import Trigger, instalments_due
from domain.preparation import complete_duty

# Typical terms of a Finnish state grant; a decision letter's own terms would replace these.
ACCEPTANCE = "grant-acceptance"
REVISED_PLAN = "revised-plan"
STEERING_GROUP = "steering-group"
ANNUAL_REPORT_DUE = (3, 31)  # the previous year's report, by 31 March
FINAL_REPORT_MONTHS = 4  # after the grant period ends


def due(day: date) -> datetime:
    """A due date as the end of office hours on it, moved by the act-time rule."""
    return local_instant(act_time_day(day), OFFICE_HOURS_END, field="due")


def startup_duties(app: Application, decision: Decision) -> list[Duty]:
    """What the grantee owes before and at start-up; a partial grant also needs a revised plan."""
    decided = decision.decided_at.astimezone(HELSINKI).date()
    checklist = [(ACCEPTANCE, "Acceptance of the grant and its terms", 30)]
    if decision.outcome == Outcome.PARTIAL:
        checklist.append((REVISED_PLAN, "Project plan and budget revised to the granted amount", 60))
    checklist.append((STEERING_GROUP, "Project steering group appointed", 90))
    return [
        Duty(application_id=app.id, kind=kind, title=title, phase=DutyPhase.STARTUP, due_at=due(decided + timedelta(days=days)))
        for kind, title, days in checklist
    ]


def reporting_duties(app: Application, start: date, end: date) -> list[Duty]:
    """An annual report for each year of the period that ends before it does, then a final report."""
    month, day = ANNUAL_REPORT_DUE
    duties = [
        Duty(
            application_id=app.id,
            kind=f"annual-report-{year}",
            title=f"Annual report {year}",
            phase=DutyPhase.REPORTING,
            due_at=due(date(year + 1, month, day)),
        )
        for year in range(start.year, end.year)
    ]
    final_month = end.month + FINAL_REPORT_MONTHS + 1  # the first day of the month after, less one day
    final_day = date(end.year + (final_month - 1) // 12, (final_month - 1) % 12 + 1, 1) - timedelta(days=1)
    duties.append(
        Duty(application_id=app.id, kind="final-report", title="Final report", phase=DutyPhase.REPORTING, due_at=due(final_day))
    )
    return duties


def unaccepted(session: Session, app: Application) -> Duty | None:
    """The acceptance of the grant, while it is still owed: a project cannot start before it."""
    return next((d for d in repo.duties(session, app.id, DutyPhase.STARTUP) if d.kind == ACCEPTANCE and d.done_at is None), None)


def start_project(session: Session, application_id: str, *, at: datetime, actor: str) -> tuple[Project, DomainEvent]:
    """Start a granted project once its grant is accepted: the project row, reporting duties, STARTED."""
    app = repo.application(session, application_id)
    record = f"application {app.id}"
    if app.stage not in (Stage.GRANTED, Stage.PARTIALLY_GRANTED):
        raise RuleViolation("stage", f"only a granted application can start (it is {app.stage.value})", record=record)
    decision = repo.decision_of(session, app.id)
    if decision is None or decision.period_start is None or decision.period_end is None:
        raise RuleViolation("decision", "a started project needs a decision with a grant period", record=record)
    pending = unaccepted(session, app)
    if pending is not None:
        raise RuleViolation(f"documents[{ACCEPTANCE}]", f"{pending.title} has not been delivered", record=record)
    project = Project(
        application_id=app.id, name=app.title, period_start=decision.period_start, period_end=decision.period_end, started_at=at
    )
    session.add(project)
    session.add_all(reporting_duties(app, decision.period_start, decision.period_end))
    event = transition(
        session,
        app,
        Stage.STARTED,
        actor=actor,
        at=at,
        payload={"period_start": decision.period_start.isoformat(), "period_end": decision.period_end.isoformat()},
    )
    return project, event


class ProjectStart(BaseModel):
    """What a start-up attempt found: started now, started before, or waiting for the acceptance."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    project: Project | None = None
    started_now: bool = False
    waiting_for: Duty | None = None


def begin_project(session: Session, application_id: str, *, at: datetime, actor: str) -> ProjectStart:
    """Start the project once its grant is accepted, and only once: a started one is left as it is, an unaccepted one waits."""
    app = repo.application(session, application_id)
    if app.stage == Stage.STARTED:
        return ProjectStart(project=session.exec(select(Project).where(Project.application_id == app.id)).first())
    if app.stage in (Stage.GRANTED, Stage.PARTIALLY_GRANTED) and (pending := unaccepted(session, app)) is not None:
        return ProjectStart(waiting_for=pending)
    project, _ = start_project(session, application_id, at=at, actor=actor)
    return ProjectStart(project=project, started_now=True)


def accept_grant(session: Session, application_id: str, *, at: datetime, actor: str) -> Duty:
    """The grantee accepts the grant and its terms: the acceptance duty done, which lets the project start and makes the first instalments due."""
    app = repo.application(session, application_id)
    if app.stage not in (Stage.GRANTED, Stage.PARTIALLY_GRANTED, Stage.STARTED):
        raise RuleViolation("stage", f"only a granted application can be accepted (it is {app.stage.value})", record=f"application {app.id}")
    duty = complete_duty(session, application_id, ACCEPTANCE, at=at, actor=actor)
    instalments_due(session, app.id, Trigger.GRANT_ACCEPTED, at=at, actor=actor)
    return duty
