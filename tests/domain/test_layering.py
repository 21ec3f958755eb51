import ast
from pathlib import Path

import domain

FORBIDDEN = ("prefect", "apprise", "flows", "notifications", "grantflow")


def imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_the_domain_imports_neither_prefect_nor_apprise_nor_outer_layers() -> None:
    offenders = {
        path.name: sorted(imported_roots(path) & set(FORBIDDEN))
        for path in Path(domain.__file__).parent.glob("*.py")
        if imported_roots(path) & set(FORBIDDEN)
    }
    assert offenders == {}
