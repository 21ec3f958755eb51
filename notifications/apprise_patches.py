"""Every patch of Apprise's internals, in one place: checked at import, applied by `apply()` before a message is sent.

Three names of Apprise's e-mail plugin are replaced, each for the message being sent (smtp_outcome.current()):
- `make_msgid`: the message's own Message-ID, derived from its outbox key, so a copy resent after an
  unknown outcome carries the same id and mail systems can tell it is one message;
- `convert_between`: the plain-text part of an HTML e-mail is the message's own text, not a lossy
  conversion back from the HTML Apprise made of it;
- `smtplib` as the SMTP controller sees it: its SMTP classes note whether the message data was handed
  over without a reply (smtp_outcome), which tells an unknown outcome from a refused send.
"""

from __future__ import annotations

import email.utils
import importlib
import importlib.metadata
import re
import smtplib
import types
from typing import Any

import apprise.conversion
from apprise import NotifyFormat

from notifications.smtp_outcome import WatchedSMTP, WatchedSMTP_SSL, current

_BASE = "apprise.plugins.email.base"
_SMTP = "apprise.plugins.email.smtp"
# Each patched name, and what it must be until patched: the replacement assumes exactly that.
ORIGINALS: dict[str, object] = {
    f"{_BASE}.make_msgid": email.utils.make_msgid,
    f"{_BASE}.convert_between": apprise.conversion.convert_between,
    f"{_SMTP}.smtplib": smtplib,
}
# The e-mail plugin must send through the controller whose smtplib is replaced.
_CONTROLLER = (f"{_BASE}.AppriseSMTPController", f"{_SMTP}.AppriseSMTPController")
_MISSING = object()
# Set on every replacement, so that a patch already applied passes the check (a reload of this module included).
_MARK = "__grantflow_patch__"


def pinned(distribution: str) -> str:
    """The range of `distribution` grantflow is pinned to, as its package metadata states it."""
    requirements = importlib.metadata.requires("grantflow") or []
    return next((r for r in requirements if re.match(rf"{re.escape(distribution)}\b(?!-)", r)), distribution)


def _resolve(name: str) -> object:
    module, _, attribute = name.rpartition(".")
    return getattr(importlib.import_module(module), attribute, _MISSING)


def _changed(name: str, what: str) -> RuntimeError:
    version = importlib.metadata.version("apprise")
    return RuntimeError(f"apprise {version}: {name} {what}; notifications/apprise_patches.py is written for {pinned('apprise')}: review the patch")


def check() -> None:
    """Raises RuntimeError naming the first patched name the installed Apprise lacks or has changed."""
    for name, original in ORIGINALS.items():
        value = _resolve(name)
        if value is _MISSING:
            raise _changed(name, "is missing")
        if value is not original and not getattr(value, _MARK, False):
            raise _changed(name, f"is no longer {getattr(original, '__name__', original)}")
    base, smtp = (_resolve(name) for name in _CONTROLLER)
    if base is _MISSING or base is not smtp:
        raise _changed(_CONTROLLER[0], f"is missing or not {_CONTROLLER[1]}")


def _message_id(idstring: str | None = None, domain: str | None = None) -> str:
    message = current()
    return message.message_id if message is not None else email.utils.make_msgid(idstring, domain)


def _convert(from_format: Any, to_format: Any, content: str) -> str:
    message = current()
    convert = apprise.conversion.convert_between
    if (message is not None and from_format == NotifyFormat.HTML and to_format == NotifyFormat.TEXT
            and content == convert(NotifyFormat.TEXT, NotifyFormat.HTML, message.text)):
        return message.text
    return str(convert(from_format, to_format, content))


# smtplib as the controller sees it: the same module, with SMTP classes that watch the DATA phase.
_watched_smtplib = types.ModuleType("smtplib")
_watched_smtplib.__dict__.update(vars(smtplib))
_watched_smtplib.SMTP = WatchedSMTP  # type: ignore[attr-defined]
_watched_smtplib.SMTP_SSL = WatchedSMTP_SSL  # type: ignore[attr-defined]

_REPLACEMENTS: dict[str, object] = {
    f"{_BASE}.make_msgid": _message_id,
    f"{_BASE}.convert_between": _convert,
    f"{_SMTP}.smtplib": _watched_smtplib,
}
for _replacement in _REPLACEMENTS.values():
    setattr(_replacement, _MARK, True)


def apply() -> None:
    """Puts every patch in place; applying them again changes nothing."""
    check()
    for name, replacement in _REPLACEMENTS.items():
        module, _, attribute = name.rpartition(".")
        setattr(importlib.import_module(module), attribute, replacement)


check()
