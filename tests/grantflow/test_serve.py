"""`grantflow serve` as an operator runs it: its own process, Prefect server, deployments, worker and relay."""

import json
import os
import signal
import socket
import subprocess
from pathlib import Path

import httpx
import pytest

from grantflow.mailsink import free_port
from tests.helpers import GRANTFLOW, descendants, eventually, prefect_api, running, start_serve

pytestmark = [pytest.mark.sqlite_only, pytest.mark.prefect]
def test_serve_registers_every_deployment_schedules_runs_prints_the_ui_address_and_stops_cleanly_on_ctrl_c(
    tmp_path: Path, database_url: str
) -> None:
    port = free_port()
    # The server's scheduler service, which runs in its lifespan, looks for new deployments every second.
    serve, printed = start_serve(tmp_path, port, PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS="1")
    try:
        assert f"Prefect UI: http://127.0.0.1:{port}" in printed
        with prefect_api(f"http://127.0.0.1:{port}/api", (tmp_path / "server" / "api-auth").read_text().strip()) as api:
            deployments = {d["id"]: d["name"] for d in api.post("/deployments/filter", json={}).json()}
            automations = api.post("/automations/filter", json={}).json()

            def scheduled() -> set[str]:
                runs = api.post("/flow_runs/filter", json={"flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}}}).json()
                return {deployments[run["deployment_id"]] for run in runs}

            eventually(lambda: scheduled() >= {"reminder-sweep", "overdue-checks", "relay"}, "the scheduler schedules the cron deployments")
        assert set(deployments.values()) == {"preparation", "submission", "review", "withdrawal", "decision", "decision-form", "grant-acceptance",
                                             "startup", "deadline-extension", "change-submission", "change-decision", "reminder-sweep", "outbox-delivery",
                                             "overdue-checks", "operator-alert", "relay"}
        assert any("grantflow.decision.recorded" in json.dumps(a["trigger"]) for a in automations)
        serve.send_signal(signal.SIGINT)
        rest, _ = serve.communicate(timeout=60)
    finally:
        if serve.poll() is None:
            serve.kill()
    assert serve.returncode == 0, rest
    assert "Stopping" in rest and "Traceback" not in rest
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2)


def test_serve_tells_where_the_auth_string_is_and_never_prints_it(tmp_path: Path, database_url: str) -> None:
    serve, printed = start_serve(tmp_path, free_port())
    try:
        auth_string = (tmp_path / "server" / "api-auth").read_text().strip()
        assert str(tmp_path / "server" / "api-auth") in printed
        assert auth_string.split(":", 1)[1] not in printed
        assert "PREFECT_API_AUTH_STRING" in printed
    finally:
        serve.send_signal(signal.SIGINT)
        rest, _ = serve.communicate(timeout=60)
    assert auth_string.split(":", 1)[1] not in rest
    assert auth_string.split(":", 1)[1] not in (tmp_path / "server" / "server.log").read_text()


def test_serve_sigkilled_leaves_no_prefect_server_behind(tmp_path: Path, database_url: str) -> None:
    port = free_port()
    serve, _ = start_serve(tmp_path, port)
    try:
        started = descendants(serve.pid)
        assert started, "the Prefect server runs as serve's child"
        serve.kill()
        serve.wait()
    finally:
        serve.kill()
    eventually(lambda: not any(running(pid) for pid in started), "the Prefect server and its watcher are gone")
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2)


def test_serve_refuses_a_port_in_use_naming_the_option(database_url: str) -> None:
    from typer.testing import CliRunner

    from grantflow.cli import app

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = CliRunner().invoke(app, ["serve", "--port", str(taken.getsockname()[1])])
    assert result.exit_code == 1
    assert "--port:" in result.output and "already in use" in result.output


def test_commands_run_their_steps_on_the_running_serve_and_directly_once_it_stops(tmp_path: Path, system_clock: object, database_url: str) -> None:
    home = {"GRANTFLOW_HOME": str(tmp_path / "home")}
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")} | home

    def grantflow(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([GRANTFLOW, *args], env=env, capture_output=True, text=True, timeout=120)

    port = free_port()
    serve, _ = start_serve(tmp_path, port, **home)
    try:
        assert (tmp_path / "home" / "serve.json").is_file()
        delivered = grantflow("deliver", "soite-fsc-2020", "project-plan")
        assert delivered.returncode == 0, delivered.stderr
        assert f"running on the Prefect server at http://127.0.0.1:{port}/api" in delivered.stderr
        with prefect_api(f"http://127.0.0.1:{port}/api", (tmp_path / "server" / "api-auth").read_text().strip()) as api:
            runs = api.post("/flow_runs/filter", json={}).json()
        assert "prepare/soite-fsc-2020" in {run["name"] for run in runs}
    finally:
        serve.send_signal(signal.SIGINT)
        serve.communicate(timeout=60)
    assert not (tmp_path / "home" / "serve.json").exists()
    direct = grantflow("deliver", "soite-ru-2020", "project-plan")
    assert direct.returncode == 0, direct.stderr
    assert "running on the Prefect server" not in direct.stderr and "soite-ru-2020: delivered project-plan" in direct.stdout
