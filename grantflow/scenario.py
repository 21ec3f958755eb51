"""Reading a scenario file (YAML): every problem reported with file, record and field, nothing guessed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from domain.errors import Problem, ValidationFailed
from domain.inputs import ScenarioInput

# Large enough for a whole country's applications in one file, small enough to refuse a wrong file fast.
MAX_BYTES = 200 * 1024 * 1024
SEED = Path(__file__).parent / "scenarios" / "seed.yaml"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_scenario(path: Path) -> ScenarioInput:
    """Parse and validate a scenario file; raises ValidationFailed listing every problem."""
    source = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ValidationFailed(source, [Problem("file", f"cannot be read: {exc.strerror}")], outcome="nothing was imported") from None
    if size > MAX_BYTES:
        raise ValidationFailed(source, [Problem("file", f"is {size:,} bytes; at most {MAX_BYTES:,} are accepted")], outcome="nothing was imported")
    return parse_scenario(path.read_bytes(), source=source)


def parse_scenario(data: bytes, *, source: str) -> ScenarioInput:
    def refuse(field: str, rule: str, record: str | None = None) -> ValidationFailed:
        return ValidationFailed(source, [Problem(field, rule, record=record)], outcome="nothing was imported")

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise refuse("file", f"is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})") from None
    try:
        raw = yaml.load(text, Loader=_LOADER)  # noqa: S506 (a safe loader, in C where available)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise refuse("file", f"is not valid YAML{where}: {getattr(exc, 'problem', None) or exc}") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise refuse("file", "must be a mapping with sections programmes, organisations, calls, applications, decisions")
    try:
        return ScenarioInput.model_validate(raw)
    except ValidationError as exc:
        raise ValidationFailed(source, [problem_of(error, raw) for error in exc.errors()], outcome="nothing was imported") from None


def problem_of(error: Any, raw: dict[str, Any]) -> Problem:
    """A pydantic error as `applications[2] soite-ru-2020` / `sub_areas[0].requested` / rule."""
    loc = list(error["loc"])
    record = None
    if len(loc) >= 2 and isinstance(loc[0], str) and isinstance(loc[1], int):
        section, index = loc[0], loc[1]
        record = f"{section}[{index}]"
        item = raw.get(section)
        if isinstance(item, list) and index < len(item) and isinstance(item[index], dict):
            ident = item[index].get("id") or item[index].get("application")
            if isinstance(ident, str):
                record += f" {ident}"
        loc = loc[2:]
    field = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".") or "record"
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "is not a known field"
    elif error["type"] == "missing":
        message = "is required"
    return Problem(field, message, record=record)
