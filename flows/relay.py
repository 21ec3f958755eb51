"""The event relay: domain events, written with each change, become Prefect events once the API has taken them."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from prefect import flow, get_run_logger
from prefect.client.orchestration import PrefectClient, get_client
from prefect.events import Event, RelatedResource, Resource
from pydantic import BaseModel

from domain.model import Application, DomainEvent
from domain.money import euros_text
from flows.runtime import idle
from usecases.relay import mark_relayed, pending_events, waiting_events

BATCH = 200


class RelayReport(BaseModel):
    relayed: int = 0
    waiting: int = 0
    error: str | None = None


def application_resource(application_id: str) -> str:
    return f"grantflow.application.{application_id}"


def prefect_event(row: DomainEvent, app: Application, now: datetime) -> Event:
    """The Prefect event for a domain event: the application as resource, its call and applicant as related ones.

    Prefect's `occurred` is when the event entered Prefect (its automations reason in real time);
    the change's own instant is `payload.occurred_at`: the system clock's, or with `payload.replayed`
    the instant a replay stated (`payload.recorded_at` is when the change was really written).
    Amounts are in euros as text (`granted: "2680000.00"`), beside the cents other consumers read.
    """
    amounts = {**row.payload, "requested_cents": app.requested_cents}
    euros = {key.removesuffix("_cents"): euros_text(value) for key, value in amounts.items() if key.endswith("_cents") and isinstance(value, int)}
    return Event(
        id=row.event_id,
        occurred=now,
        event=row.name,
        resource=Resource({"prefect.resource.id": application_resource(app.id), "prefect.resource.name": app.title,
                           "grantflow.application.id": app.id}),
        related=[
            RelatedResource({"prefect.resource.id": f"grantflow.call.{app.call_id}", "prefect.resource.role": "call"}),
            RelatedResource({"prefect.resource.id": f"grantflow.organisation.{app.applicant_id}", "prefect.resource.role": "applicant"}),
            # A duty's own resource lets a trigger wait for one kind, e.g. the acceptance of the grant.
            *([RelatedResource({"prefect.resource.id": f"grantflow.duty.{row.payload['kind']}", "prefect.resource.role": "duty"})]
              if "kind" in row.payload else []),
        ],
        payload={
            **row.payload,
            "application_id": app.id,
            "occurred_at": row.occurred_at.isoformat(),
            "replayed": row.replayed,
            "recorded_at": row.recorded_at.isoformat() if row.recorded_at else None,
            "actor": row.actor,
            "from_stage": row.from_stage.value if row.from_stage else None,
            "to_stage": row.to_stage.value if row.to_stage else None,
            "requested_cents": app.requested_cents,
            **euros,
            "title": app.title,
        },
    )


async def relay_once(client: PrefectClient, limit: int = BATCH) -> int:
    """Send one batch of unrelayed events in order and mark them only after the API accepted it."""
    rows = await asyncio.to_thread(pending_events, limit)
    if not rows:
        return 0
    now = datetime.now(UTC)
    # Strictly increasing instants keep the batch's order for Prefect's triggers, which bucket events by time.
    events = [prefect_event(row, app, now + timedelta(microseconds=i)) for i, (row, app) in enumerate(rows)]
    # POST /events answers only once the server has taken the batch, unlike emit_event, which drops
    # events silently while the server is away. A crash after it and before the mark sends the batch
    # again with the same event ids; the flows they start apply each change once.
    response = await client.request("POST", "/events", json=[event.model_dump(mode="json") for event in events])
    response.raise_for_status()
    await asyncio.to_thread(mark_relayed, [row.id for row, _ in rows if row.id is not None], now)
    return len(rows)


async def relay_all(client: PrefectClient) -> RelayReport:
    """Every unrelayed event, batch after batch; an unreachable API leaves the rest for later."""
    report = RelayReport()
    try:
        while sent := await relay_once(client):
            report.relayed += sent
    except Exception as exc:  # noqa: BLE001 - the rows stay unrelayed and the next pass retries them
        report.error = f"{type(exc).__name__}: {exc}"
    report.waiting = await asyncio.to_thread(waiting_events)
    return report


async def relay_forever(stop: asyncio.Event, interval: float = 0.2, logger: logging.Logger | None = None) -> None:
    """Relay as events are written, until `stop`; while the API is away, keep the rows and try again."""
    logger = logger or logging.getLogger("grantflow.relay")
    failing = False
    async with get_client() as client:
        while not stop.is_set():
            try:
                sent = await relay_once(client)
                if failing:
                    logger.info("Prefect API reachable again; relaying resumed")
                failing = False
            except Exception as exc:  # noqa: BLE001
                if not failing:
                    logger.warning("Prefect API not reachable (%s); events wait in the database", type(exc).__name__)
                failing, sent = True, 0
            if sent < BATCH:
                await idle(stop, max(interval, 2.0) if failing else interval)


@flow(name="relay-events", flow_run_name="relay")
async def relay() -> RelayReport:
    """One pass of the relay, for setups without `grantflow serve` running it continuously."""
    async with get_client() as client:
        report = await relay_all(client)
    if report.error:
        get_run_logger().warning("%d event(s) still waiting: %s", report.waiting, report.error)
    return report
