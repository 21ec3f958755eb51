"""The scenario reader: nothing in a file passes silently or is read other than as written."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from domain.errors import ValidationFailed
from grantflow.cli import app
from grantflow.scenario import SEED, parse_scenario
from tests.grantflow.test_bad_input import stored_rows

SEED_TEXT = SEED.read_text(encoding="utf-8")
SOITE_RU_REQUEST = "    requested: 3679149\n"


def refused(text: str, source: str = "bad.yaml") -> list[str]:
    with pytest.raises(ValidationFailed) as failure:
        parse_scenario(text.encode("utf-8"), source=source)
    assert str(failure.value).startswith(f"{source}: ")
    return [problem.message for problem in failure.value.problems]


def line_of(text: str, fragment: str, occurrence: int = 1) -> int:
    index = -1
    for _ in range(occurrence):
        index = text.index(fragment, index + 1)
    return text.count("\n", 0, index) + 1


def test_a_key_given_twice_is_refused_naming_the_line_and_the_key(engine: Engine, tmp_path: Path) -> None:
    text = SEED_TEXT.replace(SOITE_RU_REQUEST, SOITE_RU_REQUEST + "    requested: 80\n")
    bad = tmp_path / "twice.yaml"
    bad.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["import", str(bad)])
    assert result.exit_code == 1
    first, second = line_of(text, "requested: 3679149"), line_of(text, "requested: 80\n")
    problem = f"line {second}: requested: is given twice in one mapping (first at line {first})"
    assert f"twice.yaml: 1 problem(s), nothing was imported:\n  - {problem}" in result.output
    assert stored_rows(engine) == 0


def test_every_key_given_twice_is_reported_at_once_in_any_mapping() -> None:
    text = SEED_TEXT.replace(SOITE_RU_REQUEST, SOITE_RU_REQUEST + "    requested: 80\n").replace(
        "{number: 1, purpose: Kehittämistarpeiden valinta,", "{number: 1, number: 2, purpose: Kehittämistarpeiden valinta,"
    ).replace("applications:\n", "applications: []\napplications:\n")
    messages = refused(text)
    assert sorted(m.split(":")[1].strip() for m in messages if "twice" in m) == ["applications", "number", "requested"]


def test_keys_merged_from_an_anchor_may_be_overridden() -> None:
    text = SEED_TEXT.replace(
        "      - {role: director, email: toimialuejohtaja@soite.example, language: fi}",
        "      - &director {role: director, email: toimialuejohtaja@soite.example, language: fi}\n"
        "      - {<<: *director, role: deputy-director, email: sijainen@soite.example}",
    )
    scenario = parse_scenario(text.encode("utf-8"), source="merge.yaml")
    soite = next(o for o in scenario.organisations if o.id == "soite")
    assert [(c.role, c.email) for c in soite.contacts][1:3] == [("director", "toimialuejohtaja@soite.example"), ("deputy-director", "sijainen@soite.example")]


@pytest.mark.parametrize(
    ("written", "rule"),
    [("0x10000", "must be an amount of euros"), ("0o17", "must be an amount of euros"), ("017", "must be an amount of euros"),
     ("1_000", "must be an amount of euros"), ("1:30", "must be an amount of euros"), ("1e5", "must not have an exponent"),
     ("1.0e+40", "must not have an exponent"), ("+5", "must be an amount of euros"), (".5", "must be an amount of euros"),
     ("5.", "must be an amount of euros"), ("0b101", "must be an amount of euros"), (".inf", "must be an amount of euros"),
     (".nan", "must be an amount of euros"), ("4 M€", "must be an amount of euros"), ("3,679,149", "must group thousands with spaces"),
     ("3 679 149.505", "must have at most two decimals")],
)
def test_an_amount_in_none_of_the_written_forms_is_refused_naming_the_rule(written: str, rule: str) -> None:
    messages = refused(SEED_TEXT.replace(SOITE_RU_REQUEST, f"    requested: {written}\n"))
    assert f"applications[3] soite-ru-2020: requested: {rule}" in "\n".join(messages)


@pytest.mark.parametrize("written", ["'3679149.10'", "3679149,10", "3 679 149,10", "3 679 149,10 €", '"3\\u00a0679\\u00a0149,1"'])
def test_an_amount_written_as_people_write_it_is_read_exactly(written: str) -> None:
    scenario = parse_scenario(SEED_TEXT.replace(SOITE_RU_REQUEST, f"    requested: {written}\n").encode(), source="text.yaml")
    assert scenario.applications[3].requested == Decimal("3679149.10")


def test_a_plain_decimal_amount_is_read_exactly() -> None:
    scenario = parse_scenario(SEED_TEXT.replace(SOITE_RU_REQUEST, "    requested: 3679149.10\n").encode(), source="cents.yaml")
    assert scenario.applications[3].requested == Decimal("3679149.10")


def test_impossible_dates_are_each_reported_with_file_record_and_field() -> None:
    text = SEED_TEXT.replace("date: 2020-01-29", "date: 2026-02-30").replace("deadline: 2020-04-30T16:15:00", "deadline: 2020-02-31T16:15:00", 1)
    text = text.replace("start: 2020-07-01", "start: 2020-13-01", 1)
    messages = refused(text, "dates.yaml")
    assert "applications[0] lappi-fsc-2020: workshops[0].date: 2026-02-30 is not a date: day is out of range for month" in messages
    assert "calls[0] fsc-2020: deadline: 2020-02-31T16:15:00 is not a date and time: day is out of range for month" in messages
    assert any(m.startswith("decisions[0] soite-fsc-2020: period.start: 2020-13-01 is not a date: month must be in 1..12") for m in messages)


@pytest.mark.parametrize("written", ["1588252500", "2020-04-30", "30.4.2020", "2020-04-30t16:15:00"])
def test_an_instant_is_written_as_an_iso_date_and_time(written: str) -> None:
    messages = refused(SEED_TEXT.replace("deadline: 2020-04-30T16:15:00", f"deadline: {written}", 1))
    assert any(m.startswith("calls[0] fsc-2020: deadline: must be an ISO 8601 date and time") for m in messages)


def test_a_reminder_time_is_read_as_written_not_as_a_sexagesimal_number() -> None:
    text = SEED_TEXT.replace("    officer: valtionavustukset@stm.example\n", "    officer: valtionavustukset@stm.example\n    reminders: {send_at: 09:30}\n", 1)
    policy = parse_scenario(text.encode(), source="policy.yaml").calls[0].reminders
    assert policy is not None and policy.send_at.isoformat() == "09:30:00"


@pytest.mark.parametrize(("field", "value"), [("title", "Hanke\\rBcc: x@evil.example"), ("title", "Hanke\\nToinen rivi"), ("title", "Hanke\\tSarkain")])
def test_a_line_break_or_tab_in_a_one_line_field_is_refused(field: str, value: str) -> None:
    text = SEED_TEXT.replace("    title: Soite 2.0 – Rakenneuudistus\n", f'    {field}: "{value}"\n')
    messages = refused(text)
    assert any(m.startswith(f"applications[3] soite-ru-2020: {field}: must be one line without control characters") for m in messages)


def test_a_contact_field_holds_one_address() -> None:
    messages = refused(SEED_TEXT.replace("email: toimialuejohtaja@soite.example", 'email: "victim@soite.example,attacker@evil.example"'))
    assert any(m.startswith("organisations[2] soite: contacts[1].email: must be one e-mail address") for m in messages)


def test_bytes_tagged_as_binary_stay_the_text_written_never_decoded_past_the_checks() -> None:
    # The base64 is "Hanke\rBcc: x".
    text = SEED_TEXT.replace("    title: Soite 2.0 – Rakenneuudistus\n", "    title: !!binary SGFua2UNQmNjOiB4\n")
    assert parse_scenario(text.encode(), source="binary.yaml").applications[3].title == "SGFua2UNQmNjOiB4"


def test_importing_a_directory_is_refused_in_one_line(engine: Engine, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["import", str(tmp_path)])
    assert result.exit_code == 1
    expected = [f"error: {tmp_path}: 1 problem(s), nothing was imported:", "  - file: cannot be read: is a directory, not a file"]
    assert result.output.strip().splitlines() == expected
