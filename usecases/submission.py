"""Submission and review: the guarded move to SUBMITTED with receipts, a withdrawal, and a closed call's review."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from domain import repository as repo
from domain.errors import GrantflowError, ValidationFailed
from domain.submission import begin_review, closed_calls_with_submissions, submit_application
from domain.withdrawal import withdraw_application
from notifications.messages import submitted_messages
from notifications.outbox import enqueue
from usecases.context import NOW, When, actor, changing


class SubmissionResult(BaseModel):
    application_id: str
    accepted: bool
    problems: list[str] = []
    notifications: list[str] = []
    submitted_at: datetime | None = None
    # Whether the instant was a replayed one, and when the submission was really written.
    replayed: bool | None = None
    recorded_at: datetime | None = None


class ReviewResult(BaseModel):
    call_id: str
    at: datetime
    under_review: list[str]


class WithdrawalResult(BaseModel):
    application_id: str
    at: datetime
    from_stage: str


def submit(application_id: str, when: When = NOW) -> SubmissionResult:
    """Submit and queue the receipts in one transaction; a refusal changes nothing and says every reason."""
    with changing() as session:
        # An instant the database's clock refuses is an error of the caller, not a refusal of the submission.
        at = when.instant(session)
        try:
            event = submit_application(session, application_id, at=at, actor=actor())
            keys = enqueue(session, submitted_messages(session, repo.application(session, application_id), at), at=at)
        except (ValidationFailed, GrantflowError) as refused:
            session.rollback()
            problems = [p.message for p in refused.problems] if isinstance(refused, ValidationFailed) else [refused.message]
            return SubmissionResult(application_id=application_id, accepted=False, problems=problems)
    return SubmissionResult(application_id=application_id, accepted=True, notifications=keys, submitted_at=event.occurred_at,
                            replayed=event.replayed, recorded_at=event.recorded_at)


def start_review(call_id: str, when: When = NOW) -> ReviewResult:
    """After the call closes, its submitted applications go under review (refused before the deadline)."""
    with changing() as session:
        at = when.instant(session)
        events = begin_review(session, call_id, at=at, actor=actor())
        return ReviewResult(call_id=call_id, at=at, under_review=[e.application_id for e in events])


def start_due_reviews(when: When = NOW) -> list[ReviewResult]:
    """Every call closed by now whose submitted applications still wait for their review, in one unit of work."""
    with changing() as session:
        at = when.instant(session)
        return [ReviewResult(call_id=call_id, at=at, under_review=[e.application_id for e in begin_review(session, call_id, at=at, actor=actor())])
                for call_id in closed_calls_with_submissions(session, at)]


def withdraw(application_id: str, reason: str, when: When = NOW) -> WithdrawalResult:
    """The applicant withdraws an application not yet decided; its reminders stop."""
    with changing() as session:
        at = when.instant(session)
        event = withdraw_application(session, application_id, reason=reason, at=at, actor=actor())
        assert event.from_stage is not None
        return WithdrawalResult(application_id=application_id, at=at, from_stage=event.from_stage.value)
