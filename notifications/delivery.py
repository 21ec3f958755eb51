"""Delivering the outbox: rows claimed as senders become free, each marked after its send, unknown outcomes in doubt."""

from __future__ import annotations

import queue
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, Integer, bindparam, case, exists, func, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from domain.lifecycle import DELIVERY_FAILED, record_event
from domain.redaction import redact
from domain.reminders import OVERDUE
from notifications.dispatch import Channels, Delivery, Outcome, send
from notifications.outbox import DeliveryStatus, Notification, notice_kind


class RetryPolicy(BaseModel):
    max_attempts: int = 5
    first_retry: timedelta = timedelta(minutes=5)
    # A sender renews its claims while their sends run; a claim not renewed for this long was left by a sender that died.
    lease: timedelta = timedelta(minutes=2)
    concurrency: int = 8


class DeliveryReport(BaseModel):
    attempted: int = 0
    sent: list[str] = []
    retrying: list[str] = []
    failed: list[str] = []
    # Reminders not sent because their deadline passed or a later reminder of it took their place.
    stale: list[str] = []
    # Messages whose outcome is unknown: they may have arrived. Each is resent once, with the same Message-ID.
    in_doubt: list[str] = []
    # Messages in doubt that were handed over again: they may have arrived twice.
    resent: list[str] = []
    errors: dict[str, str] = {}
    # Why sending stopped before everything due was sent.
    halted: str | None = None

    @property
    def nothing_delivered(self) -> bool:
        """Messages were due and none of them could be delivered."""
        return self.attempted > 0 and not self.sent


class Waiting(BaseModel):
    """Messages of the outbox that wait, for one reason, and when the first of them is tried next."""

    reason: str
    count: int
    next_attempt: datetime | None = None


_TABLE = Notification.__table__  # type: ignore[attr-defined]
_LATER = _TABLE.alias("later")
UNKNOWN_AGAIN = ("its outcome is unknown again after its one resend with the same Message-ID: it may have arrived once, "
                 "twice or not at all; not sent again")
DIED_RESENDING = ("the sender resending it stopped before marking it: it may have arrived once, twice or not at all; "
                  "not sent again")
DEADLINE_PASSED = "not sent: its deadline passed before it could be delivered"
SUPERSEDED = "not sent: a later reminder of the same deadline took its place"

# Claims and marks of one process take turns here rather than in SQLite's busy handler, which
# sleeps in growing steps; other processes still meet at the database's own locks.
_writing = threading.Lock()
# One statement for every mark, executed over many rows; the claim token keeps a mark to its own claim.
_MARK = (
    _TABLE.update()
    .where(_TABLE.c.id == bindparam("b_id"), _TABLE.c.claim_token == bindparam("b_token"))
    .values(
        status=bindparam("status"), result=bindparam("result"), message_id=bindparam("message_id"), sent_at=bindparam("sent_at"),
        next_attempt_at=bindparam("next_attempt_at"), last_error=bindparam("last_error"), in_doubt=bindparam("in_doubt"),
        resent_at=bindparam("resent_at"), claim_token=None,
    )
)


class GivenUp(BaseModel):
    """A notice marked failed for good: the payload of its `grantflow.delivery.failed` event."""

    key: str
    application_id: str
    recipient: str
    subject: str
    notice: str
    slot: str | None
    attempts: int
    last_error: str | None


_GIVEN_UP = (_TABLE.c.key, _TABLE.c.application_id, _TABLE.c.recipient, _TABLE.c.subject, _TABLE.c.slot, _TABLE.c.attempts, _TABLE.c.last_error)
# A failed mark is written row by row: only a mark that held its claim gives the notice up, and writes its event.
_MARK_FAILED = _MARK.returning(*_GIVEN_UP)


class Failures(BaseModel):
    """What the events of given-up notices need: who they name as acting, the instant, and what to mask in errors."""

    actor: str
    at: datetime
    secrets: list[str] = []


def _given_up(connection: Connection, rows: Any, failures: Failures) -> None:
    """A `grantflow.delivery.failed` event per notice given up, in the transaction of the mark that gave it up."""
    given_up = [
        GivenUp(key=row.key, application_id=row.application_id, recipient=row.recipient, subject=row.subject, notice=notice_kind(row.key),
                slot=row.slot, attempts=row.attempts, last_error=redact(row.last_error, failures.secrets) if row.last_error else None)
        for row in rows
    ]
    if not given_up:
        return
    # The session joins the connection's transaction: it neither commits nor ends it.
    with Session(bind=connection) as session:
        for notice in given_up:
            record_event(session, notice.application_id, DELIVERY_FAILED, actor=failures.actor, at=failures.at,
                         payload=notice.model_dump(mode="json", exclude={"application_id"}))
        session.flush()


class Claimed(BaseModel):
    """A row claimed for one sender: what the send needs, and what its mark needs."""

    id: int
    key: str
    recipient: str
    subject: str
    body: str
    attempts: int
    in_doubt: bool
    resent_at: datetime | None
    claim_token: str


def _claim_statement(by_key: bool) -> Any:
    sendable = (
        select(_TABLE.c.id)
        .where(_TABLE.c.status == DeliveryStatus.PENDING,
               or_(_TABLE.c.next_attempt_at.is_(None), _TABLE.c.next_attempt_at <= bindparam("now", type_=_TABLE.c.next_attempt_at.type)))
        .order_by(_TABLE.c.id)
        .limit(bindparam("limit", type_=Integer))
        # PostgreSQL: a parallel sender skips rows being claimed instead of waiting for them.
        .with_for_update(skip_locked=True)
    )
    if by_key:
        sendable = sendable.where(_TABLE.c.key.in_(bindparam("keys", expanding=True)))
    # Picked once: as a plain subquery PostgreSQL may run it again per row, each run skipping other rows.
    picked = sendable.cte("picked").prefix_with("MATERIALIZED", dialect="postgresql")
    at = bindparam("at", type_=_TABLE.c.claimed_at.type)
    return (
        _TABLE.update()
        # The status condition is what makes the claim exclusive: a row another sender took meanwhile is left.
        .where(_TABLE.c.id.in_(select(picked.c.id)), _TABLE.c.status == DeliveryStatus.PENDING)
        .values(status=DeliveryStatus.SENDING, claim_token=bindparam("token"), claimed_at=at, attempts=_TABLE.c.attempts + 1,
                resent_at=case((_TABLE.c.in_doubt, at), else_=_TABLE.c.resent_at))
        .returning(*(_TABLE.c[name] for name in Claimed.model_fields))
    )


# Built once: a claim runs for every few messages sent.
_CLAIM = {False: _claim_statement(by_key=False), True: _claim_statement(by_key=True)}


def _claim(connection: Connection, now: datetime, limit: int, keys: list[str] | None, token: str) -> list[Claimed]:
    """Take up to `limit` sendable rows, one for each free sender; two senders never hold the same row."""
    # Stamped with the wall clock, not `now`: the claim is about whether a sender is alive. Claiming a
    # message in doubt stamps its resend before it goes out, so a sender dying mid-resend leaves it on record.
    parameters: dict[str, Any] = {"now": now, "limit": limit, "token": token, "at": datetime.now(UTC)}
    if keys is not None:
        parameters["keys"] = keys
    claimed = connection.execute(_CLAIM[keys is not None], parameters)
    return sorted((Claimed.model_construct(**row._mapping) for row in claimed), key=lambda row: row.id)


def _recover_expired(connection: Connection, policy: RetryPolicy, report: DeliveryReport, failures: Failures) -> None:
    """Claims a dead sender left: in doubt and due again, or, if they were a resend already, given up and reported."""
    expired = (_TABLE.c.status == DeliveryStatus.SENDING) & (_TABLE.c.claimed_at < datetime.now(UTC) - policy.lease)
    given_up = connection.execute(
        _TABLE.update().where(expired, _TABLE.c.resent_at.is_not(None))
        .values(status=DeliveryStatus.FAILED, claim_token=None, in_doubt=True, last_error=DIED_RESENDING, next_attempt_at=None)
        .returning(*_GIVEN_UP)
    ).all()
    _given_up(connection, given_up, failures)
    died_resending = [row.key for row in given_up]
    recovered = connection.execute(
        _TABLE.update().where(expired)
        .values(status=DeliveryStatus.PENDING, claim_token=None, in_doubt=True, next_attempt_at=None)
        .returning(_TABLE.c.key)
    ).scalars().all()
    report.failed += died_resending
    report.errors |= dict.fromkeys(died_resending, DIED_RESENDING)
    report.in_doubt += [*recovered, *died_resending]
    report.resent += died_resending


def _stale(now: datetime) -> list[tuple[Any, str]]:
    """A reminder still waiting once its deadline has passed, or once a later reminder of it is due, is skipped, never sent late."""
    waiting = (_TABLE.c.status == DeliveryStatus.PENDING) & _TABLE.c.deadline_key.is_not(None) & (_TABLE.c.slot != OVERDUE)
    later = exists().where(
        _LATER.c.deadline_key == _TABLE.c.deadline_key, _LATER.c.due_at == _TABLE.c.due_at, _LATER.c.recipient == _TABLE.c.recipient,
        _LATER.c.planned_at > _TABLE.c.planned_at, _LATER.c.status != DeliveryStatus.CANCELLED,
    )
    return [(waiting & (_TABLE.c.due_at <= now), DEADLINE_PASSED), (waiting & later, SUPERSEDED)]


def _skip_stale(connection: Connection, now: datetime, report: DeliveryReport) -> None:
    for condition, reason in _stale(now):
        keys = connection.execute(
            _TABLE.update().where(condition)
            .values(status=DeliveryStatus.SKIPPED, last_error=reason, next_attempt_at=None)
            .returning(_TABLE.c.key)
        ).scalars().all()
        report.stale += keys
        report.errors |= dict.fromkeys(keys, reason)


def _mark(row: Claimed, delivery: Delivery, now: datetime, policy: RetryPolicy) -> dict[str, Any]:
    """The row's new state after its send: the values for _MARK."""
    resend = row.in_doubt  # claimed while in doubt: this send was its one resend
    values: dict[str, Any] = {
        "b_id": row.id, "b_token": row.claim_token, "result": delivery.services, "message_id": delivery.message_id,
        "sent_at": None, "next_attempt_at": None, "last_error": delivery.error, "in_doubt": row.in_doubt, "resent_at": row.resent_at,
    }
    retry_at = now + policy.first_retry * 2 ** (row.attempts - 1)
    attempts_left = row.attempts < policy.max_attempts
    if delivery.outcome == Outcome.SENT:
        values |= {"status": DeliveryStatus.SENT, "sent_at": now, "in_doubt": row.in_doubt or delivery.in_doubt}
        if not delivery.in_doubt:
            values["last_error"] = None
    elif delivery.outcome == Outcome.NOT_SENT:
        # Nothing went out: a resend of a message in doubt is still to come.
        values |= {"resent_at": None, "status": DeliveryStatus.PENDING if attempts_left else DeliveryStatus.FAILED,
                   "next_attempt_at": retry_at if attempts_left else None}
    elif delivery.outcome == Outcome.UNKNOWN:
        values["in_doubt"] = True
        if resend:
            values |= {"status": DeliveryStatus.FAILED, "last_error": UNKNOWN_AGAIN}
        elif attempts_left:
            values |= {"status": DeliveryStatus.PENDING, "next_attempt_at": retry_at}
        else:
            values |= {"status": DeliveryStatus.FAILED, "last_error": f"{delivery.error}; no attempts left, not sent again"}
    else:
        values["status"] = DeliveryStatus.FAILED
    return values


def _write_marks(connection: Connection, marks: list[dict[str, Any]], failures: Failures) -> None:
    """The marks of finished sends; each notice given up gets its event in the same transaction."""
    others = [values for values in marks if values["status"] != DeliveryStatus.FAILED]
    if others:
        connection.execute(_MARK, others)
    given_up = [row for values in marks if values["status"] == DeliveryStatus.FAILED for row in connection.execute(_MARK_FAILED, values)]
    _given_up(connection, given_up, failures)


def _record(report: DeliveryReport, row: Claimed, delivery: Delivery, values: dict[str, Any]) -> None:
    lists = {DeliveryStatus.SENT: report.sent, DeliveryStatus.PENDING: report.retrying, DeliveryStatus.FAILED: report.failed}
    lists[values["status"]].append(row.key)
    if values["last_error"]:
        report.errors[row.key] = values["last_error"]
    if delivery.outcome == Outcome.UNKNOWN or delivery.in_doubt:
        report.in_doubt.append(row.key)
    if row.in_doubt and delivery.outcome in (Outcome.SENT, Outcome.UNKNOWN):
        report.resent.append(row.key)


def deliver(
    engine: Engine,
    channels: Channels,
    now: datetime,
    *,
    keys: list[str] | None = None,
    policy: RetryPolicy | None = None,
    sender: Callable[[Claimed, Channels], Delivery] = send,
    actor: str = "grantflow",
) -> DeliveryReport:
    """Send what is due in the outbox (or just `keys`), claiming a row only when a sender is free for it.

    Each cycle marks the sends that finished and claims as many rows as senders came free, in one
    transaction (a group commit). When that transaction fails (a full disk, a database refusing
    writes), nothing more is claimed or sent; what was sent but could not be marked is reported in doubt.
    A notice given up for good writes a `grantflow.delivery.failed` event naming `actor`, with its mark.
    """
    policy = policy or RetryPolicy()
    report = DeliveryReport()
    token = str(uuid.uuid4())
    failures = Failures(actor=actor, at=now, secrets=channels.secrets())
    with _writing, engine.begin() as connection:
        _recover_expired(connection, policy, report, failures)
        _skip_stale(connection, now, report)
    finished: queue.Queue[tuple[Claimed, Delivery]] = queue.Queue()
    in_flight: dict[int, float] = {}  # row id -> when its claim was taken or last renewed (monotonic)
    unmarked: list[tuple[Claimed, Delivery]] = []
    renew_after = policy.lease.total_seconds() / 4
    exhausted = False

    def one(row: Claimed) -> None:
        try:
            delivery = sender(row, channels)
        except Exception as exc:  # noqa: BLE001  (whatever a send raised, its message may be out)
            delivery = Delivery(key=row.key, outcome=Outcome.UNKNOWN, error=f"the send raised {type(exc).__name__}: {exc}")
            report.halted = report.halted or f"a send raised {type(exc).__name__}: {exc}"
        finished.put((row, delivery))

    with ThreadPoolExecutor(max_workers=policy.concurrency) as pool:
        while True:
            stopping = exhausted or report.halted is not None
            if stopping and not in_flight:
                break
            done: list[tuple[Claimed, Delivery]] = []
            if in_flight and (stopping or len(in_flight) >= policy.concurrency):
                try:
                    done.append(finished.get(timeout=renew_after))
                except queue.Empty:
                    pass
            while not finished.empty():
                done.append(finished.get_nowait())
            for row, _ in done:
                in_flight.pop(row.id)
            free = 0 if stopping else policy.concurrency - len(in_flight)
            renew = [row_id for row_id, since in in_flight.items() if time.monotonic() - since > renew_after]
            if not (done or free or renew):
                continue
            marks = [_mark(row, delivery, now, policy) for row, delivery in done]
            try:
                with _writing, engine.begin() as connection:
                    if marks:
                        _write_marks(connection, marks, failures)
                    if renew:
                        connection.execute(_TABLE.update().where(_TABLE.c.id.in_(renew), _TABLE.c.claim_token == token)
                                           .values(claimed_at=datetime.now(UTC)))
                    claimed = _claim(connection, now, free, keys, token) if free else []
            except SQLAlchemyError as exc:
                cause = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
                report.halted = report.halted or f"the outbox cannot be written ({cause}): nothing more is sent"
                unmarked += done
                continue
            for row_id in renew:
                in_flight[row_id] = time.monotonic()
            for (row, delivery), values in zip(done, marks, strict=True):
                _record(report, row, delivery, values)
            exhausted = len(claimed) < free
            for row in claimed:
                in_flight[row.id] = time.monotonic()
                report.attempted += 1
                pool.submit(one, row)
    for row, delivery in unmarked:
        if delivery.outcome in (Outcome.SENT, Outcome.UNKNOWN):
            # Out, but not marked: its claim expires and a later delivery resends it once, in doubt.
            report.in_doubt.append(row.key)
            report.errors[row.key] = f"{delivery.outcome.value}, but not marked: {report.halted}"
        else:
            report.retrying.append(row.key)
    _add_unreported_doubt(engine, report)
    return report


def due_rows(session: Session, now: datetime, until: datetime | None = None) -> list[Notification]:
    """What a delivery at `now` would try (or deliveries up to `until`), read only: the pending rows due, less the
    reminders a delivery at `now` would skip as stale."""
    stale = select(_TABLE.c.id).where(or_(*(condition for condition, _ in _stale(now)))).correlate(None)
    query = (
        select(Notification)
        .where(_TABLE.c.status == DeliveryStatus.PENDING, or_(_TABLE.c.next_attempt_at.is_(None), _TABLE.c.next_attempt_at <= (until or now)))
        .where(_TABLE.c.id.not_in(stale))
        .order_by(_TABLE.c.id)
    )
    return list(session.execute(query).scalars())


def unreported_doubt(session: Session) -> list[Notification]:
    """Rows in doubt, or resent in doubt, since they were last reported: what a report must still tell."""
    query = (
        select(Notification)
        .where(_TABLE.c.in_doubt.is_(True), or_(_TABLE.c.doubt_reported_at.is_(None), _TABLE.c.doubt_reported_at < _TABLE.c.resent_at))
        .order_by(_TABLE.c.id)
    )
    return list(session.execute(query).scalars())


def _add_unreported_doubt(engine: Engine, report: DeliveryReport) -> None:
    """Doubt left unreported by earlier runs (one killed before it reported, say) is reported with this one."""
    try:
        with Session(engine) as session:
            rows = unreported_doubt(session)
    except SQLAlchemyError:
        return
    report.in_doubt = sorted({*report.in_doubt, *(row.key for row in rows)})
    report.resent = sorted({*report.resent, *(row.key for row in rows if row.resent_at is not None)})
    report.errors |= {row.key: row.last_error for row in rows if row.last_error and row.key not in report.errors}


def acknowledge_doubt(engine: Engine, keys: list[str]) -> None:
    """The doubt of `keys` has been reported (in an artifact, a log, a command's output): later reports leave it out."""
    if not keys:
        return
    with _writing, engine.begin() as connection:
        connection.execute(_TABLE.update().where(_TABLE.c.key.in_(keys)).values(doubt_reported_at=datetime.now(UTC)))


def waiting(engine: Engine, now: datetime, policy: RetryPolicy) -> list[Waiting]:
    """What the outbox still holds undelivered, by reason: retries with their errors, claims, messages due."""
    with Session(engine) as session:
        pending = _TABLE.c.status == DeliveryStatus.PENDING
        retries = session.execute(
            select(_TABLE.c.last_error, _TABLE.c.in_doubt, func.count(), func.min(_TABLE.c.next_attempt_at))
            .where(pending, _TABLE.c.next_attempt_at > now)
            .group_by(_TABLE.c.last_error, _TABLE.c.in_doubt)
        ).all()
        due = session.execute(select(func.count()).where(pending, or_(_TABLE.c.next_attempt_at.is_(None), _TABLE.c.next_attempt_at <= now))).scalar_one()
        claims, oldest = session.execute(select(func.count(), func.min(_TABLE.c.claimed_at)).where(_TABLE.c.status == DeliveryStatus.SENDING)).one()
    found = [
        Waiting(reason=(f"in doubt, to be resent once with the same Message-ID: {error}" if doubt else f"retry after: {error}"),
                count=count, next_attempt=first)
        for error, doubt, count, first in sorted(retries, key=lambda r: (-r[2], str(r[0])))
    ]
    if due:
        found.append(Waiting(reason="due now, not sent yet", count=due, next_attempt=now))
    if claims:
        found.append(Waiting(reason="claimed by a sender; if it stopped, the claim is taken over when its lease ends",
                             count=claims, next_attempt=(oldest + policy.lease) if oldest else None))
    return found
