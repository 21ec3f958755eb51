"""An Apprise channel that keeps one SMTP connection per sending thread: `smtppool://user:password@host:port?from=…`.

Apprise's own e-mail plugin opens a connection for every message (about 65 messages a second here);
a sweep of thousands of reminders reuses connections instead. `starttls=yes` upgrades each connection.
Messages are plain text.
"""

from __future__ import annotations

import logging
import smtplib
import threading
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any
from urllib.parse import unquote

from apprise import NotifyFormat
from apprise.decorators import notify

from notifications.headers import one_line, single_address
from notifications.smtp_outcome import WatchedSMTP

SCHEME = "smtppool"
_log = logging.getLogger("apprise")
# Idle connections per server and user. Apprise runs each notify in a thread of its own, so the pool
# is shared between threads: a sender takes an idle connection, or opens one, and gives it back.
_idle: dict[tuple[str, int, str], list[smtplib.SMTP]] = {}
_lock = threading.Lock()


def _key(meta: dict[str, Any]) -> tuple[str, int, str]:
    return str(meta["host"]), int(meta.get("port") or 25), str(meta.get("user") or "")


def _take(meta: dict[str, Any]) -> tuple[smtplib.SMTP, bool]:
    """A connection, and whether it was idle in the pool (the server may have closed it meanwhile)."""
    with _lock:
        idle = _idle.get(_key(meta))
        if idle:
            return idle.pop(), True
    host, port, user = _key(meta)
    connection = WatchedSMTP(host, port, timeout=30)
    if str(meta["qsd"].get("starttls", "no")).lower() in ("yes", "true", "1"):
        connection.starttls()
    if user:
        connection.login(unquote(user), unquote(str(meta.get("password") or "")))
    return connection, False


def _give_back(meta: dict[str, Any], connection: smtplib.SMTP) -> None:
    with _lock:
        _idle.setdefault(_key(meta), []).append(connection)


def _close(connection: smtplib.SMTP) -> None:
    try:
        connection.quit()
    except (smtplib.SMTPException, OSError):
        connection.close()


def _message(body: str, title: str, meta: dict[str, Any]) -> EmailMessage:
    query = meta["qsd"]
    message = EmailMessage()
    # Every header value is one line: a line break in a subject can neither cut nor add a header.
    message["From"] = one_line(str(query.get("from", "grantflow@localhost")))
    message["To"] = single_address(str(query.get("to", "")))
    message["Subject"] = one_line(title)
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = f"<{one_line(str(query['msgid']))}@grantflow>" if query.get("msgid") else make_msgid(domain="grantflow")
    message.set_content(body)
    return message


@notify(on=SCHEME, name="SMTP with reused connections", body_format=NotifyFormat.TEXT)
def send_pooled(body: str, title: str, notify_type: str, meta: dict[str, Any], *args: Any, **kwargs: Any) -> bool:
    where = f"{meta['host']}:{meta.get('port') or 25}"
    try:
        message = _message(body, title, meta)
    except ValueError as exc:
        _log.warning("The message cannot be sent: %s", exc)
        return False
    for _ in (1, 2):
        try:
            connection, reused = _take(meta)
        except (smtplib.SMTPException, OSError) as exc:
            _log.warning("SMTP server %s cannot be reached: %s", where, exc)
            return False
        try:
            connection.send_message(message)
        except (smtplib.SMTPServerDisconnected, ConnectionError) as exc:
            _close(connection)
            if getattr(connection, "unanswered", False):
                # The server has the data and its answer never came: only a copy could follow, never a retry here.
                _log.warning("SMTP server %s closed the connection before answering the message: it may have been delivered", where)
                return False
            if reused:
                continue  # an idle connection the server had closed, before any data went out: once more on a fresh one
            _log.warning("SMTP server %s closed the connection: %s", where, exc)
            return False
        except (smtplib.SMTPException, OSError) as exc:
            _close(connection)
            _log.warning("SMTP server %s refused the message: %s", where, exc)
            return False
        _give_back(meta, connection)
        return True
    return False
