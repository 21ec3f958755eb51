"""A worker that runs the work pool's flow runs inside its own process, as soon as they are due.

Prefect's process worker starts a Python process per run (seconds each here); grantflow's flows
are async and short, so one process runs them side by side and a triggered run starts in well
under a second.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from prefect import Flow
from prefect.client.orchestration import PrefectClient, get_client
from prefect.client.schemas.objects import FlowRun
from prefect.exceptions import Abort, Pause
from prefect.flow_engine import run_flow
from prefect.states import Pending
from prefect.utilities.engine import propose_state

from flows import prefect_patches
from flows.runtime import idle

HEARTBEAT = timedelta(seconds=30)


class InProcessWorker:
    """Polls one work pool and runs each due flow run of a known deployment, at most `limit` at once."""

    def __init__(self, pool: str, flows: dict[UUID, Flow[..., Any]], *, name: str = "grantflow-serve", poll: float = 0.25,
                 limit: int = 16, logger: logging.Logger | None = None) -> None:
        self.pool, self.flows, self.name, self.poll = pool, flows, name, poll
        self.slots = asyncio.Semaphore(limit)
        self.running: dict[UUID, asyncio.Task[None]] = {}
        self.logger = logger or logging.getLogger("grantflow.worker")

    async def run(self, stop: asyncio.Event) -> None:
        prefect_patches.apply()
        async with get_client() as client:
            last_beat = datetime.min.replace(tzinfo=UTC)
            while not stop.is_set():
                now = datetime.now(UTC)
                try:
                    if now - last_beat > HEARTBEAT:
                        await client.send_worker_heartbeat(self.pool, self.name, heartbeat_interval_seconds=HEARTBEAT.total_seconds())
                        last_beat = now
                    due = await client.get_scheduled_flow_runs_for_work_pool(self.pool, scheduled_before=now)
                except Exception as exc:  # noqa: BLE001 - the server may be restarting; runs wait for us
                    self.logger.warning("work pool %s not reachable: %s", self.pool, type(exc).__name__)
                    due = []
                for item in due:
                    run = item.flow_run
                    if run.id not in self.running and run.deployment_id in self.flows:
                        self.running[run.id] = asyncio.create_task(self._execute(client, run))
                await idle(stop, self.poll)
            if self.running:
                # Runs in progress finish; new ones wait in the work pool for the next start.
                await asyncio.gather(*self.running.values(), return_exceptions=True)

    async def _execute(self, client: PrefectClient, run: FlowRun) -> None:
        try:
            async with self.slots:
                try:
                    state = await propose_state(client, Pending(), flow_run_id=run.id)
                except Abort:
                    return  # another worker took it
                if not state.is_pending():
                    return
                flow = self.flows[run.deployment_id]  # type: ignore[index]
                fresh = await client.read_flow_run(run.id)
                if flow.isasync:
                    await run_flow(flow, flow_run=fresh, return_type="state")  # type: ignore[misc]
                else:
                    await asyncio.to_thread(run_flow, flow, flow_run=fresh, return_type="state")
        except Pause:
            pass  # suspended for input: it waits in Prefect, and its resumption is scheduled like any run
        except Exception:  # noqa: BLE001 - the run's own state records its failure; the worker goes on
            self.logger.exception("flow run %s could not be executed", run.id)
        finally:
            self.running.pop(run.id, None)
