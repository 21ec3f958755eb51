"""Whose clock a step runs on. A step happens when it is run, by the system clock; a stated instant
replays history, and only a replay database (the demo's, a test's, one made to import a past) takes one.

Which is which is the database's to say, not the caller's: every database runs on the system clock
unless it was made a replay database while it held no application, and it never changes after. A
production database is never a replay one by accident: nothing but that deliberate choice on an
empty database makes it one, and every event written on it is recorded as replayed.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlmodel import Session, col, func, select

from domain.errors import NotFound, RuleViolation
from domain.formatting import format_instants
from domain.model import Application, ClockMode, DatabaseClock, DomainEvent

_CACHED = "grantflow.clock"


def system_now() -> datetime:
    """The system clock: the instant of every step on a database that is not a replay one."""
    return datetime.now(UTC)


def clock_mode(session: Session) -> ClockMode:
    """The database's clock; a database without the clock row predates it and runs on the system clock."""
    if _CACHED not in session.info:
        row = session.get(DatabaseClock, 1)
        session.info[_CACHED] = row.mode if row is not None else ClockMode.SYSTEM
    mode: ClockMode = session.info[_CACHED]
    return mode


def replaying(session: Session) -> bool:
    return clock_mode(session) == ClockMode.REPLAY


def choose_clock(session: Session, mode: ClockMode) -> DatabaseClock:
    """Set the database's clock; only while it holds no application, so history never mixes the two clocks."""
    row = session.get(DatabaseClock, 1) or DatabaseClock(id=1, mode=ClockMode.SYSTEM, chosen_at=system_now())
    if row.mode == mode:
        return row
    applications = session.exec(select(func.count()).select_from(Application)).one()
    if applications:
        raise RuleViolation(
            "clock",
            f"this database runs on the {row.mode.value} clock and holds {applications} application(s); "
            "a database's clock is chosen while it holds no application and never changed after",
            record="database",
        )
    row.mode, row.chosen_at = mode, system_now()
    session.add(row)
    session.info[_CACHED] = mode
    return row


def step_instant(session: Session, stated: datetime | None, *, field: str, triggered_by: uuid.UUID | None = None) -> datetime:
    """The instant of a step: the system clock's; a stated one only on a replay database, else refused naming `field`.

    A run triggered by a domain event takes, on a replay database, that event's recorded instant: the
    database's own record, not the caller's word, so the replay goes on at the instant its history says.
    """
    if stated is not None:
        if not replaying(session):
            raise RuleViolation(
                field,
                "an explicit instant replays history, and this database runs on the system clock: "
                f"a step happens when it is run, so leave out {field} (only a replay database, "
                "made one with `grantflow db clock replay` while empty, takes explicit instants)",
            )
        if stated.tzinfo is None:
            raise RuleViolation(field, "give the time with a UTC offset, e.g. 2020-04-30T16:14:00+03:00")
        return stated
    if triggered_by is not None and replaying(session):
        cause = session.exec(select(DomainEvent).where(col(DomainEvent.event_id) == triggered_by)).first()
        if cause is None:
            raise NotFound("triggered_by", f"no domain event with id {triggered_by}")
        return cause.occurred_at
    return system_now()


def ensure_reached(instant: datetime, *, field: str) -> datetime:
    """An instant at which messages really go out must have been reached, on a replay database too: a sweep
    stated ahead would send early and schedule every pending retry from an instant still to come."""
    now = system_now()
    if instant > now:
        ahead, current = format_instants(instant, now)
        raise RuleViolation(field, f"{ahead} is not yet reached (it is now {current}): a real run sends at its instant and schedules retries "
                                   f"from it, so leave out {field} to run now, or make it a dry run to look ahead")
    return instant
