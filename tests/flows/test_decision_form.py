"""The decision form reads amounts as files and options do."""

from decimal import Decimal

import pytest

from domain.errors import ValidationFailed
from flows.decision_form import DecisionForm, LineForm, decision_of
from tests.helpers import hel

AT = hel("2020-06-30 12:00")


def form(granted: object, *lines: object) -> DecisionForm:
    return DecisionForm(decided_by="Virtanen", granted=granted, lines=[LineForm(sub_area=i, granted=g) for i, g in enumerate(lines, 1)], justification="Hyvä.")


def test_the_form_takes_amounts_as_people_write_them_and_as_numbers() -> None:
    decision = decision_of("soite-ru-2020", form("2 680 000,50 €", 580000, "950000,50", Decimal("1150000")), AT)
    assert decision.granted == Decimal("2680000.50")
    assert [line.granted for line in decision.lines] == [Decimal(580000), Decimal("950000.50"), Decimal(1150000)]


def test_the_form_refuses_an_exponent_naming_the_field_and_the_rule() -> None:
    with pytest.raises(ValidationFailed) as refused:
        decision_of("soite-ru-2020", form("1,5e3", "1.000,50"), AT)
    shown = str(refused.value)
    assert "granted: must not have an exponent (got '1,5e3')" in shown
    assert "lines[0]: granted: must group thousands with spaces, not commas or dots (got '1.000,50')" in shown
