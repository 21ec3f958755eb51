"""Payments in instalments: the call's payment plan, exact instalment amounts, and each payment's moves.

Rounding rule: each instalment but the last is its percentage of the granted total floored to the cent;
the last gets the rest, so the instalments always sum exactly to the total.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlmodel import Session, col, select

from domain import repository as repo
from domain.errors import IllegalTransition, RuleViolation
from domain.lifecycle import record_event
from domain.model import Call, Payment, PaymentStatus


class Trigger(StrEnum):
    """The events that make an instalment due."""

    GRANT_ACCEPTED = "grant-accepted"
    INTERIM_REPORT_ACCEPTED = "interim-report-accepted"
    FINAL_REPORT_ACCEPTED = "final-report-accepted"


class Instalment(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Whole percent of the granted total.
    percent: int = Field(gt=0, le=100)
    after: Trigger


class PaymentPlan(BaseModel):
    """How a call's grants are paid: instalments in order, their percentages summing to 100."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    instalments: list[Instalment] = Field(
        default=[
            Instalment(percent=40, after=Trigger.GRANT_ACCEPTED),
            Instalment(percent=30, after=Trigger.INTERIM_REPORT_ACCEPTED),
            Instalment(percent=30, after=Trigger.FINAL_REPORT_ACCEPTED),
        ],
        min_length=1,
        max_length=12,
    )

    @model_validator(mode="after")
    def _whole_grant(self) -> Self:
        total = sum(i.percent for i in self.instalments)
        if total != 100:
            raise ValueError(f"the instalments' percentages must sum to 100 (they sum to {total})")
        return self


DEFAULT_PLAN = PaymentPlan()

EVENT_NAMES: dict[PaymentStatus, str] = {status: f"grantflow.payment.{status.value}" for status in PaymentStatus}

# A payment is approved, sent to the payment system, then paid; the payment system may refuse a sent one.
MOVES: dict[PaymentStatus, frozenset[PaymentStatus]] = {
    PaymentStatus.CREATED: frozenset({PaymentStatus.APPROVED}),
    PaymentStatus.APPROVED: frozenset({PaymentStatus.SENT}),
    PaymentStatus.SENT: frozenset({PaymentStatus.PAID, PaymentStatus.FAILED}),
    PaymentStatus.PAID: frozenset(),
    PaymentStatus.FAILED: frozenset(),
}


def plan_of(call: Call) -> PaymentPlan:
    return PaymentPlan.model_validate(call.payment_plan) if call.payment_plan else DEFAULT_PLAN


def split(total_cents: int, plan: PaymentPlan) -> list[int]:
    """The instalments' amounts: each floored to the cent, the last taking the remainder; they sum to `total_cents`."""
    if total_cents < 0:
        raise RuleViolation("total", "a granted total must not be negative")
    floors = [total_cents * i.percent // 100 for i in plan.instalments[:-1]]
    return [*floors, total_cents - sum(floors)]


def creditor_reference(base: str) -> str:
    """A Finnish RF creditor reference (ISO 11649) for `base`, digits and letters: RF, two check digits, then `base`."""
    digits = "".join(str(int(c, 36)) for c in f"{base}RF00".upper())
    return f"RF{98 - int(digits) % 97:02d}{base}"


def granted_cents(session: Session, application_id: str) -> int:
    """The granted total of the application's decision; no decision grants nothing."""
    decision = repo.decision_of(session, application_id)
    return decision.granted_cents if decision is not None else 0


def payments(session: Session, application_id: str | None = None, status: PaymentStatus | None = None) -> list[Payment]:
    query = select(Payment).order_by(col(Payment.application_id), col(Payment.instalment))
    if application_id is not None:
        query = query.where(Payment.application_id == application_id)
    if status is not None:
        query = query.where(Payment.status == status)
    return list(session.exec(query))


def instalments_due(session: Session, application_id: str, trigger: Trigger | str, *, at: datetime, actor: str) -> list[Payment]:
    """Create the payments of the instalments `trigger` makes due; those already created are left as they are."""
    record = f"application {application_id}"
    try:
        event = Trigger(trigger)
    except ValueError:
        allowed = ", ".join(t.value for t in Trigger)
        raise RuleViolation("trigger", f"{trigger!r} is not a payment trigger (allowed: {allowed})", record=record) from None
    app = repo.application(session, application_id)
    total = granted_cents(session, app.id)
    if total <= 0:
        return []
    plan = plan_of(repo.call_of(session, app))
    existing = {p.instalment for p in payments(session, app.id)}
    created = []
    for number, (instalment, amount) in enumerate(zip(plan.instalments, split(total, plan), strict=True), start=1):
        if instalment.after != event or number in existing:
            continue
        payment = Payment(application_id=app.id, instalment=number, percent=instalment.percent, trigger=event.value, amount_cents=amount, created_at=at)
        _ensure_within_grant(session, payment, total)
        session.add(payment)
        session.flush()
        assert payment.id is not None
        payment.reference = creditor_reference(str(payment.id))
        session.add(payment)
        _record(session, payment, PaymentStatus.CREATED, at=at, actor=actor)
        created.append(payment)
    return created


def _ensure_within_grant(session: Session, payment: Payment, total: int) -> None:
    """Payments not failed never add up to more than the grant (a plan changed after some were created could otherwise)."""
    committed = sum(p.amount_cents for p in payments(session, payment.application_id) if p.status != PaymentStatus.FAILED)
    if committed + payment.amount_cents > total:
        raise RuleViolation(
            "amount_cents",
            f"instalment {payment.instalment} of {payment.amount_cents} cents would take the payments to {committed + payment.amount_cents} cents,"
            f" above the granted {total}",
            record=f"application {payment.application_id}",
        )


def move(session: Session, payment_ids: Sequence[int], to: PaymentStatus, *, at: datetime, actor: str, failure: str | None = None) -> list[Payment]:
    """Move every payment named to `to`, each writing its event; one illegal move refuses them all (the caller's transaction rolls back)."""
    if to == PaymentStatus.CREATED:
        raise IllegalTransition("status", "a payment is created only by the event that makes its instalment due")
    if to == PaymentStatus.FAILED and not (failure and failure.strip()):
        raise RuleViolation("failure", "a failed payment needs the payment system's reason")
    if len(set(payment_ids)) != len(payment_ids):
        raise RuleViolation("payments", "each payment may be named once")
    moved = []
    for payment_id in payment_ids:
        payment = repo.get(session, Payment, payment_id, field="payment")
        if to not in MOVES[payment.status]:
            allowed = ", ".join(sorted(s.value for s in MOVES[payment.status])) or "none"
            raise IllegalTransition("status", f"cannot move from {payment.status.value} to {to.value} (allowed: {allowed})", record=f"payment {payment.id}")
        payment.status = to
        setattr(payment, f"{to.value}_at", at)
        if to == PaymentStatus.FAILED:
            payment.failure = failure
        session.add(payment)
        _record(session, payment, to, at=at, actor=actor)
        moved.append(payment)
    return moved


def _record(session: Session, payment: Payment, status: PaymentStatus, *, at: datetime, actor: str) -> None:
    payload = {"payment": payment.id, "instalment": payment.instalment, "amount_cents": payment.amount_cents, "reference": payment.reference}
    if payment.failure is not None:
        payload["failure"] = payment.failure
    record_event(session, payment.application_id, EVENT_NAMES[status], actor=actor, at=at, payload=payload)
