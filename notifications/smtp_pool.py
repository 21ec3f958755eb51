"""An Apprise channel that keeps one SMTP connection per sending thread: `smtppool://user:password@host:port?from=…`.

Apprise's own e-mail plugin opens a connection for every message (about 65 messages a second here);
a sweep of thousands of reminders reuses connections instead. `starttls=yes` upgrades each connection.
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

from apprise.decorators import notify

SCHEME = "smtppool"
_log = logging.getLogger("apprise")
# Idle connections per server and user. Apprise runs each notify in a thread of its own, so the pool
# is shared between threads: a sender takes an idle connection, or opens one, and gives it back.
_idle: dict[tuple[str, int, str], list[smtplib.SMTP]] = {}
_lock = threading.Lock()


def _key(meta: dict[str, Any]) -> tuple[str, int, str]:
    return str(meta["host"]), int(meta.get("port") or 25), str(meta.get("user") or "")


def _take(meta: dict[str, Any]) -> smtplib.SMTP:
    with _lock:
        idle = _idle.get(_key(meta))
        if idle:
            return idle.pop()
    host, port, user = _key(meta)
    connection = smtplib.SMTP(host, port, timeout=30)
    if str(meta["qsd"].get("starttls", "no")).lower() in ("yes", "true", "1"):
        connection.starttls()
    if user:
        connection.login(unquote(user), unquote(str(meta.get("password") or "")))
    return connection


def _give_back(meta: dict[str, Any], connection: smtplib.SMTP) -> None:
    with _lock:
        _idle.setdefault(_key(meta), []).append(connection)


def _close(connection: smtplib.SMTP) -> None:
    try:
        connection.quit()
    except (smtplib.SMTPException, OSError):
        pass


@notify(on=SCHEME, name="SMTP with reused connections")
def send_pooled(body: str, title: str, notify_type: str, meta: dict[str, Any], *args: Any, **kwargs: Any) -> bool:
    query = meta["qsd"]
    message = EmailMessage()
    message["From"] = query.get("from", "grantflow@localhost")
    message["To"] = query["to"]
    message["Subject"] = title
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = f"<{query['msgid']}@grantflow>" if query.get("msgid") else make_msgid(domain="grantflow")
    message.set_content(body)
    for attempt in (1, 2):
        try:
            connection = _take(meta)
        except (smtplib.SMTPException, OSError) as exc:
            _log.warning("SMTP server %s:%s cannot be reached: %s", meta["host"], meta.get("port"), exc)
            return False
        try:
            connection.send_message(message)
        except (smtplib.SMTPServerDisconnected, ConnectionError) as exc:
            # An idle connection the server has closed: once more on a fresh one.
            _close(connection)
            if attempt == 2:
                _log.warning("SMTP server %s:%s closed the connection: %s", meta["host"], meta.get("port"), exc)
            continue
        except (smtplib.SMTPException, OSError) as exc:
            _close(connection)
            _log.warning("SMTP server %s:%s refused the message: %s", meta["host"], meta.get("port"), exc)
            return False
        _give_back(meta, connection)
        return True
    return False
