"""Folders grantflow keeps state in (a database's, a served server's, the demo's): made when missing, refused by name when they cannot be."""

from __future__ import annotations

import os
from pathlib import Path

from domain.errors import RuleViolation


def state_folder(path: Path, *, field: str, record: str | None = None) -> Path:
    """`path` as an existing folder grantflow can write in, made if missing; else a refusal naming `field`."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        reason = getattr(exc, "strerror", None) or str(exc)
        raise RuleViolation(field, f"the folder {path} cannot be created: {reason}", record=record) from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise RuleViolation(field, f"the folder {path} cannot be written to", record=record)
    return path
