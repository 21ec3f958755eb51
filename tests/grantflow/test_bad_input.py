"""Malformed scenario files of every kind end in a clear error naming the problem, never a crash."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select
from typer.testing import CliRunner

from domain.errors import ValidationFailed
from domain.importing import import_scenario
from domain.store import unit_of_work
from grantflow.cli import app
from grantflow.scenario import SEED, parse_scenario
from tests.conftest import IMPORTED_AT

SEED_DATA: dict[str, Any] = yaml.safe_load(SEED.read_text(encoding="utf-8"))

odd_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    st.sampled_from(["2026-03-29T03:30:00", "2020-02-30", "lappi", "soite-ru-2020", "-1", "1e99", "ä" * 300]),
)


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in the seed where a value can be replaced or removed."""
    found: list[tuple[Any, ...]] = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += paths(value, (*prefix, index))
    return found


SEED_PATHS = paths(SEED_DATA)


@st.composite
def malformed_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    data = copy.deepcopy(SEED_DATA)
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(SEED_PATHS))
        parent = data
        try:
            for key in path[:-1]:
                parent = parent[key]
            action = draw(st.sampled_from(["replace", "delete", "duplicate"]))
            if action == "replace":
                parent[path[-1]] = draw(odd_values)
            elif action == "delete":
                del parent[path[-1]]
            elif isinstance(parent, list):
                parent.append(copy.deepcopy(parent[path[-1]]))
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed this place
    return data


def stored_rows(engine: Engine) -> int:
    """Rows of every table but the database's own clock setting, which every database has from the start."""
    with Session(engine) as session:
        return sum(session.exec(select(func.count()).select_from(table)).one() for table in SQLModel.metadata.sorted_tables if table.name != "databaseclock")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=malformed_scenarios())
def test_a_malformed_scenario_is_refused_with_a_clear_message_or_imported_whole(engine: Engine, data: dict[str, Any]) -> None:
    text = yaml.safe_dump(data, allow_unicode=True).encode("utf-8")
    before = stored_rows(engine)
    try:
        scenario = parse_scenario(text, source="fuzz.yaml")
        with unit_of_work(engine) as session:
            import_scenario(session, scenario, source="fuzz.yaml", at=IMPORTED_AT, actor="test")
    except ValidationFailed as refused:
        assert refused.problems
        assert all(p.field and p.rule for p in refused.problems)
        assert str(refused).startswith("fuzz.yaml: ")
        assert stored_rows(engine) == before
    else:
        # Some changes leave a valid scenario (a duplicated workshop list entry removed, say): then all of it is stored.
        assert stored_rows(engine) > before
        with unit_of_work(engine) as session:
            for table in reversed(SQLModel.metadata.sorted_tables):
                session.execute(table.delete())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe" + "calls: []".encode("utf-16-le"), "is not UTF-8 text"),
        (b"programmes: {id: x}", "programmes: Input should be a valid list"),
        (b"- just\n- a list\n", "must be a mapping with sections"),
        (b"calls: [{id: x, programme: nowhere, name: X, deadline: 2020-04-30T16:15:00, state_share_percent: 80, appropriation: 1}]",
         "calls[0] x: programme: no programme 'nowhere'"),
        (b"organisations: [{id: a, name: A, kind: region}, {id: a, name: B, kind: region}]", "'a' appears more than once"),
        (b"calls: [{id: x, programme: p, name: X, deadline: 2020-04-30T16:15:00, state_share_percent: 80, appropriation: -5}]",
         "appropriation: must not be negative"),
        (b"calls: [{id: x, programme: p, name: X, deadline: 2020-04-30T16:15:00, state_share_percent: 80, appropriation: 10000000000000000}]",
         "appropriation: must be at most"),
        (b"calls: [{id: x, programme: p, name: X, deadline: 2020-04-30T16:15:00, state_share_percent: 80, appropriation: 1.0e+40}]",
         "appropriation: must not have an exponent (got '1.0e+40')"),
    ],
)
def test_the_command_refuses_a_bad_file_without_a_traceback(engine: Engine, tmp_path: Path, content: bytes, message: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(content)
    result = CliRunner().invoke(app, ["import", str(bad)])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert stored_rows(engine) == 0


@pytest.mark.sqlite_only  # reading the file is the same on every backend, and slow enough to run once
@pytest.mark.slow
def test_a_50_mb_file_of_the_wrong_shape_is_refused_by_name(engine: Engine, tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("w", encoding="utf-8") as out:
        out.write("applications:\n")
        line = "  - {id: app, call: c, applicant: a, title: " + "x" * 60 + ", colour: red}\n"
        for _ in range(50 * 1024 * 1024 // len(line) + 1):
            out.write(line)
    assert big.stat().st_size >= 50 * 1024 * 1024
    result = CliRunner().invoke(app, ["import", str(big)])
    assert result.exit_code == 1
    assert "big.yaml:" in result.output and "colour: is not a known field" in result.output
    assert "more" in result.output.splitlines()[-1]  # a million problems are counted, not all printed
    assert stored_rows(engine) == 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    application=st.text(min_size=1, max_size=30).filter(lambda s: not s.startswith("-")),
    at=st.one_of(st.text(max_size=30), st.sampled_from(["2020-04-30T16:14", "30.4.2020", "2020-13-01T00:00", "now"])),
)
def test_the_command_refuses_odd_values_without_a_traceback(seeded: Engine, application: str, at: str) -> None:
    before = stored_rows(seeded)
    result = CliRunner().invoke(app, ["submit", application, "--at", at])
    assert result.exit_code in (1, 2)  # 1: refused by grantflow, 2: refused by the option parser
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert stored_rows(seeded) == before


def test_text_with_a_nul_byte_is_refused_naming_the_field(engine: Engine) -> None:
    data = copy.deepcopy(SEED_DATA)
    data["applications"][0]["title"] = "Hanke\x00"
    data["organisations"][0]["contacts"][0]["email"] = "a\x00b@stm.example"
    with pytest.raises(ValidationFailed) as refused:
        parse_scenario(yaml.safe_dump(data, allow_unicode=True).encode("utf-8"), source="nul.yaml")
    messages = [p.message for p in refused.value.problems]
    assert any(m.startswith("applications[0] lappi-fsc-2020: title: must be one line without control characters") for m in messages)
    assert any(m.startswith("organisations[0] stm: contacts[0].email:") for m in messages)
    assert stored_rows(engine) == 0
