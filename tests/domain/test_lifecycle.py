import pytest
from sqlmodel import Session, select

from domain.errors import IllegalTransition
from domain.lifecycle import TRANSITIONS, transition
from domain.model import Application, DomainEvent, Stage
from tests.helpers import hel


def test_an_illegal_transition_is_refused_and_changes_nothing(session: Session) -> None:
    app = session.get(Application, "soite-ru-2020")
    assert app is not None
    with pytest.raises(IllegalTransition, match="cannot move from preparation to granted") as refused:
        transition(session, app, Stage.GRANTED, actor="test", at=hel("2020-06-30 12:00"))
    assert refused.value.field == "stage"
    assert app.stage == Stage.PREPARATION
    assert session.exec(select(DomainEvent).where(DomainEvent.to_stage == Stage.GRANTED)).all() == []


def test_every_transition_appends_a_domain_event_with_from_to_actor_and_time(session: Session) -> None:
    app = session.get(Application, "soite-ru-2020")
    assert app is not None
    event = transition(session, app, Stage.WITHDRAWN, actor="officer", at=hel("2020-04-01 10:00"), payload={"why": "test"})
    session.commit()
    stored = session.get(DomainEvent, event.id)
    assert stored is not None
    assert (stored.from_stage, stored.to_stage, stored.actor) == (Stage.PREPARATION, Stage.WITHDRAWN, "officer")
    assert stored.occurred_at == hel("2020-04-01 10:00")
    assert stored.name == "grantflow.application.withdrawn"


def test_terminal_stages_allow_no_further_move() -> None:
    assert TRANSITIONS[Stage.REJECTED] == TRANSITIONS[Stage.WITHDRAWN] == TRANSITIONS[Stage.STARTED] == frozenset()


def test_only_open_stages_can_be_withdrawn() -> None:
    assert {s for s, allowed in TRANSITIONS.items() if Stage.WITHDRAWN in allowed} == {
        Stage.PREPARATION,
        Stage.SUBMITTED,
        Stage.UNDER_REVIEW,
    }
