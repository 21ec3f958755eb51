"""A Prefect server of grantflow's own on 127.0.0.1: its state under one directory, apart from grantflow's database.

Its API asks for an auth string kept in that directory, readable by its owner alone; it answers its
own UI's origin and host names only (grantflow.prefect_app), and it stops with the process that
started it, however that process ends (grantflow.tethered).
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Self

from domain.errors import RuleViolation
from grantflow.mailsink import free_port
from grantflow.tethered import tethered

if TYPE_CHECKING:
    from prefect.settings.legacy import Setting

AUTH_FILE = "api-auth"


class ServerNotReady(RuntimeError):
    pass


def port_in_use(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def read_or_create_auth_string(path: Path) -> str:
    """The API's auth string (`user:password`) kept in `path`: made once, readable by its owner alone, reused ever after."""
    if not path.exists():
        # Written whole under a name of its own, created 0600 (never readable by others, whatever the
        # umask), then linked into place: a reader never sees it half written, and of two servers
        # starting at once the second keeps the first one's string.
        draft = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        try:
            os.fchmod(descriptor, 0o600)
            with os.fdopen(descriptor, "w") as out:
                out.write(f"grantflow:{secrets.token_urlsafe(32)}\n")
                out.flush()
                os.fsync(out.fileno())
            try:
                os.link(draft, path)
            except FileExistsError:
                pass
        finally:
            draft.unlink(missing_ok=True)
    return _read_owner_only(path)


def _read_owner_only(path: Path) -> str:
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as exc:  # a symbolic link included: the string is kept in a file of its own
        raise RuleViolation(str(path), f"cannot be read ({exc.strerror})", record="Prefect API auth string") from None
    with os.fdopen(descriptor) as file:
        status = os.fstat(file.fileno())
        if status.st_uid != os.getuid() or stat.S_IMODE(status.st_mode) & 0o077:
            raise RuleViolation(str(path), f"is readable by others (mode {stat.S_IMODE(status.st_mode):o}); "
                                "`chmod 600` it, or remove it for a new auth string", record="Prefect API auth string")
        value = file.read().strip()
    if not value:
        raise RuleViolation(str(path), "is empty; remove it for a new auth string", record="Prefect API auth string")
    return value


class PrefectServer:
    """Prefect's server (`python -m grantflow.prefect_app`) as a child process; the API at `api_url`, the UI at `ui_url`."""

    def __init__(self, home: Path, *, port: int | None = None, ui: bool = True, log: Path | None = None, database_url: str | None = None) -> None:
        self.home, self.port, self.ui = home, port or free_port(), ui
        # SQLite under `home` unless given, e.g. postgresql+asyncpg://… for many runs at once.
        self.database_url = database_url
        self.log = log or home / "server.log"
        self.auth_file = home / AUTH_FILE
        self._auth_string: str | None = None
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    @property
    def ui_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def origins(self) -> list[str]:
        """Where the UI may be opened; the API answers pages of these origins only."""
        return [self.ui_url, f"http://localhost:{self.port}"]

    @property
    def auth_string(self) -> str:
        if self._auth_string is None:
            self.home.mkdir(mode=0o700, parents=True, exist_ok=True)
            self._auth_string = read_or_create_auth_string(self.auth_file)
        return self._auth_string

    def environment(self) -> dict[str, str]:
        """What a client of this server needs in its environment."""
        return {"PREFECT_API_URL": self.api_url, "PREFECT_API_AUTH_STRING": self.auth_string}

    def client_settings(self) -> dict[Setting, str]:
        """The same as Prefect settings, for `temporary_settings` in this process."""
        from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL

        return {PREFECT_API_URL: self.api_url, PREFECT_API_AUTH_STRING: self.auth_string}

    def start(self, timeout: float = 120) -> Self:
        self.home.mkdir(mode=0o700, parents=True, exist_ok=True)
        env = {
            **os.environ,
            "PREFECT_HOME": str(self.home),
            "PREFECT_API_DATABASE_CONNECTION_URL": self.database_url or f"sqlite+aiosqlite:///{self.home / 'prefect.db'}",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_UI_ENABLED": "true" if self.ui else "false",
            "PREFECT_UI_API_URL": self.api_url,
            # In the environment, never on the command line, where every user of the machine sees it.
            "PREFECT_SERVER_API_AUTH_STRING": self.auth_string,
            "PREFECT_SERVER_API_CSRF_PROTECTION_ENABLED": "true",
            "PREFECT_SERVER_API_CORS_ALLOWED_ORIGINS": ",".join(self.origins),
        }
        for client_setting in ("PREFECT_API_URL", "PREFECT_API_AUTH_STRING", "PREFECT_API_KEY"):
            env.pop(client_setting, None)
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                tethered([sys.executable, "-m", "grantflow.prefect_app", "--port", str(self.port)]),
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C in the terminal reaches us, and we stop it in order
            )
        try:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise ServerNotReady(f"the Prefect server exited with {self.process.returncode}; see {self.log}")
                if self.healthy():
                    return self
                time.sleep(0.2)
            raise ServerNotReady(f"the Prefect server did not answer on {self.api_url} within {timeout:.0f} s; see {self.log}")
        except BaseException:  # Ctrl-C while it starts included: no server is left behind
            self.stop()
            raise

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.api_url}/health", timeout=1) as response:
                return response.status == 200
        except OSError:
            return False

    def stop(self, timeout: float = 20) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self.stop()
