"""What every stage flow shares: steps run in threads, run labels, and notification delivery."""

from __future__ import annotations

import asyncio
import functools
import inspect
import typing
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime
from typing import Annotated, Any, ParamSpec, TypeVar, cast

from prefect import Task, get_run_logger, task
from prefect.artifacts import acreate_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import State
from prefect.context import FlowRunContext
from prefect.states import Completed, Failed
from pydantic import WithJsonSchema

from notifications.delivery import DeliveryReport
from usecases import outbox
from usecases.home import home
from usecases.operators import NEEDS_AN_OPERATOR, REFUSED
from usecases.status import application_ref

P = ParamSpec("P")
R = TypeVar("R")

# A run's `now`: empty is the real now. The UI shows the anyOf's first choice, so "now" comes first; an instant
# is only for a replay database (the database refuses it otherwise), and the picker sends it with its UTC offset.
StatedNow = Annotated[datetime | None, WithJsonSchema({
    "anyOf": [{"type": "null", "title": "now"}, {"type": "string", "format": "date-time", "title": "a replayed instant"}],
    "description": "Leave at `now` to run at the real now. A replayed instant (date, time and zone) is taken on a replay database "
                   "only, and a real run never at an instant not yet reached.",
})]


def step(name: str) -> Callable[[Callable[P, R]], Task[P, Coroutine[Any, Any, R]]]:
    """A Prefect task around a sync use case: awaited, its body runs in a thread.

    Many flow runs share the worker's event loop, so a step's database work or SMTP sends must not
    stall the others; being async, the task uses its flow's API client instead of opening one per
    call. Every step changes or reads live state: never served from a cache.
    """

    def wrap(body: Callable[P, R]) -> Task[P, Coroutine[Any, Any, R]]:
        @functools.wraps(body)
        async def run(*args: P.args, **kwargs: P.kwargs) -> R:
            return await asyncio.to_thread(body, *args, **kwargs)

        return task(name=name, cache_policy=NO_CACHE)(run)

    return wrap


async def idle(stop: asyncio.Event, seconds: float) -> None:
    """Wait `seconds`, or less if `stop` is set meanwhile: the pause of a polling loop that must stop promptly."""
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass


async def add_tags(*tags: str) -> None:
    """Add tags to the current flow run, however it was started."""
    context = FlowRunContext.get()
    if context is None or context.flow_run is None:
        return
    async with get_client() as client:
        await client.update_flow_run(context.flow_run.id, tags=sorted({*context.flow_run.tags, *tags}))


async def label_run(application_id: str) -> None:
    """Tag the run with the application's call and applicant; an unknown application is refused here, before any step."""
    ref = await asyncio.to_thread(application_ref, application_id)
    await add_tags(f"call:{ref.call_id}", f"applicant:{ref.applicant_id}")


def log_delivery(report: DeliveryReport) -> None:
    """What needs an operator: messages given up or in doubt, a delivery that stopped."""
    logger = get_run_logger()
    if report.halted:
        logger.error("Delivery stopped: %s", report.halted)
    if report.retrying:
        logger.warning("%d message(s) not delivered, kept for retry: %s", len(report.retrying), next(iter(report.errors.values()), ""))
    if report.failed:
        logger.error("%d message(s) failed for good: %s", len(report.failed), ", ".join(report.failed))
    if report.in_doubt:
        logger.warning("%d message(s) in doubt, may have arrived (each is resent once with the same Message-ID): %s",
                       len(report.in_doubt), ", ".join(report.in_doubt))
    if report.resent:
        logger.warning("%d message(s) in doubt were resent with the same Message-ID and may have arrived twice: %s",
                       len(report.resent), ", ".join(report.resent))


@task(name="deliver-notifications", cache_policy=NO_CACHE)
async def deliver_notifications(keys: list[str], at: datetime) -> DeliveryReport:
    """Send the outbox rows a step queued; undelivered ones wait for a retry, and the log says why."""
    if keys and not outbox.channel_configured():
        get_run_logger().warning("%d message(s) stay in the outbox: %s", len(keys), outbox.NO_CHANNEL)
        return DeliveryReport()
    report = await asyncio.to_thread(outbox.send_notifications, keys, at)
    log_delivery(report)
    await asyncio.to_thread(outbox.doubt_reported, sorted({*report.in_doubt, *report.resent}))
    return report


# Run states an operator can tell apart on the Runs page: a step refused or a notice given up fails the
# run (the Dashboard counts it), a step waiting for another is Completed under a name of its own.
def refused(result: R, why: str) -> R:
    """End the run Failed ("Refused"), carrying the step's result for the caller."""
    return cast(R, Failed(name=REFUSED, message=why, data=result))


def needs_operator(result: R, why: str) -> R:
    """End the run Failed: its step was done, but something (notices given up, reminders not planned) needs an operator."""
    return cast(R, Failed(name=NEEDS_AN_OPERATOR, message=why, data=result))


def waiting(result: R, why: str) -> R:
    """End the run Completed as "Waiting": nothing failed, the step waits for another one (its trigger starts it again)."""
    return cast(R, Completed(name="Waiting", message=why, data=result))


def delivery_failure(report: DeliveryReport) -> str | None:
    """Why a delivery needs an operator: sending stopped, notices given up, or none of those due delivered; None otherwise."""
    if report.halted:
        return f"delivery stopped: {report.halted}"
    if report.failed:
        return f"{len(report.failed)} notice(s) failed for good and need an operator (`grantflow outbox`): {next(iter(report.errors.values()), '')}"
    if report.nothing_delivered:
        # The channel itself is down: the notices will be retried, but an operator should know now, not when they are given up.
        return (f"none of the {report.attempted} notice(s) due could be delivered; they are retried, `grantflow outbox` lists them: "
                f"{next(iter(report.errors.values()), '')}")
    return None


async def settled(run: Awaitable[State[R]]) -> R:
    """The result of a flow called with `return_state=True`, whether the run completed or ended Failed with a result."""
    state = await run
    data = await state.result(raise_on_failure=False)  # type: ignore[misc]
    if isinstance(data, BaseException):
        raise data
    return cast(R, data)


HOME_KEY = "operator-home"


async def refresh_home() -> None:
    """The operators' home page artifact, under its one key, as things stand now: after every change and every sweep."""
    rows = await asyncio.to_thread(home)
    await acreate_table_artifact([row.model_dump() for row in rows] or [{"call": "no calls yet: import a scenario"}], key=HOME_KEY,
                                 description="grantflow: per call, the stages, what waits for a decision, overdue duties, failed notices "
                                             "and the next sweep's planned sends")


def refreshes_home(body: Callable[P, Coroutine[Any, Any, R]]) -> Callable[P, Coroutine[Any, Any, R]]:
    """A flow body after which the home page is refreshed, however it ends (a failed run's state included)."""

    @functools.wraps(body)
    async def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await body(*args, **kwargs)
        finally:
            await refresh_home()

    # Prefect reads a flow's parameters from its annotations: resolved here, in the body's module, where
    # the names they use are defined (this module's globals are not the body's).
    run.__annotations__ = typing.get_type_hints(body, include_extras=True)
    run.__signature__ = inspect.signature(body, eval_str=True)  # type: ignore[attr-defined]
    return run
