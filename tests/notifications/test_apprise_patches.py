"""The patches of Apprise's internals: every name exists in the pinned Apprise, and a missing or changed one fails loudly."""

import importlib
import re

import pytest

from notifications import apprise_patches


def _module_and_attribute(name: str) -> tuple[object, str]:
    module, _, attribute = name.rpartition(".")
    return importlib.import_module(module), attribute


def test_every_patched_name_exists_in_the_installed_apprise() -> None:
    for name in [*apprise_patches.ORIGINALS, "apprise.plugins.email.base.AppriseSMTPController"]:
        module, attribute = _module_and_attribute(name)
        assert hasattr(module, attribute), name
    apprise_patches.check()


@pytest.mark.parametrize("name", list(apprise_patches.ORIGINALS))
def test_the_check_names_a_missing_name_and_the_pinned_apprise(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.delattr(*_module_and_attribute(name))
    with pytest.raises(RuntimeError, match=rf"{re.escape(name)} is missing; .* for apprise[<>=]"):
        apprise_patches.check()


def test_the_check_names_a_patched_name_apprise_no_longer_takes_from_where_the_patch_expects(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(*_module_and_attribute("apprise.plugins.email.base.make_msgid"), lambda *args: "<id@example>")
    with pytest.raises(RuntimeError, match=r"apprise\.plugins\.email\.base\.make_msgid is no longer make_msgid"):
        apprise_patches.check()


def test_importing_the_patches_fails_when_a_patched_name_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(*_module_and_attribute("apprise.plugins.email.smtp.smtplib"))
    with pytest.raises(RuntimeError, match=r"apprise\.plugins\.email\.smtp\.smtplib is missing"):
        importlib.reload(apprise_patches)
