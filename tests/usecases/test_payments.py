"""The payment use cases: each a unit of work, all named payments moved or none."""

import pytest
from sqlalchemy.engine import Engine

from domain.errors import IllegalTransition
from domain.model import PaymentStatus
from domain.store import unit_of_work
from tests.helpers import hel, under_review
from usecases.context import When
from usecases.decision import apply
from usecases.payments import approve, listing, mark_failed, mark_paid, mark_sent
from usecases.startup import accept


@pytest.fixture
def accepted(seeded: Engine) -> Engine:
    with unit_of_work(seeded) as session:
        under_review(session, "soite-fsc-2020", "soite-ru-2020")
    for application_id in ("soite-fsc-2020", "soite-ru-2020"):
        apply(application_id, When(stated=hel("2020-07-02 10:00")))
        accept(application_id, When(stated=hel("2020-07-20 10:00")))
    return seeded


def test_accepting_each_grant_lists_its_first_instalment_as_created(accepted: Engine) -> None:
    rows = listing()
    assert [(r.application_id, r.instalment, r.amount_cents, r.status) for r in rows] == [
        ("soite-fsc-2020", 1, 65_075_880, PaymentStatus.CREATED),
        ("soite-ru-2020", 1, 107_200_000, PaymentStatus.CREATED),
    ]
    assert all(r.reference.startswith("RF") for r in rows)


def test_a_payment_approved_sent_and_paid_is_listed_as_paid_with_each_instant(accepted: Engine) -> None:
    [payment] = listing("soite-fsc-2020")
    approve([payment.id], When(stated=hel("2020-08-03 09:00")))
    mark_sent([payment.id], When(stated=hel("2020-08-04 09:00")))
    mark_paid([payment.id], When(stated=hel("2020-08-06 09:00")))
    [paid] = listing("soite-fsc-2020")
    assert (paid.status, paid.approved_at, paid.sent_at, paid.paid_at) == (PaymentStatus.PAID, hel("2020-08-03 09:00"), hel("2020-08-04 09:00"),
                                                                           hel("2020-08-06 09:00"))


def test_one_payment_that_cannot_move_leaves_every_named_payment_as_it_was(accepted: Engine) -> None:
    fsc, ru = listing()
    approve([fsc.id], When(stated=hel("2020-08-03 09:00")))
    with pytest.raises(IllegalTransition, match="cannot move from created to sent"):
        mark_sent([fsc.id, ru.id], When(stated=hel("2020-08-04 09:00")))
    assert [r.status for r in listing()] == [PaymentStatus.APPROVED, PaymentStatus.CREATED]


def test_a_failed_payment_keeps_the_payment_systems_reason(accepted: Engine) -> None:
    [payment] = listing("soite-ru-2020")
    approve([payment.id], When(stated=hel("2020-08-03 09:00")))
    mark_sent([payment.id], When(stated=hel("2020-08-04 09:00")))
    mark_failed([payment.id], "account closed", When(stated=hel("2020-08-05 09:00")))
    assert [(r.status, r.failure) for r in listing(status=PaymentStatus.FAILED)] == [(PaymentStatus.FAILED, "account closed")]
