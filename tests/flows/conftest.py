import asyncio
import contextvars
import threading
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest
from prefect import Flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterState, FlowRunFilterStateType
from prefect.client.schemas.objects import StateType

from grantflow.prefect_server import PrefectServer


@pytest.fixture(autouse=True)
def _on_prefect_server(prefect_server: PrefectServer) -> None:
    """Every flow test runs against the session's Prefect server."""


@pytest.fixture(scope="session")
def deployments(prefect_server: PrefectServer) -> dict[UUID, Flow[..., Any]]:
    """prefect.yaml's deployments and triggers, registered once with the session's server."""
    from flows.deployments import apply_deployments

    async def apply() -> dict[UUID, Flow[..., Any]]:
        async with get_client() as client:
            return await apply_deployments(client)

    return asyncio.run(apply())


async def _clear_waiting_runs() -> None:
    """Runs an earlier test's events scheduled must not run against this test's database."""
    async with get_client() as client:
        runs = await client.read_flow_runs(flow_run_filter=FlowRunFilter(
            state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED, StateType.PENDING, StateType.PAUSED]))))
        for run in runs:
            await client.delete_flow_run(run.id)


@pytest.fixture
def served(database_url: str, deployments: dict[UUID, Flow[..., Any]]) -> Iterator[None]:
    """What `grantflow serve` runs beside the server: the in-process worker and the event relay, on this test's database.

    Ask for it after the fixture that fills the database (replaying or on the system clock)."""
    from flows.relay import relay_forever
    from flows.worker import InProcessWorker
    from grantflow.database import open_database

    engine = open_database(database_url)
    asyncio.run(_clear_waiting_runs())
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    async def services() -> None:
        await asyncio.gather(InProcessWorker("grantflow", deployments, poll=0.1).run(stop), relay_forever(stop, interval=0.1))

    # The thread runs in a copy of this context, where the session's server is the Prefect API.
    context = contextvars.copy_context()
    thread = threading.Thread(target=context.run, args=(loop.run_until_complete, services()), daemon=True)
    thread.start()
    yield
    loop.call_soon_threadsafe(stop.set)
    thread.join(timeout=60)
    loop.close()
    engine.dispose()
