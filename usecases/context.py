"""What every use case shares: the database engine, the acting name and the step's instant."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from uuid import UUID

from pydantic import BaseModel
from sqlalchemy.engine import Engine
from sqlmodel import Session

from domain.clock import step_instant
from domain.store import make_engine, unit_of_work
from usecases.settings import get_settings


class When(BaseModel):
    """When a step happens: now by default; `stated` replays history on a replay database only.

    `triggered_by` is the domain event whose relay started the step: on a replay database the step
    happens at that event's recorded instant. `field` names the option or parameter in refusals.
    """

    stated: datetime | None = None
    triggered_by: UUID | None = None
    field: str = "at"

    def instant(self, session: Session) -> datetime:
        return step_instant(session, self.stated, field=self.field, triggered_by=self.triggered_by)


NOW = When()


@lru_cache(maxsize=4)
def _engine(url: str) -> Engine:
    return make_engine(url)


def engine() -> Engine:
    return _engine(get_settings().database())


def actor() -> str:
    return get_settings().actor


@contextmanager
def changing() -> Iterator[Session]:
    """One step's unit of work: everything it changes, its events and its outbox rows, or nothing."""
    with unit_of_work(engine()) as session:
        yield session


@contextmanager
def reading() -> Iterator[Session]:
    """A read-only look at the state; nothing is committed."""
    with Session(engine()) as session:
        yield session


def moment(when: When = NOW) -> datetime:
    """The instant a step would happen at, by the database's clock (refused as `when.field` if not allowed)."""
    with reading() as session:
        return when.instant(session)
