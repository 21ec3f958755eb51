"""Arbitrary text in every field of a scenario file and every option of a command: a refusal naming field and rule, never a traceback."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel
from typer.testing import CliRunner

from domain.errors import ValidationFailed
from domain.importing import import_scenario
from domain.store import unit_of_work
from grantflow.cli import app
from grantflow.scenario import parse_scenario
from tests.conftest import IMPORTED_AT
from tests.grantflow.test_bad_input import SEED_DATA, SEED_PATHS, stored_rows

PLACEHOLDER = "fuzz-placeholder-value"


def _at(path: tuple[Any, ...]) -> Any:
    node: Any = SEED_DATA
    for key in path:
        node = node[key]
    return node


# Every place that holds a scalar in the seed: ids, names, texts, e-mail addresses, amounts, counts, dates, instants, flags.
LEAVES = [path for path in SEED_PATHS if not isinstance(_at(path), dict | list)]
# Text YAML reads in its own ways, and text the field checks must refuse.
TRICKY = st.sampled_from([
    "0x10000", "0o17", "017", "1_000", "1:30", "1e5", ".inf", ".nan", "-0", "99999999999999999999", "2026-02-30", "2026-02-30T12:00:00",
    "0001-01-01T00:00:00", "9999-12-31T23:59:59", "1588252500", "yes", "~", "null", "[]", "{}", "!!binary SGFua2UNCg==", "!!int 0x10",
    "!!timestamp 2026-02-30", "!!float .nan", "&a x", "*a", "'quoted'", '"a\\rb"', '"a\\x00b"', '"\\ud800"', '"\\u2028"',
    "victim,attacker@evil.example", "Name <a@b.fi>", "a@b", "x" * 5000,
])
raw_text = st.one_of(TRICKY, st.text(max_size=30))


@st.composite
def fuzzed_files(draw: st.DrawFn) -> bytes:
    """The seed with up to three scalars replaced: either written raw into the YAML, or as a quoted string of any text."""
    data = copy.deepcopy(SEED_DATA)
    replacements: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(LEAVES))
        parent = data
        for key in path[:-1]:
            parent = parent[key]
        if draw(st.booleans()):
            parent[path[-1]] = f"{PLACEHOLDER}-{len(replacements)}"
            replacements.append(draw(raw_text))
        else:
            parent[path[-1]] = draw(st.text(max_size=40))
    text = yaml.safe_dump(data, allow_unicode=True, width=10**6)
    for index, raw in enumerate(replacements):
        text = text.replace(f"{PLACEHOLDER}-{index}", raw)
    return text.encode("utf-8", errors="surrogatepass")


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=fuzzed_files())
@example(data=yaml.safe_dump(SEED_DATA, allow_unicode=True).replace("requested: 1626897", "requested: 0x10000").encode())
@example(data=yaml.safe_dump(SEED_DATA, allow_unicode=True).replace("number: 4\n    participants: 70", "number: 99999999999\n    participants: 70").encode())
@pytest.mark.slow
def test_any_text_in_any_field_of_a_file_is_refused_naming_field_and_rule_or_imported_whole(engine: Engine, data: bytes) -> None:
    before = stored_rows(engine)
    try:
        scenario = parse_scenario(data, source="fuzz.yaml")
        with unit_of_work(engine) as session:
            import_scenario(session, scenario, source="fuzz.yaml", at=IMPORTED_AT, actor="test")
    except ValidationFailed as refused:
        assert refused.problems
        assert all(p.field and p.rule for p in refused.problems)
        assert str(refused).startswith("fuzz.yaml: ")
        assert stored_rows(engine) == before
    else:
        assert stored_rows(engine) > before
        with unit_of_work(engine) as session:
            for table in reversed(SQLModel.metadata.sorted_tables):
                session.execute(table.delete())


runner = CliRunner()
VALID_DECISION = {
    "--granted": "1626897", "--justification": "Tavoitteet kuvattu hyvin.", "--period": "2020-07-01..2022-12-31",
    "--decided-at": "2020-06-30T12:00", "--decided-by": "STM", "--line": "1=1626897", "--share": "soite=1626897",
}
def decide_with(option: str) -> Callable[[str], list[str]]:
    """`grantflow decide` with every option valid but `option`, which gets the fuzzed value."""

    def arguments(value: str) -> list[str]:
        parts = ["decide", "soite-fsc-2020"]
        for name, default in VALID_DECISION.items():
            if name in ("--line", "--share") and name != option:
                continue
            parts += [name, value if name == option else default]
        return parts

    return arguments


COMMANDS: dict[str, Callable[[str], list[str]]] = {
    "submit APPLICATION": lambda value: ["submit", value, "--at", "2020-04-29T12:00"],
    "submit --at": lambda value: ["submit", "esimerkki-ru-2020", "--at", value],
    "remind --now": lambda value: ["remind", "--dry-run", "--now", value],
    "decide APPLICATION": lambda value: ["decide", value, "--granted", "1", "--justification", "Hyvä."],
    **{f"decide {option}": decide_with(option) for option in VALID_DECISION},
}
# What a refusal looks like: grantflow's own (`error: … FIELD: RULE`) or the option parser's (`Error: …`).
REFUSAL = re.compile(r"(error: .*\S: \S|Error: \S|─ Error ─.*\S)", re.DOTALL)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(command=st.sampled_from(sorted(COMMANDS)), value=raw_text)
@example(command="submit --at", value="9999-12-31T23:59:59")
@example(command="decide --decided-by", value="STM\r\nBcc: x@evil.example")
def test_any_text_in_any_option_is_refused_naming_it_without_a_traceback(undecided: Engine, prefect_server: None, command: str, value: str) -> None:
    before = stored_rows(undecided)
    result = runner.invoke(app, COMMANDS[command](value))
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    if result.exit_code != 0:
        assert result.exit_code in (1, 2)
        assert REFUSAL.search(result.output), result.output
        assert stored_rows(undecided) == before
