"""Payments: approving instalments that fell due, recording what the payment system did with them, and listing them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel

from domain.model import Payment, PaymentStatus
from domain.payments import move, payments
from usecases.context import NOW, When, actor, changing, reading


class PaymentRow(BaseModel):
    id: int
    application_id: str
    instalment: int
    percent: int
    trigger: str
    amount_cents: int
    status: PaymentStatus
    reference: str
    created_at: datetime
    approved_at: datetime | None
    sent_at: datetime | None
    paid_at: datetime | None
    failed_at: datetime | None
    failure: str | None

    @classmethod
    def of(cls, payment: Payment) -> PaymentRow:
        return cls.model_validate(payment, from_attributes=True)


def _moved(payment_ids: Sequence[int], to: PaymentStatus, when: When, failure: str | None = None) -> list[PaymentRow]:
    with changing() as session:
        at = when.instant(session)
        return [PaymentRow.of(p) for p in move(session, payment_ids, to, at=at, actor=actor(), failure=failure)]


def approve(payment_ids: Sequence[int], when: When = NOW) -> list[PaymentRow]:
    """Approve created payments for sending, all or none."""
    return _moved(payment_ids, PaymentStatus.APPROVED, when)


def mark_sent(payment_ids: Sequence[int], when: When = NOW) -> list[PaymentRow]:
    """Record approved payments as handed to the payment system, all or none."""
    return _moved(payment_ids, PaymentStatus.SENT, when)


def mark_paid(payment_ids: Sequence[int], when: When = NOW) -> list[PaymentRow]:
    """Record sent payments as paid, all or none."""
    return _moved(payment_ids, PaymentStatus.PAID, when)


def mark_failed(payment_ids: Sequence[int], reason: str, when: When = NOW) -> list[PaymentRow]:
    """Record sent payments the payment system refused, with its reason, all or none."""
    return _moved(payment_ids, PaymentStatus.FAILED, when, failure=reason)


def listing(application_id: str | None = None, status: PaymentStatus | None = None) -> list[PaymentRow]:
    """The payments, by application and instalment; optionally one application's or those in one status."""
    with reading() as session:
        return [PaymentRow.of(p) for p in payments(session, application_id, status)]
