"""What may go into a message header: one line of text, and exactly one address per recipient."""

from __future__ import annotations

import unicodedata

from domain.addresses import address_problem


def one_line(text: str) -> str:
    """`text` as one header line: every control character or line break a space, runs of whitespace one space."""
    kept = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in text)
    return " ".join(kept.split())


def single_address(text: str) -> str:
    """`text` if it is exactly one e-mail address; ValueError otherwise, so nothing is sent to any part of it."""
    if address_problem(text) is not None:
        raise ValueError(f"{text!r} is not exactly one e-mail address; the message is sent to no address")
    return text
