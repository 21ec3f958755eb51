"""The one reading of written amounts: every documented form of a value reads back as it, anything else is refused."""

from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from domain.formatting import format_money
from domain.model import Language
from domain.money import MAX_EUROS, Euros, parse_euros, to_cents, to_euros

SPACES = (" ", "\u00a0", "\u202f")
SUFFIXES = ("", "€", " €", "\u00a0€")
cents_values = st.integers(min_value=0, max_value=int(MAX_EUROS * 100))


def grouped(whole: int, space: str) -> str:
    return f"{whole:,}".replace(",", space)


def renderings(cents: int) -> set[str]:
    """Every documented way of writing `cents` as euros, with thousands grouped by a plain space."""
    whole, fraction = divmod(cents, 100)
    decimals = [f"{fraction:02d}"] + ([f"{fraction // 10}"] if fraction % 10 == 0 else []) + ([""] if fraction == 0 else [])
    numbers = {f"{digits}{mark}{tail}" if tail else digits for digits in (str(whole), grouped(whole, " ")) for tail in decimals for mark in ".,"}
    return {number + suffix for number in numbers for suffix in ("", "€", " €")}


@given(cents_values, st.sampled_from(SPACES), st.sampled_from(SUFFIXES))
def test_every_documented_rendering_reads_back_as_its_exact_value(cents: int, space: str, suffix: str) -> None:
    whole, fraction = divmod(cents, 100)
    written = [str(whole) if not fraction else f"{whole}.{fraction:02d}", f"{whole}.{fraction:02d}", f"{whole},{fraction:02d}",
               f"{grouped(whole, space)},{fraction:02d}"]
    for text in written:
        assert parse_euros(text + suffix) == to_euros(cents), text + suffix


@given(cents_values, st.sampled_from(list(Language)))
def test_an_amount_as_grantflow_shows_it_in_finnish_or_swedish_reads_back(cents: int, language: Language) -> None:
    if language != Language.EN:
        assert parse_euros(format_money(cents, language)) == to_euros(cents)


def canonical_forms(text: str) -> str:
    """The text with its surrounding spaces cut and every kind of space made plain, as `renderings` writes it."""
    stripped = text.strip("".join(SPACES))
    for space in SPACES[1:]:
        stripped = stripped.replace(space, " ")
    return stripped


amount_like = st.text(alphabet="0123456789 ,.€eE-+\u00a0\u202f_x", max_size=16)


@given(st.one_of(amount_like, st.text(max_size=20)))
@example("1,5e3")
@example("1,000.50")
@example("1.000,50")
@example("12 00,50")
@example("-0")
@example("0,001")
def test_any_text_is_either_refused_or_a_documented_rendering_of_the_value_read(text: str) -> None:
    try:
        value = parse_euros(text)
    except ValueError:
        return
    assert canonical_forms(text) in renderings(to_cents(value)), f"{text!r} read as {value}"


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("1,5e3", "must not have an exponent"),
        ("1e5", "must not have an exponent"),
        ("1,000.50", "must group thousands with spaces, not commas or dots"),
        ("1.000,50", "must group thousands with spaces, not commas or dots"),
        ("1,000,000", "must group thousands with spaces, not commas or dots"),
        ("1,000", "must have at most two decimals"),
        ("12 00", "must group digits in threes"),
        ("1 2000,50", "must group digits in threes"),
        ("-5", "must not be negative"),
        ("12000.505", "must have at most two decimals"),
        ("", "must not be empty"),
        ("4 M€", "must be an amount of euros"),
        ("017", "must be an amount of euros"),
        ("0x10000", "must be an amount of euros"),
        ("100 000 000 000,01", "must be at most 100000000000 euros"),
    ],
)
def test_a_refused_amount_names_the_rule_it_breaks(text: str, rule: str) -> None:
    with pytest.raises(ValueError, match=rule):
        parse_euros(text)


euros = TypeAdapter(Euros)


@pytest.mark.parametrize(
    ("given_as", "value"), [("12 000,50 €", Decimal("12000.50")), (12000, Decimal(12000)), (12000.5, Decimal("12000.5")), ("0", Decimal(0))]
)
def test_the_euros_field_takes_numbers_and_the_written_forms(given_as: object, value: Decimal) -> None:
    assert euros.validate_python(given_as) == value


def test_the_euros_field_refuses_text_by_the_parsers_rule() -> None:
    with pytest.raises(ValidationError, match="must not have an exponent"):
        euros.validate_python("1,5e3")
