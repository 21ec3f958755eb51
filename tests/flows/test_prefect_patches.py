"""The patches of Prefect's internals: every name exists in the pinned Prefect, and a missing one fails loudly."""

import importlib

import prefect.flow_engine
import pytest

from flows import prefect_patches


@pytest.fixture(autouse=True)
def _on_prefect_server() -> None:
    """Unlike the other flow tests, these need no Prefect server."""


def test_every_patched_name_exists_in_the_installed_prefect() -> None:
    for name in prefect_patches.PATCHED:
        module, _, attribute = name.rpartition(".")
        assert hasattr(importlib.import_module(module), attribute), name
    prefect_patches.check()


def test_the_check_names_a_missing_name_and_the_pinned_prefect(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(prefect.flow_engine, "observe_flow_run_suspension")
    with pytest.raises(RuntimeError, match=r"has no prefect\.flow_engine\.observe_flow_run_suspension, .* for prefect[<>=]"):
        prefect_patches.check()


def test_importing_the_patches_fails_when_a_patched_name_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(prefect.flow_engine, "observe_flow_run_suspension")
    with pytest.raises(RuntimeError, match=r"observe_flow_run_suspension"):
        importlib.reload(prefect_patches)


def test_apply_replaces_the_suspension_observer_and_applying_again_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prefect.flow_engine, "observe_flow_run_suspension", prefect.flow_engine.observe_flow_run_suspension)
    prefect_patches.apply()
    applied = prefect.flow_engine.observe_flow_run_suspension
    prefect_patches.apply()
    assert applied is prefect.flow_engine.observe_flow_run_suspension is prefect_patches._no_suspension_observer
