"""Reading a scenario file (YAML): every problem reported with file, record and field, nothing guessed."""

from __future__ import annotations

import re
from collections.abc import Hashable
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import yaml
from pydantic import ValidationError

from domain.errors import GrantflowError, Problem, ValidationFailed
from domain.inputs import ScenarioInput, problem_of
from domain.money import PLAIN_DECIMAL

# Large enough for a whole country's applications in one file, small enough to refuse a wrong file fast.
MAX_BYTES = 200 * 1024 * 1024
SEED = Path(__file__).parent / "scenarios" / "seed.yaml"
_BASE: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_INT, _FLOAT, _TIMESTAMP = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:timestamp"
_NUMBER = "tag:grantflow.fi,2026:number"


class ScenarioLoader(_BASE):
    """YAML's safe loader (in C where available) that reads numbers and dates only as the format states them.

    YAML 1.1 would read `0x10000`, `0o17`, `017`, `1_000` and `1:30` as integers and `2026-02-30` as a
    date that fails inside the parser: numbers are plain decimals here and anything else stays text,
    and dates and times stay text for the input models to check with the record and field named. A key
    given twice in one mapping is recorded as a problem instead of the last value silently winning.
    """

    yaml_implicit_resolvers: ClassVar[dict[str | None, list[tuple[str, re.Pattern[str]]]]] = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_INT, _FLOAT, _TIMESTAMP)]
        for first, resolvers in _BASE.yaml_implicit_resolvers.items()
    }

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.problems: list[Problem] = []

    def construct_number(self, node: yaml.ScalarNode) -> int | Decimal | str:
        text = str(node.value)
        if not PLAIN_DECIMAL.fullmatch(text):
            return text  # an explicit !!int or !!float tag on something else: the input models refuse it by field
        return Decimal(text) if "." in text else int(text)

    def construct_text(self, node: yaml.ScalarNode) -> str:
        return str(node.value)

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict[Hashable, Any]:
        if not isinstance(node, yaml.MappingNode):
            return super().construct_mapping(node, deep=deep)
        stated = {id(key_node) for key_node, _ in node.value}
        self.flatten_mapping(node)  # merged (<<) keys come first; a key stated in the mapping itself overrides them
        mapping: dict[Hashable, Any] = {}
        key_nodes: dict[Hashable, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, Hashable):
                raise yaml.constructor.ConstructorError("while constructing a mapping", node.start_mark, "found unhashable key", key_node.start_mark)
            earlier = key_nodes.get(key)
            if earlier is not None and id(earlier) in stated and id(key_node) in stated:
                line = key_node.start_mark.line + 1
                self.problems.append(Problem(str(key), f"is given twice in one mapping (first at line {earlier.start_mark.line + 1}); "
                                                       "give each key once", record=f"line {line}"))
            key_nodes[key] = key_node
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


ScenarioLoader.add_implicit_resolver(_NUMBER, re.compile(rf"^{PLAIN_DECIMAL.pattern}\Z"), list("-0123456789"))
ScenarioLoader.add_constructor(_NUMBER, ScenarioLoader.construct_number)
ScenarioLoader.add_constructor(_INT, ScenarioLoader.construct_number)
ScenarioLoader.add_constructor(_FLOAT, ScenarioLoader.construct_number)
ScenarioLoader.add_constructor(_TIMESTAMP, ScenarioLoader.construct_text)
# Bytes would reach the text fields around their checks.
ScenarioLoader.add_constructor("tag:yaml.org,2002:binary", ScenarioLoader.construct_text)


def read_scenario(path: Path) -> ScenarioInput:
    """Parse and validate a scenario file; raises ValidationFailed listing every problem."""
    source = str(path)
    try:
        if path.is_dir():
            raise IsADirectoryError(21, "is a directory, not a file")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ValidationFailed(source, [Problem("file", f"is {size:,} bytes; at most {MAX_BYTES:,} are accepted")], outcome="nothing was imported")
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationFailed(source, [Problem("file", f"cannot be read: {exc.strerror}")], outcome="nothing was imported") from None
    return parse_scenario(data, source=source)


def parse_scenario(data: bytes, *, source: str) -> ScenarioInput:
    def refuse(field: str, rule: str, record: str | None = None) -> ValidationFailed:
        return ValidationFailed(source, [Problem(field, rule, record=record)], outcome="nothing was imported")

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise refuse("file", f"is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})") from None
    loader = ScenarioLoader(text)
    try:
        raw = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise refuse("file", f"is not valid YAML{where}: {getattr(exc, 'problem', None) or exc}") from None
    except RecursionError:
        raise refuse("file", "is nested too deeply to be a scenario") from None
    finally:
        loader.dispose()
    problems: list[GrantflowError] = list(loader.problems)
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise refuse("file", "must be a mapping with sections programmes, organisations, calls, applications, decisions")
    try:
        scenario = ScenarioInput.model_validate(raw)
    except ValidationError as exc:
        problems += [problem_of(error, raw) for error in exc.errors()]
    if problems:
        raise ValidationFailed(source, problems, outcome="nothing was imported")
    return scenario
