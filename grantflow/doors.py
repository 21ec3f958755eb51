"""How a command reaches a step: through the running `grantflow serve`, so its runs show in that UI, or directly.

`grantflow serve` records where its Prefect server listens in `GRANTFLOW_HOME/serve.json`. A command
uses that server while it answers and serves the same database; with PREFECT_API_URL set, the server
named there. Otherwise the command calls the use case itself: no temporary Prefect server is started.
"""

from __future__ import annotations

import functools
import hashlib
import os
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel, ValidationError

from usecases.settings import get_settings

SERVED_FILE = "serve.json"


class Served(BaseModel):
    """Where a running `grantflow serve` listens, and which database its worker serves."""

    api_url: str
    auth_file: Path
    pid: int
    database: str


def database_fingerprint(url: str) -> str:
    """The database's identity without its URL, which may hold a password."""
    return hashlib.sha256(url.encode()).hexdigest()[:16]


def served_file() -> Path:
    return get_settings().home / SERVED_FILE


def record_served(api_url: str, auth_file: Path) -> Path:
    """Written by `grantflow serve` once its server answers; readable by its owner alone, like the auth file it names."""
    path = served_file()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    served = Served(api_url=api_url, auth_file=auth_file.resolve(), pid=os.getpid(), database=database_fingerprint(get_settings().database()))
    temporary = path.with_suffix(".tmp")
    temporary.write_text(served.model_dump_json())
    temporary.chmod(0o600)
    temporary.replace(path)
    return path


def forget_served(api_url: str) -> None:
    """Removed when `grantflow serve` stops, unless another serve has recorded itself since."""
    path = served_file()
    found = _read(path)
    if found is not None and found.api_url == api_url and found.pid == os.getpid():
        path.unlink(missing_ok=True)


def _read(path: Path) -> Served | None:
    try:
        return Served.model_validate_json(path.read_text())
    except (OSError, ValidationError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _answers(api_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@functools.cache
def served_here() -> Served | None:
    """The running `grantflow serve` of this grantflow home, if it answers and serves the configured database.

    Looked up once per command (each command clears the cache as it starts): a command asks several times
    whether its step ran on the server, and each look reads serve.json and waits on the server's health."""
    found = _read(served_file())
    if found is None or not _alive(found.pid) or found.database != database_fingerprint(get_settings().database()):
        return None
    return found if _answers(found.api_url) else None


def server_named() -> bool:
    """PREFECT_API_URL names a server of the operator's own: every command's runs go there."""
    return bool(os.environ.get("PREFECT_API_URL"))


@contextmanager
def prefect_server() -> Iterator[str | None]:
    """The Prefect API a command's runs report to, set for this process while the block runs; None when there is none."""
    if server_named():
        yield os.environ["PREFECT_API_URL"]
        return
    served = served_here()
    if served is None:
        yield None
        return
    from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings

    auth = served.auth_file.read_text().strip() if served.auth_file.is_file() else ""
    with temporary_settings({PREFECT_API_URL: served.api_url, PREFECT_API_AUTH_STRING: auth}):
        yield served.api_url
