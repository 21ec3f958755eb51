"""Delivering the outbox exactly once: claim rows atomically, send each, mark each right after its send."""

from __future__ import annotations

import queue
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import bindparam, update
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
    batch: int = 64


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
        with _writing, unit_of_work(engine) as session:
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


def _outcome(row: Notification, delivery: Delivery, now: datetime, policy: RetryPolicy) -> tuple[DeliveryStatus, dict[str, Any]]:
    if delivery.ok:
        return DeliveryStatus.SENT, {"sent_at": now, "last_error": None, "next_attempt_at": None}
    if row.attempts >= policy.max_attempts:
        return DeliveryStatus.FAILED, {"last_error": delivery.error, "next_attempt_at": None}
    wait = policy.first_retry * 2 ** (row.attempts - 1)
    return DeliveryStatus.PENDING, {"last_error": delivery.error, "next_attempt_at": now + wait}


# Claims and marks of one process take turns here rather than in SQLite's busy handler, which
# sleeps in growing steps; other processes still meet at the database's own locks.
_writing = threading.Lock()
_TABLE = Notification.__table__  # type: ignore[attr-defined]
# One statement for every mark, executed over many rows; the claim token keeps a mark to its own claim.
_MARK = (
    _TABLE.update()
    .where(_TABLE.c.id == bindparam("b_id"), _TABLE.c.claim_token == bindparam("b_token"))
    .values(
        status=bindparam("status"), result=bindparam("result"), message_id=bindparam("message_id"), sent_at=bindparam("sent_at"),
        next_attempt_at=bindparam("next_attempt_at"), last_error=bindparam("last_error"),
    )
)


class _Marker(threading.Thread):
    """Marks sent rows as their sends finish, all that have finished in one commit (a group commit).

    The duplicate window, a message delivered but its row not yet marked, lasts until the next commit:
    milliseconds, whatever the batch size, and without a commit per message slowing every sender down.
    """

    def __init__(self, engine: Engine, now: datetime, policy: RetryPolicy, report: DeliveryReport) -> None:
        super().__init__(daemon=True)
        self.engine, self.now, self.policy, self.report = engine, now, policy, report
        self.done: queue.Queue[tuple[Notification, str, Delivery] | None] = queue.Queue()
        self.failure: BaseException | None = None

    def run(self) -> None:
        outcomes = {DeliveryStatus.SENT: self.report.sent, DeliveryStatus.PENDING: self.report.retrying, DeliveryStatus.FAILED: self.report.failed}
        finished = False
        while not finished:
            batch = [self.done.get()]
            while not self.done.empty():
                batch.append(self.done.get_nowait())
            finished = batch[-1] is None
            items = [item for item in batch if item is not None]
            try:
                marks = []
                for row, token, delivery in items:
                    status, values = _outcome(row, delivery, self.now, self.policy)
                    marks.append({"b_id": row.id, "b_token": token, "status": status, "result": delivery.services,
                                  "message_id": delivery.message_id, "sent_at": None, "next_attempt_at": None, "last_error": None, **values})
                    outcomes[status].append(row.key)
                    if delivery.error:
                        self.report.errors[row.key] = delivery.error
                if marks:
                    with _writing, self.engine.begin() as connection:
                        connection.execute(_MARK, marks)
            except BaseException as exc:  # left claimed: the next sweep finds them in doubt and reports them
                self.failure = exc
                return


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
    marker = _Marker(engine, now, policy, report)
    marker.start()
    try:
        # At most two batches waiting beyond the one being claimed: senders never wait for a batch's
        # slowest message, and a sender that dies leaves at most three batches unmarked.
        room = threading.BoundedSemaphore(2 * policy.batch)

        def one(row: Notification, token: str) -> None:
            try:
                marker.done.put((row, token, sender(row, channels)))
            finally:
                room.release()

        with ThreadPoolExecutor(max_workers=policy.concurrency) as pool:
            while marker.failure is None:
                token, rows = claim(engine, now, policy.batch, keys=keys)
                if not rows:
                    break
                for row in rows:
                    room.acquire()
                    pool.submit(one, row, token)
    finally:
        marker.done.put(None)
        marker.join()
    if marker.failure is not None:
        raise marker.failure
    return report
