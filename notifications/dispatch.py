"""Delivery through Apprise: a fresh Apprise object per message, its outcome and per-service result kept, secrets masked."""

from __future__ import annotations

import hashlib
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import apprise
from apprise import AppriseAsset, NotifyFormat
from pydantic import BaseModel

from domain.redaction import redact, url_secrets
from notifications import apprise_patches, smtp_pool  # smtp_pool registers smtppool:// as it is imported
from notifications.headers import one_line, single_address
from notifications.smtp_outcome import MessageSend, sending

# Apprise stops waiting for a service after its timeout while the send goes on in the background, so
# an outcome reported then is not the real one. Without it, notify returns once the send has ended;
# each SMTP step has its own socket timeout.
_ASSET = AppriseAsset(service_timeout=0)
_EMAIL_SCHEMES = ("mailto", "mailtos", smtp_pool.SCHEME)


class Channels(BaseModel):
    """Where messages can go: the e-mail channel (an Apprise URL) and an Apprise config file of tagged channels."""

    email_url: str | None = None
    config: Path | None = None

    def secrets(self) -> list[str]:
        return url_secrets(self.email_url) if self.email_url else []


TAG_PREFIX = "tag:"


class Outcome(StrEnum):
    SENT = "sent"
    # Nothing was handed over: safe to send again later.
    NOT_SENT = "not sent"
    # The message data was handed over and no answer came: it may have been delivered.
    UNKNOWN = "unknown"
    # It can never be sent as it is (a recipient that is not one address): never tried again.
    INVALID = "invalid"


class Delivery(BaseModel):
    key: str
    outcome: Outcome
    error: str | None = None
    message_id: str | None = None
    services: list[dict[str, Any]] = []
    # Sent, but an earlier copy in the same send may also have arrived.
    in_doubt: bool = False

    @property
    def ok(self) -> bool:
        return self.outcome == Outcome.SENT


def _message_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def stable_message_id(key: str) -> str:
    return f"<{_message_hash(key)}@grantflow>"


def recipient_url(channel_url: str, recipient: str, key: str | None = None) -> str:
    """The e-mail channel URL addressed to one recipient (`to=`), with the message's id for smtppool.

    Apprise's own retries (`retry=`) are taken out: after an unknown outcome it would send again at
    once, unflagged; the outbox retries instead and tells an unknown outcome from a refusal.
    """
    parts = urlsplit(channel_url)
    if parts.scheme not in _EMAIL_SCHEMES:
        return channel_url
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in ("to", "msgid", "retry")] + [("to", recipient)]
    if key is not None and parts.scheme == smtp_pool.SCHEME:
        query.append(("msgid", _message_hash(key)))
    return urlunsplit(parts._replace(query=urlencode(query)))


class Message(Protocol):
    """What a send needs of an outbox row: its key, recipient, subject and body."""

    @property
    def key(self) -> str: ...
    @property
    def recipient(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def body(self) -> str: ...


def send(notification: Message, channels: Channels) -> Delivery:
    """One message through its own Apprise object: Apprise throttles repeated sends on a shared one."""
    apprise_patches.apply()
    secrets = channels.secrets()
    message_id = stable_message_id(notification.key)

    def refused(error: str, outcome: Outcome = Outcome.NOT_SENT) -> Delivery:
        return Delivery(key=notification.key, outcome=outcome, error=error, message_id=message_id)

    notifier = apprise.Apprise(asset=_ASSET)
    tag: str | None = None
    email = False
    if notification.recipient.startswith(TAG_PREFIX):
        if channels.config is None:
            return refused("no Apprise config file is set (GRANTFLOW_APPRISE_CONFIG) for tagged channels")
        config = apprise.AppriseConfig(asset=_ASSET)
        config.add(str(channels.config))
        notifier.add(config)
        tag = notification.recipient.removeprefix(TAG_PREFIX)
    elif channels.email_url is None:
        return refused("no e-mail channel is set (GRANTFLOW_EMAIL_URL)")
    else:
        try:
            address = single_address(notification.recipient)
        except ValueError as exc:
            return refused(f"recipient: {exc}", Outcome.INVALID)
        if not notifier.add(recipient_url(channels.email_url, address, notification.key)):
            return refused("the e-mail channel URL is not valid")
        email = urlsplit(channels.email_url).scheme in _EMAIL_SCHEMES
    with sending(MessageSend(message_id=message_id, text=notification.body)) as watched:
        result = notifier.notify(title=one_line(notification.subject), body=notification.body, tag=tag, body_format=NotifyFormat.TEXT)
    services: list[dict[str, Any]] = [
        {
            "service": service.name,
            "status": getattr(service.status, "name", str(service.status)).lower(),
            "attempts": len(service.attempts),
            "seconds": round(service.elapsed, 3),
            "log": [redact(entry.message, secrets)[:300] for entry in service.logs()][-3:],
        }
        for service in result
    ]
    ok = bool(result) and bool(services)
    if ok and email and watched.transactions == 0:
        raise RuntimeError("an e-mail went out without the SMTP watch of notifications/apprise_patches.py: the patch no longer applies")
    errors = [line for service in services for line in service["log"]]
    error = None if ok else (errors[-1] if errors else "delivery failed" if services else f"no channel in the config has the tag {tag!r}")
    if watched.unanswered:
        error = "the server took the message data but its answer never came: the message may have been delivered"
        outcome = Outcome.SENT if ok else Outcome.UNKNOWN
    else:
        outcome = Outcome.SENT if ok else Outcome.NOT_SENT
    return Delivery(key=notification.key, outcome=outcome, error=error, message_id=message_id, services=services,
                    in_doubt=watched.unanswered)
