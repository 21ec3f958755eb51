"""A decision from `grantflow decide`'s options: parsed into the same DecisionInput an import file gives."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import ValidationError

from domain.errors import Problem, ValidationFailed
from domain.inputs import DecisionInput
from domain.money import parse_euros
from grantflow.scenario import problem_of

OUTCOME = "nothing was recorded"


def _pairs(option: str, items: list[str], problems: list[Problem]) -> list[tuple[str, Decimal]]:
    pairs = []
    for index, item in enumerate(items):
        key, sep, amount = item.partition("=")
        try:
            if not sep or not key.strip():
                raise ValueError(f"{item!r} must be KEY=AMOUNT, e.g. 1=450000")
            pairs.append((key.strip(), parse_euros(amount)))
        except ValueError as exc:
            problems.append(Problem(f"{option}[{index}]", str(exc)))
    return pairs


def _period(text: str | None, problems: list[Problem]) -> dict[str, str] | None:
    """START..END; the dates themselves are checked by the decision's Period, like a scenario file's."""
    if text is None:
        return None
    start, sep, end = text.partition("..")
    if not sep:
        problems.append(Problem("--period", f"{text!r} must be START..END in ISO dates, e.g. 2020-07-01..2022-12-31"))
        return None
    return {"start": start.strip(), "end": end.strip()}


def validated(raw: dict[str, object]) -> tuple[DecisionInput | None, list[Problem]]:
    """A decision's raw fields as a DecisionInput, or the problems with its shape, named by field."""
    try:
        return DecisionInput.model_validate(raw), []
    except ValidationError as exc:
        return None, [problem_of(error, raw) for error in exc.errors()]


def decision_from_options(
    application: str,
    *,
    granted: str | None,
    rejected: bool,
    lines: list[str],
    shares: list[str],
    justification: str,
    period: str | None,
    decided_at: datetime,
    decided_by: str,
) -> DecisionInput:
    """Every problem with the options at once, named by option; the total defaults to the lines' sum."""
    record = f"decision for {application}"
    problems: list[Problem] = []
    parsed_lines = _pairs("--line", lines, problems)
    parsed_shares = _pairs("--share", shares, problems)
    total: Decimal | None = None
    if rejected and (granted is not None or parsed_lines or parsed_shares):
        problems.append(Problem("--rejected", "a rejection grants nothing: give no --granted, --line or --share"))
    elif rejected:
        total = Decimal(0)
    elif granted is not None:
        try:
            total = parse_euros(granted)
        except ValueError as exc:
            problems.append(Problem("--granted", str(exc)))
    elif parsed_lines:
        total = sum((amount for _, amount in parsed_lines), Decimal(0))
    else:
        problems.append(Problem("--granted", "give the granted total, lines per sub-area (--line N=AMOUNT) or --rejected"))
    raw: dict[str, object] = {
        "application": application,
        "granted": total if total is not None else Decimal(0),
        "lines": [{"sub_area": key, "granted": amount} for key, amount in parsed_lines],
        "shares": [{"organisation": key, "granted": amount} for key, amount in parsed_shares],
        "justification": justification,
        "period": _period(period, problems),
        "decided_at": decided_at,
        "decided_by": decided_by,
    }
    decision, shape = validated(raw)
    problems += shape
    if problems or decision is None:
        raise ValidationFailed(record, list(problems), outcome=OUTCOME)
    return decision
