"""The wheel, installed on its own into a fresh virtualenv, runs the demo and serves the deployments outside any checkout."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from grantflow.mailsink import free_port

pytestmark = [pytest.mark.slow, pytest.mark.prefect, pytest.mark.smtp, pytest.mark.sqlite_only]
ROOT = Path(__file__).resolve().parent.parent
# What a checkout may hold besides the project's own files.
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".grantflow", ".*_cache", ".hypothesis", "test-output")


def clean_environment(home: Path) -> dict[str, str]:
    """The environment less anything that points at the checkout, its Prefect or its database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "GRANTFLOW_")) and k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return env | {"PREFECT_HOME": str(home / "prefect")}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The wheel built from a copy of the sources, and what the build said."""
    source = tmp_path_factory.mktemp("source") / "grantflow"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE, symlinks=True)
    dist = tmp_path_factory.mktemp("dist")
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--verbose", "-w", str(dist), str(source)],
                           capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    (wheel,) = dist.glob("grantflow-*.whl")
    return wheel, build.stdout + build.stderr


@pytest.fixture(scope="module")
def installed(built: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv holding the wheel (not editable) and its dependencies; its bin folder."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    install = subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", str(built[0])], capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stderr[-3000:]
    return venv / "bin"


def test_the_wheel_builds_without_setuptools_warnings_about_packages(built: tuple[Path, str]) -> None:
    assert re.findall(r".*(?:absent from the `packages`|BuildBackendWarning|SetuptoolsDeprecationWarning).*", built[1]) == []


def test_the_installed_packages_come_from_the_virtualenv_not_the_checkout(installed: Path, tmp_path: Path) -> None:
    where = subprocess.run([str(installed / "python"), "-c", "import domain, flows, grantflow, notifications; print(flows.__file__)"],
                           cwd=tmp_path, env=clean_environment(tmp_path), capture_output=True, text=True, check=True)
    assert Path(where.stdout.strip()).is_relative_to(installed.parent)


def test_the_installed_demo_runs_outside_the_checkout_and_shows_the_decisions(installed: Path, tmp_path: Path) -> None:
    demo = subprocess.run([str(installed / "grantflow"), "demo"], cwd=tmp_path, env=clean_environment(tmp_path), capture_output=True, text=True, timeout=600)
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert re.search(r"soite-fsc-2020 .*granted in full", demo.stdout)
    assert re.search(r"soite-ru-2020 .*partially granted", demo.stdout)


def test_the_installed_serve_registers_every_deployment_of_prefect_yaml(installed: Path, tmp_path: Path) -> None:
    expected = len(yaml.safe_load((ROOT / "flows" / "prefect.yaml").read_text(encoding="utf-8"))["deployments"])
    serve = subprocess.Popen([str(installed / "grantflow"), "serve", "--port", str(free_port())], cwd=tmp_path, env=clean_environment(tmp_path),
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert serve.stdout is not None
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 180
        while not any("Serving" in line for line in lines) and serve.poll() is None and time.monotonic() < deadline:
            lines.append(serve.stdout.readline())
        assert f"Serving {expected} deployments from prefect.yaml" in "".join(lines), "".join(lines)
    finally:
        serve.send_signal(signal.SIGINT)
        try:
            serve.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            serve.kill()
            serve.communicate()
