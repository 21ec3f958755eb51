"""Submission: the guarded move to SUBMITTED with receipts; a closed call's review; a withdrawal."""

from __future__ import annotations

from datetime import datetime

from prefect import flow, get_run_logger
from prefect.artifacts import acreate_markdown_artifact

from domain.formatting import format_instant
from flows.runtime import deliver_notifications, delivery_failure, label_run, needs_operator, refreshes_home, refused, step
from usecases import submission as usecase
from usecases.context import When
from usecases.submission import ReviewResult, SubmissionResult, WithdrawalResult

submit = step(name="submit-application")(usecase.submit)
begin_review = step(name="begin-review")(usecase.start_review)
begin_due_reviews = step(name="begin-due-reviews")(usecase.start_due_reviews)
withdraw = step(name="withdraw-application")(usecase.withdraw)


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
@refreshes_home
async def submission(application_id: str, at: datetime | None = None) -> SubmissionResult:
    """Submit now; `at` replays a past submission and is taken on a replay database only."""
    await label_run(application_id)
    result = await submit(application_id, When(stated=at))
    await acreate_markdown_artifact(submission_markdown(result), key=f"submission-{application_id}", description="Submission")
    if not result.accepted:
        get_run_logger().warning("Submission of %s refused: %s", application_id, "; ".join(result.problems))
        return refused(result, "; ".join(result.problems))
    assert result.submitted_at is not None
    if why := delivery_failure(await deliver_notifications(result.notifications, result.submitted_at)):
        return needs_operator(result, why)
    return result


def _review_name() -> str:
    from prefect.runtime import flow_run

    return f"review/{flow_run.parameters.get('call_id') or 'closed-calls'}"


@flow(name="review", flow_run_name=_review_name)
@refreshes_home
async def review(call_id: str | None = None, at: datetime | None = None) -> list[ReviewResult]:
    """After a call closes, its submitted applications go under review; without a call, every call that has closed."""
    if call_id is not None:
        return [await begin_review(call_id, When(stated=at))]
    return await begin_due_reviews(When(stated=at))


@flow(name="withdrawal", flow_run_name="withdraw/{application_id}")
@refreshes_home
async def withdrawal(application_id: str, reason: str, at: datetime | None = None) -> WithdrawalResult:
    """The applicant withdraws an application not yet decided; its reminders stop."""
    await label_run(application_id)
    result = await withdraw(application_id, reason, When(stated=at))
    await acreate_markdown_artifact(f"# {application_id} withdrawn\n\nFrom stage {result.from_stage} at {format_instant(result.at)}.\n\n> {reason}",
                                    key=f"withdrawal-{application_id}", description="Withdrawal")
    return result
