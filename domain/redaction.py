"""Keeping secrets out of what is printed, logged or stored: passwords in URLs and known secret values."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

MASK = "***"
# scheme://user:password@host -> scheme://user:***@host, whatever the scheme.
_USERINFO = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^:/@\s]*):(?P<password>[^@\s/]+)@", re.IGNORECASE)


def url_secrets(url: str) -> list[str]:
    """What in a URL must never be shown: the whole URL (tokens can live anywhere in it) and its password."""
    secrets = [url]
    try:
        password = urlsplit(url).password
    except ValueError:
        password = None
    if password:
        secrets += [password, unquote(password)]
        # An unencoded @ in the password: a parser that splits at the first @ takes the part before it for
        # the password and the rest for the host, and prints that in its errors: each part is a secret too,
        # the tail alone and with the host.
        host = url.rsplit("@", 1)[1].split("/", 1)[0].split("?", 1)[0]
        hosts = {host, host.rsplit(":", 1)[0]}
        for index, char in enumerate(password):
            if char == "@":
                tail = password[index + 1 :]
                secrets += [password[:index], tail, *(f"{tail}@{h}" for h in hosts)]
    return secrets


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every known secret and every password in a URL replaced by ***."""
    # Longest first, so a URL is masked whole before its password is.
    for secret in sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return _USERINFO.sub(rf"\g<head>:{MASK}@", text)
