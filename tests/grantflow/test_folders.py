"""State folders (a served server's home, the demo's, a SQLite database's): made when missing, refused by name when they cannot be."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from domain.errors import RuleViolation
from grantflow.cli import app
from grantflow.folders import state_folder

runner = CliRunner()
# A name of one path segment: anything a file system may or may not take, never a way out of the test's folder.
segments = st.text(st.characters(exclude_characters="/", exclude_categories=["Cs"]), min_size=1, max_size=300).filter(lambda s: s not in (".", ".."))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(segments, min_size=1, max_size=3), under_a_file=st.booleans())
def test_a_state_folder_is_made_or_refused_naming_its_option(tmp_path: Path, names: list[str], under_a_file: bool) -> None:
    base = tmp_path / "file" if under_a_file else tmp_path
    if under_a_file:
        base.touch()
    path = base.joinpath(*names)
    try:
        made = state_folder(path, field="--home")
    except RuleViolation as refused:
        assert refused.field == "--home" and "cannot be" in refused.rule
    else:
        assert made.is_dir()


@pytest.mark.parametrize(("command", "option", "value", "message"), [
    ("serve", "--home", "/proc/grantflow-nowhere", "--home: the folder /proc/grantflow-nowhere cannot be created"),
    ("serve", "--home", "/dev/null/server", "--home: the folder /dev/null/server cannot be created: Not a directory"),
    ("demo", "--state-dir", "/proc/grantflow-nowhere", "--state-dir: the folder /proc/grantflow-nowhere cannot be created"),
])
def test_a_long_running_command_refuses_a_folder_it_cannot_make_in_one_line(engine: object, command: str, option: str, value: str, message: str) -> None:
    result = runner.invoke(app, [command, option, value])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("port", ["0", "-5", "65536", "70000", "http", "1e3"])
def test_serve_refuses_a_port_outside_1_to_65535_as_a_usage_error(engine: object, port: str) -> None:
    result = runner.invoke(app, ["serve", "--port", port])
    assert result.exit_code == 2
    assert "--port" in result.output and "Traceback" not in result.output
