"""The demo end to end, as `make demo` runs it: its own process, Prefect, SQLite and SMTP server."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.sqlite_only, pytest.mark.prefect, pytest.mark.smtp]


# The demo's SMTP server asks for this password; it must appear nowhere the demo prints or stores.
PLANTED_SECRET = "planted-Salasana-4f1c9e"


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    workdir = tmp_path_factory.mktemp("demo")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "GRANTFLOW_"))}
    env["PREFECT_HOME"] = str(workdir / "prefect")
    env["GRANTFLOW_DEMO_SMTP_PASSWORD"] = PLANTED_SECRET
    grantflow = Path(sys.executable).with_name("grantflow")
    done = subprocess.run([str(grantflow), "demo", "--state-dir", str(workdir / "state")], cwd=workdir, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return workdir, done


@pytest.fixture(scope="module")
def demo_output(demo_run: tuple[Path, subprocess.CompletedProcess[str]]) -> str:
    return demo_run[1].stdout


def row(output: str, application: str) -> str:
    return next(line for line in output.splitlines() if f"│ {application} " in line)


def test_the_demo_shows_soite_granted_in_full_and_partially(demo_output: str) -> None:
    assert re.search(r"1 626 897 € │ 1 626 897 € │ granted in full", row(demo_output, "soite-fsc-2020"))
    assert re.search(r"3 679 149 € │ 2 680 000 € │ partially granted", row(demo_output, "soite-ru-2020"))


def test_the_demo_leaves_lapland_awaiting_a_decision(demo_output: str) -> None:
    assert "under review" in row(demo_output, "lappi-fsc-2020")
    assert "under review" in row(demo_output, "lappi-ru-2020")


def test_the_demo_refuses_the_late_submission(demo_output: str) -> None:
    assert "esimerkki-ru-2020: REFUSED" in demo_output
    assert "preparation" in row(demo_output, "esimerkki-ru-2020")


def test_the_demo_prints_the_mail_the_smtp_server_received(demo_output: str) -> None:
    count = int(re.search(r"E-mail received by the SMTP server \((\d+)\)", demo_output).group(1))  # type: ignore[union-attr]
    assert count >= 30
    assert "Myönnetty: 2 680 000 €" in demo_output


def test_the_demo_prints_and_stores_no_secret(demo_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    workdir, done = demo_run
    assert PLANTED_SECRET not in done.stdout + done.stderr
    stored = [path for path in workdir.rglob("*") if path.is_file()]
    assert any(path.name == "grantflow.db" for path in stored)
    assert any(path.suffix == ".db" and "prefect" in str(path) for path in stored)  # the runs, logs and artifacts
    assert [path for path in stored if PLANTED_SECRET.encode() in path.read_bytes()] == []


def test_the_demo_reminds_before_deadlines_and_escalates_the_overdue_one(demo_output: str) -> None:
    # 20 to the applicants, and 3 to Soite's contacts as a participant of ot-2020, of its call closing.
    assert "16.4.2020 klo 09.00 (Suomen aikaa)  reminder sweep  23 reminder(s) sent" in demo_output
    # Soite accepted its grant on 20.7., so the 7-day reminder of 23.7. is not sent.
    assert "23.7.2020 klo 09.00 (Suomen aikaa)  reminder sweep  0 reminder(s) sent" in demo_output
    overdue = next(line for line in demo_output.splitlines() if line.startswith("29.9.2020 klo 09.00"))
    assert "soite-ru-2020 overdue" in overdue
    assert re.search(r"valtionavustukset@stm\.example +│ Myöhässä: Hankkeen ohjausryhmän asettaminen \(soite-ru-2020\)", demo_output)


def test_the_demo_relays_the_lifecycle_events_to_prefect(demo_output: str) -> None:
    relayed = re.search(r"(\d+) domain events relayed to Prefect \((.*)\)", demo_output)
    assert relayed is not None and int(relayed.group(1)) > 20
    assert "decision.recorded ×3" in relayed.group(2) and "application.granted ×3" in relayed.group(2) and "project.started ×3" in relayed.group(2)


def test_the_demo_replays_2020_on_a_replay_database_and_its_events_say_so(demo_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    from sqlmodel import Session, select

    from domain.clock import clock_mode
    from domain.model import ClockMode, DomainEvent
    from domain.store import make_engine

    workdir, _ = demo_run
    with Session(make_engine(f"sqlite:///{workdir / 'state' / 'grantflow.db'}")) as session:
        assert clock_mode(session) == ClockMode.REPLAY
        submitted = session.exec(select(DomainEvent).where(DomainEvent.name == "grantflow.application.submitted")).all()
    assert submitted and all(e.replayed and e.occurred_at.year == 2020 and e.recorded_at and e.recorded_at.year > 2020 for e in submitted)
