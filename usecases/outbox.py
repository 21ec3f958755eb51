"""Sending the outbox: the notices a step queued, or everything due, through the configured channels."""

from __future__ import annotations

from datetime import datetime

from domain.formatting import format_instant
from notifications.delivery import DeliveryReport, Waiting, acknowledge_doubt, deliver, waiting
from usecases.context import actor, engine
from usecases.settings import get_settings

NO_CHANNEL = "no channel is configured (GRANTFLOW_EMAIL_URL, GRANTFLOW_APPRISE_CONFIG): the messages stay in the outbox"


def channel_configured() -> bool:
    channels = get_settings().channels()
    return channels.email_url is not None or channels.config is not None


def send_notifications(keys: list[str], at: datetime) -> DeliveryReport:
    """Send the outbox rows `keys`; each is marked as it goes, undelivered ones wait for a retry."""
    if not keys or not channel_configured():
        return DeliveryReport()
    settings = get_settings()
    return deliver(engine(), settings.channels(), at, keys=keys, policy=settings.retry_policy(), actor=actor())


def deliver_due(now: datetime) -> DeliveryReport:
    """Every message due at `now`, with the claims of a sender that stopped taken over."""
    if not channel_configured():
        return DeliveryReport()
    settings = get_settings()
    return deliver(engine(), settings.channels(), now, policy=settings.retry_policy(), actor=actor())


def still_waiting(now: datetime) -> list[Waiting]:
    return waiting(engine(), now, get_settings().retry_policy())


def doubt_reported(keys: list[str]) -> None:
    """Once a report has shown them (artifact, log, terminal), messages in doubt are not reported again."""
    if keys:
        acknowledge_doubt(engine(), keys)


def waiting_lines(found: list[Waiting]) -> list[str]:
    """One line per reason: how many wait, from when they are tried next, and why."""
    return [f"{w.count} waiting" + (f", next attempt {format_instant(w.next_attempt)}" if w.next_attempt else "") + f": {w.reason}"
            for w in found]


def delivery_counts(report: DeliveryReport) -> str:
    return (f"{len(report.sent)} sent, {len(report.retrying)} to retry, {len(report.failed)} failed, {len(report.stale)} stale, "
            f"{len(report.in_doubt)} in doubt, {len(report.resent)} resent in doubt")
