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
_threads = threading.local()
_log = logging.getLogger("apprise")


def _connection(meta: dict[str, Any], fresh: bool = False) -> smtplib.SMTP:
    pool: dict[tuple[str, int, str], smtplib.SMTP] = _threads.__dict__.setdefault("pool", {})
    key = (str(meta["host"]), int(meta.get("port") or 25), str(meta.get("user") or ""))
    if fresh and key in pool:
        _close(pool.pop(key))
    if key not in pool:
        connection = smtplib.SMTP(key[0], key[1], timeout=30)
        if str(meta["qsd"].get("starttls", "no")).lower() in ("yes", "true", "1"):
            connection.starttls()
        if meta.get("user"):
            connection.login(unquote(str(meta["user"])), unquote(str(meta.get("password") or "")))
        pool[key] = connection
    return pool[key]


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
            _connection(meta, fresh=attempt == 2).send_message(message)
            return True
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError) as exc:
            # A connection the server closed since the last message: one fresh try.
            if attempt == 2:
                _log.warning("SMTP server %s:%s cannot be reached: %s", meta["host"], meta.get("port"), exc)
        except (smtplib.SMTPException, OSError) as exc:
            _log.warning("SMTP server %s:%s refused the message: %s", meta["host"], meta.get("port"), exc)
            _threads.__dict__.get("pool", {}).clear()
            return False
    return False
