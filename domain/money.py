"""Money is kept exact: integer euro cents in storage, Decimal euros at the edges."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator

CENT = Decimal("0.01")
# Larger than any state budget; guards against typos such as an extra digit group.
MAX_EUROS = Decimal("100000000000")
# How YAML's plain numbers are recognised in a scenario file. No exponent, digit separator, leading zero, plus
# sign or other base: `0x10000`, `1e5`, `1_000`, `010` and `1:30` stay text, for parse_euros to refuse by rule.
PLAIN_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?", re.ASCII)

NOT_NEGATIVE = "must not be negative"
WHOLE_CENTS = "must have at most two decimals (whole cents)"
FORMS = "amounts are written 12000, 12000.50, 12000,50 or 12 000,50, optionally followed by €"
# Thousands are grouped by a space, a no-break space or a narrow no-break space (as Finnish formatting writes them).
_SPACE = "[ \u00a0\u202f]"
_AMOUNT = re.compile(
    rf"(?P<whole>0|[1-9][0-9]*|[1-9][0-9]{{0,2}}(?:{_SPACE}[0-9]{{3}})+)(?:[.,](?P<decimals>[0-9]+))?(?:{_SPACE}?€)?",
    re.ASCII,
)
_EXPONENT = re.compile(r"[0-9.,]\s*[eE]\s*[-+]?[0-9]")
# `1,000.50`, `1.000,50`, `1,000,000`: digit groups of three after a comma or a dot, read differently by different readers.
_POINT_GROUPS = re.compile(r"[0-9][.,][0-9]{3}(?:[.,][0-9]{3})*[.,][0-9]|[0-9]{1,3}(?:,[0-9]{3}){2,}|[0-9]{1,3}(?:\.[0-9]{3}){2,}")
_SPACE_BETWEEN_DIGITS = re.compile(rf"[0-9]{_SPACE}+[0-9]")
# Text shown back in a refusal is cut: a refused field may hold anything.
_SHOWN = 40


def _refused(text: str, reason: str, *, forms: bool = True) -> ValueError:
    shown = text if len(text) <= _SHOWN else text[:_SHOWN] + "…"
    return ValueError(f"{reason} (got {shown!r})" + (f"; {FORMS}" if forms else ""))


def _syntax_problem(text: str) -> str:
    """Why `text` is not written as an amount: the first rule it breaks."""
    if not text:
        return "must not be empty"
    if text[0] in "-\u2212":
        return NOT_NEGATIVE
    if _EXPONENT.search(text):
        return "must not have an exponent"
    if _POINT_GROUPS.search(text) or ("," in text and "." in text):
        return "must group thousands with spaces, not commas or dots"
    if _SPACE_BETWEEN_DIGITS.search(text):
        return "must group digits in threes from the decimal mark (12 000 000), with one space between groups"
    return "must be an amount of euros"


def exact_euros(value: Decimal) -> Decimal:
    """The rules every amount keeps, however it was written: finite, not negative, at most MAX_EUROS, whole cents."""
    if not value.is_finite():
        raise ValueError("must be a finite amount of euros")
    if value < 0:
        raise ValueError(NOT_NEGATIVE)
    if value > MAX_EUROS:
        raise ValueError(f"must be at most {MAX_EUROS} euros")
    if value != value.quantize(CENT):
        raise ValueError(WHOLE_CENTS)
    return value


def parse_euros(text: str) -> Decimal:
    """An amount of euros as people write it (`12 000,50 €`); ValueError naming the rule for anything else.

    The one reading of written amounts: scenario files, command options and the interactive form all use it.
    """
    stripped = text.strip(" \u00a0\u202f")
    match = _AMOUNT.fullmatch(stripped)
    if match is None:
        problem = _syntax_problem(stripped)
        raise _refused(text, problem, forms=problem != NOT_NEGATIVE)
    decimals = match["decimals"] or ""
    if len(decimals) > 2:
        hint = "; thousands are grouped with spaces, not commas or dots" if len(decimals) == 3 else ""
        raise _refused(text, WHOLE_CENTS + hint, forms=False)
    whole = re.sub(_SPACE, "", match["whole"])
    try:
        return exact_euros(Decimal(f"{whole}.{decimals}" if decimals else whole))
    except ValueError as exc:
        raise _refused(text, str(exc), forms=False) from None


def _euros_input(value: Any) -> Any:
    """Numbers are taken as they are; text is read by parse_euros, so `1e5` or `4 M€` is refused rather than guessed at."""
    if isinstance(value, str):
        return parse_euros(value)
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError(f"must be an amount of euros, a number or text; {FORMS}")
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


Euros = Annotated[Decimal, BeforeValidator(_euros_input), AfterValidator(exact_euros)]


def to_cents(euros: Decimal) -> int:
    """Whole cents of an exact euro amount."""
    return int((euros * 100).to_integral_exact())


def to_euros(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def euros_text(cents: int) -> str:
    """Euros with two decimals and nothing else (`2680000.00`): what other programs read, in JSON and CSV."""
    return str(to_euros(cents))
