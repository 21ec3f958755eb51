from pathlib import Path

import pytest
import yaml
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from domain.errors import ValidationFailed
from domain.importing import import_into, import_scenario
from domain.model import (
    Application,
    Call,
    DecisionLine,
    Duty,
    Participant,
    Stage,
    Workshop,
)
from domain.store import unit_of_work
from grantflow.scenario import SEED, parse_scenario
from tests.conftest import IMPORTED_AT
from tests.helpers import hel, submit_seed


def seed_with(change: callable) -> bytes:  # type: ignore[valid-type]
    data = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    change(data)
    return yaml.safe_dump(data, allow_unicode=True).encode("utf-8")


def import_bytes(engine: Engine, data: bytes) -> None:
    scenario = parse_scenario(data, source="bad.yaml")
    with unit_of_work(engine) as session:
        import_scenario(session, scenario, source="bad.yaml", at=IMPORTED_AT, actor="test")


def row_count(engine: Engine) -> int:
    with Session(engine) as session:
        return sum(session.exec(select(func.count()).select_from(table)).one() for table in (Application, Call, Duty, DecisionLine))


def test_the_seed_holds_every_quoted_figure(session: Session) -> None:
    soite_ru = session.get(Application, "soite-ru-2020")
    assert soite_ru is not None and soite_ru.requested_cents == 367914900
    lines = session.exec(select(DecisionLine.granted_cents)).all()
    assert sorted(lines) == [58000000, 95000000, 115000000]
    workshops = session.exec(select(Workshop).where(Workshop.application_id == "lappi-fsc-2020").order_by(Workshop.number)).all()
    assert [(w.held_on.isoformat(), w.place, w.participants) for w in workshops] == [
        ("2020-01-29", "Rovaniemi", 139),
        ("2020-02-17", "Rovaniemi", 158),
        ("2020-02-27", "Kemi", 108),
        ("2020-03-19", None, 70),
    ]
    ot = session.exec(select(Participant).where(Participant.organisation_id == "soite")).one()
    assert (ot.application_id, ot.requested_cents) == ("ot-2020", 36500000)
    assert session.get(Call, "ru-2020").deadline_at == hel("2020-04-30 16:15")  # type: ignore[union-attr]


def test_a_may_document_due_on_a_sunday_moves_to_monday(session: Session) -> None:
    duty = session.exec(select(Duty).where(Duty.application_id == "lappi-fsc-2020", Duty.kind == "evaluation-plan")).one()
    assert duty.due_at == hel("2020-06-01 16:15")


def bad_amount(data: dict) -> None:  # type: ignore[type-arg]
    data["applications"][3]["requested"] = "3,679,149"


def bad_line(data: dict) -> None:  # type: ignore[type-arg]
    data["decisions"][1]["lines"][0]["granted"] = 900000
    data["decisions"][1]["lines"][1]["granted"] = 630000


def bad_deadline(data: dict) -> None:  # type: ignore[type-arg]
    data["calls"][1]["deadline"] = "2026-03-29T03:30:00"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (bad_amount, "applications[3] soite-ru-2020: requested: must group thousands with spaces, not commas or dots"),
        (bad_line, "decisions[1] soite-ru-2020: lines[1].granted: 900 000 € exceeds the requested 800 000 €"),
        (bad_deadline, "calls[1] ru-2020: deadline: 29.03.2026 03:30 does not exist in Helsinki"),
    ],
)
def test_a_bad_scenario_is_refused_naming_record_and_field_and_nothing_is_imported(engine: Engine, change: callable, expected: str) -> None:  # type: ignore[valid-type]
    with pytest.raises(ValidationFailed) as refused:
        import_bytes(engine, seed_with(change))
    assert expected in str(refused.value)
    assert "bad.yaml" in str(refused.value)
    assert row_count(engine) == 0


def test_importing_the_same_scenario_twice_is_refused_and_leaves_the_first(seeded: Engine) -> None:
    before = row_count(seeded)
    with pytest.raises(ValidationFailed, match="already exists in the database"):
        import_bytes(seeded, SEED.read_bytes())
    assert row_count(seeded) == before


def test_unknown_references_are_all_reported_at_once(engine: Engine) -> None:
    def change(data: dict) -> None:  # type: ignore[type-arg]
        data["applications"][0]["call"] = "no-such-call"
        data["applications"][1]["applicant"] = "nobody"

    with pytest.raises(ValidationFailed) as refused:
        import_bytes(engine, seed_with(change))
    messages = [p.message for p in refused.value.problems]
    assert any("lappi-fsc-2020: call: no call 'no-such-call'" in m for m in messages)
    assert any("lappi-ru-2020: applicant: no organisation 'nobody'" in m for m in messages)


def test_file_level_problems_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed, match="is not UTF-8 text"):
        parse_scenario(b"calls: [\xff]", source="latin.yaml")
    with pytest.raises(ValidationFailed, match=r"is not valid YAML at line \d+, column \d+"):
        parse_scenario(b"calls: [", source="broken.yaml")
    with pytest.raises(ValidationFailed, match="calls\\[0\\]: colour: is not a known field"):
        parse_scenario(b"calls: [{colour: red}]", source="odd.yaml")


def test_an_import_reports_its_progress_through_checking_and_storing(engine: Engine) -> None:
    seen: dict[str, tuple[int, int]] = {}
    with unit_of_work(engine) as session:
        import_scenario(
            session, parse_scenario(SEED.read_bytes(), source="seed.yaml"), source="seed.yaml", at=IMPORTED_AT, actor="test",
            progress=lambda phase, done, total: seen.__setitem__(phase, (done, total)),
        )
    assert seen["checking"] == (6, 6)
    assert seen["storing application"] == (6, 6)
    assert seen["storing subarea"] == (11, 11)


def test_a_bad_reminder_policy_in_a_call_is_refused_naming_record_and_field(engine: Engine) -> None:
    def change(data: dict) -> None:  # type: ignore[type-arg]
        data["calls"][0]["reminders"] = {"offsets": [14, 0], "send_at": "09:00"}

    with pytest.raises(ValidationFailed, match=r"calls\[0\] fsc-2020: reminders.offsets: each offset is a number of days from 1 to 365"):
        import_bytes(engine, seed_with(change))
    assert row_count(engine) == 0


def test_an_import_that_loses_a_race_names_the_records_the_winner_stored_and_stores_nothing(engine: Engine) -> None:
    data = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    winner = parse_scenario(yaml.safe_dump({**data, "decisions": []}, allow_unicode=True).encode(), source="winner.yaml")
    loser = parse_scenario(yaml.safe_dump({**data, "applications": [], "decisions": []}, allow_unicode=True).encode(), source="loser.yaml")
    raced: list[str] = []

    def winner_stores_between_the_checks_and_the_inserts(phase: str, done: int, total: int) -> None:
        if phase == "checking" and done == total and not raced:
            raced.append(phase)
            import_into(engine, winner, source="winner.yaml", at=IMPORTED_AT, actor="test")

    with pytest.raises(ValidationFailed) as refused:
        import_into(engine, loser, source="loser.yaml", at=IMPORTED_AT, actor="test", progress=winner_stores_between_the_checks_and_the_inserts)
    assert raced
    assert "programmes[0] sote-2020: id: 'sote-2020' already exists in the database" in [p.message for p in refused.value.problems]
    assert str(refused.value).startswith("loser.yaml: ")
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Application)).one() == 6  # the winner's, and nothing of the loser's


def lead_takes_no_share(data: dict) -> None:  # type: ignore[type-arg]
    ot = next(a for a in data["applications"] if a["id"] == "ot-2020")
    ot["participants"] = [{"organisation": "soite", "requested": 365000}, {"organisation": "lappi", "requested": 1235000}]
    data["decisions"] = [d for d in data["decisions"] if d["application"] != "ot-2020"]


def test_a_multi_region_project_whose_lead_takes_no_share_is_imported_and_submitted(engine: Engine) -> None:
    import_bytes(engine, seed_with(lead_takes_no_share))
    with unit_of_work(engine) as session:
        submit_seed(session, "ot-2020")
        assert session.get(Application, "ot-2020").stage == Stage.SUBMITTED  # type: ignore[union-attr]
        listed = session.exec(select(Participant.organisation_id).where(Participant.application_id == "ot-2020")).all()
    assert sorted(listed) == ["lappi", "soite"]
