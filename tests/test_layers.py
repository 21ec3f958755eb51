"""The dependency arrows run one way: CLI → flows → use cases → domain and notifications; only use cases change state."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# What each layer may import of the project's own packages.
ALLOWED = {
    "domain": {"domain"},
    "notifications": {"domain", "notifications"},
    "usecases": {"domain", "notifications", "usecases"},
    "flows": {"domain", "notifications", "usecases", "flows"},
    "grantflow": {"domain", "notifications", "usecases", "flows", "grantflow"},
}
# What opens a transaction or a session of its own: the use cases' business alone (grantflow's schema
# migrations and the demo's replay database excepted, which are no lifecycle step).
STATE_CHANGERS = {"unit_of_work", "Session", "make_engine", "changing", "reading", "engine"}
DOORS = [*sorted((ROOT / "flows").glob("*.py")), ROOT / "grantflow" / "cli.py", ROOT / "grantflow" / "demo.py", ROOT / "grantflow" / "serve.py"]


def imports(path: Path) -> list[tuple[str, set[str]]]:
    """Every module a file imports, with the names it takes from it."""
    found: list[tuple[str, set[str]]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, set()) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, {alias.name for alias in node.names}))
    return found


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_a_layer_imports_only_the_layers_below_it(layer: str) -> None:
    offenders = {
        f"{path.relative_to(ROOT)}: {module}"
        for path in (ROOT / layer).rglob("*.py") if "migrations" not in path.parts
        for module, _ in imports(path)
        if module.split(".")[0] in ALLOWED and module.split(".")[0] not in ALLOWED[layer]
    }
    assert offenders == set()


@pytest.mark.parametrize("door", DOORS, ids=lambda path: str(path.relative_to(ROOT)))
def test_a_door_changes_state_only_through_the_use_cases(door: Path) -> None:
    offenders = {
        f"{module}: {', '.join(sorted(names & STATE_CHANGERS))}"
        for module, names in imports(door)
        if (module.startswith(("domain", "sqlmodel", "sqlalchemy", "usecases.context")) and names & STATE_CHANGERS)
    }
    assert offenders == set()


def test_a_door_calls_no_domain_step_directly() -> None:
    """Domain functions that change state take a session; a door has none, so importing one would be the tell."""
    steps = {"record_decision", "apply_decision", "submit_application", "begin_review", "complete_duty", "start_project", "begin_project",
             "accept_grant", "withdraw_application", "extend_duty", "enqueue", "choose_clock", "import_into", "import_scenario",
             "request_change", "decide_part"}
    offenders = {f"{door.name}: {name}" for door in DOORS for _, names in imports(door) for name in names & steps}
    assert offenders == set()
