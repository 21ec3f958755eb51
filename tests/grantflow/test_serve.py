"""`grantflow serve` as an operator runs it: its own process, Prefect server, deployments, worker and relay."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from grantflow.mailsink import free_port

pytestmark = pytest.mark.sqlite_only


def api(port: int, path: str, body: dict[str, object]) -> list[dict[str, object]]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api{path}", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_serve_registers_every_deployment_prints_the_ui_address_and_stops_cleanly_on_ctrl_c(tmp_path: Path, database_url: str) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")} | {"PREFECT_HOME": str(tmp_path / "client")}
    grantflow = Path(sys.executable).with_name("grantflow")
    serve = subprocess.Popen([str(grantflow), "serve", "--home", str(tmp_path / "server"), "--port", str(port)], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    try:
        assert serve.stdout is not None
        deadline = time.monotonic() + 120
        while not any("Prefect UI:" in line for line in lines) and time.monotonic() < deadline:
            lines.append(serve.stdout.readline())
            assert serve.poll() is None, "".join(lines)
        assert f"Prefect UI: http://127.0.0.1:{port}" in "".join(lines)
        deployments = {d["name"] for d in api(port, "/deployments/filter", {})}
        assert deployments == {"preparation", "submission", "review", "decision", "decision-interactive", "startup",
                               "reminder-sweep", "overdue-checks", "relay"}
        automations = api(port, "/automations/filter", {})
        assert any("grantflow.decision.recorded" in json.dumps(a["trigger"]) for a in automations)
        serve.send_signal(signal.SIGINT)
        rest, _ = serve.communicate(timeout=60)
    finally:
        if serve.poll() is None:
            serve.kill()
    assert serve.returncode == 0, rest
    assert "Stopping" in rest and "Traceback" not in rest
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2)


def test_serve_refuses_a_port_in_use_naming_the_option(database_url: str) -> None:
    from typer.testing import CliRunner

    from grantflow.cli import app

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = CliRunner().invoke(app, ["serve", "--port", str(taken.getsockname()[1])])
    assert result.exit_code == 1
    assert "--port:" in result.output and "already in use" in result.output
