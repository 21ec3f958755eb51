"""A tethered command stops with the process that started it, however that process ends."""

from __future__ import annotations

import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from grantflow.tethered import tethered
from tests.helpers import command_line, descendants, eventually, running

SLEEPER = [sys.executable, "-c", "import time; time.sleep(600)"]
# The parent: starts the tethered command, says its pid, then waits (or kills itself after a delay).
PARENT = """
import os, signal, subprocess, sys, time
from grantflow.tethered import tethered
command = sys.argv[2:]
child = subprocess.Popen(tethered(command))
print(child.pid, flush=True)
delay = float(sys.argv[1])
if delay >= 0:
    time.sleep(delay)
    os.kill(os.getpid(), signal.SIGKILL)
time.sleep(600)
"""


def start_parent(command: list[str], *, die_after: float = -1) -> tuple[subprocess.Popen[str], int]:
    parent = subprocess.Popen([sys.executable, "-c", PARENT, str(die_after), *command], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    return parent, int(parent.stdout.readline())


def processes_running(token: str) -> list[int]:
    return [pid for pid in map(int, (p.name for p in Path("/proc").iterdir() if p.name.isdigit()))
            if any(token in part for part in command_line(pid)) and running(pid)]


def test_a_tethered_command_stops_when_the_process_that_started_it_is_sigkilled() -> None:
    parent, command = start_parent(SLEEPER)
    try:
        eventually(lambda: len(descendants(command)) == 1, "the command runs with its watcher")
        started = {command} | descendants(command)
        parent.kill()
        parent.wait()
        eventually(lambda: not any(running(pid) for pid in started), "the command and its watcher are gone")
    finally:
        parent.kill()


@pytest.mark.slow  # waits out the grace period SIGTERM is given
def test_a_tethered_command_that_ignores_sigterm_is_killed_once_its_parent_is_gone() -> None:
    stubborn = [sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"]
    parent, command = start_parent(stubborn)
    try:
        eventually(lambda: len(descendants(command)) == 1, "the command runs with its watcher")
        parent.kill()
        parent.wait()
        eventually(lambda: not running(command), "the command that ignores SIGTERM is gone")
    finally:
        parent.kill()


def test_a_tethered_command_keeps_its_process_and_exit_status() -> None:
    # Prefect's temporary server is restarted on another port when it exits with 3 (port taken).
    result = subprocess.run(tethered([sys.executable, "-c", "import os, sys; print(os.getpid()); sys.exit(3)"]), check=False, capture_output=True, text=True)
    assert result.returncode == 3
    child = subprocess.Popen(tethered([sys.executable, "-c", "import os; print(os.getpid())"]), stdout=subprocess.PIPE, text=True)
    out, _ = child.communicate(timeout=60)
    assert int(out) == child.pid


def test_a_tethered_command_runs_until_it_ends_by_itself_while_its_parent_lives() -> None:
    child = subprocess.Popen(tethered([sys.executable, "-c", "import time; time.sleep(1); print('done')"]), stdout=subprocess.PIPE, text=True)
    out, _ = child.communicate(timeout=60)
    assert (child.returncode, out) == (0, "done\n")


def test_a_command_whose_parent_is_already_gone_never_runs(tmp_path: Path) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    marker = tmp_path / "ran"
    result = subprocess.run([sys.executable, "-m", "grantflow.tethered", str(gone.pid), "--",
                             sys.executable, "-c", f"open({str(marker)!r}, 'w')"], check=False, capture_output=True, text=True)
    assert result.returncode == 1 and "is gone; not started" in result.stderr
    assert not marker.exists()


@pytest.mark.parametrize("die_after", [0, 0.001, 0.01, 0.03, 0.1, 0.3])
def test_a_tethered_command_never_outlives_its_parent_whenever_the_parent_is_killed(die_after: float) -> None:
    token = uuid.uuid4().hex
    parent, _ = start_parent([*SLEEPER, token], die_after=die_after)
    parent.wait(timeout=60)
    assert parent.returncode == -signal.SIGKILL
    eventually(lambda: not processes_running(token), "neither the command nor its watcher runs")


def test_the_launcher_refuses_a_call_without_a_command() -> None:
    result = subprocess.run([sys.executable, "-m", "grantflow.tethered", "1"], check=False, capture_output=True, text=True)
    assert result.returncode == 2 and "usage" in result.stderr
