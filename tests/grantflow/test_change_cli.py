"""`grantflow change submit` and `grantflow change decide`: a change request from the command line."""

import json

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from domain.decision import apply_decision
from domain.model import ChangeRequest
from domain.preparation import complete_duty
from domain.startup import start_project
from domain.store import unit_of_work
from grantflow.cli import app
from tests.helpers import hel, under_review

APP = "soite-ru-2020"
runner = CliRunner()


@pytest.fixture
def started(seeded: Engine) -> Engine:
    with unit_of_work(seeded) as session:
        under_review(session, APP)
        apply_decision(session, APP, at=hel("2020-06-30 14:00"), actor="test")
        complete_duty(session, APP, "grant-acceptance", at=hel("2020-07-20 10:00"), actor="test")
        start_project(session, APP, at=hel("2020-09-01 09:00"), actor="test")
    return seeded


def test_a_change_submitted_then_decided_shows_each_line_requested_before_and_after(started: Engine) -> None:
    submitted = runner.invoke(app, ["change", "submit", APP, "--reason", "Rekrytointi viivästyi", "--line", "1=600000", "--line", "2=930000",
                                    "--line", "3=1150000", "--at", "2020-12-01T10:00:00", "--json"])
    assert submitted.exit_code == 0, submitted.output
    change = json.loads(submitted.output)["change_id"]
    decided = runner.invoke(app, ["change", "decide", str(change), "1", "--outcome", "accepted", "--justification", "Perusteltu",
                                  "--at", "2020-12-15T12:00:00"])
    assert decided.exit_code == 0, decided.output
    assert f"{APP}: change request {change} decided." in decided.output
    assert "1. requested 800 000 €, before 580 000 €, after 600 000 €" in decided.output


def test_a_reallocation_off_the_granted_total_is_refused_in_one_line_naming_the_lines(started: Engine) -> None:
    result = runner.invoke(app, ["change", "submit", APP, "--reason", "x", "--line", "1=700000", "--line", "2=930000", "--line", "3=1150000",
                                 "--at", "2020-12-01T10:00:00"])
    assert result.exit_code == 1
    assert result.output.startswith(f"error: application {APP}, part 1: lines: sum to")
    with Session(started) as session:
        assert session.exec(select(ChangeRequest)).all() == []


def test_an_unknown_outcome_is_refused_naming_the_option(started: Engine) -> None:
    result = runner.invoke(app, ["change", "decide", "1", "1", "--outcome", "maybe", "--justification", "x"])
    assert result.exit_code == 1
    assert "--outcome: must be one of accepted, accepted_with_changes, rejected" in result.output


def test_a_change_of_participant_naming_no_joining_organisation_is_refused_naming_the_option(started: Engine) -> None:
    result = runner.invoke(app, ["change", "submit", "ot-2020", "--reason", "x", "--participant", "soite"])
    assert result.exit_code == 1
    assert "--participant: 'soite' is not LEAVING=JOINING" in result.output
