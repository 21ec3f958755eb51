"""Importing a scenario: reference data, calls, applications and their history, all of it or nothing."""

from __future__ import annotations

from domain.clock import system_now
from domain.importing import ImportSummary, Progress, import_into
from domain.inputs import ScenarioInput
from usecases.context import actor, engine


def import_records(scenario: ScenarioInput, *, source: str, progress: Progress | None = None) -> ImportSummary:
    """Validate and store a whole scenario in one transaction; a refusal stores nothing."""
    return import_into(engine(), scenario, source=source, at=system_now(), actor=actor(), progress=progress)
