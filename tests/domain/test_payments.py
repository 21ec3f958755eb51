"""Payment plans, exact instalments, payments due by events and their moves."""

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from domain import repository as repo
from domain.decision import apply_decision
from domain.errors import IllegalTransition, RuleViolation
from domain.importing import import_scenario
from domain.model import Call, DomainEvent, Payment, PaymentStatus
from domain.payments import DEFAULT_PLAN, Instalment, PaymentPlan, Trigger, creditor_reference, instalments_due, move, payments, plan_of, split
from domain.startup import accept_grant
from domain.store import unit_of_work
from grantflow.scenario import SEED, read_scenario
from tests.conftest import IMPORTED_AT
from tests.helpers import hel, under_review

ISSUE_TOTAL = 162_689_700  # 1 626 897 €, Soite's grant in the seed


@st.composite
def plans(draw: st.DrawFn) -> PaymentPlan:
    """Any valid plan: up to 12 positive whole percentages summing to 100, each after any trigger."""
    cuts = sorted(draw(st.sets(st.integers(1, 99), max_size=11)))
    percents = [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
    return PaymentPlan(instalments=[Instalment(percent=p, after=draw(st.sampled_from(Trigger))) for p in percents])


@given(total=st.integers(0, 10**11), plan=plans())
def test_instalments_sum_exactly_to_the_total_and_only_the_last_takes_the_remainder(total: int, plan: PaymentPlan) -> None:
    amounts = split(total, plan)
    remainder = total - sum(total * i.percent // 100 for i in plan.instalments)
    assert sum(amounts) == total
    assert all(a >= 0 for a in amounts)
    # Against the exact share total·p/100, in hundredths of a cent to stay in integers.
    assert all(a * 100 - total * i.percent <= remainder * 100 for a, i in zip(amounts, plan.instalments, strict=True))
    assert all(a * 100 <= total * i.percent for a, i in zip(amounts[:-1], plan.instalments[:-1], strict=True))


def test_the_issues_grant_in_three_parts_sums_to_the_cent() -> None:
    assert split(ISSUE_TOTAL, DEFAULT_PLAN) == [65_075_880, 48_806_910, 48_806_910]
    thirds = PaymentPlan(instalments=[Instalment(percent=33, after=Trigger.GRANT_ACCEPTED), Instalment(percent=33, after=Trigger.INTERIM_REPORT_ACCEPTED),
                                      Instalment(percent=34, after=Trigger.FINAL_REPORT_ACCEPTED)])
    assert split(ISSUE_TOTAL + 1, thirds) == [53_687_601, 53_687_601, 55_314_499]
    assert sum(split(ISSUE_TOTAL + 1, thirds)) == ISSUE_TOTAL + 1


@pytest.mark.parametrize(
    ("instalments", "rule"),
    [
        ([{"percent": 60, "after": "grant-accepted"}, {"percent": 30, "after": "final-report-accepted"}], "must sum to 100 (they sum to 90)"),
        ([{"percent": 0, "after": "grant-accepted"}, {"percent": 100, "after": "final-report-accepted"}], "greater than 0"),
        ([{"percent": 100, "after": "project-started"}], "'grant-accepted', 'interim-report-accepted' or 'final-report-accepted'"),
    ],
)
def test_a_plan_is_refused_unless_positive_percentages_sum_to_100_each_after_a_known_trigger(instalments: list[dict[str, object]], rule: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(rule)):
        PaymentPlan.model_validate({"instalments": instalments})


def test_the_creditor_reference_carries_the_iso_11649_check_digits() -> None:
    assert creditor_reference("539007547034") == "RF18539007547034"  # the standard's own example


@pytest.fixture
def granted(session: Session) -> Session:
    under_review(session, "soite-fsc-2020")
    apply_decision(session, "soite-fsc-2020", at=hel("2020-06-30 14:00"), actor="test")
    return session


def test_accepting_the_grant_creates_the_first_instalment(granted: Session) -> None:
    accept_grant(granted, "soite-fsc-2020", at=hel("2020-07-20 10:00"), actor="test")
    [payment] = payments(granted, "soite-fsc-2020")
    assert (payment.instalment, payment.amount_cents, payment.status) == (1, 65_075_880, PaymentStatus.CREATED)
    assert payment.reference == creditor_reference(str(payment.id))
    assert Decimal(payment.amount_cents) / 100 == Decimal("650758.80")
    names = [e.name for e in granted.exec(select(DomainEvent).where(DomainEvent.application_id == "soite-fsc-2020"))]
    assert names.count("grantflow.payment.created") == 1


def test_an_instalment_falls_due_once_however_often_its_event_comes(granted: Session) -> None:
    accept_grant(granted, "soite-fsc-2020", at=hel("2020-07-20 10:00"), actor="test")
    assert instalments_due(granted, "soite-fsc-2020", Trigger.GRANT_ACCEPTED, at=hel("2020-07-21 10:00"), actor="test") == []
    assert len(payments(granted, "soite-fsc-2020")) == 1


def test_every_trigger_together_pays_the_whole_grant(granted: Session) -> None:
    for trigger in Trigger:
        instalments_due(granted, "soite-fsc-2020", trigger, at=hel("2021-07-20 10:00"), actor="test")
    assert sum(p.amount_cents for p in payments(granted, "soite-fsc-2020")) == repo.decision_of(granted, "soite-fsc-2020").granted_cents  # type: ignore[union-attr]


def test_a_decision_granting_nothing_makes_no_payment(session: Session) -> None:
    under_review(session, "soite-fsc-2020")
    decision = repo.decision_of(session, "soite-fsc-2020")
    assert decision is not None
    decision.granted_cents = 0
    session.add(decision)
    assert instalments_due(session, "soite-fsc-2020", Trigger.GRANT_ACCEPTED, at=hel("2020-07-20 10:00"), actor="test") == []


def test_an_unknown_trigger_is_refused_naming_the_field(granted: Session) -> None:
    with pytest.raises(RuleViolation, match="not a payment trigger") as refused:
        instalments_due(granted, "soite-fsc-2020", "project-started", at=hel("2020-07-20 10:00"), actor="test")
    assert refused.value.field == "trigger"


def test_payments_never_exceed_the_grant_even_when_the_plan_changes_after_some_were_made(granted: Session) -> None:
    accept_grant(granted, "soite-fsc-2020", at=hel("2020-07-20 10:00"), actor="test")
    call = repo.call_of(granted, repo.application(granted, "soite-fsc-2020"))
    call.payment_plan = {"instalments": [{"percent": 10, "after": "grant-accepted"}, {"percent": 90, "after": "interim-report-accepted"}]}
    granted.add(call)
    with pytest.raises(RuleViolation, match="above the granted 162689700") as refused:
        instalments_due(granted, "soite-fsc-2020", Trigger.INTERIM_REPORT_ACCEPTED, at=hel("2021-07-20 10:00"), actor="test")
    assert refused.value.field == "amount_cents"


def _first(granted: Session) -> Payment:
    accept_grant(granted, "soite-fsc-2020", at=hel("2020-07-20 10:00"), actor="test")
    [payment] = payments(granted, "soite-fsc-2020")
    assert payment.id is not None
    return payment


def test_a_payment_moves_from_created_to_paid_each_move_an_event(granted: Session) -> None:
    payment = _first(granted)
    assert payment.id is not None
    for status in (PaymentStatus.APPROVED, PaymentStatus.SENT, PaymentStatus.PAID):
        move(granted, [payment.id], status, at=hel("2020-08-01 10:00"), actor="test")
    assert payment.status == PaymentStatus.PAID and payment.paid_at == hel("2020-08-01 10:00")
    names = [e.name for e in granted.exec(select(DomainEvent).where(DomainEvent.name.startswith("grantflow.payment.")))]  # type: ignore[attr-defined]
    assert names == ["grantflow.payment.created", "grantflow.payment.approved", "grantflow.payment.sent", "grantflow.payment.paid"]


def test_a_payment_not_yet_approved_cannot_be_sent(granted: Session) -> None:
    payment = _first(granted)
    assert payment.id is not None
    with pytest.raises(IllegalTransition, match="cannot move from created to sent") as refused:
        move(granted, [payment.id], PaymentStatus.SENT, at=hel("2020-08-01 10:00"), actor="test")
    assert refused.value.field == "status"


def test_a_failed_payment_needs_the_reason(granted: Session) -> None:
    payment = _first(granted)
    assert payment.id is not None
    move(granted, [payment.id], PaymentStatus.APPROVED, at=hel("2020-08-01 10:00"), actor="test")
    move(granted, [payment.id], PaymentStatus.SENT, at=hel("2020-08-01 10:00"), actor="test")
    with pytest.raises(RuleViolation) as refused:
        move(granted, [payment.id], PaymentStatus.FAILED, at=hel("2020-08-02 10:00"), actor="test", failure=" ")
    assert refused.value.field == "failure"
    move(granted, [payment.id], PaymentStatus.FAILED, at=hel("2020-08-02 10:00"), actor="test", failure="account closed")
    assert (payment.status, payment.failure) == (PaymentStatus.FAILED, "account closed")


def test_a_calls_payment_plan_is_imported_with_the_call(engine: Engine) -> None:
    plan = PaymentPlan(instalments=[Instalment(percent=50, after=Trigger.GRANT_ACCEPTED), Instalment(percent=50, after=Trigger.FINAL_REPORT_ACCEPTED)])
    seed = read_scenario(SEED)
    scenario = seed.model_copy(update={"calls": [call.model_copy(update={"payments": plan}) for call in seed.calls]})
    with unit_of_work(engine) as session:
        import_scenario(session, scenario, source="seed.yaml", at=IMPORTED_AT, actor="test")
    with unit_of_work(engine) as session:
        assert plan_of(repo.get(session, Call, "fsc-2020")) == plan
