"""Small helpers for writing times, driving the seed scenario and watching processes in tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import httpx
from sqlmodel import Session

from domain.calendar import helsinki_instant
from domain.preparation import complete_duty
from domain.submission import begin_review, submit_application

T = TypeVar("T")
GRANTFLOW = str(Path(sys.executable).with_name("grantflow"))


def hel(text: str) -> datetime:
    """Helsinki wall time written as `2020-04-30 16:14:59`."""
    return helsinki_instant(datetime.fromisoformat(text))


def submit_seed(session: Session, application_id: str, at: str = "2020-04-30 12:00") -> None:
    """Deliver the submission documents and submit, as the applicant did in spring 2020."""
    complete_duty(session, application_id, "project-plan", at=hel("2020-04-20 09:00"), actor="test")
    if application_id == "lappi-fsc-2020":
        complete_duty(session, application_id, "budget", at=hel("2020-04-20 09:00"), actor="test")
    submit_application(session, application_id, at=hel(at), actor="test")


def under_review(session: Session, *application_ids: str, reviewed: str = "2020-05-04 08:00") -> None:
    for application_id in application_ids:
        submit_seed(session, application_id)
    for call in ("fsc-2020", "ru-2020"):
        begin_review(session, call, at=hel(reviewed), actor="test")
    session.commit()


def process_state(pid: int) -> str | None:
    """The state letter of process `pid` (R, S, Z, …) as /proc shows it; None when there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return stat.rsplit(")", 1)[1].split()[0]


def running(pid: int) -> bool:
    """A zombie no longer runs: its parent is gone and nobody may reap it in a container."""
    return process_state(pid) not in (None, "Z", "X")


def descendants(pid: int) -> set[int]:
    """Every process started by `pid`, by its children, and so on."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError):
                continue
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def command_line(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")[:-1]
    except (FileNotFoundError, ProcessLookupError):
        return []


def eventually(condition: Callable[[], T | None], what: str, timeout: float = 30) -> T:
    """Poll `condition` until it gives a true value, and return that; fail naming `what` if it never does in `timeout`."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f} s: {what}")
        time.sleep(0.05)
    return value


@contextmanager
def prefect_api(api_url: str, auth_string: str) -> Iterator[httpx.Client]:
    """A client of a protected Prefect API that talks to it as Prefect's own does: the auth string, then a CSRF token."""
    user, password = auth_string.split(":", 1)
    with httpx.Client(base_url=api_url, auth=(user, password), timeout=10) as client:
        token = client.get("/csrf-token", params={"client": "tests"}).raise_for_status().json()["token"]
        client.headers.update({"Prefect-Csrf-Token": token, "Prefect-Csrf-Client": "tests"})
        yield client


def start_serve(home: Path, port: int, **settings: str) -> tuple[subprocess.Popen[str], str]:
    """`grantflow serve` in a process of its own, and what it printed until it serves."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")} | {"PREFECT_HOME": str(home / "client"), **settings}
    serve = subprocess.Popen([GRANTFLOW, "serve", "--home", str(home / "server"), "--port", str(port)], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    assert serve.stdout is not None
    deadline = time.monotonic() + 120
    while not any("Prefect UI:" in line for line in lines) and time.monotonic() < deadline:
        lines.append(serve.stdout.readline())
        if serve.poll() is not None:
            raise AssertionError("".join(lines))
    return serve, "".join(lines)
