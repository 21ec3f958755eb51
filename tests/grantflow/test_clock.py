"""The commands answer to the database's clock: a stated instant is refused on the system clock, with nothing stored."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from domain import repository as repo
from domain.clock import clock_mode
from domain.model import Application, ClockMode, Decision, DomainEvent, Stage
from domain.preparation import complete_duty
from domain.store import unit_of_work
from grantflow.cli import app
from grantflow.database import open_database
from notifications.outbox import Notification

runner = CliRunner()


def stored(engine: Engine) -> tuple[int, int, int]:
    """Domain events, outbox rows and decisions: what a refused command must leave as it found them."""
    with Session(engine) as session:
        return tuple(session.exec(select(func.count()).select_from(t)).one() for t in (DomainEvent, Notification, Decision))  # type: ignore[return-value]


def deliver_plan(engine: Engine, application_id: str) -> None:
    with unit_of_work(engine) as session:
        complete_duty(session, application_id, "project-plan", at=datetime.now(UTC), actor="test")


def test_submit_at_a_stated_instant_is_refused_on_a_system_clock_database_and_nothing_is_stored(system_clock: Engine, prefect_server: None) -> None:
    deliver_plan(system_clock, "soite-fsc-2020")
    before = stored(system_clock)
    result = runner.invoke(app, ["submit", "soite-fsc-2020", "--at", "2020-04-30T16:00"])
    assert result.exit_code == 1
    assert "--at: an explicit instant replays history, and this database runs on the system clock" in result.output
    assert stored(system_clock) == before
    with Session(system_clock) as session:
        app_row = repo.application(session, "soite-fsc-2020")
    assert app_row.stage == Stage.PREPARATION and app_row.submitted_at is None


def test_a_submission_without_an_instant_happens_by_the_system_clock_and_is_recorded_as_not_replayed(system_clock: Engine, prefect_server: None) -> None:
    deliver_plan(system_clock, "soite-fsc-2020")
    before = datetime.now(UTC)
    result = runner.invoke(app, ["submit", "soite-fsc-2020"])
    assert result.exit_code == 0, result.output
    with Session(system_clock) as session:
        submitted = repo.application(session, "soite-fsc-2020").submitted_at
        event = session.exec(select(DomainEvent).where(DomainEvent.name == "grantflow.application.submitted")).one()
    assert submitted is not None and before <= submitted <= datetime.now(UTC)
    assert event.occurred_at == submitted and event.replayed is False


def test_remind_now_is_refused_on_a_system_clock_database(system_clock: Engine, prefect_server: None) -> None:
    before = stored(system_clock)
    result = runner.invoke(app, ["remind", "--now", "2020-04-16T09:00:00+03:00"])
    assert result.exit_code == 1
    assert "--now: an explicit instant replays history" in result.output
    assert stored(system_clock) == before


def _stated_instant_options() -> list[tuple[str, str]]:
    """Every command's instant option but a decision's decided_at, which is data about the decision, not the step's instant."""
    from typer.main import get_command

    from grantflow.cli import INSTANT_HELP

    found = []
    for name, command in get_command(app).commands.items():  # type: ignore[attr-defined]
        for parameter in getattr(command, "params", []):
            if INSTANT_HELP in (getattr(parameter, "help", None) or "") and parameter.name not in ("decided_at", "due"):
                found.append((name, parameter.name))
    return found


@pytest.mark.parametrize(("command", "option"), _stated_instant_options())
def test_every_commands_stated_instant_is_refused_on_a_system_clock_database(
    system_clock: Engine, prefect_server: None, command: str, option: str
) -> None:
    before = stored(system_clock)
    arguments = [command, *REQUIRED.get(command, []), f"--{option.replace('_', '-')}", "2020-04-30T16:00"]
    result = runner.invoke(app, arguments)
    assert result.exit_code == 1
    assert f"--{option.replace('_', '-')}: an explicit instant replays history" in result.output
    assert stored(system_clock) == before


# What each command needs besides its instant; the instant is refused before any of it is looked at.
REQUIRED = {
    "deliver": ["soite-fsc-2020", "budget"], "submit": ["soite-fsc-2020"], "withdraw": ["soite-fsc-2020", "--reason", "merged"],
    "apply": ["soite-fsc-2020"], "accept": ["soite-fsc-2020"], "start": ["soite-fsc-2020"],
    "extend": ["soite-fsc-2020", "project-plan", "--due", "2030-01-31T16:15", "--reason", "more time"],
}


def test_the_commands_with_a_stated_instant_are_the_ones_known() -> None:
    assert sorted(_stated_instant_options()) == [
        ("accept", "at"), ("apply", "at"), ("deliver", "at"), ("extend", "at"), ("overdue", "now"), ("plan", "now"), ("remind", "now"), ("review", "at"),
        ("start", "at"), ("submit", "at"), ("withdraw", "at"),
    ]


RU = ["decide", "soite-ru-2020", "--line", "1=580000", "--line", "2=950000", "--line", "3=1150000",
      "--justification", "Tavoitteet ja toimenpiteet on kuvattu hyvin.", "--period", "2020-07-01..2022-12-31"]


def test_decide_takes_a_decided_at_before_its_recording_as_data_on_a_system_clock_database(system_clock_under_review: Engine) -> None:
    decided = (datetime.now(UTC) - timedelta(minutes=30)).replace(microsecond=0)
    result = runner.invoke(app, [*RU, "--decided-at", decided.isoformat()])
    assert result.exit_code == 0, result.output
    with Session(system_clock_under_review) as session:
        decision = session.exec(select(Decision)).one()
        event = session.exec(select(DomainEvent).where(DomainEvent.name == "grantflow.decision.recorded")).one()
    assert decision.decided_at == decided and decision.recorded_at > decided
    assert event.occurred_at == decision.recorded_at and event.replayed is False


def test_decide_refuses_a_decided_at_after_the_decision_is_recorded(system_clock_under_review: Engine) -> None:
    before = stored(system_clock_under_review)
    result = runner.invoke(app, [*RU, "--decided-at", (datetime.now(UTC) + timedelta(days=1)).isoformat()])
    assert result.exit_code == 1
    assert "decided_at: " in result.output and "is after the decision is recorded" in result.output, result.output
    assert stored(system_clock_under_review) == before


def test_db_clock_makes_an_empty_database_a_replay_one_and_current_and_status_show_it(database_url: str) -> None:
    result = runner.invoke(app, ["db", "clock"])
    assert result.exit_code == 0 and "clock: system" in result.output
    assert "clock: system" in runner.invoke(app, ["db", "current"]).output
    result = runner.invoke(app, ["db", "clock", "replay"])
    assert result.exit_code == 0, result.output
    assert "clock: replay" in result.output
    assert "clock: replay" in runner.invoke(app, ["db", "current"]).output
    assert "Clock: replay" in runner.invoke(app, ["status"]).output
    with Session(open_database(database_url)) as session:
        assert clock_mode(session) == ClockMode.REPLAY


def test_db_clock_replay_is_refused_on_a_database_with_history_naming_the_rule(system_clock: Engine) -> None:
    result = runner.invoke(app, ["db", "clock", "replay"])
    assert result.exit_code == 1
    assert "clock: this database runs on the system clock and holds 6 application(s); " \
           "a database's clock is chosen while it holds no application and never changed after" in result.output
    with Session(system_clock) as session:
        assert clock_mode(session) == ClockMode.SYSTEM
        assert session.exec(select(func.count()).select_from(Application)).one() == 6


def test_status_shows_the_system_clock(system_clock: Engine) -> None:
    assert "Clock: system" in runner.invoke(app, ["status"]).output
