import threading
from datetime import date

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from domain import repository as repo
from domain.decision import NotYetApplicable, apply_decision, record_decision
from domain.errors import RuleViolation, ValidationFailed
from domain.inputs import DecisionInput
from domain.model import Application, DomainEvent, DutyPhase, Outcome, Stage
from domain.store import unit_of_work
from tests.helpers import hel, under_review


def ru_decision(**changes: object) -> DecisionInput:
    values: dict[str, object] = {
        "application": "lappi-ru-2020",
        "granted": 3000000,
        "lines": [
            {"sub_area": 1, "granted": 900000},
            {"sub_area": 2, "granted": 800000},
            {"sub_area": 3, "granted": 700000},
            {"sub_area": 4, "granted": 600000},
        ],
        "justification": "Hakemus täyttää kriteerit osittain.",
        "period": {"start": date(2020, 7, 1), "end": date(2022, 12, 31)},
        "decided_at": hel("2020-06-30 12:00"),
        "decided_by": "STM",
    }
    values.update(changes)
    return DecisionInput.model_validate(values)


def test_the_seed_decisions_are_applied_with_their_outcomes(session: Session) -> None:
    under_review(session, "soite-fsc-2020", "soite-ru-2020")
    apply_decision(session, "soite-fsc-2020", at=hel("2020-06-30 14:00"), actor="test")
    apply_decision(session, "soite-ru-2020", at=hel("2020-06-30 14:00"), actor="test")
    assert repo.application(session, "soite-fsc-2020").stage == Stage.GRANTED
    assert repo.application(session, "soite-ru-2020").stage == Stage.PARTIALLY_GRANTED
    decision = repo.decision_of(session, "soite-ru-2020")
    assert decision is not None and (decision.outcome, decision.granted_cents) == (Outcome.PARTIAL, 268000000)


def test_a_decision_applied_twice_changes_the_application_once(session: Session) -> None:
    under_review(session, "soite-ru-2020")
    first = apply_decision(session, "soite-ru-2020", at=hel("2020-06-30 14:00"), actor="test")
    second = apply_decision(session, "soite-ru-2020", at=hel("2020-06-30 14:01"), actor="test")
    assert first is not None and second is None
    granted = session.exec(select(DomainEvent).where(DomainEvent.name == "grantflow.application.granted")).all()
    assert len(granted) == 1


def test_a_partial_grant_brings_a_revised_plan_among_its_startup_duties(session: Session) -> None:
    under_review(session, "soite-ru-2020")
    apply_decision(session, "soite-ru-2020", at=hel("2020-06-30 14:00"), actor="test")
    kinds = [d.kind for d in repo.duties(session, "soite-ru-2020", DutyPhase.STARTUP)]
    assert kinds == ["grant-acceptance", "revised-plan", "steering-group"]


def test_a_valid_decision_is_recorded_with_its_event(session: Session) -> None:
    under_review(session, "lappi-ru-2020")
    record_decision(session, ru_decision(), at=hel("2020-06-30 13:00"))
    session.commit()
    assert repo.decision_of(session, "lappi-ru-2020") is not None
    assert session.exec(select(DomainEvent).where(DomainEvent.name == "grantflow.decision.recorded", DomainEvent.application_id == "lappi-ru-2020")).one()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"lines": [{"sub_area": 1, "granted": 1100000}, {"sub_area": 2, "granted": 1900000}]}, "lines[2].granted"),
        ({"granted": 3100000}, "lines"),
        ({"period": {"start": date(2020, 7, 1), "end": date(2023, 6, 30)}}, "period"),
        ({"granted": 4100000, "lines": []}, "granted"),
        ({"lines": []}, "lines"),
        ({"decided_at": hel("2020-04-01 12:00")}, "decided_at"),
    ],
)
def test_an_invalid_decision_is_refused_naming_the_field_and_nothing_is_stored(session: Session, changes: dict[str, object], field: str) -> None:
    under_review(session, "lappi-ru-2020")
    with pytest.raises(ValidationFailed) as refused:
        record_decision(session, ru_decision(**changes), at=hel("2020-06-30 13:00"))
    session.rollback()
    assert field in [p.field for p in refused.value.problems]
    assert repo.decision_of(session, "lappi-ru-2020") is None
    assert session.get(Application, "lappi-ru-2020").stage == Stage.UNDER_REVIEW  # type: ignore[union-attr]


def test_a_rejection_creates_no_startup_duties(session: Session) -> None:
    under_review(session, "lappi-ru-2020")
    record_decision(session, ru_decision(granted=0, lines=[], period=None), at=hel("2020-06-30 13:00"))
    apply_decision(session, "lappi-ru-2020", at=hel("2020-06-30 14:00"), actor="test")
    assert repo.application(session, "lappi-ru-2020").stage == Stage.REJECTED
    assert repo.duties(session, "lappi-ru-2020", DutyPhase.STARTUP) == []


def test_a_second_decision_for_the_same_application_is_refused(session: Session) -> None:
    with pytest.raises(ValidationFailed, match="already has a decision"):
        record_decision(session, ru_decision(application="soite-ru-2020", lines=[]), at=hel("2020-06-30 13:00"))


def test_an_imported_decision_is_not_applied_before_its_application_is_submitted(session: Session) -> None:
    with pytest.raises(RuleViolation, match="the application has not been submitted yet"):
        apply_decision(session, "soite-ru-2020", at=hel("2020-06-30 14:00"), actor="test")
    assert repo.application(session, "soite-ru-2020").stage == Stage.PREPARATION


def test_two_transactions_applying_one_decision_at_once_apply_it_once(seeded: Engine) -> None:
    with unit_of_work(seeded) as session:
        under_review(session, "soite-ru-2020")
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def apply() -> None:
        barrier.wait()
        try:
            with unit_of_work(seeded) as session:
                outcomes.append(apply_decision(session, "soite-ru-2020", at=hel("2020-06-30 14:00"), actor="test"))
        except Exception as exc:  # noqa: BLE001 - recorded to be asserted on
            outcomes.append(exc)

    threads = [threading.Thread(target=apply) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(type(o).__name__ for o in outcomes) == ["DomainEvent", "NoneType"]
    with Session(seeded) as session:
        assert len(session.exec(select(DomainEvent).where(DomainEvent.to_stage == Stage.PARTIALLY_GRANTED)).all()) == 1


def test_a_decision_for_an_application_never_submitted_is_refused_naming_its_stage(session: Session) -> None:
    with pytest.raises(ValidationFailed) as refused:
        record_decision(session, ru_decision(), at=hel("2020-06-30 13:00"))
    session.rollback()
    assert [(p.field, p.rule) for p in refused.value.problems if p.field == "stage"] == [
        ("stage", "the application is in preparation, never submitted; only a submitted application can be decided")
    ]
    assert repo.decision_of(session, "lappi-ru-2020") is None
    assert session.exec(select(DomainEvent).where(DomainEvent.application_id == "lappi-ru-2020")).all() == []


@pytest.mark.parametrize("stage", list(Stage))
def test_a_decision_is_recorded_in_a_stage_exactly_when_it_can_then_be_applied(session: Session, stage: Stage) -> None:
    app = repo.application(session, "lappi-ru-2020")
    app.stage = stage
    session.add(app)
    session.flush()
    try:
        record_decision(session, ru_decision(), at=hel("2020-06-30 13:00"))
    except ValidationFailed as refused:
        assert "stage" in [p.field for p in refused.problems]
        recorded = False
    else:
        recorded = True
    assert recorded == (stage in (Stage.SUBMITTED, Stage.UNDER_REVIEW))
    if recorded:
        assert apply_decision(session, "lappi-ru-2020", at=hel("2020-06-30 14:00"), actor="test") is not None
        assert repo.application(session, "lappi-ru-2020").stage == Stage.PARTIALLY_GRANTED


def test_a_partial_grant_to_a_multi_region_project_must_be_split_into_shares(undecided: Engine) -> None:
    with unit_of_work(undecided) as session:
        under_review(session, "ot-2020")
    with Session(undecided) as session, pytest.raises(ValidationFailed) as refused:
        record_decision(session, ru_decision(application="ot-2020", granted=1400000, lines=[]), at=hel("2020-06-30 13:00"))
    assert [p.field for p in refused.value.problems] == ["shares"]


def test_a_decision_is_not_applied_before_it_was_decided_and_nothing_changes(session: Session) -> None:
    under_review(session, "soite-ru-2020")  # reviewed on 4.5.2020; the seed's decision was made on 30.6.2020
    with pytest.raises(NotYetApplicable) as waiting:
        apply_decision(session, "soite-ru-2020", at=hel("2020-05-04 08:00"), actor="test")
    session.rollback()
    assert waiting.value.field == "decided_at"
    assert waiting.value.rule.startswith("decided on 30.6.2020 klo 12.00")
    assert repo.application(session, "soite-ru-2020").stage == Stage.UNDER_REVIEW
    assert repo.decision_of(session, "soite-ru-2020").applied_at is None  # type: ignore[union-attr]


def test_a_decision_is_applied_at_the_instant_it_was_decided(session: Session) -> None:
    under_review(session, "soite-ru-2020")
    event = apply_decision(session, "soite-ru-2020", at=hel("2020-06-30 12:00"), actor="test")
    assert event is not None and event.occurred_at == hel("2020-06-30 12:00")


def test_the_decider_is_the_actor_of_the_recorded_and_the_granted_event(session: Session) -> None:
    under_review(session, "lappi-ru-2020")
    record_decision(session, ru_decision(decided_by="Ylitarkastaja Virtanen"), at=hel("2020-06-30 13:00"))
    apply_decision(session, "lappi-ru-2020", at=hel("2020-06-30 14:00"), actor="scheduler")
    actors = session.exec(select(DomainEvent.name, DomainEvent.actor).where(DomainEvent.application_id == "lappi-ru-2020",
                                                                             col(DomainEvent.name).in_(["grantflow.decision.recorded",
                                                                                                         "grantflow.application.granted"]))).all()
    assert sorted(actors) == [("grantflow.application.granted", "Ylitarkastaja Virtanen"), ("grantflow.decision.recorded", "Ylitarkastaja Virtanen")]


def test_an_imported_decision_is_recorded_and_applied_in_the_name_of_its_decider(session: Session) -> None:
    under_review(session, "soite-ru-2020")
    apply_decision(session, "soite-ru-2020", at=hel("2020-06-30 14:00"), actor="scheduler")
    actors = session.exec(select(DomainEvent.actor).where(DomainEvent.application_id == "soite-ru-2020",
                                                          col(DomainEvent.name).in_(["grantflow.decision.recorded", "grantflow.application.granted"]))).all()
    assert actors == ["Sosiaali- ja terveysministeriö"] * 2
