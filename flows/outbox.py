"""Outbox delivery: due retries sent and a stopped sender's claims taken over, every few minutes, with what waits and why."""

from __future__ import annotations

import logging
from datetime import datetime

from prefect import flow, get_run_logger
from prefect.artifacts import acreate_table_artifact

from domain.formatting import format_instant
from flows.runtime import engine, instant, step
from grantflow.settings import get_settings
from notifications.delivery import DeliveryReport, Waiting, acknowledge_doubt, deliver, waiting


@step(name="send-outbox")
def send_outbox(now: datetime) -> DeliveryReport:
    """Every message due at `now`, sent through the configured channels."""
    settings = get_settings()
    channels = settings.channels()
    if channels.email_url is None and channels.config is None:
        get_run_logger().warning("No channel is configured (GRANTFLOW_EMAIL_URL, GRANTFLOW_APPRISE_CONFIG); messages stay in the outbox")
        return DeliveryReport()
    return deliver(engine(), channels, now, policy=settings.retry_policy())


@step(name="outbox-waiting")
def still_waiting(now: datetime) -> list[Waiting]:
    return waiting(engine(), now, get_settings().retry_policy())


@step(name="doubt-reported")
def doubt_reported(keys: list[str]) -> None:
    """Once the report is out (artifact, log), its doubt is not reported again."""
    acknowledge_doubt(engine(), keys)


def log_delivery(report: DeliveryReport, logger: logging.Logger | logging.LoggerAdapter[logging.Logger]) -> None:
    """What needs an operator: messages given up, messages in doubt or resent in doubt, a delivery that stopped."""
    if report.halted:
        logger.error("Delivery stopped: %s", report.halted)
    if report.failed:
        logger.error("%d message(s) failed for good: %s", len(report.failed), ", ".join(report.failed))
    if report.in_doubt:
        logger.warning("%d message(s) in doubt, may have arrived (each is resent once with the same Message-ID): %s",
                       len(report.in_doubt), ", ".join(report.in_doubt))
    if report.resent:
        logger.warning("%d message(s) in doubt were resent with the same Message-ID and may have arrived twice: %s",
                       len(report.resent), ", ".join(report.resent))


def waiting_lines(found: list[Waiting]) -> list[str]:
    """One line per reason: how many wait, from when they are tried next, and why."""
    return [f"{w.count} waiting" + (f", next attempt {format_instant(w.next_attempt)}" if w.next_attempt else "") + f": {w.reason}"
            for w in found]


def delivery_counts(report: DeliveryReport) -> str:
    return (f"{len(report.sent)} sent, {len(report.retrying)} to retry, {len(report.failed)} failed, {len(report.stale)} stale, "
            f"{len(report.in_doubt)} in doubt, {len(report.resent)} resent in doubt")


def _run_name() -> str:
    from prefect.runtime import flow_run

    now = flow_run.parameters.get("now")
    return f"outbox/{now:%Y-%m-%dT%H:%M}" if isinstance(now, datetime) else "outbox/now"


@flow(name="outbox-delivery", flow_run_name=_run_name)
async def outbox_delivery(now: datetime | None = None) -> DeliveryReport:
    """Due retries and the claims of a sender that stopped, delivered within minutes rather than at the next sweep."""
    logger = get_run_logger()
    moment = instant(now, field="now")
    report = await send_outbox(moment)
    log_delivery(report, logger)
    waits = await still_waiting(moment)
    for line in waiting_lines(waits):
        logger.info("%s", line)
    rows = [{"key": key, "outcome": "FAILED, needs an operator", "why": report.errors.get(key, "")} for key in report.failed]
    rows += [{"key": key, "outcome": "in doubt", "why": report.errors.get(key, "")} for key in report.in_doubt]
    rows += [{"key": key, "outcome": "resent in doubt: may have arrived twice", "why": ""} for key in report.resent]
    rows += [{"key": key, "outcome": "skipped", "why": report.errors.get(key, "")} for key in report.stale]
    rows += [{"key": "", "outcome": "waiting", "why": line} for line in waiting_lines(waits)]
    await acreate_table_artifact(rows or [{"outcome": "nothing due"}], key="outbox-delivery",
                                 description=f"Outbox delivery at {format_instant(moment)}: {delivery_counts(report)}")
    await doubt_reported(sorted({*report.in_doubt, *report.resent}))
    return report
