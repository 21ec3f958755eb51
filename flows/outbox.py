"""Outbox delivery: due retries sent and a stopped sender's claims taken over, every few minutes, with what waits and why."""

from __future__ import annotations

import asyncio
from datetime import datetime

from prefect import flow, get_run_logger
from prefect.artifacts import acreate_table_artifact

from domain.formatting import format_instant
from flows.reminders import artifact_table
from flows.runtime import StatedNow, delivery_failure, log_delivery, needs_operator, refreshes_home, step
from notifications.delivery import DeliveryReport
from notifications.outbox import RESENT_IN_DOUBT
from usecases import outbox as usecase
from usecases.context import When, moment
from usecases.outbox import NoticeRow

send_outbox = step(name="send-outbox")(usecase.deliver_due)
still_waiting = step(name="outbox-waiting")(usecase.still_waiting)
notice_rows = step(name="outbox-rows")(usecase.notice_rows)


async def delivered_rows(report: DeliveryReport) -> list[NoticeRow]:
    """A row per notice the delivery touched, with recipient, application, slot, due and subject read from the outbox."""
    return await notice_rows(usecase.delivery_outcomes(report))


def _run_name() -> str:
    from prefect.runtime import flow_run

    now = flow_run.parameters.get("now")
    return f"outbox/{now:%Y-%m-%dT%H:%M}" if isinstance(now, datetime) else "outbox/now"


@flow(name="outbox-delivery", flow_run_name=_run_name)
@refreshes_home
async def outbox_delivery(now: StatedNow = None) -> DeliveryReport:
    """Due retries and the claims of a sender that stopped, delivered within minutes rather than at the next sweep."""
    logger = get_run_logger()
    at = await asyncio.to_thread(moment, When(stated=now, field="now"))
    if not usecase.channel_configured():
        logger.warning("Nothing sent: %s", usecase.NO_CHANNEL)
    report = await send_outbox(at)
    log_delivery(report)
    waits = await still_waiting(at)
    for line in usecase.waiting_lines(waits):
        logger.info("%s", line)
    rows = await delivered_rows(report)
    rows += [NoticeRow(recipient="", application="", slot="", outcome=f"waiting: {line}", due="", subject="", key="")
             for line in usecase.waiting_lines(waits)]
    await acreate_table_artifact(artifact_table(rows), key="outbox-delivery",
                                 description=f"Outbox delivery at {format_instant(at)}: {usecase.delivery_counts(report)}")
    await asyncio.to_thread(usecase.doubt_reported, sorted({*report.in_doubt, *report.resent}))
    if why := delivery_failure(report):
        return needs_operator(report, why)
    return report


requeue_failed = step(name="requeue-failed")(usecase.requeue)
send_requeued = step(name="send-requeued")(usecase.send_requeued)


@flow(name="outbox-retry", flow_run_name="outbox-retry")
async def outbox_retry(keys: list[str] | None = None, all_failed: bool = False, now: datetime | None = None) -> usecase.RetryReport:
    """Failed notices (`keys`, or every one) requeued once their cause is fixed, and delivered at once, each exactly once."""
    report = await requeue_failed(keys or [], all_failed=all_failed, when=When(stated=now, field="now"))
    report = await send_requeued(report)
    log_delivery(report.delivery)
    outcomes = usecase.delivery_outcomes(report.delivery)
    outcomes |= {key: f"not requeued: {RESENT_IN_DOUBT}" for key in report.left_out}
    rows = await notice_rows(outcomes)
    await acreate_table_artifact(artifact_table(rows), key="outbox-retry",
                                 description=f"Outbox retry at {format_instant(report.at)}: {len(report.requeued)} requeued, "
                                             f"{usecase.delivery_counts(report.delivery)}")
    await asyncio.to_thread(usecase.doubt_reported, sorted({*report.delivery.in_doubt, *report.delivery.resent}))
    if why := delivery_failure(report.delivery):
        return needs_operator(report, why)
    return report
