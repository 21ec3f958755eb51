import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from domain.model import Application
from domain.preparation import complete_duty
from domain.store import unit_of_work
from grantflow.cli import app
from grantflow.prefect_server import PrefectServer
from grantflow.scenario import SEED
from grantflow.schema import head_revision
from tests.grantflow.test_bad_input import stored_rows
from tests.helpers import hel

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
    assert "applications[2] soite-fsc-2020: requested: must be an amount of euros (got 'paljon')" in result.output
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


INSTANT_OPTIONS = {
    "submit --at": ["submit", "soite-fsc-2020", "--at"],
    "remind --now": ["remind", "--dry-run", "--now"],
    "decide --decided-at": ["decide", "soite-fsc-2020", "--granted", "1626897", "--justification", "Hyvä.", "--decided-at"],
}


@pytest.mark.parametrize("option", INSTANT_OPTIONS)
@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("0001-01-01T00:00:00", "must fall in the years 1900–2199"),
        ("9999-12-31T23:59:59", "must fall in the years 1900–2199"),
        ("1588252500", "must be an ISO 8601 date and time such as 2020-04-30T16:15:00 (Helsinki time) or 2020-04-30T13:15:00Z"),
        ("2020-04-30", "must be an ISO 8601 date and time such as 2020-04-30T16:15:00 (Helsinki time) or 2020-04-30T13:15:00Z"),
    ],
)
def test_an_instant_option_outside_the_years_or_not_a_date_and_time_is_refused_in_one_line(
    seeded: Engine, option: str, value: str, rule: str
) -> None:
    before = stored_rows(seeded)
    result = runner.invoke(app, [*INSTANT_OPTIONS[option], value])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [f"error: {option.split()[1]}: {rule}"]
    assert stored_rows(seeded) == before


@pytest.mark.parametrize("url", ["mysql://grantflow:pw@127.0.0.1/grantflow", "postgresql+asyncpg://grantflow@127.0.0.1/grantflow", "grantflow.db"])
def test_a_database_url_grantflow_cannot_use_is_refused_naming_the_setting(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("GRANTFLOW_DATABASE_URL", url)
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1
    assert result.output.startswith("error: settings: GRANTFLOW_DATABASE_URL: ")
    assert "pw" not in result.output


def test_a_sqlite_folder_that_cannot_be_made_is_refused_naming_the_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "file").write_text("not a folder")
    monkeypatch.setenv("GRANTFLOW_DATABASE_URL", f"sqlite:///{tmp_path / 'file' / 'data' / 'grantflow.db'}")
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 1
    folder = tmp_path / "file" / "data"
    assert result.output.strip().splitlines() == [f"error: settings: GRANTFLOW_DATABASE_URL: the folder {folder} cannot be created: Not a directory"]


def test_a_database_migrated_by_a_newer_grantflow_is_refused_and_db_current_says_so(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 1
    refusal = (f"error: schema: database: is at revision 0099, which this grantflow does not know (its newest is {head_revision()}): "
               "it was migrated by a newer grantflow; use that one")
    assert result.output.strip().splitlines() == [refusal]
    current = runner.invoke(app, ["db", "current"])
    assert current.exit_code == 0
    assert "current: 0099" in current.output and "newer than this grantflow" in current.output and "db upgrade" not in current.output


def test_a_password_with_an_unencoded_at_sign_is_never_printed_in_part(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRANTFLOW_DATABASE_URL", "postgresql+psycopg://grantflow:planted@tail-31@127.0.0.1:1/grantflow")
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 1 and "database: cannot be used" in result.output
    assert "planted" not in result.output and "tail-31" not in result.output and "Traceback" not in result.output


def grantflow_command(*args: str, prefect: PrefectServer | None = None) -> subprocess.CompletedProcess[str]:
    """The installed `grantflow` command in a process of its own, with this test's environment."""
    environment = {**os.environ, **(prefect.environment() if prefect else {})}
    return subprocess.run([str(Path(sys.executable).parent / "grantflow"), *args], capture_output=True, text=True, env=environment, check=False)


def test_submitting_twice_is_refused_in_one_line_naming_the_stage_without_a_task_failure(seeded: Engine, prefect_server: PrefectServer) -> None:
    with unit_of_work(seeded) as session:
        complete_duty(session, "soite-fsc-2020", "project-plan", at=hel("2020-04-20 09:00"), actor="test")
    first = grantflow_command("submit", "soite-fsc-2020", "--at", "2020-04-29T12:00:00", prefect=prefect_server)
    assert first.returncode == 0, first.stderr
    again = grantflow_command("submit", "soite-fsc-2020", "--at", "2020-04-29T12:05:00", prefect=prefect_server)
    assert again.returncode == 1
    refusals = [line for line in again.stderr.splitlines() if line.startswith("error:")]
    assert refusals == ["error: submission of soite-fsc-2020 refused: application soite-fsc-2020: stage: is already submitted"]
    for output in (again.stdout, again.stderr):
        assert "Traceback" not in output and "Task run failed" not in output


def bulk_scenario(prefix: str, count: int) -> str:
    """The seed's programmes, organisations and calls with `count` applications of its own."""
    data = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    data["applications"] = [
        {"id": f"{prefix}-{i}", "call": "fsc-2020", "applicant": "soite", "title": f"Hanke {i}", "total_cost": 1000, "requested": 800,
         "documents": [{"kind": "project-plan", "title": "Hankesuunnitelma", "phase": "submission", "due": "2020-04-30T16:15:00"}]}
        for i in range(count)
    ]
    data["decisions"] = []
    return yaml.safe_dump(data, allow_unicode=True)


@pytest.mark.slow  # two processes, each importing Prefect
def test_of_two_concurrent_imports_of_overlapping_files_the_loser_names_the_record_and_stores_nothing(engine: Engine, tmp_path: Path) -> None:
    files = []
    for name in ("first", "second"):
        files.append(tmp_path / f"{name}.yaml")
        files[-1].write_text(bulk_scenario(name, 3000), encoding="utf-8")
    command = str(Path(sys.executable).parent / "grantflow")
    processes = [subprocess.Popen([command, "import", str(f)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for f in files]
    outcomes = [(p.wait(), *p.communicate()) for p in processes]
    assert sorted(code for code, _, _ in outcomes) == [0, 1]
    loser = next(i for i, (code, _, _) in enumerate(outcomes) if code == 1)
    _, _, error = outcomes[loser]
    assert f"{files[loser]}: " in error and "'sote-2020' already exists in the database" in error
    assert "UNIQUE" not in error and "duplicate key" not in error and "Traceback" not in error
    with Session(engine) as session:
        stored = set(session.exec(select(Application.id)))
    assert len(stored) == 3000 and not any(i.startswith(("first-", "second-")[loser]) for i in stored)


def test_remind_names_an_application_whose_reminders_were_not_planned_and_fails(seeded: Engine, prefect_server: None, mail_sink: object) -> None:
    from tests.flows.test_reminder_sweep import refuse_outbox_rows_of

    refuse_outbox_rows_of(seeded, "lappi-fsc-2020")
    result = runner.invoke(app, ["remind", "--now", "2020-04-16T09:00:00+03:00"])
    assert result.exit_code == 1
    assert "not planned: lappi-fsc-2020 (" in result.output and "row refused by the database" in result.output
    assert "Traceback" not in result.output
