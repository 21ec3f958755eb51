"""`grantflow decide`: a decision validated and stored with its event, or refused with nothing stored."""

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from domain.limits import ACTOR_LENGTH
from domain.model import Decision, DecisionLine, DomainEvent
from grantflow.cli import app

runner = CliRunner()
RU = ["decide", "soite-ru-2020", "--line", "1=580000", "--line", "2=950 000", "--line", "3=1150000",
      "--justification", "Tavoitteet ja toimenpiteet on kuvattu hyvin.", "--period", "2020-07-01..2022-12-31",
      "--decided-at", "2020-06-30T12:00", "--decided-by", "STM"]


def stored(engine: Engine) -> tuple[list[Decision], list[DomainEvent]]:
    with Session(engine) as session:
        return list(session.exec(select(Decision))), list(session.exec(select(DomainEvent).where(DomainEvent.name == "grantflow.decision.recorded")))


def test_decide_without_a_server_records_the_decision_and_applies_it_at_once_saying_so(undecided: Engine) -> None:
    result = runner.invoke(app, RU)
    assert result.exit_code == 0, result.output
    assert "Decision for soite-ru-2020 recorded: partial, 2 680 000 €" in result.output
    assert "Applied (no server is running, so it is applied now): stage partially granted" in result.output
    (decision,), (event,) = stored(undecided)
    assert decision.granted_cents == 268_000_000 and decision.applied_at is not None
    assert event.relayed_at is None and event.payload["outcome"] == "partial"
    with Session(undecided) as session:
        assert sorted(line.granted_cents for line in session.exec(select(DecisionLine))) == [58_000_000, 95_000_000, 115_000_000]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"1=580000": "1=1600000"}, "lines[1].granted: 1 600 000 € exceeds the requested 800 000 €"),
        ({}, None),
        ({"2020-07-01..2022-12-31": "2020-07-01..2024-12-31"}, "period: 1.7.2020–31.12.2024 is outside the programme's period"),
    ],
)
def test_an_invalid_decision_is_refused_naming_the_rule_and_nothing_is_stored(undecided: Engine, change: dict[str, str], message: str | None) -> None:
    args = [change.get(arg, arg) for arg in RU]
    if message is None:  # the lines do not sum to the given total
        args += ["--granted", "2700000"]
        message = "lines: lines sum to 2 680 000 €, not the granted total 2 700 000 €"
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert message in result.output, result.output
    assert "Traceback" not in result.output
    assert stored(undecided) == ([], [])


def test_malformed_options_are_each_named(undecided: Engine) -> None:
    result = runner.invoke(app, ["decide", "soite-ru-2020", "--line", "1:580000", "--granted", "paljon", "--period", "2020", "--justification", "x"])
    assert result.exit_code == 1
    for expected in ("--line[0]: '1:580000' must be KEY=AMOUNT", "--granted: must be an amount of euros (got 'paljon')", "--period: '2020' must be START..END"):
        assert expected in result.output
    assert stored(undecided) == ([], [])


def test_amounts_that_are_not_written_forms_are_refused_naming_the_option_and_rule(undecided: Engine) -> None:
    args = ["decide", "soite-ru-2020", "--granted", "1,5e3", "--line", "1=1,000.50", "--line", "2=95 00", "--share", "soite=-5", "--justification", "x"]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    for expected in ("--granted: must not have an exponent (got '1,5e3')", "--line[0]: must group thousands with spaces, not commas or dots (got '1,000.50')",
                     "--line[1]: must group digits in threes", "--share[0]: must not be negative (got '-5')"):
        assert expected in result.output, result.output
    assert stored(undecided) == ([], [])


def test_amounts_in_the_written_forms_are_read_exactly(undecided: Engine) -> None:
    args = [{"1=580000": "1=580 000,00 €", "3=1150000": "3=1150000.00"}.get(arg, arg) for arg in RU] + ["--granted", "2\u00a0680\u00a0000 €"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert stored(undecided)[0][0].granted_cents == 268_000_000


def test_a_second_decision_on_the_same_application_is_refused(undecided: Engine) -> None:
    assert runner.invoke(app, RU).exit_code == 0
    again = runner.invoke(app, RU)
    assert again.exit_code == 1 and "already has a decision" in again.output
    assert len(stored(undecided)[0]) == 1


def test_who_decided_is_at_most_as_long_as_the_column_on_every_backend(undecided: Engine) -> None:
    too_long = runner.invoke(app, [*RU[:-1], "x" * (ACTOR_LENGTH + 1)])
    assert too_long.exit_code == 1
    assert f"  - decided_by: String should have at most {ACTOR_LENGTH} characters" in too_long.output
    assert "Traceback" not in too_long.output and stored(undecided) == ([], [])
    longest = runner.invoke(app, [*RU[:-1], "x" * ACTOR_LENGTH])
    assert longest.exit_code == 0, longest.output
    assert stored(undecided)[0][0].decided_by == "x" * ACTOR_LENGTH


def test_a_line_break_in_who_decided_is_refused_and_one_in_the_justification_kept(undecided: Engine) -> None:
    broken = runner.invoke(app, [*RU[:-1], "STM\r\nBcc: x@evil.example"])
    assert broken.exit_code == 1 and "decided_by: must be one line without control characters" in broken.output
    justified = [*RU]
    justified[justified.index("--justification") + 1] = "Tavoitteet kuvattu hyvin.\r\nVaikutukset uskottavia."
    assert runner.invoke(app, justified).exit_code == 0
    assert stored(undecided)[0][0].justification == "Tavoitteet kuvattu hyvin.\nVaikutukset uskottavia."


def test_decide_refuses_an_application_never_submitted_naming_its_stage(seeded: Engine) -> None:
    result = runner.invoke(app, [*RU[:1], "lappi-ru-2020", "--granted", "3000000", "--justification", "x", "--period", "2020-07-01..2022-12-31"])
    assert result.exit_code == 1
    assert "stage: the application is in preparation, never submitted" in result.output, result.output
    with Session(seeded) as session:
        assert session.exec(select(Decision).where(Decision.application_id == "lappi-ru-2020")).all() == []
