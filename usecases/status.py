"""Where things stand: every call's applications, the database's clock, the events still to be relayed, a call's allocation."""

from __future__ import annotations

from pydantic import BaseModel

from domain import repository as repo
from domain.allocation import AllocationRow, allocation_rows
from domain.clock import clock_mode
from domain.model import ClockMode
from domain.status import ClockStatus, StatusReport, call_statuses, unrelayed_events
from usecases.context import reading

CLOCK_SAYS = {
    ClockMode.SYSTEM: "every step happens when it is run; explicit instants (--at, --now) are refused",
    ClockMode.REPLAY: "explicit instants replay history; every event is recorded as replayed",
}


class ApplicationRef(BaseModel):
    id: str
    call_id: str
    applicant_id: str
    title: str


def clock_status(mode: ClockMode) -> ClockStatus:
    return ClockStatus(mode=mode, says=CLOCK_SAYS[mode])


def overview() -> StatusReport:
    with reading() as session:
        return StatusReport(clock=clock_status(clock_mode(session)), calls=call_statuses(session), unrelayed_events=unrelayed_events(session))


def allocation(call_id: str) -> list[AllocationRow]:
    """A call's allocation: each application followed by its sub-area lines and participants; NotFound names CALL."""
    with reading() as session:
        return allocation_rows(session, call_id)


def application_ref(application_id: str) -> ApplicationRef:
    """An application's id, call and applicant, or NotFound: what a run is named and tagged by."""
    with reading() as session:
        app = repo.application(session, application_id)
        return ApplicationRef(id=app.id, call_id=app.call_id, applicant_id=app.applicant_id, title=app.title)
