"""The relay's part in the database: the domain events not yet taken by Prefect, and marking them taken."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, func, select

from domain.model import Application, DomainEvent
from domain.status import unrelayed_events
from usecases.context import engine, reading


def pending_events(limit: int) -> list[tuple[DomainEvent, Application]]:
    """The oldest unrelayed events with their applications, in the order they were written."""
    with reading() as session:
        query = (
            select(DomainEvent, Application)
            .join(Application, col(Application.id) == col(DomainEvent.application_id))
            .where(col(DomainEvent.relayed_at).is_(None))
            .order_by(col(DomainEvent.id))
            .limit(limit)
        )
        return [(event, app) for event, app in session.exec(query)]


def mark_relayed(ids: list[int], at: datetime) -> None:
    """Only after Prefect's API has taken them: a crash before this sends them again, with the same event ids."""
    with engine().begin() as connection:
        connection.execute(update(DomainEvent).where(col(DomainEvent.id).in_(ids)).values(relayed_at=at))


def waiting_events() -> int:
    with reading() as session:
        return unrelayed_events(session)


def relayed_counts() -> dict[str, int]:
    """How many events of each name Prefect has taken."""
    with reading() as session:
        query = select(DomainEvent.name, func.count()).where(col(DomainEvent.relayed_at).is_not(None)).group_by(col(DomainEvent.name))
        return {name: count for name, count in session.exec(query)}
