import pytest
from sqlmodel import Session, select

from domain import repository as repo
from domain.changes import CHANGE_DECIDED, PartDecision, PartInput, change_parts, decide_part, line_changes, request_change
from domain.decision import apply_decision
from domain.errors import RuleViolation
from domain.model import ChangeKind, ChangeOutcome, ChangeRequest, DecisionLine, DomainEvent
from domain.preparation import complete_duty
from domain.startup import start_project
from tests.helpers import hel, under_review

APP = "soite-ru-2020"
EUR = 100
# Granted 580 000 / 950 000 / 1 150 000 €, requested 800 000 / 1 300 000 / 1 579 149 €.
MOVED = {1: 600_000 * EUR, 2: 930_000 * EUR, 3: 1_150_000 * EUR}
ABOVE_REQUEST = {1: 900_000 * EUR, 2: 630_000 * EUR, 3: 1_150_000 * EUR}


@pytest.fixture
def started(session: Session) -> Session:
    under_review(session, APP)
    apply_decision(session, APP, at=hel("2020-06-30 14:00"), actor="test")
    complete_duty(session, APP, "grant-acceptance", at=hel("2020-07-20 10:00"), actor="test")
    start_project(session, APP, at=hel("2020-09-01 09:00"), actor="test")
    session.commit()
    return session


def _granted(session: Session) -> list[int]:
    decision = repo.decision_of(session, APP)
    assert decision is not None
    return sorted(line.granted_cents for line in session.exec(select(DecisionLine).where(DecisionLine.decision_id == decision.id)))


def _submit(session: Session, *parts: PartInput) -> int:
    request = request_change(session, APP, list(parts), reason="Henkilöstön rekrytointi viivästyi", at=hel("2020-12-01 10:00"), actor="soite")
    assert request.id is not None
    return request.id


def _decide(session: Session, change_id: int, number: int, outcome: ChangeOutcome, **changes: object) -> ChangeRequest:
    decision = PartDecision(outcome=outcome, justification="Perusteltu muutos", **changes)
    return decide_part(session, change_id, number, decision, at=hel("2020-12-15 12:00"), actor="officer")


EXTENSION = PartInput(kind=ChangeKind.EXTENSION, duty_kind="annual-report-2020", due_at=hel("2021-04-30 16:15"))
REALLOCATION = PartInput(kind=ChangeKind.REALLOCATION, lines=MOVED)
CONTENT = PartInput(kind=ChangeKind.CONTENT, content="Osa-alueen 2 koulutukset verkossa")


def test_a_change_request_on_a_project_not_started_is_refused_naming_the_stage(session: Session) -> None:
    with pytest.raises(RuleViolation, match="needs a started project") as refused:
        request_change(session, APP, [CONTENT], reason="x", at=hel("2020-12-01 10:00"), actor="soite")
    assert refused.value.field == "stage"
    assert session.exec(select(ChangeRequest)).all() == []


def test_an_accepted_extension_moves_the_duty_deadline(started: Session) -> None:
    change = _submit(started, EXTENSION)
    _decide(started, change, 1, ChangeOutcome.ACCEPTED)
    assert repo.duty(started, APP, "annual-report-2020").due_at == hel("2021-04-30 16:15")


def test_an_extension_accepted_with_changes_moves_the_deadline_to_the_one_decided(started: Session) -> None:
    change = _submit(started, EXTENSION)
    _decide(started, change, 1, ChangeOutcome.ACCEPTED_WITH_CHANGES, due_at=hel("2021-04-15 16:15"))
    assert repo.duty(started, APP, "annual-report-2020").due_at == hel("2021-04-15 16:15")


def test_a_rejected_extension_leaves_the_deadline(started: Session) -> None:
    change = _submit(started, EXTENSION)
    _decide(started, change, 1, ChangeOutcome.REJECTED)
    assert repo.duty(started, APP, "annual-report-2020").due_at == hel("2021-03-31 16:15")


def test_a_reallocation_not_summing_to_the_granted_total_is_refused_naming_the_lines(started: Session) -> None:
    with pytest.raises(RuleViolation, match="keeps the granted total") as refused:
        _submit(started, PartInput(kind=ChangeKind.REALLOCATION, lines={**MOVED, 1: 700_000 * EUR}))
    assert refused.value.field == "lines"
    assert started.exec(select(ChangeRequest)).all() == []


def test_an_accepted_reallocation_moves_the_money_between_the_lines(started: Session) -> None:
    change = _submit(started, REALLOCATION)
    _decide(started, change, 1, ChangeOutcome.ACCEPTED)
    assert _granted(started) == sorted(MOVED.values())


def test_a_decided_reallocation_shows_requested_before_and_after_per_line(started: Session) -> None:
    change = _submit(started, REALLOCATION)
    _decide(started, change, 1, ChangeOutcome.ACCEPTED)
    shown = [(line.number, line.requested_cents, line.before_cents, line.after_cents) for line in line_changes(started, change_parts(started, change)[0])]
    assert shown == [(1, 800_000 * EUR, 580_000 * EUR, 600_000 * EUR), (2, 1_300_000 * EUR, 950_000 * EUR, 930_000 * EUR),
                     (3, 1_579_149 * EUR, 1_150_000 * EUR, 1_150_000 * EUR)]


def test_a_line_above_its_request_is_refused_unless_the_decision_allows_it(started: Session) -> None:
    change = _submit(started, PartInput(kind=ChangeKind.REALLOCATION, lines=ABOVE_REQUEST))
    started.commit()
    with pytest.raises(RuleViolation, match="above the") as refused:
        _decide(started, change, 1, ChangeOutcome.ACCEPTED)
    assert refused.value.field == "lines[1]"
    started.rollback()
    _decide(started, change, 1, ChangeOutcome.ACCEPTED, above_request_allowed=True)
    assert _granted(started) == sorted(ABOVE_REQUEST.values())


def test_a_reallocation_accepted_with_changes_grants_the_lines_decided(started: Session) -> None:
    change = _submit(started, PartInput(kind=ChangeKind.REALLOCATION, lines=ABOVE_REQUEST))
    _decide(started, change, 1, ChangeOutcome.ACCEPTED_WITH_CHANGES, lines=MOVED)
    assert _granted(started) == sorted(MOVED.values())


def test_a_part_decided_twice_is_refused(started: Session) -> None:
    change = _submit(started, CONTENT)
    _decide(started, change, 1, ChangeOutcome.ACCEPTED)
    with pytest.raises(RuleViolation, match="decided once") as refused:
        _decide(started, change, 1, ChangeOutcome.REJECTED)
    assert refused.value.field == "part"


def test_a_change_of_content_needs_its_text(started: Session) -> None:
    with pytest.raises(RuleViolation, match="describe the change") as refused:
        _submit(started, PartInput(kind=ChangeKind.CONTENT, content="  "))
    assert refused.value.field == "content"


def test_a_decision_without_justification_is_refused(started: Session) -> None:
    change = _submit(started, CONTENT)
    with pytest.raises(RuleViolation) as refused:
        decide_part(started, change, 1, PartDecision(outcome=ChangeOutcome.ACCEPTED, justification=" "), at=hel("2020-12-15 12:00"), actor="officer")
    assert refused.value.field == "justification"


def test_the_request_is_decided_with_its_event_only_when_its_last_part_is(started: Session) -> None:
    change = _submit(started, EXTENSION, CONTENT)

    def decided() -> list[DomainEvent]:
        return list(started.exec(select(DomainEvent).where(DomainEvent.name == CHANGE_DECIDED)))

    assert _decide(started, change, 2, ChangeOutcome.ACCEPTED).decided_at is None
    assert decided() == []
    assert _decide(started, change, 1, ChangeOutcome.REJECTED).decided_at == hel("2020-12-15 12:00")
    assert [e.payload["parts"] for e in decided()] == [{"1": {"kind": "extension", "outcome": "rejected"}, "2": {"kind": "content", "outcome": "accepted"}}]


JOINT = "ot-2020"


@pytest.fixture
def joint(session: Session) -> Session:
    under_review(session, JOINT)
    apply_decision(session, JOINT, at=hel("2020-06-30 14:00"), actor="test")
    complete_duty(session, JOINT, "grant-acceptance", at=hel("2020-07-20 10:00"), actor="test")
    start_project(session, JOINT, at=hel("2020-09-01 09:00"), actor="test")
    session.commit()
    return session


def _change_participant(session: Session, leaving: str, joining: str, application: str = JOINT) -> int:
    part = PartInput(kind=ChangeKind.PARTICIPANT, leaving=leaving, joining=joining)
    request = request_change(session, application, [part], reason="Soite siirtyy toiseen hankkeeseen", at=hel("2020-12-01 10:00"), actor="ppshp")
    assert request.id is not None
    return request.id


def test_an_accepted_change_of_participant_gives_the_share_to_the_one_joining(joint: Session) -> None:
    change = _change_participant(joint, "soite", "lappi")
    _decide(joint, change, 1, ChangeOutcome.ACCEPTED)
    assert sorted(p.organisation_id for p in repo.participants(joint, JOINT)) == ["lappi", "ppshp"]


def test_a_change_of_the_lead_is_refused(joint: Session) -> None:
    with pytest.raises(RuleViolation, match="the lead administers") as refused:
        _change_participant(joint, "ppshp", "lappi")
    assert refused.value.field == "participant.leaving"


def test_an_organisation_already_taking_part_cannot_join_again(joint: Session) -> None:
    with pytest.raises(RuleViolation, match="already takes part") as refused:
        _change_participant(joint, "soite", "ppshp")
    assert refused.value.field == "participant.joining"


def test_a_project_of_one_organisation_has_no_participant_to_change(started: Session) -> None:
    with pytest.raises(RuleViolation, match="only a multi-region project") as refused:
        _change_participant(started, "soite", "lappi", application=APP)
    assert refused.value.field == "participant"
