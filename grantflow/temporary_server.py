"""Prefect's temporary server (started when PREFECT_API_URL is unset) ends with the command that started it.

Prefect stops that server at exit, which a SIGKILLed command never reaches. The one patch: its
command, SubprocessASGIServer._run_uvicorn_command, run through grantflow.tethered. The command is
mirrored from Prefect's; importing this module fails when that method is gone or no longer builds
the command mirrored here, so a Prefect upgrade that changes it is reviewed, not silently undone.
"""

from __future__ import annotations

import os
import subprocess
import sys
from types import CodeType
from typing import Any

import prefect
from prefect.server.api.server import SubprocessASGIServer
from prefect.settings import get_current_settings

from grantflow.tethered import tethered

PATCHED = "SubprocessASGIServer._run_uvicorn_command"
# What Prefect 3.9's method is made of: its strings and the names it uses.
MIRRORED = frozenset({
    "0", "1", "PREFECT_UI_ENABLED", "PREFECT__SERVER_EPHEMERAL", "PREFECT__SERVER_FINAL", "-m", "uvicorn", "--app-dir",
    "--factory", "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", "--log-level", "error",
    "--lifespan", "on", "exclude_unset", "args", "env",
    "subprocess", "Popen", "sys", "executable", "str", "prefect", "__module_path__", "parent", "port", "os", "environ",
    "get_current_settings", "to_environment_variables",
})


def _fingerprint(code: CodeType) -> frozenset[str]:
    strings: set[str] = set(code.co_names)
    for constant in code.co_consts:
        for item in constant if isinstance(constant, tuple) else (constant,):
            if isinstance(item, str):
                strings.add(item)
    return frozenset(strings)


def _tethered_uvicorn_command(self: SubprocessASGIServer) -> subprocess.Popen[Any]:
    """Prefect's command for its temporary server, stopped once this process is gone."""
    server_env = {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
    command = [
        sys.executable, "-m", "uvicorn", "--app-dir", str(prefect.__module_path__.parent),
        "--factory", "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(self.port),
        "--log-level", "error", "--lifespan", "on",
    ]
    env = {**os.environ, **server_env, **get_current_settings().to_environment_variables(exclude_unset=True)}
    return subprocess.Popen(args=tethered(command), env=env)


def _patch() -> None:
    original = getattr(SubprocessASGIServer, "_run_uvicorn_command", None)
    if original is _tethered_uvicorn_command:
        return
    if original is None:
        raise ImportError(f"prefect {prefect.__version__} has no {PATCHED}; grantflow/temporary_server.py patches it and needs review")
    if _fingerprint(original.__code__) != MIRRORED:
        raise ImportError(f"prefect {prefect.__version__} changed {PATCHED}; grantflow/temporary_server.py mirrors it and needs review")
    SubprocessASGIServer._run_uvicorn_command = _tethered_uvicorn_command  # type: ignore[method-assign]


_patch()
