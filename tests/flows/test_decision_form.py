"""The decision form reads amounts as files and options do, and names its own fields in a refusal."""

from decimal import Decimal

import pytest
from sqlalchemy.engine import Engine

from domain.errors import ValidationFailed
from flows.decision_form import DecisionForm, LineForm, decision_of, record_form
from tests.helpers import hel
from usecases import decision as usecase

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


def test_a_grant_without_its_period_is_refused_naming_the_forms_period_fields(undecided: Engine) -> None:
    with pytest.raises(ValidationFailed) as refused:
        record_form("soite-fsc-2020", form(1626897))
    assert [(p.field, p.rule) for p in refused.value.problems] == [("period_start, period_end", "a grant needs a grant period")]
    assert usecase.awaiting()[0].application_id == "soite-fsc-2020"  # nothing recorded


def test_a_rejection_needs_no_period() -> None:
    assert decision_of("soite-fsc-2020", form(0), AT).period is None


def test_the_form_shows_amounts_as_numbers_of_euros_and_the_period_as_dates() -> None:
    schema = DecisionForm.model_json_schema()
    granted, line = schema["properties"]["granted"], schema["$defs"]["LineForm"]["properties"]["granted"]
    assert granted["type"] == line["type"] == "number" and granted["minimum"] == line["minimum"] == 0
    assert [choice.get("format") for choice in schema["properties"]["period_start"]["anyOf"]] == ["date", None]
