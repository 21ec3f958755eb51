"""Everything an operator needs on one machine: a Prefect server, grantflow's deployments, a worker and the relay."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from pathlib import Path

from prefect.client.orchestration import get_client
from prefect.settings import temporary_settings

from grantflow.database import open_database
from grantflow.doors import forget_served, record_served
from grantflow.prefect_server import PrefectServer
from usecases.settings import get_settings

logger = logging.getLogger("grantflow.serve")


async def run_services(stop: asyncio.Event, *, ready: Callable[[int], None] | None = None, poll: float = 0.25) -> None:
    """Register the deployments, then run the worker and the relay against the current Prefect API until `stop`."""
    from flows.deployments import apply_deployments, read_deployments
    from flows.relay import relay_forever
    from flows.worker import InProcessWorker

    open_database(get_settings().database())
    specs = read_deployments()
    async with get_client() as client:
        flows = await apply_deployments(client, specs)
    pools = {spec.work_pool.name for spec in specs}
    worker = InProcessWorker(pools.pop(), flows, poll=poll)
    if ready is not None:
        ready(len(flows))
    await asyncio.gather(worker.run(stop), relay_forever(stop, interval=poll))


def serve(home: Path, port: int, *, announce: Callable[[str], None]) -> None:
    """Start the Prefect server, serve until Ctrl-C (or SIGTERM), then stop the runs' intake, the relay and the server."""
    database = get_settings().prefect_database_url
    server = PrefectServer(home, port=port, database_url=database.get_secret_value() if database else None)
    announce(f"Starting the Prefect server on {server.ui_url} (state in {home}) …")
    with server, temporary_settings(server.client_settings()):
        stop = asyncio.Event()

        def ready(count: int) -> None:
            record_served(server.api_url, server.auth_file)
            announce(
                f"Serving {count} deployments from prefect.yaml; worker and event relay running.\n"
                f"Every grantflow command with this GRANTFLOW_HOME ({get_settings().home}) runs its steps here, shown in the UI.\n"
                f"The UI asks for the auth string kept in {server.auth_file} (readable by you alone): paste the whole line.\n"
                f"Other Prefect clients: PREFECT_API_URL={server.api_url} PREFECT_API_AUTH_STRING=\"$(cat {server.auth_file})\"\n"
                f"Prefect UI: {server.ui_url}   (Ctrl-C stops everything)"
            )

        async def main() -> None:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            try:
                await run_services(stop, ready=ready)
            finally:
                forget_served(server.api_url)

        asyncio.run(main())
        announce("Stopping: runs in progress finished, relay stopped; stopping the Prefect server …")
