"""The reminder schedule over a window agrees with the sweeps: what it lists between two instants is what a sweep adds."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session

from domain.importing import import_scenario
from domain.store import unit_of_work
from grantflow.scenario import parse_scenario
from notifications.reminders import ReminderPlan, plan_reminders, scheduled_reminders
from tests.conftest import IMPORTED_AT
from tests.helpers import hel

# Deadlines beside the seed's: working-day and odd-hour policies, no overdue notice or no escalation, due
# across both DST changes, Easter, Christmas and New Year, and a multi-region project's report.
VARIED = {
    "programmes": [{"id": "kokeilu", "name": "Kokeilu", "period": {"start": "2020-01-01", "end": "2022-12-31"}}],
    "calls": [
        {"id": "arki-2021", "programme": "kokeilu", "name": "Arkipäivähaku", "deadline": "2021-01-04T16:15:00", "state_share_percent": 80,
         "appropriation": 1000000, "officer": "valtionavustukset@stm.example",
         "reminders": {"offsets": [10, 3, 1], "days": "working", "send_at": "07:30", "overdue_after": 3, "escalate_to_officer": False}},
        {"id": "yo-2020", "programme": "kokeilu", "name": "Yöhaku", "deadline": "2020-10-26T08:00:00", "state_share_percent": 80,
         "appropriation": 1000000, "officer": "valtionavustukset@stm.example",
         "reminders": {"offsets": [30, 3, 2], "send_at": "00:00", "overdue_after": None}},
    ],
    "applications": [
        {"id": "lappi-arki", "call": "arki-2021", "applicant": "lappi", "title": "Arkihanke", "total_cost": 1000, "requested": 800,
         "documents": [
             {"kind": "project-plan", "title": "Hankesuunnitelma", "phase": "submission", "due": "2020-12-28T12:00:00"},
             {"kind": "budget", "title": "Talousarvio", "phase": "follow_up", "due": "2020-04-14T16:15:00"},
             {"kind": "evaluation-plan", "title": "Arviointisuunnitelma", "phase": "follow_up", "due": "2020-03-30T09:00:00"},
         ]},
        {"id": "yhteinen-yo", "call": "yo-2020", "applicant": "soite", "title": "Yhteinen yöhanke", "total_cost": 1000, "requested": 800,
         "participants": [{"organisation": "soite", "requested": 500}, {"organisation": "ppshp", "requested": 300}],
         "documents": [
             {"kind": "project-plan", "title": "Hankesuunnitelma", "phase": "submission", "due": "2020-10-27T16:15:00"},
             {"kind": "interim-report", "title": "Väliraportti", "phase": "reporting", "due": "2020-11-03T16:15:00"},
         ]},
    ],
}


@pytest.fixture
def varied(seeded: Engine) -> Iterator[Session]:
    with unit_of_work(seeded) as session:
        scenario = parse_scenario(yaml.safe_dump(VARIED).encode(), source="kokeilu.yaml")
        import_scenario(session, scenario, source="kokeilu.yaml", at=IMPORTED_AT, actor="test")
    with Session(seeded) as session:
        yield session


def planned_keys(plan: ReminderPlan) -> set[str]:
    """Every row a sweep puts in the outbox: the reminders it sends and those it records as skipped."""
    return {m.key for m in plan.to_send + plan.skipped}


def listed_keys(session: Session, after: datetime, until: datetime) -> set[str]:
    return {key for reminder in scheduled_reminders(session, after, until) for key in reminder.keys()}


FIRST, LAST = datetime(2020, 2, 1, tzinfo=UTC), datetime(2021, 2, 15, tzinfo=UTC)
def instants(session: Session) -> st.SearchStrategy[datetime]:
    """Any instant, and often a slot's own instant or a microsecond either side of it, where (after, until] shows its edges."""
    slots = sorted({r.slot.send_at.astimezone(UTC) for r in scheduled_reminders(session, FIRST, LAST)})
    edges = st.builds(lambda instant, step: instant + timedelta(microseconds=step), st.sampled_from(slots), st.sampled_from([-1, 0, 1]))
    return st.one_of(st.datetimes(min_value=FIRST.replace(tzinfo=None), max_value=LAST.replace(tzinfo=None), timezones=st.just(UTC)), edges)


def test_the_schedule_between_two_sweeps_is_what_the_later_sweep_adds_to_the_outbox(varied: Session) -> None:
    # Sweeps run every working day: at most a long weekend (Easter, Christmas) apart.
    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(first=instants(varied), gap=st.one_of(st.timedeltas(timedelta(0), timedelta(days=7)), st.just(timedelta(0))))
    def check(first: datetime, gap: timedelta) -> None:
        later = first + gap
        assert listed_keys(varied, first, later) == planned_keys(plan_reminders(varied, later)) - planned_keys(plan_reminders(varied, first))

    check()


def test_the_schedule_lists_each_slot_with_its_recipients_in_their_languages(varied: Session) -> None:
    listed = scheduled_reminders(varied, hel("2020-04-15 12:00"), hel("2020-04-16 12:00"))
    soite = [r for r in listed if r.application_id == "soite-ru-2020"]
    assert {r.deadline.kind for r in soite} == {"call", "duty"} and {r.slot.name for r in soite} == {"14d"}
    assert {(t.address, t.language.value) for t in soite[0].recipients} == {
        ("kehittamispaallikko@soite.example", "fi"), ("toimialuejohtaja@soite.example", "fi"), ("kommunikation@soite.example", "sv"),
    }
    assert {r.slot.send_at for r in listed} == {hel("2020-04-16 09:00")}


def test_an_overdue_notice_is_listed_with_the_officer_only_where_the_policy_escalates(varied: Session) -> None:
    overdue = [r for r in scheduled_reminders(varied, hel("2020-03-30 12:00"), hel("2021-01-31 12:00")) if r.slot.name == "overdue"]
    escalated = {r.application_id for r in overdue if "valtionavustukset@stm.example" in {t.address for t in r.recipients}}
    assert "lappi-fsc-2020" in escalated and "lappi-arki" not in escalated
    assert "lappi-arki" in {r.application_id for r in overdue} and "yhteinen-yo" not in {r.application_id for r in overdue}


def test_a_slot_that_a_weekend_moves_onto_a_later_slots_instant_is_listed_as_superseded(varied: Session) -> None:
    # Due Tuesday 27.10.2020: 3 and 2 days before are Saturday and Sunday, both moved to Friday 23.10. 00:00.
    friday = [r for r in scheduled_reminders(varied, hel("2020-10-22 12:00"), hel("2020-10-24 12:00")) if r.application_id == "yhteinen-yo"]
    assert {(r.slot.name, r.superseded) for r in friday if r.deadline.kind == "duty"} == {("3d", True), ("2d", False)}
