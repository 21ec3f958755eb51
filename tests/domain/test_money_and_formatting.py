from datetime import date
from decimal import Decimal

import pytest
from pydantic import TypeAdapter, ValidationError

from domain.formatting import format_date, format_instant, format_money
from domain.model import Language
from domain.money import Euros, to_cents
from tests.helpers import hel

euros = TypeAdapter(Euros)


def test_amounts_are_formatted_the_finnish_way() -> None:
    assert format_money(162689700) == "1 626 897 €"
    assert format_money(162689750) == "1 626 897,50 €"
    assert format_money(268000000, Language.SV) == "2 680 000 €"
    assert format_money(268000000, Language.EN) == "€2,680,000"


def test_dates_and_times_are_formatted_in_helsinki_time() -> None:
    assert format_date(date(2020, 4, 30)) == "30.4.2020"
    assert format_instant(hel("2020-04-30 16:15")).startswith("30.4.2020 klo 16.15")
    assert format_instant(hel("2020-04-30 16:15"), Language.EN).startswith("30 April 2020 at 16:15 Helsinki time")


def test_an_amount_given_as_text_is_refused() -> None:
    with pytest.raises(ValidationError, match="must be a number of euros, not text"):
        euros.validate_python("4 M€")


@pytest.mark.parametrize(("value", "rule"), [(-1, "negative"), (1.001, "two decimals"), (10**12, "at most"), (True, "not text")])
def test_an_impossible_amount_is_refused(value: object, rule: str) -> None:
    with pytest.raises(ValidationError, match=rule):
        euros.validate_python(value)


def test_decimal_euros_become_exact_cents() -> None:
    assert to_cents(euros.validate_python(1626897.1)) == 162689710
    assert to_cents(Decimal("0.01")) == 1
