"""E-mail addresses: one field, one address, nothing a mail library or Apprise could read as several or route elsewhere."""

from __future__ import annotations

import re

from domain.limits import EMAIL_LENGTH, EMAIL_LOCAL_LENGTH

# Dot-separated words of letters, digits, _ and - with at most one +tag (no spaces, commas, semicolons,
# quotes, angle brackets, % or !), and a domain of at most 11 letter-digit-hyphen labels ending in a
# top-level domain of letters, as Apprise reads one. An internationalised domain is written in its xn-- form.
_WORDS = r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*"
_ADDRESS = re.compile(
    rf"(?P<local>{_WORDS}(?:\+{_WORDS})?)@(?P<domain>(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.){{1,10}}[a-z]{{2,63}})",
    re.ASCII | re.IGNORECASE,
)


def address_problem(text: str) -> str | None:
    """Why `text` is not exactly one e-mail address, or None when it is one."""
    found = _ADDRESS.fullmatch(text)
    if found is None:
        return ("must be one e-mail address such as name@example.fi: letters, digits and . _ - before the @ (and one +tag "
                "at most), no spaces, commas, semicolons, quotes or angle brackets")
    if len(text) > EMAIL_LENGTH or len(found.group("local")) > EMAIL_LOCAL_LENGTH:
        return f"must be at most {EMAIL_LENGTH} characters, at most {EMAIL_LOCAL_LENGTH} of them before the @"
    return None
