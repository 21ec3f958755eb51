"""Every patch of Prefect's internals made by the flows, in one place: checked at import, applied by `apply()`.

- `prefect.flow_engine.observe_flow_run_suspension`: Prefect watches every deployment run for a
  suspension requested from outside it, with a thread, an event loop and a websocket per run, and
  holds the calling event loop until it is connected. The in-process worker's runs last about a
  second and suspend only themselves (the decision form), so they go without it: under load
  it cost more than the runs themselves.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import re
from collections.abc import Iterator
from contextlib import contextmanager
from uuid import UUID

PATCHED = ("prefect.flow_engine.observe_flow_run_suspension",)


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


@contextmanager
def _no_suspension_observer(flow_run_id: UUID, request: object, polling_interval: float = 10) -> Iterator[None]:
    yield


def apply() -> None:
    """Puts every patch in place; applying them again changes nothing."""
    import prefect.flow_engine

    check()
    prefect.flow_engine.observe_flow_run_suspension = _no_suspension_observer  # type: ignore[assignment]


check()
