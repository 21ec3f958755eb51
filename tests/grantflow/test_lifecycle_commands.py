"""Every lifecycle step of the seed from the command line alone: a fresh replay database, no server running."""

import json

from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from domain.model import Application, DomainEvent, Duty, Stage
from grantflow.cli import app
from grantflow.scenario import SEED

runner = CliRunner()


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    assert "running on the Prefect server" not in result.output
    return result.output


def stages(engine: Engine) -> dict[str, Stage]:
    with Session(engine) as session:
        return {app.id: app.stage for app in session.exec(select(Application))}


def test_the_seed_lifecycle_runs_from_the_cli_alone_with_no_server(engine: Engine) -> None:
    run("import", str(SEED))
    run("deliver", "lappi-fsc-2020", "project-plan", "budget", "--at", "2020-04-24T10:00")
    for application in ("lappi-ru-2020", "soite-fsc-2020", "soite-ru-2020", "ot-2020"):
        run("deliver", application, "project-plan", "--at", "2020-04-28T12:00")
    for application in ("lappi-fsc-2020", "ot-2020", "lappi-ru-2020", "soite-fsc-2020", "soite-ru-2020"):
        assert "submitted" in run("submit", application, "--at", "2020-04-30T11:30")
    late = runner.invoke(app, ["submit", "esimerkki-ru-2020", "--at", "2020-04-30T16:15"])
    assert late.exit_code == 1 and "submission of esimerkki-ru-2020 refused" in late.output
    run("withdraw", "lappi-ru-2020", "--reason", "Merged into the joint application", "--at", "2020-05-02T10:00")
    assert "fsc-2020: under review" in run("review", "--at", "2020-05-04T08:00")
    for application in ("soite-fsc-2020", "soite-ru-2020", "ot-2020"):  # the seed's decisions, imported with it
        run("apply", application, "--at", "2020-06-30T14:00")
    run("extend", "ot-2020", "grant-acceptance", "--due", "2020-08-31T16:15", "--reason", "The board meets in August", "--at", "2020-07-15T10:00")
    for application in ("soite-fsc-2020", "soite-ru-2020", "ot-2020"):
        assert "project started" in run("accept", application, "--at", "2020-07-22T11:00")
    assert "already started" in run("start", "ot-2020", "--at", "2020-09-01T09:00")
    run("overdue", "--now", "2020-09-02T08:00")
    run("remind", "--now", "2020-09-14T09:00")
    assert stages(engine) == {
        "lappi-fsc-2020": Stage.UNDER_REVIEW, "lappi-ru-2020": Stage.WITHDRAWN, "esimerkki-ru-2020": Stage.PREPARATION,
        "soite-fsc-2020": Stage.STARTED, "soite-ru-2020": Stage.STARTED, "ot-2020": Stage.STARTED,
    }
    with Session(engine) as session:
        extended = session.exec(select(DomainEvent).where(DomainEvent.name == "grantflow.duty.extended")).one()
        acceptance = session.exec(select(Duty).where(Duty.application_id == "ot-2020", Duty.kind == "grant-acceptance")).one()
    assert extended.payload["reason"] == "The board meets in August" and acceptance.done_at is not None
    report = json.loads(run("status", "--json"))
    assert {a["id"]: a["stage"] for call in report["calls"] for a in call["applications"]}["ot-2020"] == "started"


def test_every_listing_command_prints_one_json_document_with_json(engine: Engine) -> None:
    run("import", str(SEED))
    documents = {
        "review": ["review", "--at", "2020-05-04T08:00", "--json"],
        "overdue": ["overdue", "--now", "2020-09-02T08:00", "--json"],
        "remind": ["remind", "--dry-run", "--now", "2020-04-16T09:00", "--json"],
        "status": ["status", "--json"],
    }
    printed = {name: json.loads(runner.invoke(app, args).stdout) for name, args in documents.items()}
    assert [r["call_id"] for r in printed["review"]] == []  # nothing submitted yet: no call waits for its review
    assert printed["overdue"]["at"] == "2020-09-02T08:00:00+03:00" and printed["overdue"]["alerts"] == []  # nothing was ever submitted
    assert printed["remind"]["dry_run"] is True and printed["remind"]["rows"]
    assert {call["id"] for call in printed["status"]["calls"]} == {"fsc-2020", "ru-2020"}


def test_home_and_status_answer_who_waits_for_a_decision_and_who_decided(engine: Engine) -> None:
    run("import", str(SEED))
    for application in ("soite-fsc-2020", "soite-ru-2020"):
        run("deliver", application, "project-plan", "--at", "2020-04-28T12:00")
        run("submit", application, "--at", "2020-04-30T11:30")
    run("review", "--at", "2020-05-04T08:00")
    (ru,) = [row for row in json.loads(run("home", "--json")) if row["call"].endswith("(ru-2020)")]
    assert ru["waiting_for_a_decision"] == "soite-ru-2020 (3 d)"  # as of the replay's last event, the review on 4.5.2020
    run("apply", "soite-ru-2020", "--at", "2020-06-30T14:00")
    status = json.loads(run("status", "--json"))
    (decided,) = [a for call in status["calls"] for a in call["applications"] if a["id"] == "soite-ru-2020"]
    assert decided["decided_by"] and decided["decided_at"].startswith("2020-06-30")
