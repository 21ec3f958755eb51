"""Delivery through Apprise: a fresh Apprise object per message, its per-service result kept, secrets masked."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from email.utils import make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import apprise
import apprise.plugins.email.base as apprise_email
from apprise.plugins.email.base import NotifyEmail
from pydantic import BaseModel

from domain.redaction import redact, url_secrets
from notifications import smtp_pool  # registers the smtppool:// channel with Apprise
from notifications.outbox import Notification

# Apprise gives every e-mail a fresh Message-ID. Each message gets one derived from its outbox key
# instead, so a copy resent after a crash carries the same id and mail systems can tell it is one.
# The id travels to Apprise's message builder as a header in the URL, which is taken out again.
_ID_HEADER = "x-grantflow-message-id"
_building = threading.local()
_prepare_emails = NotifyEmail.prepare_emails


def _message_id(idstring: str | None = None, domain: str | None = None) -> str:
    return getattr(_building, "message_id", None) or make_msgid(idstring, domain)


def _prepare_with_stable_id(*args: Any, headers: dict[str, str] | None = None, **kwargs: Any) -> Iterator[Any]:
    kept = {k: v for k, v in (headers or {}).items() if k.lower() != _ID_HEADER}
    wanted = next((v for k, v in (headers or {}).items() if k.lower() == _ID_HEADER), None)
    _building.message_id = f"<{wanted}@grantflow>" if wanted else None
    try:
        yield from _prepare_emails(*args, headers=kept, **kwargs)
    finally:
        _building.message_id = None


apprise_email.make_msgid = _message_id  # type: ignore[attr-defined]
NotifyEmail.prepare_emails = staticmethod(_prepare_with_stable_id)  # type: ignore[method-assign]


class Channels(BaseModel):
    """Where messages can go: the e-mail channel (an Apprise URL) and an Apprise config file of tagged channels."""

    email_url: str | None = None
    config: Path | None = None

    def secrets(self) -> list[str]:
        return url_secrets(self.email_url) if self.email_url else []


TAG_PREFIX = "tag:"


class Delivery(BaseModel):
    key: str
    ok: bool
    error: str | None = None
    message_id: str | None = None
    services: list[dict[str, Any]] = []


def _message_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def stable_message_id(key: str) -> str:
    return f"<{_message_hash(key)}@grantflow>"


def recipient_url(channel_url: str, recipient: str, key: str | None = None) -> str:
    """The channel URL addressed to one recipient (`to=` for e-mail channels), with the message's id."""
    parts = urlsplit(channel_url)
    if parts.scheme.startswith("mailto"):
        id_param = f"+{_ID_HEADER}"
    elif parts.scheme == smtp_pool.SCHEME:
        id_param = "msgid"
    else:
        return channel_url
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in ("to", id_param)] + [("to", recipient)]
    if key is not None:
        query.append((id_param, _message_hash(key)))
    return urlunsplit(parts._replace(query=urlencode(query)))


def send(notification: Notification, channels: Channels) -> Delivery:
    """One message through its own Apprise object: Apprise throttles repeated sends on a shared one."""
    secrets = channels.secrets()
    message_id = stable_message_id(notification.key)
    notifier = apprise.Apprise()
    tag: str | None = None
    if notification.recipient.startswith(TAG_PREFIX):
        if channels.config is None:
            return Delivery(key=notification.key, ok=False, error="no Apprise config file is set (GRANTFLOW_APPRISE_CONFIG) for tagged channels")
        config = apprise.AppriseConfig()
        config.add(str(channels.config))
        notifier.add(config)
        tag = notification.recipient.removeprefix(TAG_PREFIX)
    elif channels.email_url is None:
        return Delivery(key=notification.key, ok=False, error="no e-mail channel is set (GRANTFLOW_EMAIL_URL)")
    elif not notifier.add(recipient_url(channels.email_url, notification.recipient, notification.key)):
        return Delivery(key=notification.key, ok=False, error="the e-mail channel URL is not valid")
    outcome = notifier.notify(title=notification.subject, body=notification.body, tag=tag)
    services = [
        {
            "service": result.name,
            "status": getattr(result.status, "name", str(result.status)).lower(),
            "attempts": len(result.attempts),
            "seconds": round(result.elapsed, 3),
            "log": [redact(entry.message, secrets)[:300] for entry in result.logs()][-3:],
        }
        for result in outcome
    ]
    ok = bool(outcome) and bool(services)
    errors = [line for service in services for line in service["log"]]
    error = None if ok else (errors[-1] if errors else "delivery failed" if services else f"no channel in the config has the tag {tag!r}")
    return Delivery(key=notification.key, ok=ok, error=error, message_id=message_id, services=services)
