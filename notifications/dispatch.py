"""Delivery through Apprise: a fresh Apprise object per message, bounded concurrency, results per message."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import apprise
from pydantic import BaseModel

from domain.redaction import redact, url_secrets
from notifications.outbox import Notification


class Delivery(BaseModel):
    key: str
    ok: bool
    error: str | None = None


def recipient_url(channel_url: str, recipient: str) -> str:
    """The channel URL addressed to one recipient (`to=` for e-mail channels)."""
    parts = urlsplit(channel_url)
    if not parts.scheme.startswith("mailto"):
        return channel_url
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "to"] + [("to", recipient)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def send(notification: Notification, channel_url: str) -> Delivery:
    """One message through its own Apprise object: Apprise throttles repeated sends on a shared one."""
    notifier = apprise.Apprise()
    with apprise.LogCapture(level=logging.WARNING) as log:
        if not notifier.add(recipient_url(channel_url, notification.recipient)):
            return Delivery(key=notification.key, ok=False, error="the notification channel URL is not valid")
        ok = bool(notifier.notify(title=notification.subject, body=notification.body))
        error = None if ok else redact(_last_line(log.getvalue()) or "delivery failed", url_secrets(channel_url))
    return Delivery(key=notification.key, ok=ok, error=error)


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:500] if lines else ""


def send_all(notifications: list[Notification], channel_url: str, *, concurrency: int = 8) -> list[Delivery]:
    if not notifications:
        return []
    with ThreadPoolExecutor(max_workers=min(concurrency, len(notifications))) as pool:
        return list(pool.map(lambda n: send(n, channel_url), notifications))
