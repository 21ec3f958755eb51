"""Preparation: documents delivered, and what still stands between an application and its submission."""

from __future__ import annotations

from domain.preparation import Readiness, complete_duty, readiness
from usecases.context import NOW, When, actor, changing


def deliver_documents(application_id: str, kinds: list[str], when: When = NOW) -> Readiness:
    """Record the documents (duty kinds) as delivered, all or none, and report readiness after them."""
    with changing() as session:
        at = when.instant(session)
        for kind in kinds:
            complete_duty(session, application_id, kind, at=at, actor=actor())
        session.flush()
        return readiness(session, application_id)
