"""The change request use cases: each in its own unit of work, the decided request notifying the applicant."""

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from domain import repository as repo
from domain.changes import PartDecision, PartInput
from domain.decision import apply_decision
from domain.errors import RuleViolation
from domain.model import ChangeKind, ChangeOutcome, ChangePart, DecisionLine
from domain.preparation import complete_duty
from domain.startup import start_project
from domain.store import unit_of_work
from notifications.outbox import DeliveryStatus, Notification
from tests.helpers import hel, under_review
from usecases.changes import decide_change, submit_change
from usecases.context import When
from usecases.reminders import plan

APP = "soite-ru-2020"
EUR = 100
MOVED = {1: 600_000 * EUR, 2: 930_000 * EUR, 3: 1_150_000 * EUR}
DECIDED = When(stated=hel("2020-12-15 12:00"))


@pytest.fixture
def started(seeded: Engine) -> Engine:
    with unit_of_work(seeded) as session:
        under_review(session, APP)
        apply_decision(session, APP, at=hel("2020-06-30 14:00"), actor="test")
        complete_duty(session, APP, "grant-acceptance", at=hel("2020-07-20 10:00"), actor="test")
        start_project(session, APP, at=hel("2020-09-01 09:00"), actor="test")
    return seeded


def _change_notices(engine: Engine) -> list[Notification]:
    with Session(engine) as session:
        return [n for n in session.exec(select(Notification)) if n.key.startswith("change_decided:")]


def _submit(*parts: PartInput) -> int:
    return submit_change(APP, list(parts), "Rekrytointi viivästyi", When(stated=hel("2020-12-01 10:00"))).change_id


def test_the_last_part_decided_notifies_the_applicant_with_the_lines_before_and_after(started: Engine) -> None:
    change = _submit(PartInput(kind=ChangeKind.REALLOCATION, lines=MOVED), PartInput(kind=ChangeKind.CONTENT, content="Koulutukset verkossa"))
    assert decide_change(change, 1, PartDecision(outcome=ChangeOutcome.ACCEPTED, justification="Perusteltu"), DECIDED).notifications == []
    result = decide_change(change, 2, PartDecision(outcome=ChangeOutcome.REJECTED, justification="Ei perusteltu"), DECIDED)
    notices = _change_notices(started)
    assert sorted(result.notifications) == sorted(n.key for n in notices) and notices
    soite = next(n for n in notices if n.language == "fi" and "soite" in n.recipient)
    assert soite.subject == "Muutoshakemus ratkaistu: Soite 2.0 – Rakenneuudistus"
    assert "1. Vapaaehtoinen alueellinen valmistelu ja hankekoordinaatio: haettu 800 000 €, ennen 580 000 €, jälkeen 600 000 €" in soite.body


def test_a_refused_decision_stores_nothing(started: Engine) -> None:
    change = _submit(PartInput(kind=ChangeKind.REALLOCATION, lines=MOVED))
    with Session(started) as session:
        before = sorted(line.granted_cents for line in session.exec(select(DecisionLine)))
    with pytest.raises(RuleViolation, match="above the"):
        decide_change(change, 1, PartDecision(outcome=ChangeOutcome.ACCEPTED_WITH_CHANGES, justification="Muutettuna",
                                              lines={1: 900_000 * EUR, 2: 630_000 * EUR, 3: 1_150_000 * EUR}), DECIDED)
    with Session(started) as session:
        assert sorted(line.granted_cents for line in session.exec(select(DecisionLine))) == before
        assert [p.outcome for p in session.exec(select(ChangePart))] == [None]
    assert _change_notices(started) == []


def test_an_accepted_extension_moves_the_reminders_to_the_new_deadline(started: Engine) -> None:
    old, new = hel("2021-03-31 16:15"), hel("2021-04-30 16:15")
    change = submit_change(APP, [PartInput(kind=ChangeKind.EXTENSION, duty_kind="annual-report-2020", due_at=new)], "Tilinpäätös myöhässä",
                           When(stated=hel("2021-03-01 10:00"))).change_id
    plan(When(stated=hel("2021-03-20 09:00")))
    decide_change(change, 1, PartDecision(outcome=ChangeOutcome.ACCEPTED, justification="Perusteltu"), When(stated=hel("2021-03-21 09:00")))
    plan(When(stated=hel("2021-04-28 09:00")))
    with Session(started) as session:
        duty = repo.duty(session, APP, "annual-report-2020")
        reminders = list(session.exec(select(Notification).where(Notification.deadline_key == f"duty:{duty.id}")))
    assert {n.due_at for n in reminders if n.status == DeliveryStatus.PENDING} == {new}
    assert {n.status for n in reminders if n.due_at == old} == {DeliveryStatus.CANCELLED}  # planned before the extension
