"""The Makefile's recipes, run for real on a copy of the project's top level."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHES = [".venv", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".hypothesis", "build", "dist", "grantflow.egg-info", ".grantflow/demo"]
KEPT = [".grantflow/grantflow.db", ".grantflow/prefect-server/api-auth", "grantflow/cli.py"]


def test_make_clean_removes_the_caches_and_keeps_the_users_database_and_server_state(tmp_path: Path) -> None:
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    for name in CACHES:
        (tmp_path / name).mkdir(parents=True)
        (tmp_path / name / "file").write_text("cache")
    for name in KEPT:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("kept")

    subprocess.run(["make", "clean"], cwd=tmp_path, check=True, capture_output=True)

    assert [name for name in CACHES if (tmp_path / name).exists()] == []
    assert [(tmp_path / name).read_text() for name in KEPT] == ["kept"] * len(KEPT)
