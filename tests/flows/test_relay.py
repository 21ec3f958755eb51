from datetime import UTC, datetime

from prefect.client.orchestration import PrefectClient, get_client
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from domain.model import DomainEvent
from domain.preparation import complete_duty
from domain.store import unit_of_work
from flows.relay import BATCH, prefect_event, relay_all
from grantflow.mailsink import free_port
from tests.helpers import hel, under_review
from usecases.relay import pending_events


def test_a_domain_event_becomes_a_prefect_event_on_the_application_with_call_applicant_and_amounts(seeded: Engine) -> None:
    with unit_of_work(seeded) as session:
        under_review(session, "soite-ru-2020")
    (row, app), *_ = [(r, a) for r, a in pending_events(BATCH) if r.name == "grantflow.application.submitted" and a.id == "soite-ru-2020"]
    event = prefect_event(row, app, datetime(2026, 1, 1, tzinfo=UTC))
    assert event.id == row.event_id and event.event == "grantflow.application.submitted"
    assert event.resource.id == "grantflow.application.soite-ru-2020"
    assert {(r.role, r.id) for r in event.related} == {("call", "grantflow.call.ru-2020"), ("applicant", "grantflow.organisation.soite")}
    assert event.payload["requested_cents"] == 367_914_900 and event.payload["to_stage"] == "submitted"
    assert datetime.fromisoformat(event.payload["occurred_at"]) == hel("2020-04-30 12:00")


def test_a_relayed_event_says_its_instant_was_replayed_and_when_it_was_really_written(seeded: Engine) -> None:
    before = datetime.now(UTC)
    with unit_of_work(seeded) as session:
        complete_duty(session, "soite-ru-2020", "project-plan", at=hel("2020-04-20 09:00"), actor="test")
    (row, app), = [(r, a) for r, a in pending_events(BATCH) if r.name == "grantflow.duty.completed"]
    payload = prefect_event(row, app, datetime.now(UTC)).payload
    assert payload["replayed"] is True
    assert datetime.fromisoformat(payload["occurred_at"]) == hel("2020-04-20 09:00")
    assert before <= datetime.fromisoformat(payload["recorded_at"]) <= datetime.now(UTC)


def test_a_relayed_event_on_the_system_clock_says_its_instant_was_not_replayed(system_clock: Engine) -> None:
    with unit_of_work(system_clock) as session:
        complete_duty(session, "soite-ru-2020", "project-plan", at=datetime.now(UTC), actor="test")
    (row, app), = [(r, a) for r, a in pending_events(BATCH) if r.name == "grantflow.duty.completed"]
    assert prefect_event(row, app, datetime.now(UTC)).payload["replayed"] is False


def test_a_delivered_duty_names_its_kind_as_a_related_resource(seeded: Engine) -> None:
    with unit_of_work(seeded) as session:
        complete_duty(session, "soite-ru-2020", "project-plan", at=hel("2020-04-20 09:00"), actor="test")
    (row, app), = [(r, a) for r, a in pending_events(BATCH) if r.name == "grantflow.duty.completed"]
    assert ("duty", "grantflow.duty.project-plan") in {(r.role, r.id) for r in prefect_event(row, app, datetime.now(UTC)).related}


async def test_events_stay_unrelayed_while_the_api_is_unreachable_and_go_once_it_answers(seeded: Engine) -> None:
    with unit_of_work(seeded) as session:
        under_review(session, "soite-ru-2020")
    written = len(pending_events(BATCH))  # the plan delivered, submitted, under review
    async with PrefectClient(api=f"http://127.0.0.1:{free_port()}/api") as away:
        report = await relay_all(away)
    assert report.relayed == 0 and report.error and report.waiting == written >= 3
    async with get_client() as client:
        report = await relay_all(client)
    assert report.relayed == written and report.waiting == 0 and report.error is None
    with Session(seeded) as session:
        assert session.exec(select(DomainEvent).where(col(DomainEvent.relayed_at).is_(None))).all() == []


def test_a_relayed_grant_carries_its_amounts_in_euros_and_the_applications_title(seeded: Engine) -> None:
    from domain.decision import apply_decision

    with unit_of_work(seeded) as session:
        under_review(session, "soite-ru-2020")
        apply_decision(session, "soite-ru-2020", at=hel("2020-06-30 14:00"), actor="test")
    (row, app), = [(r, a) for r, a in pending_events(BATCH) if r.name == "grantflow.application.granted"]
    payload = prefect_event(row, app, datetime.now(UTC)).payload
    assert (payload["granted"], payload["requested"]) == ("2680000.00", "3679149.00")
    assert (payload["granted_cents"], payload["requested_cents"]) == (268_000_000, 367_914_900)  # what other consumers read
    assert payload["title"] == app.title and app.title
