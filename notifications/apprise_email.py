"""The one place where Apprise's e-mail plugin is patched; importing it fails when what it patches is gone.

Three names of `apprise.plugins.email` are replaced, each for the message being sent (smtp_outcome.current()):
- `make_msgid`: the message's own Message-ID, derived from its outbox key, so a copy resent after an
  unknown outcome carries the same id and mail systems can tell it is one message;
- `convert_between`: the plain-text part of an HTML e-mail is the message's own text, not a lossy
  conversion back from the HTML Apprise made of it;
- `smtplib` as the SMTP controller sees it: its SMTP classes note whether the message data was handed
  over without a reply (smtp_outcome), which tells an unknown outcome from a refused send.
"""

from __future__ import annotations

import email.utils
import smtplib
import types
from typing import Any

import apprise.conversion
import apprise.plugins.email.base as email_base
import apprise.plugins.email.smtp as email_smtp
from apprise import NotifyFormat

from notifications.smtp_outcome import WatchedSMTP, WatchedSMTP_SSL, current


def _require(condition: bool, what: str) -> None:
    if not condition:
        raise ImportError(f"Apprise's e-mail plugin has changed ({what}); notifications/apprise_email.py must be updated before mail is sent")


_require(getattr(email_base, "make_msgid", None) is email.utils.make_msgid, "apprise.plugins.email.base.make_msgid")
_require(getattr(email_base, "convert_between", None) is apprise.conversion.convert_between, "apprise.plugins.email.base.convert_between")
_require(getattr(email_smtp, "smtplib", None) is smtplib, "apprise.plugins.email.smtp.smtplib")
_require(getattr(email_base, "AppriseSMTPController", None) is getattr(email_smtp, "AppriseSMTPController", object()),
         "NotifyEmail sends through apprise.plugins.email.smtp.AppriseSMTPController")

_make_msgid = email_base.make_msgid
_convert_between = email_base.convert_between


def _message_id(idstring: str | None = None, domain: str | None = None) -> str:
    message = current()
    return message.message_id if message is not None else _make_msgid(idstring, domain)


def _convert(from_format: Any, to_format: Any, content: str) -> str:
    message = current()
    if (message is not None and from_format == NotifyFormat.HTML and to_format == NotifyFormat.TEXT
            and content == _convert_between(NotifyFormat.TEXT, NotifyFormat.HTML, message.text)):
        return message.text
    return str(_convert_between(from_format, to_format, content))


# smtplib as the controller sees it: the same module, with SMTP classes that watch the DATA phase.
_watched_smtplib = types.ModuleType("smtplib")
_watched_smtplib.__dict__.update(vars(smtplib))
_watched_smtplib.SMTP = WatchedSMTP  # type: ignore[attr-defined]
_watched_smtplib.SMTP_SSL = WatchedSMTP_SSL  # type: ignore[attr-defined]

email_base.make_msgid = _message_id
email_base.convert_between = _convert
email_smtp.smtplib = _watched_smtplib
