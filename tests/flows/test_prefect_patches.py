"""The patches of Prefect's internals: every name exists in the pinned Prefect, and a missing one fails loudly."""

import importlib
import logging

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


def filtered(level: int, message: str) -> logging.LogRecord:
    """A line of the flow runs' logger as the filter passes it on to the handlers."""
    record = logging.LogRecord("prefect.flow_runs", level, __file__, 1, message, None, None)
    assert prefect_patches.SuspensionIsNoError().filter(record)
    return record


def test_a_run_ending_suspended_for_its_form_is_logged_at_info_and_a_failed_one_still_at_error() -> None:
    suspended = filtered(logging.ERROR, "Finished in state Suspended('Run is waiting for input', type=PAUSED)")
    failed = filtered(logging.ERROR, "Finished in state Refused('submission refused')")
    assert (suspended.levelno, suspended.levelname) == (logging.INFO, "INFO")
    assert (failed.levelno, failed.levelname) == (logging.ERROR, "ERROR")


def test_the_filter_is_put_on_the_flow_runs_logger_once() -> None:
    prefect_patches.quiet_suspensions()
    prefect_patches.quiet_suspensions()
    assert sum(isinstance(f, prefect_patches.SuspensionIsNoError) for f in logging.getLogger("prefect.flow_runs").filters) == 1


def test_the_check_names_a_filtered_line_the_installed_prefect_no_longer_logs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prefect_patches, "FILTERED", (("prefect.flow_engine", 'msg=f"Ended in state {display_state}"'),))
    with pytest.raises(RuntimeError, match=r"prefect\.flow_engine no longer logs .*Ended in state"):
        prefect_patches.check()
