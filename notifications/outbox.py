"""The outbox: one row per message key, written in the same transaction as the change it reports."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Field, Session, SQLModel

from domain.columns import UTCDateTime, enum_column
from domain.errors import RuleViolation
from domain.limits import EMAIL_LENGTH, ID_LENGTH
from domain.model import Language
from domain.reminders import DEADLINE_KEY_LENGTH

# Where a message goes: an e-mail address, or `tag:NAME` for the Apprise channels tagged NAME.
RECIPIENT_LENGTH = max(EMAIL_LENGTH, len("tag:") + ID_LENGTH)
# A reminder's slot: `14d`, `10wd`, `overdue`.
SLOT_LENGTH = 16
# The longest key any message can have, a reminder's `reminder:<deadline>:<due instant>:<slot>:<recipient>`
# (notifications/reminders.py); a lifecycle message's `<kind>:<application>:<recipient>` is shorter.
KEY_LENGTH = len("reminder:") + DEADLINE_KEY_LENGTH + len(":20201231T235959Z:") + SLOT_LENGTH + len(":") + RECIPIENT_LENGTH


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    # Claimed by one sender; a row left here by a crash is found and reported by the next sweep.
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"


class OutgoingMessage(BaseModel):
    """A rendered message for one recipient; `key` makes it unique across retries and reruns."""

    key: str
    application_id: str
    recipient: str
    language: Language
    subject: str
    body: str
    deadline_key: str | None = None
    due_at: datetime | None = None
    slot: str | None = None
    planned_at: datetime | None = None
    status: DeliveryStatus = DeliveryStatus.PENDING


class Notification(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=KEY_LENGTH)
    application_id: str = Field(foreign_key="application.id", index=True, max_length=ID_LENGTH)
    recipient: str = Field(max_length=RECIPIENT_LENGTH)
    language: Language = Field(sa_type=enum_column(Language))
    subject: str
    body: str
    status: DeliveryStatus = Field(default=DeliveryStatus.PENDING, sa_type=enum_column(DeliveryStatus), index=True)
    attempts: int = 0
    last_error: str | None = None
    created_at: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Reminders: which deadline (and which version of its due instant) and which slot before or after it.
    deadline_key: str | None = Field(default=None, max_length=DEADLINE_KEY_LENGTH, index=True)
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    slot: str | None = Field(default=None, max_length=SLOT_LENGTH)
    planned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claim_token: str | None = Field(default=None, max_length=36)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # An attempt's outcome is unknown (its data went out unanswered, or its sender died): it may have been delivered.
    in_doubt: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    # When a message in doubt was handed over again (once at most): it may have arrived twice.
    resent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When the doubt (and any resend) was last reported to an operator; later doubt is reported again.
    doubt_reported_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    message_id: str | None = Field(default=None, max_length=128)
    result: list[dict[str, Any]] | None = Field(default=None, sa_type=sa.JSON)


def notice_kind(key: str) -> str:
    """What a message is, read from its key: `reminder`, or a lifecycle message's kind (`submitted`, `decision`, …)."""
    return key.split(":", 1)[0]


def enqueue(session: Session, messages: list[OutgoingMessage], *, at: datetime) -> list[str]:
    """INSERT ... ON CONFLICT DO NOTHING: a key already in the outbox, from this sweep or a parallel one, stays as it is."""
    if not messages:
        return []
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    # One statement, executed over many rows: compiled once, batched by the driver.
    table = Notification.__table__  # type: ignore[attr-defined]
    statement = insert(table).on_conflict_do_nothing(index_elements=["key"]).returning(table.c.key)
    rows = [{**m.model_dump(), "created_at": at, "in_doubt": False, "attempts": 0} for m in messages]
    return list(session.execute(statement, rows).scalars())


# A notice resent in doubt may have arrived twice already: sending it again could make a third copy.
RESENT_IN_DOUBT = "was resent in doubt and may have arrived twice already: it is not sent again"


class Requeued(BaseModel):
    """Failed notices put back in the outbox, and failed ones left out because they may have arrived twice."""

    keys: list[str] = []
    left_out: list[str] = []


def requeue_failed(session: Session, keys: list[str] | None, *, at: datetime) -> Requeued:
    """Failed notices (`keys`, or with None every one) back to pending, due at `at`, with their attempts reset.

    The last error stays on the row as history until the next attempt replaces it. A named key that is
    not in the outbox, not failed, or was resent in doubt is refused with the others, and nothing changes.
    """
    table = Notification.__table__  # type: ignore[attr-defined]
    failed = table.c.status == DeliveryStatus.FAILED
    query = sa.select(table.c.key, table.c.status, table.c.resent_at).where(failed if keys is None else table.c.key.in_(keys)).order_by(table.c.id)
    found = {row.key: row for row in session.execute(query)}
    if keys is not None:
        problems = [f"{key}: not in the outbox" for key in dict.fromkeys(keys) if key not in found]
        problems += [f"{key}: is {row.status}, not failed" for key, row in found.items() if row.status != DeliveryStatus.FAILED]
        problems += [f"{key}: {RESENT_IN_DOUBT}" for key, row in found.items() if row.status == DeliveryStatus.FAILED and row.resent_at is not None]
        if problems:
            raise RuleViolation("KEY", "only a failed notice can be retried; nothing was requeued: " + "; ".join(problems))
    left_out = [key for key, row in found.items() if row.resent_at is not None]
    chosen = [key for key in found if key not in left_out]
    if chosen:
        # Only failed rows: delivery never touches them, so none changed since they were read.
        session.execute(table.update().where(failed, table.c.key.in_(chosen))
                        .values(status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=at, claim_token=None))
    return Requeued(keys=chosen, left_out=left_out)
