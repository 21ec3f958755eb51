"""Delivering the outbox exactly once: claim rows atomically, send each, mark each right after its send."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from domain.store import unit_of_work
from notifications.dispatch import Channels, Delivery, send
from notifications.outbox import DeliveryStatus, Notification


class RetryPolicy(BaseModel):
    max_attempts: int = 5
    first_retry: timedelta = timedelta(minutes=5)
    # A row claimed longer ago than this, and never marked, was left by a sender that died.
    lease: timedelta = timedelta(minutes=30)
    concurrency: int = 8
    batch: int = 32


class DeliveryReport(BaseModel):
    sent: list[str] = []
    retrying: list[str] = []
    failed: list[str] = []
    in_doubt: list[str] = []
    errors: dict[str, str] = {}


def claim(engine: Engine, now: datetime, limit: int, *, keys: list[str] | None = None) -> tuple[str, list[Notification]]:
    """Take up to `limit` sendable rows; two senders never hold the same row. No rows means none are left."""
    token = str(uuid.uuid4())
    sendable = (
        select(Notification.id)
        .where(col(Notification.status) == DeliveryStatus.PENDING)
        .where((col(Notification.next_attempt_at).is_(None)) | (col(Notification.next_attempt_at) <= now))
        .order_by(col(Notification.id))
        .limit(limit)
        # PostgreSQL: a parallel sender skips rows being claimed instead of waiting for them.
        .with_for_update(skip_locked=True)
    )
    if keys is not None:
        sendable = sendable.where(col(Notification.key).in_(keys))
    while True:
        with unit_of_work(engine) as session:
            candidates = list(session.exec(sendable))
            if not candidates:
                return token, []
            # The status condition is what makes the claim exclusive: a row another sender took meanwhile is left.
            session.execute(
                update(Notification)
                .where(col(Notification.id).in_(candidates), col(Notification.status) == DeliveryStatus.PENDING)
                # Stamped with the wall clock, not `now`: the claim is about whether a sender is alive.
                .values(status=DeliveryStatus.SENDING, claim_token=token, claimed_at=datetime.now(UTC), attempts=Notification.attempts + 1)
            )
        with Session(engine) as session:
            rows = list(session.exec(select(Notification).where(Notification.claim_token == token, Notification.status == DeliveryStatus.SENDING)))
        if rows:
            return token, rows


def recover_in_doubt(engine: Engine, policy: RetryPolicy) -> list[Notification]:
    """Rows a dead sender claimed but never marked go back to pending, flagged: they may already have arrived."""
    expired = datetime.now(UTC) - policy.lease
    with unit_of_work(engine) as session:
        stale = list(
            session.exec(
                select(Notification).where(Notification.status == DeliveryStatus.SENDING, col(Notification.claimed_at) < expired)
            )
        )
        for row in stale:
            row.status, row.in_doubt, row.claim_token, row.next_attempt_at = DeliveryStatus.PENDING, True, None, None
            session.add(row)
    return stale


def _record(engine: Engine, row: Notification, token: str, delivery: Delivery, now: datetime, policy: RetryPolicy) -> DeliveryStatus:
    """Mark one row in its own transaction straight after its send: the duplicate window is this call."""
    if delivery.ok:
        status, values = DeliveryStatus.SENT, {"sent_at": now, "last_error": None, "next_attempt_at": None}
    elif row.attempts >= policy.max_attempts:
        status, values = DeliveryStatus.FAILED, {"last_error": delivery.error, "next_attempt_at": None}
    else:
        wait = policy.first_retry * 2 ** (row.attempts - 1)
        status, values = DeliveryStatus.PENDING, {"last_error": delivery.error, "next_attempt_at": now + wait}
    with unit_of_work(engine) as session:
        session.execute(
            update(Notification)
            .where(col(Notification.id) == row.id, col(Notification.claim_token) == token)
            .values(status=status, result=delivery.services, message_id=delivery.message_id, **values)
        )
    return status


def deliver(
    engine: Engine,
    channels: Channels,
    now: datetime,
    *,
    keys: list[str] | None = None,
    policy: RetryPolicy | None = None,
    sender: Callable[[Notification, Channels], Delivery] = send,
) -> DeliveryReport:
    """Send what is due in the outbox (or just `keys`) with bounded concurrency; every row ends marked."""
    policy = policy or RetryPolicy()
    report = DeliveryReport(in_doubt=[row.key for row in recover_in_doubt(engine, policy)])
    outcomes = {DeliveryStatus.SENT: report.sent, DeliveryStatus.PENDING: report.retrying, DeliveryStatus.FAILED: report.failed}
    with ThreadPoolExecutor(max_workers=policy.concurrency) as pool:
        # Small batches: a sender that dies leaves at most one batch claimed and unmarked.
        while True:
            token, rows = claim(engine, now, policy.batch, keys=keys)
            if not rows:
                return report

            def one(row: Notification, token: str = token) -> tuple[Notification, Delivery, DeliveryStatus]:
                delivery = sender(row, channels)
                return row, delivery, _record(engine, row, token, delivery, now, policy)

            for row, delivery, status in pool.map(one, rows):
                outcomes[status].append(row.key)
                if delivery.error:
                    report.errors[row.key] = delivery.error
