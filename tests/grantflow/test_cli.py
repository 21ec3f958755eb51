from pathlib import Path

import yaml
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from domain.model import Application
from grantflow.cli import app
from grantflow.scenario import SEED

runner = CliRunner()


def applications(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Application)).one()


def test_import_then_status_shows_every_call(engine: Engine) -> None:
    imported = runner.invoke(app, ["import", str(SEED)])
    assert imported.exit_code == 0, imported.output
    assert "6 application(s), 3 decision(s)" in imported.output
    status = runner.invoke(app, ["status"])
    assert status.exit_code == 0
    assert "Sote-rakenneuudistusta tukeva alueellinen valmistelu (ru-2020)" in status.output
    assert "3 679 149 €" in status.output
    assert "3 domain event(s) not yet relayed to Prefect" in status.output  # the imported decisions


def test_a_bad_file_is_refused_with_a_clear_message_and_no_traceback(engine: Engine, tmp_path: Path) -> None:
    data = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    data["applications"][2]["requested"] = "paljon"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(app, ["import", str(bad)])
    assert result.exit_code == 1
    assert "applications[2] soite-fsc-2020: requested: must be a number of euros, not text" in result.output
    assert "Traceback" not in result.output
    assert applications(engine) == 0


def test_a_missing_file_is_refused_by_name(engine: Engine, tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", str(tmp_path / "nowhere.yaml")])
    assert result.exit_code == 1
    assert "nowhere.yaml: 1 problem(s), nothing was imported" in result.output


def test_an_unreachable_database_is_a_clear_error_without_its_password(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GRANTFLOW_DATABASE_URL", "postgresql+psycopg://grantflow:planted-pw-31@127.0.0.1:1/grantflow")
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 1
    assert "database: cannot be used" in result.output
    assert "planted-pw-31" not in result.output and "Traceback" not in result.output


def test_submit_reads_a_time_without_offset_as_helsinki_time_and_refuses_a_late_one(seeded: Engine, prefect_server: None) -> None:
    result = runner.invoke(app, ["submit", "esimerkki-ru-2020", "--at", "2020-04-30T16:15:00"])
    assert result.exit_code == 1
    assert "closed at 30.4.2020 klo 16.15 (Suomen aikaa); 30.4.2020 klo 16.15 (Suomen aikaa) is too late" in result.output


def test_remind_dry_run_lists_the_due_reminders_and_sends_nothing(seeded: Engine, prefect_server: None, mail_sink: object) -> None:
    result = runner.invoke(app, ["remind", "--now", "2020-04-16T09:00:00+03:00", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Reminder sweep at 16.4.2020 klo 09.00" in result.output and "(dry run)" in result.output
    assert "would send" in result.output
    assert result.output.rstrip().endswith("dry run: nothing was sent or stored")
    assert mail_sink.mails == []  # type: ignore[attr-defined]
