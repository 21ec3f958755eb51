"""Every patch of Prefect's internals made by the flows, in one place: checked at import, applied by `apply()`.

- `prefect.flow_engine.observe_flow_run_suspension`: Prefect watches every deployment run for a
  suspension requested from outside it, with a thread, an event loop and a websocket per run, and
  holds the calling event loop until it is connected. The in-process worker's runs last about a
  second and suspend only themselves (the decision form), so they go without it: under load
  it cost more than the runs themselves.
- The line `Finished in state …` that `prefect.flow_engine` logs as a run ends: at ERROR for every
  state but Completed, a run suspended to wait for the decision form too, which shows as a red error
  in its log although it waits as meant. A filter on the flow runs' logger logs that line at INFO for a
  suspended or paused run; `quiet_suspensions()` puts it in place, for any worker importing the form.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from uuid import UUID

PATCHED = ("prefect.flow_engine.observe_flow_run_suspension",)
# The log lines a filter changes, as the module logging them writes them.
FILTERED = (("prefect.flow_engine", 'msg=f"Finished in state {display_state}"'),)
WAITING_STATES = ("Finished in state Suspended(", "Finished in state Paused(")


def pinned(distribution: str) -> str:
    """The range of `distribution` grantflow is pinned to, as its package metadata states it."""
    requirements = importlib.metadata.requires("grantflow") or []
    return next((r for r in requirements if re.match(rf"{re.escape(distribution)}\b(?!-)", r)), distribution)


def check() -> None:
    """Raises RuntimeError naming the first patched name the installed Prefect lacks."""
    for name in PATCHED:
        module, _, attribute = name.rpartition(".")
        if not hasattr(importlib.import_module(module), attribute):
            version = importlib.metadata.version("prefect")
            raise RuntimeError(f"prefect {version} has no {name}, which flows/prefect_patches.py replaces for {pinned('prefect')}: review the patch")
    for module, line in FILTERED:
        if line not in inspect.getsource(importlib.import_module(module)):
            version = importlib.metadata.version("prefect")
            raise RuntimeError(f"prefect {version}'s {module} no longer logs {line}, which flows/prefect_patches.py filters for {pinned('prefect')}: "
                               "review the patch")


class SuspensionIsNoError(logging.Filter):
    """A run ending suspended (waiting for a form) or paused is logged at INFO, not as an error."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.INFO and record.getMessage().startswith(WAITING_STATES):
            record.levelno, record.levelname = logging.INFO, logging.getLevelName(logging.INFO)
        return True


def quiet_suspensions() -> None:
    """Put the filter on the flow runs' logger; doing it again changes nothing."""
    logger = logging.getLogger("prefect.flow_runs")
    if not any(isinstance(f, SuspensionIsNoError) for f in logger.filters):
        logger.addFilter(SuspensionIsNoError())


@contextmanager
def _no_suspension_observer(flow_run_id: UUID, request: object, polling_interval: float = 10) -> Iterator[None]:
    yield


def apply() -> None:
    """Puts every patch in place; applying them again changes nothing."""
    import prefect.flow_engine

    check()
    prefect.flow_engine.observe_flow_run_suspension = _no_suspension_observer  # type: ignore[assignment]
    quiet_suspensions()


check()
