"""Operator alerts: one message to the operations channel, an Apprise URL of its own apart from the applicants' e-mail."""

from __future__ import annotations

import apprise
from apprise import AppriseAsset, NotifyFormat

from domain.redaction import redact, url_secrets
from notifications.headers import one_line

_ASSET = AppriseAsset(service_timeout=0)


def send_to_operators(url: str, title: str, body: str) -> str | None:
    """Send the alert; None when the channel took it, else why not (secrets masked)."""
    notifier = apprise.Apprise(asset=_ASSET)
    if not notifier.add(url):
        return "the operations channel URL (GRANTFLOW_OPS_URL) is not one Apprise can send to"
    logs: list[str] = []
    result = notifier.notify(title=one_line(title), body=body, body_format=NotifyFormat.TEXT)
    if result:
        return None
    for service in result:
        logs += [entry.message for entry in service.logs()]
    return redact(logs[-1] if logs else "the operations channel did not take the alert", url_secrets(url))
