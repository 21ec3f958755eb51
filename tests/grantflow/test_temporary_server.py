"""Prefect's temporary server, started by a command without PREFECT_API_URL, ends with that command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine

from grantflow.mailsink import MailSink
from tests.helpers import command_line, descendants, eventually, running

GRANTFLOW = str(Path(sys.executable).with_name("grantflow"))
SWEEP_AT = "2020-04-16T09:00:00+03:00"  # twenty reminders of the seed are due


def temporary_server(command: int) -> tuple[int, int] | None:
    """The pid and port of the temporary Prefect server `command` started, once it answers."""
    for pid in descendants(command):
        args = command_line(pid)
        if args[1:3] == ["-m", "uvicorn"] and "prefect.server.api.server:create_app" in args:
            port = int(args[args.index("--port") + 1])
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                    return pid, port
            except httpx.HTTPError:
                return None
    return None


@pytest.mark.prefect
@pytest.mark.smtp
def test_a_command_sigkilled_while_prefects_temporary_server_runs_leaves_no_server_behind(seeded: Engine, tmp_path: Path) -> None:
    with MailSink(delay=10) as sink:  # every reminder takes its time: the sweep is still sending when it is killed
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        env |= {"PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "GRANTFLOW_EMAIL_URL": sink.channel_url()}
        command = subprocess.Popen([GRANTFLOW, "remind", "--now", SWEEP_AT], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            server, port = eventually(lambda: temporary_server(command.pid), "the command's temporary Prefect server answers", timeout=120)
            assert command.poll() is None, "the command must still be running when it is killed"
            started = descendants(command.pid)  # the server and its watcher
            assert server in started
            command.kill()
            command.wait()
        finally:
            command.kill()
        eventually(lambda: not any(running(pid) for pid in started), "the temporary server and its watcher are gone")
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2)


@pytest.mark.slow  # each imports Prefect in a new process
def test_the_patch_fails_loudly_at_import_when_prefects_command_is_gone() -> None:
    code = ("from prefect.server.api import server\n"
            "del server.SubprocessASGIServer._run_uvicorn_command\n"
            "import grantflow.temporary_server\n")
    result = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True)
    assert result.returncode != 0
    assert "SubprocessASGIServer._run_uvicorn_command" in result.stderr.splitlines()[-1]


@pytest.mark.slow  # each imports Prefect in a new process
def test_the_patch_fails_loudly_at_import_when_prefects_command_has_changed() -> None:
    code = ("import subprocess, sys\n"
            "from prefect.server.api import server\n"
            "def changed(self):\n"
            "    return subprocess.Popen([sys.executable, '-m', 'uvicorn', '--workers', '2'])\n"
            "server.SubprocessASGIServer._run_uvicorn_command = changed\n"
            "import grantflow.temporary_server\n")
    result = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True)
    assert result.returncode != 0
    assert "changed" in result.stderr.splitlines()[-1]
