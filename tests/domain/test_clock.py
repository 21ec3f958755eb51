"""The database's clock: a step's instant is the system clock's; a stated one only replays history on a replay database."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from domain.clock import choose_clock, clock_mode, step_instant
from domain.errors import RuleViolation
from domain.model import ClockMode, DomainEvent
from domain.preparation import complete_duty
from domain.store import unit_of_work
from domain.submission import submit_application
from grantflow.database import open_database
from tests.helpers import hel

stated_instants = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))


def test_every_new_database_runs_on_the_system_clock(database_url: str) -> None:
    with Session(open_database(database_url)) as session:
        assert clock_mode(session) == ClockMode.SYSTEM


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stated_instants, st.sampled_from(["at", "--at", "now", "--now"]))
def test_a_stated_instant_is_refused_on_a_system_clock_database_naming_the_field(system_clock: Engine, stated: datetime, field: str) -> None:
    with Session(system_clock) as session, pytest.raises(RuleViolation) as refused:
        step_instant(session, stated, field=field)
    assert refused.value.field == field
    assert "an explicit instant replays history, and this database runs on the system clock" in refused.value.rule


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stated_instants)
def test_a_stated_instant_is_the_steps_instant_on_a_replay_database(engine: Engine, stated: datetime) -> None:
    with Session(engine) as session:
        assert step_instant(session, stated, field="at") == stated


@pytest.mark.parametrize("database", ["engine", "system_clock"])
def test_without_a_stated_instant_a_step_happens_by_the_system_clock_on_either_database(request: pytest.FixtureRequest, database: str) -> None:
    before = datetime.now(UTC)
    with Session(request.getfixturevalue(database)) as session:
        moment = step_instant(session, None, field="at")
    assert before <= moment <= datetime.now(UTC)


def test_a_database_with_history_on_the_system_clock_cannot_be_made_a_replay_one(system_clock: Engine) -> None:
    with unit_of_work(system_clock) as session, pytest.raises(RuleViolation) as refused:
        choose_clock(session, ClockMode.REPLAY)
    assert refused.value.field == "clock"
    assert "holds 6 application(s); a database's clock is chosen while it holds no application and never changed after" in refused.value.rule
    with Session(system_clock) as session:
        assert clock_mode(session) == ClockMode.SYSTEM


def test_a_replay_database_with_history_cannot_be_switched_to_the_system_clock(seeded: Engine) -> None:
    with unit_of_work(seeded) as session, pytest.raises(RuleViolation, match="never changed after"):
        choose_clock(session, ClockMode.SYSTEM)
    with Session(seeded) as session:
        assert clock_mode(session) == ClockMode.REPLAY


def test_an_empty_database_is_made_a_replay_one_and_choosing_it_again_changes_nothing(database_url: str) -> None:
    database = open_database(database_url)
    with unit_of_work(database) as session:
        chosen = choose_clock(session, ClockMode.REPLAY).chosen_at
    with unit_of_work(database) as session:
        assert choose_clock(session, ClockMode.REPLAY).chosen_at == chosen
    with Session(database) as session:
        assert clock_mode(session) == ClockMode.REPLAY


def test_an_event_records_that_its_instant_was_replayed_and_when_it_was_really_written(seeded: Engine) -> None:
    before = datetime.now(UTC)
    with unit_of_work(seeded) as session:
        complete_duty(session, "soite-fsc-2020", "project-plan", at=hel("2020-04-27 14:00"), actor="test")
        submit_application(session, "soite-fsc-2020", at=hel("2020-04-30 15:40"), actor="test")
    with Session(seeded) as session:
        event = session.exec(select(DomainEvent).where(DomainEvent.name == "grantflow.application.submitted")).one()
    assert event.occurred_at == hel("2020-04-30 15:40")
    assert event.replayed is True
    assert event.recorded_at is not None and before <= event.recorded_at <= datetime.now(UTC)


def test_an_event_on_a_system_clock_database_is_recorded_as_not_replayed(system_clock: Engine) -> None:
    with unit_of_work(system_clock) as session:
        moment = step_instant(session, None, field="at")
        complete_duty(session, "soite-fsc-2020", "project-plan", at=moment, actor="test")
        submit_application(session, "soite-fsc-2020", at=moment, actor="test")
    with Session(system_clock) as session:
        event = session.exec(select(DomainEvent).where(DomainEvent.name == "grantflow.application.submitted")).one()
    assert event.replayed is False and event.occurred_at == moment
    assert event.recorded_at is not None and timedelta(0) <= event.recorded_at - moment < timedelta(minutes=5)


def test_a_run_triggered_by_an_event_replays_at_that_events_instant(seeded: Engine) -> None:
    with unit_of_work(seeded) as session:
        complete_duty(session, "soite-fsc-2020", "project-plan", at=hel("2020-04-27 14:00"), actor="test")
    with Session(seeded) as session:
        cause = session.exec(select(DomainEvent).where(DomainEvent.name == "grantflow.duty.completed")).one()
        assert step_instant(session, None, field="at", triggered_by=cause.event_id) == hel("2020-04-27 14:00")


def test_a_run_triggered_by_an_event_on_the_system_clock_happens_when_it_runs(system_clock: Engine) -> None:
    with unit_of_work(system_clock) as session:
        complete_duty(session, "soite-fsc-2020", "project-plan", at=step_instant(session, None, field="at"), actor="test")
    with Session(system_clock) as session:
        cause = session.exec(select(DomainEvent).where(DomainEvent.name == "grantflow.duty.completed")).one()
        before = datetime.now(UTC)
        assert before <= step_instant(session, None, field="at", triggered_by=cause.event_id) <= datetime.now(UTC)
