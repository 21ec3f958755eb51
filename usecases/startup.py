"""Start-up: the grant accepted, then the project started in its grant period with its reporting deadlines."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from domain import repository as repo
from domain.formatting import format_date, format_instant
from domain.model import DutyPhase
from domain.startup import accept_grant, begin_project
from notifications.messages import started_messages
from notifications.outbox import enqueue
from usecases.context import NOW, When, actor, changing


class AcceptanceResult(BaseModel):
    application_id: str
    accepted_at: datetime
    # False when the acceptance was already recorded: this call changed nothing.
    accepted_now: bool


class StartupResult(BaseModel):
    application_id: str
    started: bool
    # False when an earlier run started it: this one changed nothing.
    started_now: bool = False
    project: str = ""
    period: str = ""
    reporting: list[str] = []
    waiting_for: str | None = None
    notifications: list[str] = []
    at: datetime


def accept(application_id: str, when: When = NOW) -> AcceptanceResult:
    """The grantee accepts the grant and its terms; the project can start from then on."""
    with changing() as session:
        at = when.instant(session)
        duty = accept_grant(session, application_id, at=at, actor=actor())
        assert duty.done_at is not None
        return AcceptanceResult(application_id=application_id, accepted_at=duty.done_at, accepted_now=duty.done_at == at)


def start(application_id: str, when: When = NOW) -> StartupResult:
    """Start the project once its grant is accepted, with reporting duties and a notice to every party; only once."""
    with changing() as session:
        at = when.instant(session)
        begun = begin_project(session, application_id, at=at, actor=actor())
        if begun.waiting_for is not None:
            pending = begun.waiting_for
            return StartupResult(application_id=application_id, started=False, waiting_for=f"{pending.title}, due {format_instant(pending.due_at)}", at=at)
        project = begun.project
        assert project is not None
        result = StartupResult(application_id=application_id, started=True, started_now=begun.started_now, project=project.name,
                               period=f"{format_date(project.period_start)}–{format_date(project.period_end)}", at=at)
        if begun.started_now:
            app = repo.application(session, application_id)
            result.notifications = enqueue(session, started_messages(session, app, project, at), at=at)
            session.flush()
            result.reporting = [f"{d.title}: {format_instant(d.due_at)}" for d in repo.duties(session, app.id, DutyPhase.REPORTING)]
        return result
