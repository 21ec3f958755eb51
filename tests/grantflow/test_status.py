"""`grantflow status`: tables for people, one JSON document for programs, nothing folded in a pipe."""

import json

from sqlalchemy.engine import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from domain import repository as repo
from domain.decision import apply_decision
from domain.store import unit_of_work
from grantflow.cli import app
from tests.grantflow.test_cli import grantflow_command
from tests.helpers import hel, under_review

runner = CliRunner()


def test_status_json_is_one_document_with_euros_as_two_decimal_text_and_cents(seeded: Engine) -> None:
    with unit_of_work(seeded) as session:
        under_review(session, "soite-ru-2020")
        apply_decision(session, "soite-ru-2020", at=hel("2020-06-30 14:00"), actor="test")
    result = runner.invoke(app, ["status", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["clock"] == {"mode": "replay", "says": "explicit instants replay history; every event is recorded as replayed"}
    assert [call["id"] for call in document["calls"]] == ["fsc-2020", "ru-2020"]
    soite = next(a for a in document["calls"][1]["applications"] if a["id"] == "soite-ru-2020")
    assert {key: soite[key] for key in ("title", "applicant", "stage", "requested", "requested_cents", "granted", "granted_cents")} == {
        "title": "Soite 2.0 – Rakenneuudistus", "applicant": "Soite", "stage": "partially_granted",
        "requested": "3679149.00", "requested_cents": 367914900, "granted": "2680000.00", "granted_cents": 268000000,
    }
    undecided = next(a for a in document["calls"][1]["applications"] if a["id"] == "lappi-ru-2020")
    assert (undecided["granted"], undecided["granted_cents"]) == (None, None)
    assert document["unrelayed_events"] >= 3


def test_status_without_json_still_prints_the_tables(seeded: Engine) -> None:
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 0
    assert "Soite 2.0 – Rakenneuudistus" in result.output and not result.output.lstrip().startswith("{")


def test_a_long_title_reaches_a_pipe_on_one_line(seeded: Engine) -> None:
    title = "Sosiaali- ja terveyspalvelujen rakenneuudistuksen alueellinen valmistelu " * 4 + "loppu"
    with Session(seeded) as session:
        application = repo.application(session, "soite-ru-2020")
        application.title = title.strip()
        session.add(application)
        session.commit()
    result = grantflow_command("status")
    assert result.returncode == 0, result.stderr
    assert any(title.strip() in line for line in result.stdout.splitlines()), result.stdout
