"""What every stage flow shares: the engine, the clock, run labels and notification delivery."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, ParamSpec, TypeVar
from uuid import UUID

from prefect import Task, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.context import FlowRunContext
from sqlalchemy.engine import Engine
from sqlmodel import Session

from domain import repository as repo
from domain.clock import step_instant
from domain.model import Application
from domain.store import make_engine, unit_of_work
from grantflow.settings import get_settings
from notifications.delivery import DeliveryReport, acknowledge_doubt, deliver

P = ParamSpec("P")
R = TypeVar("R")


def step(name: str) -> Callable[[Callable[P, R]], Task[P, Coroutine[Any, Any, R]]]:
    """A Prefect task around a sync step: awaited, its body runs in a thread.

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


@lru_cache(maxsize=4)
def _engine(url: str) -> Engine:
    return make_engine(url)


def engine() -> Engine:
    return _engine(get_settings().database())


def instant(stated: datetime | None, *, field: str) -> datetime:
    """The step's instant by the database's clock: the system clock's, a stated one only on a replay database."""
    with Session(engine()) as session:
        return step_instant(session, stated, field=field)


def actor() -> str:
    return get_settings().actor


async def begin_stage(application_id: str, at: datetime | None, *, triggered_by: UUID | None = None) -> datetime:
    """Fix the step's instant by the database's clock, check the application exists, and tag the run with its call and applicant.

    `triggered_by` is the domain event whose relay started the run: on a replay database the run
    happens at that event's recorded instant, on the system clock when it runs.
    """
    with unit_of_work(engine()) as session:
        moment = step_instant(session, at, field="at", triggered_by=triggered_by)
        await label_run(repo.application(session, application_id))
    return moment


async def label_run(app: Application) -> None:
    """Tag the current flow run with the application's call and applicant, however it was started."""
    context = FlowRunContext.get()
    if context is None or context.flow_run is None:
        return
    tags = sorted({*context.flow_run.tags, f"call:{app.call_id}", f"applicant:{app.applicant_id}"})
    async with get_client() as client:
        await client.update_flow_run(context.flow_run.id, tags=tags)


@step(name="deliver-notifications")
def deliver_notifications(keys: list[str], at: datetime | None = None) -> DeliveryReport:
    """Send the outbox rows `keys` through Apprise; each is marked as it goes, undelivered ones wait for a retry."""
    logger = get_run_logger()
    settings = get_settings()
    channels = settings.channels()
    if channels.email_url is None and channels.config is None:
        logger.warning("No channel is configured (GRANTFLOW_EMAIL_URL, GRANTFLOW_APPRISE_CONFIG); %d message(s) stay in the outbox", len(keys))
        return DeliveryReport()
    report = deliver(engine(), channels, at or datetime.now(UTC), keys=keys, policy=settings.retry_policy())
    if report.retrying or report.failed:
        first = next(iter(report.errors.values()), "")
        logger.warning("%d message(s) not delivered, kept for retry: %s", len(report.retrying) + len(report.failed), first)
    if report.halted:
        logger.error("Delivery stopped: %s", report.halted)
    if report.in_doubt or report.resent:
        logger.warning("%d message(s) in doubt, may have arrived (each is resent once with the same Message-ID): %s; "
                       "resent in doubt, may have arrived twice: %s", len(report.in_doubt), ", ".join(report.in_doubt),
                       ", ".join(report.resent) or "none")
        acknowledge_doubt(engine(), sorted({*report.in_doubt, *report.resent}))
    return report
