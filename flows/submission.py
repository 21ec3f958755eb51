"""Submission: the guarded move to SUBMITTED with a receipt to the applicant, and the review once a call closes."""

from __future__ import annotations

from datetime import datetime

from prefect import flow, get_run_logger
from prefect.artifacts import acreate_markdown_artifact
from pydantic import BaseModel

from domain import repository as repo
from domain.errors import GrantflowError, ValidationFailed
from domain.formatting import format_instant
from domain.store import unit_of_work
from domain.submission import begin_review, submit_application
from flows.runtime import actor, begin_stage, deliver_notifications, engine, instant, step
from notifications.messages import submitted_messages
from notifications.outbox import enqueue


class SubmissionResult(BaseModel):
    application_id: str
    accepted: bool
    problems: list[str] = []
    notifications: list[str] = []
    submitted_at: datetime | None = None
    # Whether the instant was a replayed one, and when the submission was really written.
    replayed: bool | None = None
    recorded_at: datetime | None = None


@step(name="submit-application")
def submit(application_id: str, at: datetime) -> SubmissionResult:
    """Submit and queue the receipts in one transaction; a refusal changes nothing and says why."""
    try:
        with unit_of_work(engine()) as session:
            event = submit_application(session, application_id, at=at, actor=actor())
            app = repo.application(session, application_id)
            keys = enqueue(session, submitted_messages(session, app, at), at=at)
    except ValidationFailed as refused:
        return SubmissionResult(application_id=application_id, accepted=False, problems=[p.message for p in refused.problems])
    except GrantflowError as refused:
        # Already submitted, or past submission: a refusal like any other, not a failed task with a traceback.
        return SubmissionResult(application_id=application_id, accepted=False, problems=[refused.message])
    return SubmissionResult(application_id=application_id, accepted=True, notifications=keys, submitted_at=event.occurred_at,
                            replayed=event.replayed, recorded_at=event.recorded_at)


def submission_markdown(result: SubmissionResult) -> str:
    """The submission artifact: accepted with its instant and the clock it came from, or refused with every reason."""
    if not result.accepted or result.submitted_at is None:
        return f"# Submission of {result.application_id} refused\n\n" + "\n".join(f"- {p}" for p in result.problems)
    if result.replayed:
        written = f", written {result.recorded_at.isoformat()}" if result.recorded_at else ""
        clock = f"replayed: the instant was stated on a replay database, not taken from the system clock{written}"
    else:
        clock = "the system clock"
    return (f"# {result.application_id} submitted\n\nSubmitted at {result.submitted_at.isoformat()} ({format_instant(result.submitted_at)}); "
            f"{len(result.notifications)} receipt(s) sent.\n\nClock: {clock}.")


@flow(name="submission", flow_run_name="submit/{application_id}")
async def submission(application_id: str, at: datetime | None = None) -> SubmissionResult:
    """Submit now; `at` replays a past submission and is taken on a replay database only."""
    moment = await begin_stage(application_id, at)
    result = await submit(application_id, moment)
    if result.accepted:
        await deliver_notifications(result.notifications, moment)
    else:
        get_run_logger().warning("Submission of %s refused: %s", application_id, "; ".join(result.problems))
    await acreate_markdown_artifact(submission_markdown(result), key=f"submission-{application_id}", description="Submission")
    return result


@step(name="begin-review")
def start_review(call_id: str, at: datetime) -> list[str]:
    with unit_of_work(engine()) as session:
        return [event.application_id for event in begin_review(session, call_id, at=at, actor=actor())]


@flow(name="review", flow_run_name="review/{call_id}")
async def review(call_id: str, at: datetime | None = None) -> list[str]:
    """After a call closes, its submitted applications go under review."""
    return await start_review(call_id, instant(at, field="at"))
