"""Deadline extensions: an officer moves a duty's deadline later; the reminders follow the new date."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from domain.deadlines import extend_duty
from usecases.context import NOW, When, actor, changing


class ExtensionResult(BaseModel):
    application_id: str
    kind: str
    title: str
    due_at: datetime
    at: datetime


def extend(application_id: str, kind: str, due_at: datetime, reason: str, when: When = NOW) -> ExtensionResult:
    """Move the duty `kind` of the application to `due_at`, with the reason; refused if it would not be later."""
    with changing() as session:
        at = when.instant(session)
        duty = extend_duty(session, application_id, kind, due_at=due_at, reason=reason, at=at, actor=actor())
        return ExtensionResult(application_id=application_id, kind=kind, title=duty.title, due_at=duty.due_at, at=at)
