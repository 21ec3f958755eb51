"""`grantflow plan`: the reminders to come in a table or JSON, and the deadlines as one iCalendar file per organisation."""

import json
from datetime import UTC
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from domain.calendar import HELSINKI
from domain.deadlines import extend_duty
from domain.store import unit_of_work
from grantflow.cli import app
from tests.helpers import hel

runner = CliRunner()
NOW = ["--now", "2020-04-20T12:00"]


def events(folder: Path, organisation: str) -> dict[str, tuple[str, str]]:
    """Each event of an organisation's file by UID: its summary, and its start as Helsinki wall time."""
    calendar = Calendar.from_ical((folder / f"{organisation}.ics").read_bytes())
    return {str(event["uid"]): (str(event["summary"]), f"{event.decoded('dtstart').astimezone(HELSINKI):%d.%m.%Y %H:%M}")
            for event in calendar.walk("VEVENT")}


def test_the_plan_shows_each_reminder_with_when_it_is_sent_and_to_whom(seeded: Engine) -> None:
    result = runner.invoke(app, ["plan", "lappi-ru-2020", *NOW])
    assert result.exit_code == 0, result.output
    assert "Reminders to send, 20.4.2020 klo 12.00 (Suomen aikaa) – 19.7.2020 klo 12.00 (Suomen aikaa) · lappi-ru-2020" in result.output
    lines = [line for line in result.output.splitlines() if "lappi-ru-2020 │" in line]
    assert any("29.4.2020 klo 09.00" in line and "1 day before" in line and "valmistelutiimi@lappi.example (fi)" in line for line in lines)
    assert any("20.4.2020 klo 12.00 (Suomen aikaa), next sweep" in line and "14 days before" in line and "due" in line for line in lines)


def test_the_plan_as_json_is_one_document_with_the_rows_and_the_deadlines(seeded: Engine) -> None:
    result = runner.invoke(app, ["plan", "fsc-2020", *NOW, "--from", "2020-04-23", "--to", "2020-04-23", "--json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert {(row["deadline"]["application_id"], row["slot"], row["sends_at"]) for row in printed["rows"]} == {
        ("lappi-fsc-2020", "7d", "2020-04-23T09:00:00+03:00"), ("soite-fsc-2020", "7d", "2020-04-23T09:00:00+03:00"),
    }
    assert printed["rows"][0]["recipients"][0]["status"] == "planned"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["plan", "nowhere-2020", *NOW], "CALL|APP: no call or application with id 'nowhere-2020'"),
        (["plan", "Not An Id", *NOW], "CALL|APP: must be an id of lowercase letters"),
        (["plan", *NOW, "--from", "2020-05-02", "--to", "2020-05-01"], "--from: 2020-05-02 is after --to 2020-05-01"),
        (["plan", *NOW, "--from", "2020-02-30"], "--from: 2020-02-30 is not a date"),
        (["plan", *NOW, "--to", "30.4.2020"], "--to: must be an ISO 8601 date such as 2020-04-30"),
        (["plan", *NOW, "--to", "2020-04-19"], "--to: 2020-04-19 is over before the plan starts"),
        (["plan", "--now", "1700000000"], "--now: must be an ISO 8601 date and time"),
    ],
)
def test_bad_input_is_refused_in_one_line_naming_the_option(seeded: Engine, args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 1 and message in result.stderr, result.stderr


def test_a_stated_now_is_refused_on_a_system_clock_database(system_clock: Engine) -> None:
    result = runner.invoke(app, ["plan", *NOW])
    assert result.exit_code == 1 and "--now: an explicit instant replays history" in result.stderr


def test_the_calendar_files_hold_each_organisations_deadlines_in_its_language(seeded: Engine, tmp_path: Path) -> None:
    feeds = tmp_path / "feeds"
    result = runner.invoke(app, ["plan", *NOW, "--ical-dir", str(feeds)])
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in feeds.iterdir()) == ["esimerkki.ics", "lappi.ics", "ppshp.ics", "soite.ics"]
    ppshp = events(feeds, "ppshp")
    assert ppshp == {
        "call.ru-2020.ot-2020.ppshp@grantflow": ("Sote-rakenneuudistusta tukeva alueellinen valmistelu – ot-2020", "30.04.2020 16:15"),
        "duty.ot-2020.project-plan.ppshp@grantflow": ("Hankesuunnitelma – ot-2020", "30.04.2020 16:15"),
    }
    calendar = Calendar.from_ical((feeds / "soite.ics").read_bytes())
    (soite_call,) = [e for e in calendar.walk("VEVENT") if e["uid"] == "call.ru-2020.soite-ru-2020.soite@grantflow"]
    assert "Hakemus: Soite 2.0 – Rakenneuudistus (soite-ru-2020)" in str(soite_call["description"])


def test_a_deadline_keeps_its_uid_across_runs_and_moves_across_the_dst_change(seeded: Engine, tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    assert runner.invoke(app, ["plan", "lappi-fsc-2020", *NOW, "--to", "2020-12-31", "--ical-dir", str(first)]).exit_code == 0
    with unit_of_work(seeded) as session:
        extend_duty(session, "lappi-fsc-2020", "communication-plan", due_at=hel("2020-10-26 16:15"), reason="test",
                    at=hel("2020-04-20 12:00"), actor="test")
    assert runner.invoke(app, ["plan", "lappi-fsc-2020", *NOW, "--to", "2020-12-31", "--ical-dir", str(second)]).exit_code == 0
    before, after = events(first, "lappi"), events(second, "lappi")
    assert set(before) == set(after) and len(before) == 7
    moved = "duty.lappi-fsc-2020.communication-plan.lappi@grantflow"
    assert (before[moved][1], after[moved][1]) == ("01.06.2020 16:15", "26.10.2020 16:15")  # 31.5. is a Sunday
    starts = {e["uid"]: e.decoded("dtstart").astimezone(UTC).hour for e in Calendar.from_ical((second / "lappi.ics").read_bytes()).walk("VEVENT")}
    # 16.15 Helsinki time is 13.15 UTC in summer time, 14.15 UTC after it ends on 25.10.2020.
    assert (starts["duty.lappi-fsc-2020.project-plan.lappi@grantflow"], starts[moved]) == (13, 14)
    assert {uid: summary for uid, (summary, _) in before.items()} == {uid: summary for uid, (summary, _) in after.items()}


def test_a_calendar_folder_that_cannot_be_made_is_refused_naming_the_option(seeded: Engine, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    result = runner.invoke(app, ["plan", *NOW, "--ical-dir", str(tmp_path / "file" / "ics")])
    assert result.exit_code == 1 and "--ical-dir: the folder" in result.stderr
