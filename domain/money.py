"""Money is kept exact: integer euro cents in storage, Decimal euros at the edges."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator

CENT = Decimal("0.01")
# Larger than any state budget; guards against typos such as an extra digit group.
MAX_EUROS = Decimal("100000000000")
# How an amount is written: a plain decimal number. No exponent, digit separator, leading zero, plus
# sign or other base: `0x10000`, `1e5`, `1_000`, `010` and `1:30` are refused, never read as numbers.
PLAIN_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?", re.ASCII)
PLAIN_DECIMAL_RULE = "must be a plain decimal number of euros such as 1626897 or 1626897.50"
# Text that a reader could take for a number in some notation (hex, exponent, separators, a time).
_NUMBER_LIKE = re.compile(r"[-+]?\.?[0-9][0-9a-z_.:+-]*", re.ASCII | re.IGNORECASE)


def _number_not_text(value: Any) -> Any:
    """Amounts are numbers in the input: text such as "4 M€" is refused rather than guessed at."""
    if isinstance(value, str) and _NUMBER_LIKE.fullmatch(value):
        raise ValueError(PLAIN_DECIMAL_RULE)
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError("must be a number of euros, not text")
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


def _exact_euros(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError("must be a finite amount of euros")
    if value < 0:
        raise ValueError("must not be negative")
    if value > MAX_EUROS:
        raise ValueError(f"must be at most {MAX_EUROS} euros")
    if value != value.quantize(CENT):
        raise ValueError("must have at most two decimals (whole cents)")
    return value


Euros = Annotated[Decimal, BeforeValidator(_number_not_text), AfterValidator(_exact_euros)]


def to_cents(euros: Decimal) -> int:
    """Whole cents of an exact euro amount."""
    return int((euros * 100).to_integral_exact())


def to_euros(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)
