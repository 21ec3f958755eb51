"""Sending the outbox: the notices a step queued, or everything due, through the configured channels."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel
from sqlalchemy import and_, case, func
from sqlmodel import col, select

from domain.clock import ensure_reached
from domain.errors import RuleViolation
from domain.formatting import format_instant
from domain.redaction import redact
from notifications.delivery import DeliveryReport, Waiting, acknowledge_doubt, deliver, waiting
from notifications.outbox import DeliveryStatus, Notification, Requeued, notice_kind, requeue_failed
from usecases.context import NOW, When, actor, changing, engine, reading
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
    """Every message due at `now` (an instant already reached), with the claims of a sender that stopped taken over."""
    ensure_reached(now, field="now")
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


class NoticeRow(BaseModel):
    """A notice in a report's table: to whom, about what and what became of it first, then the rest."""

    recipient: str
    application: str
    # A reminder's slot (`7d`, `overdue`), or another notice's kind (`submitted`, `decision`).
    slot: str
    outcome: str
    due: str
    subject: str
    key: str


def delivery_outcomes(report: DeliveryReport) -> dict[str, str]:
    """What became of each notice a delivery touched, in words an operator acts on."""
    outcomes = {key: "sent" for key in report.sent}
    outcomes |= {key: f"retrying: {report.errors.get(key, '')}" for key in report.retrying}
    outcomes |= {key: f"FAILED, needs an operator: {report.errors.get(key, '')}" for key in report.failed}
    outcomes |= {key: f"skipped: {report.errors.get(key, '')}" for key in report.stale}
    outcomes |= {key: f"IN DOUBT, {outcomes.get(key, 'to be resent once')}: {report.errors.get(key, '')}" for key in report.in_doubt}
    outcomes |= {key: f"RESENT IN DOUBT, may have arrived twice; {outcomes.get(key, '')}" for key in report.resent}
    return outcomes


# Keys looked up per query: well under the bound parameters SQLite allows in one statement.
_LOOKUP_CHUNK = 500


def notice_rows(outcomes: dict[str, str]) -> list[NoticeRow]:
    """A row per key with its outcome, recipient, application, slot, due instant and subject read from the outbox."""
    keys = list(outcomes)
    found: dict[str, Notification] = {}
    with reading() as session:
        for start in range(0, len(keys), _LOOKUP_CHUNK):
            chunk = keys[start : start + _LOOKUP_CHUNK]
            found |= {row.key: row for row in session.exec(select(Notification).where(col(Notification.key).in_(chunk)))}
    return [notice_row(found[key], outcome) if key in found
            # Gone from the outbox meanwhile: the key and the outcome are all there is to show.
            else NoticeRow(recipient="", application="", slot="", outcome=outcome, due="", subject="", key=key)
            for key, outcome in outcomes.items()]


def notice_row(row: Notification, outcome: str) -> NoticeRow:
    return NoticeRow(recipient=row.recipient, application=row.application_id, slot=row.slot or notice_kind(row.key), outcome=outcome,
                     due=format_instant(row.due_at) if row.due_at else "", subject=row.subject, key=row.key)


class NoticeState(StrEnum):
    """Where an undelivered notice stands, what needs an operator first: given up for good, waiting for a retry, being sent, not tried yet."""

    FAILED = "failed"
    RETRYING = "retrying"
    SENDING = "sending"
    PENDING = "pending"


_STATUS = col(Notification.status)
# Only these statuses hold an undelivered notice; the status index finds them among every message ever sent.
_UNDELIVERED = _STATUS.in_([DeliveryStatus.PENDING, DeliveryStatus.SENDING, DeliveryStatus.FAILED])
# The one place a notice's state is told: a pending notice tried before is retrying.
_STATE = case(
    (_STATUS == DeliveryStatus.FAILED, NoticeState.FAILED.value),
    (_STATUS == DeliveryStatus.SENDING, NoticeState.SENDING.value),
    (and_(_STATUS == DeliveryStatus.PENDING, col(Notification.attempts) > 0), NoticeState.RETRYING.value),
    (_STATUS == DeliveryStatus.PENDING, NoticeState.PENDING.value),
    else_=None,
)
_RANK = case({state.value: rank for rank, state in enumerate(NoticeState)}, value=_STATE)


class OutboxRow(BaseModel):
    """One notice of the outbox as an operator sees it: to whom, about what, how far it got and why it waits."""

    recipient: str
    application: str
    notice: str
    slot: str | None
    state: NoticeState
    attempts: int
    next_attempt: datetime | None
    last_error: str | None
    in_doubt: bool
    subject: str
    due: datetime | None
    key: str


class OutboxListing(BaseModel):
    """The outbox's undelivered notices of the states asked for, failures first, with how many each state holds."""

    counts: dict[NoticeState, int]
    rows: list[OutboxRow]
    # Rows of the states asked for beyond the limit.
    not_shown: int = 0


def _outbox_row(row: Notification, state: NoticeState, secrets: list[str]) -> OutboxRow:
    return OutboxRow(recipient=row.recipient, application=row.application_id, notice=notice_kind(row.key), slot=row.slot, state=state,
                     attempts=row.attempts, next_attempt=row.next_attempt_at, last_error=redact(row.last_error, secrets) if row.last_error else None,
                     in_doubt=row.in_doubt, subject=row.subject, due=row.due_at, key=row.key)


def outbox_rows(states: list[NoticeState], limit: int = 1000) -> OutboxListing:
    """The undelivered notices in `states` (at most `limit`), failures first, each error masked."""
    secrets = get_settings().secrets()
    wanted = [state.value for state in states]
    with reading() as session:
        counted = session.execute(select(_STATE, func.count()).where(_UNDELIVERED).group_by(_STATE)).all()
        found = session.execute(select(Notification, _STATE).where(_UNDELIVERED, _STATE.in_(wanted)).order_by(_RANK, col(Notification.id)).limit(limit)).all()
        rows = [_outbox_row(row, NoticeState(state), secrets) for row, state in found]
    counts = dict.fromkeys(NoticeState, 0) | {NoticeState(state): count for state, count in counted}
    total = sum(counts[state] for state in states)
    return OutboxListing(counts=counts, rows=rows, not_shown=total - len(rows))


class RetryReport(BaseModel):
    """Failed notices requeued at `at` and what delivering them did."""

    at: datetime
    requeued: list[str] = []
    # Failed, but resent in doubt already: left out, they may have arrived twice.
    left_out: list[str] = []
    delivery: DeliveryReport = DeliveryReport()


def requeue(keys: list[str], *, all_failed: bool, when: When = NOW) -> RetryReport:
    """Failed notices (`keys`, or every one) back in the outbox in one unit of work, due now; a bad key changes nothing."""
    if bool(keys) == all_failed:
        raise RuleViolation("KEY", "name the failed notices' keys, or give --all-failed for every failed notice (one or the other)")
    if not channel_configured():
        raise RuleViolation("GRANTFLOW_EMAIL_URL", f"{NO_CHANNEL}; configure the channel, then retry")
    with changing() as session:
        at = when.instant(session)
        requeued: Requeued = requeue_failed(session, None if all_failed else keys, at=at)
    return RetryReport(at=at, requeued=requeued.keys, left_out=requeued.left_out)


def send_requeued(report: RetryReport) -> RetryReport:
    """The requeued notices delivered at once, each claimed by one sender: a parallel delivery sends none of them twice."""
    report.delivery = send_notifications(report.requeued, report.at)
    return report


def retry(keys: list[str], *, all_failed: bool, when: When = NOW) -> RetryReport:
    """Requeue failed notices once their cause is fixed, then deliver them through the outbox."""
    return send_requeued(requeue(keys, all_failed=all_failed, when=when))
