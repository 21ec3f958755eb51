"""Event latency: decisions recorded against a local Prefect server, applied by the flows its triggers start.

Records N decisions one after another (by default 200, one a second) while what `grantflow serve`
runs beside the server is running: the relay and the in-process worker. Prints p50/p95/max from the
`decision.recorded` row being written to the decision flow running, and to the decision applied
(the application's stage seen changed in the database).
The Prefect server keeps its state in a fresh PostgreSQL database (on SQLite its trigger service
falls behind once runs write at this rate). Usage: python bench/event_latency.py [--decisions 200] [--gap 1] [--prefect-postgres URL|none]
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

from prefect.client.orchestration import get_client  # noqa: E402
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName  # noqa: E402
from prefect.client.schemas.objects import FlowRun  # noqa: E402
from prefect.events.worker import EventsWorker  # noqa: E402
from prefect.settings import temporary_settings  # noqa: E402
from sqlalchemy import create_engine, text, update  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlalchemy.engine.url import make_url  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402
from sqlmodel import Session, col, select  # noqa: E402

from domain.calendar import HELSINKI  # noqa: E402
from domain.decision import record_decision  # noqa: E402
from domain.importing import import_scenario  # noqa: E402
from domain.inputs import DecisionInput, ScenarioInput  # noqa: E402
from domain.lifecycle import DECISION_RECORDED  # noqa: E402
from domain.model import Application, DomainEvent, Stage  # noqa: E402
from domain.preparation import complete_duty  # noqa: E402
from domain.store import unit_of_work  # noqa: E402
from domain.submission import begin_review, submit_application  # noqa: E402
from grantflow.database import open_database  # noqa: E402
from grantflow.mailsink import free_port  # noqa: E402
from grantflow.prefect_server import PrefectServer  # noqa: E402
from notifications.outbox import DeliveryStatus, Notification  # noqa: E402


def scenario(count: int, closed: datetime) -> ScenarioInput:
    """N applications to one call that closed two days ago, each with one sub-area, a contact and a plan to deliver."""
    local = closed.astimezone(HELSINKI).replace(tzinfo=None).isoformat(timespec="seconds")
    return ScenarioInput.model_validate({
        "programmes": [{"id": "bench", "name": "Bench", "period": {"start": "2020-01-01", "end": "2035-12-31"}}],
        "organisations": [
            {"id": "ministry", "name": "Ministeriö", "kind": "ministry", "contacts": [{"role": "officer", "email": "officer@bench.example", "language": "fi"}]},
            *({"id": f"org-{i}", "name": f"Alue {i}", "kind": "region",
               "contacts": [{"role": "coordinator", "email": f"c{i}@bench.example", "language": "fi"}]} for i in range(count)),
        ],
        "calls": [{"id": "bench", "programme": "bench", "name": "Bench", "deadline": local, "state_share_percent": 80,
                   "appropriation": 10**9, "officer": "officer@bench.example"}],
        "applications": [
            {"id": f"app-{i}", "call": "bench", "applicant": f"org-{i}", "title": f"Hanke {i}", "total_cost": 100000, "requested": 80000,
             "sub_areas": [{"number": 1, "name": "Kehittäminen", "total_cost": 100000, "requested": 80000}],
             "documents": [{"kind": "project-plan", "title": "Hankesuunnitelma", "phase": "submission", "due": local}]}
            for i in range(count)
        ],
    })


def prepare(url: str, count: int) -> None:
    closed = datetime.now(UTC) - timedelta(days=2)
    engine = open_database(url)
    with unit_of_work(engine) as session:
        import_scenario(session, scenario(count, closed), source="bench", at=closed - timedelta(days=30), actor="bench")
    with unit_of_work(engine) as session:
        for i in range(count):
            complete_duty(session, f"app-{i}", "project-plan", at=closed - timedelta(days=3), actor="bench")
            submit_application(session, f"app-{i}", at=closed - timedelta(days=1), actor="bench")
        begin_review(session, "bench", at=closed + timedelta(hours=1), actor="bench")
    # The applications' history is not what is measured: only the decisions' events go to Prefect.
    with engine.begin() as connection:
        connection.execute(update(DomainEvent).values(relayed_at=datetime.now(UTC)))
    engine.dispose()


SINK = """
import time
from grantflow.mailsink import MailSink
with MailSink(port={port}):
    while True:
        time.sleep(60)
"""


@contextmanager
def mail_server() -> Iterator[str]:
    """An SMTP server in a process of its own, as a real one would be; yields the e-mail channel URL."""
    port = free_port()
    sink = subprocess.Popen([sys.executable, "-c", SINK.format(port=port)])
    try:
        time.sleep(1.5)
        yield f"mailto://127.0.0.1:{port}?from=grantflow@bench.example&mode=insecure&format=text"
    finally:
        sink.terminate()


def mails_sent(engine: Engine) -> int:
    with Session(engine) as session:
        return len(session.exec(select(Notification.id).where(Notification.status == DeliveryStatus.SENT)).all())


@contextmanager
def prefect_database(admin_url: str) -> Iterator[str | None]:
    """A fresh PostgreSQL database for the Prefect server (dropped afterwards), or None for SQLite."""
    if admin_url == "none":
        yield None
        return
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    name = f"prefect_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(drivername="postgresql+asyncpg", database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[max(0, int(round(0.95 * len(ordered))) - 1)]
    return f"p50 {statistics.median(ordered):.2f} s · p95 {p95:.2f} s · max {ordered[-1]:.2f} s"


async def decision_runs(count: int) -> dict[str, FlowRun]:
    names = [f"decision/app-{i}" for i in range(count)]
    runs: list[FlowRun] = []
    async with get_client() as client:
        while page := await client.read_flow_runs(flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=names)), limit=200, offset=len(runs)):
            runs += page
    return {run.name.removeprefix("decision/"): run for run in runs if run.start_time is not None}


def relayed(engine: Engine) -> dict[str, datetime]:
    with Session(engine) as session:
        rows = session.exec(select(DomainEvent).where(DomainEvent.name == DECISION_RECORDED)).all()
    return {row.application_id: row.relayed_at for row in rows if row.relayed_at is not None}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--decisions", type=int, default=200)
    parser.add_argument("--gap", type=float, default=1.0, help="seconds between two decisions being recorded")
    parser.add_argument("--prefect-postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
                        help="a PostgreSQL admin URL: the Prefect server gets a fresh database there; `none` for SQLite")
    args = parser.parse_args()

    from flows.deployments import apply_deployments
    from flows.relay import relay_forever
    from flows.worker import InProcessWorker

    with tempfile.TemporaryDirectory() as tmp, mail_server() as channel:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        os.environ |= {"GRANTFLOW_DATABASE_URL": url, "GRANTFLOW_EMAIL_URL": channel}
        prepare(url, args.decisions)
        engine = open_database(url)
        with prefect_database(args.prefect_postgres) as database, \
                PrefectServer(Path(tmp) / "prefect", ui=False, database_url=database) as server, temporary_settings(server.client_settings()):
            async def register() -> dict:  # type: ignore[type-arg]
                async with get_client() as client:
                    return await apply_deployments(client)

            flows = asyncio.run(register())
            time.sleep(2)  # the server's trigger service loads the new automations
            loop, stop = asyncio.new_event_loop(), asyncio.Event()

            async def services() -> None:
                await asyncio.gather(InProcessWorker("grantflow", flows).run(stop), relay_forever(stop))

            context = contextvars.copy_context()
            thread = threading.Thread(target=context.run, args=(loop.run_until_complete, services()), daemon=True)
            thread.start()

            recorded: dict[str, datetime] = {}
            applied: dict[str, datetime] = {}
            watching = threading.Event()

            def watch() -> None:
                while not watching.is_set():
                    with Session(engine) as session:
                        done = session.exec(select(Application.id).where(col(Application.stage) == Stage.GRANTED)).all()
                    now = datetime.now(UTC)
                    for app_id in done:
                        applied.setdefault(app_id, now)
                    time.sleep(0.02)

            watcher = threading.Thread(target=watch, daemon=True)
            watcher.start()
            started = time.perf_counter()
            for i in range(args.decisions):
                app_id = f"app-{i}"
                decision = DecisionInput(application=app_id, granted=80000, justification="Hyvä hakemus.", period={"start": "2021-01-01", "end": "2022-12-31"},
                                         decided_at=datetime.now(UTC), decided_by="Bench")
                with unit_of_work(engine) as session:
                    record_decision(session, decision, at=datetime.now(UTC))
                recorded[app_id] = datetime.now(UTC)  # committed: the relay can see it from here on
                time.sleep(args.gap)
            deadline = time.monotonic() + 120
            while len(applied) < args.decisions and time.monotonic() < deadline:
                time.sleep(0.1)
            wall = time.perf_counter() - started
            watching.set()
            runs = asyncio.run(decision_runs(args.decisions))
            loop.call_soon_threadsafe(stop.set)
            thread.join(timeout=60)
            EventsWorker.drain_all(timeout=30)  # the runs' last events reach the server before it stops

            to_running = [(runs[a].start_time - recorded[a]).total_seconds() for a in recorded if a in runs]  # type: ignore[operator]
            sent = relayed(engine)
            to_relayed = [(sent[a] - recorded[a]).total_seconds() for a in recorded if a in sent]
            to_created = [(runs[a].created - recorded[a]).total_seconds() for a in recorded if a in runs]  # type: ignore[operator]
            to_applied = [(applied[a] - recorded[a]).total_seconds() for a in recorded if a in applied]
            print(f"Prefect server database: {'PostgreSQL' if args.prefect_postgres != 'none' else 'SQLite'}")
            print(f"{args.decisions} decisions recorded, one every {args.gap:.2f} s; {len(applied)} applied in {wall:.0f} s; {mails_sent(engine)} e-mails sent")
            print(f"recorded -> relayed to Prefect:    {percentiles(to_relayed)}")
            print(f"recorded -> flow run triggered:    {percentiles(to_created)}")
            print(f"recorded -> decision flow running: {percentiles(to_running)}  (goal p50 <= 2 s, p95 <= 5 s)")
            print(f"recorded -> decision applied:      {percentiles(to_applied)}  (goal p50 <= 2 s, p95 <= 5 s)", flush=True)
        if len(applied) < args.decisions:
            raise SystemExit(f"only {len(applied)} of {args.decisions} decisions were applied")


if __name__ == "__main__":
    main()
