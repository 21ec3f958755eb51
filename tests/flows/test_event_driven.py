"""Decisions recorded, relayed to a real Prefect server, and applied by the flows its triggers start."""

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName, LogFilter, LogFilterFlowRunId
from prefect.client.schemas.objects import FlowRun, Log
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from domain import repository as repo
from domain.decision import record_decision
from domain.inputs import DecisionInput
from domain.model import Decision, DomainEvent, Stage
from domain.preparation import complete_duty
from domain.store import unit_of_work
from grantflow.mailsink import MailSink
from grantflow.prefect_server import PrefectServer
from grantflow.scenario import SEED, read_scenario
from notifications.outbox import Notification
from tests.helpers import hel, under_review

# Tests marked sqlite_only exercise Prefect's side (triggers, forms); the PostgreSQL pass keeps
# the ones where grantflow's own database work differs: relaying, applying once, the outage.
SEED_DECISIONS = {d.application: d for d in read_scenario(SEED).decisions}


def decide(engine: Engine, decision: DecisionInput) -> None:
    with unit_of_work(engine) as session:
        record_decision(session, decision, at=datetime.now(UTC))


def until(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.1)


def stage(engine: Engine, application_id: str) -> Stage:
    with Session(engine) as session:
        return repo.application(session, application_id).stage


@pytest.fixture(autouse=True)
def _test_started() -> None:
    global STARTED
    STARTED = datetime.now(UTC)


STARTED = datetime.now(UTC)


def runs_named(name: str) -> list[FlowRun]:
    """This test's runs of that name: the server is shared by the session."""
    async def read() -> list[FlowRun]:
        async with get_client() as client:
            return await client.read_flow_runs(flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[name])))

    return [run for run in asyncio.run(read()) if run.created is not None and run.created >= STARTED]


def completed(name: str, count: int = 1) -> Callable[[], bool]:
    return lambda: sum(1 for run in runs_named(name) if run.state and run.state.is_completed()) >= count


def mails_to(sink: MailSink, address: str, subject_start: str) -> list[str]:
    return [m.subject for m in sink.mails if address in m.recipients and m.subject.startswith(subject_start)]


def test_a_recorded_partial_grant_is_applied_by_the_triggered_decision_flow_and_startup_follows(
    undecided: Engine, served: None, mail_sink: MailSink
) -> None:
    decide(undecided, SEED_DECISIONS["soite-ru-2020"])
    until(lambda: stage(undecided, "soite-ru-2020") == Stage.PARTIALLY_GRANTED)
    until(completed("decision/soite-ru-2020"))
    until(completed("startup/soite-ru-2020"))
    run = runs_named("decision/soite-ru-2020")[0]
    assert {"call:ru-2020", "applicant:soite"} <= set(run.tags)
    with Session(undecided) as session:
        decision = repo.decision_of(session, "soite-ru-2020")
        assert decision is not None and decision.applied_at is not None
        assert {d.kind for d in repo.duties(session, "soite-ru-2020") if d.phase.value == "startup"} >= {"grant-acceptance", "revised-plan"}
    until(lambda: bool(mails_to(mail_sink, "toimialuejohtaja@soite.example", "Valtionavustus myönnetty osittain")))


@pytest.mark.sqlite_only
def test_a_full_grant_starts_the_project_once_its_acceptance_is_delivered(undecided: Engine, served: None, mail_sink: MailSink) -> None:
    decide(undecided, SEED_DECISIONS["soite-fsc-2020"])
    until(lambda: stage(undecided, "soite-fsc-2020") == Stage.GRANTED)
    until(completed("startup/soite-fsc-2020"))
    assert stage(undecided, "soite-fsc-2020") == Stage.GRANTED  # the acceptance is still owed
    with unit_of_work(undecided) as session:
        complete_duty(session, "soite-fsc-2020", "grant-acceptance", at=hel("2020-08-10 10:00"), actor="test")
    until(lambda: stage(undecided, "soite-fsc-2020") == Stage.STARTED)
    until(completed("startup/soite-fsc-2020", 2))


@pytest.mark.sqlite_only
def test_a_rejection_is_applied_and_no_startup_follows(undecided: Engine, served: None, mail_sink: MailSink) -> None:
    rejection = DecisionInput(application="soite-fsc-2020", granted=0, justification="Ei täytä kriteereitä.",
                              decided_at=hel("2020-06-30 12:00"), decided_by="STM")
    decide(undecided, rejection)
    until(lambda: stage(undecided, "soite-fsc-2020") == Stage.REJECTED)
    until(completed("decision/soite-fsc-2020"))
    # A grant recorded after the rejection does start its start-up; its events are relayed and seen by
    # the triggers after the rejection's, so once that start-up has run, one for the rejection would have too.
    decide(undecided, SEED_DECISIONS["soite-ru-2020"])
    until(completed("startup/soite-ru-2020"))
    assert runs_named("startup/soite-fsc-2020") == []


def test_the_same_decision_event_twice_applies_the_decision_once_with_one_notification(
    undecided: Engine, served: None, mail_sink: MailSink
) -> None:
    decide(undecided, SEED_DECISIONS["soite-ru-2020"])
    until(completed("decision/soite-ru-2020"))
    until(lambda: len(mails_to(mail_sink, "toimialuejohtaja@soite.example", "Valtionavustus myönnetty osittain")) == 1)
    # The same event again, as a relay that crashed before marking it would send it (a new id, so Prefect does not drop it).
    with Session(undecided) as session:
        row = session.exec(select(DomainEvent).where(DomainEvent.name == "grantflow.decision.recorded")).one()
        row.event_id, row.relayed_at = uuid.uuid4(), None
        session.add(row)
        session.commit()
    until(completed("decision/soite-ru-2020", 2))
    with Session(undecided) as session:
        notices = session.exec(select(Notification).where(col(Notification.key).startswith("decision:soite-ru-2020:"))).all()
        events = session.exec(select(DomainEvent).where(DomainEvent.name == "grantflow.application.granted")).all()
    assert len(events) == 1
    assert len(notices) == len({n.recipient for n in notices})
    # A run hands its mail to the SMTP server before it completes: whatever the second run sent has arrived.
    assert len(mails_to(mail_sink, "toimialuejohtaja@soite.example", "Valtionavustus myönnetty osittain")) == 1


def test_decisions_recorded_while_the_prefect_server_is_down_are_relayed_and_applied_after_restart(
    undecided: Engine, served: None, prefect_server: PrefectServer, mail_sink: MailSink
) -> None:
    prefect_server.stop()
    try:
        decide(undecided, SEED_DECISIONS["soite-ru-2020"])
        decide(undecided, SEED_DECISIONS["soite-fsc-2020"])
        time.sleep(1.5)
        with Session(undecided) as session:
            assert session.exec(select(DomainEvent).where(col(DomainEvent.relayed_at).is_(None))).all()
        assert stage(undecided, "soite-ru-2020") == Stage.UNDER_REVIEW
    finally:
        prefect_server.start()
    until(lambda: stage(undecided, "soite-ru-2020") == Stage.PARTIALLY_GRANTED, timeout=60)
    until(lambda: stage(undecided, "soite-fsc-2020") == Stage.GRANTED, timeout=60)
    with Session(undecided) as session:
        assert session.exec(select(Decision).where(col(Decision.applied_at).is_(None))).all() == []


def start_interactive(application_id: str | None) -> uuid.UUID:
    async def create() -> uuid.UUID:
        async with get_client() as client:
            deployment = await client.read_deployment_by_name("decision-form/decision-form")
            parameters = {"application_id": application_id} if application_id else {}
            run = await client.create_flow_run_from_deployment(deployment.id, parameters=parameters)
            return run.id

    return asyncio.run(create())


def run_state(run_id: uuid.UUID) -> FlowRun:
    async def read() -> FlowRun:
        async with get_client() as client:
            return await client.read_flow_run(run_id)

    return asyncio.run(read())


def resume(run_id: uuid.UUID, form: dict[str, object]) -> None:
    async def post() -> None:
        async with get_client() as client:
            result = await client.resume_flow_run(run_id, run_input=form)
            assert result.status.value == "ACCEPT", result

    asyncio.run(post())


def waiting_for_input(run_id: uuid.UUID, pause_key: str) -> Callable[[], bool]:
    def check() -> bool:
        state = run_state(run_id).state
        return state is not None and state.is_paused() and state.state_details.pause_key == pause_key

    return check


RU_FORM = {
    "decided_by": "Ylitarkastaja Virtanen",
    "granted": 2680000,
    "lines": [{"sub_area": 1, "granted": 580000}, {"sub_area": 2, "granted": 950000}, {"sub_area": 3, "granted": 1150000}],
    "justification": "Tavoitteet ja toimenpiteet on kuvattu hyvin.",
    "period_start": "2020-07-01",
    "period_end": "2022-12-31",
}


@pytest.mark.sqlite_only
def test_the_decision_form_waits_for_the_form_refuses_a_bad_one_and_records_a_good_one(
    undecided: Engine, served: None, mail_sink: MailSink
) -> None:
    run_id = start_interactive("soite-ru-2020")
    until(waiting_for_input(run_id, "decision-form-1"))
    resume(run_id, {**RU_FORM, "lines": [{"sub_area": 1, "granted": 1600000}, *RU_FORM["lines"][1:]]})  # type: ignore[index]
    until(waiting_for_input(run_id, "decision-form-2"))  # refused: it asks again
    with Session(undecided) as session:
        assert session.exec(select(Decision)).all() == []
    resume(run_id, RU_FORM)
    until(lambda: bool(run_state(run_id).state and run_state(run_id).state.is_completed()))  # type: ignore[union-attr]
    assert "entered-by:Ylitarkastaja Virtanen" in run_state(run_id).tags
    with Session(undecided) as session:
        decision = session.exec(select(Decision)).one()
    assert decision.decided_by == "Ylitarkastaja Virtanen" and decision.granted_cents == 268_000_000
    until(lambda: stage(undecided, "soite-ru-2020") == Stage.PARTIALLY_GRANTED)  # the recorded event starts the decision flow


def test_an_imported_decision_waits_for_its_application_to_be_reviewed_then_is_applied_in_its_deciders_name(
    seeded: Engine, served: None, mail_sink: MailSink
) -> None:
    until(completed("decision/soite-ru-2020"))  # the import's decision.recorded: nothing to apply yet
    assert stage(seeded, "soite-ru-2020") == Stage.PREPARATION
    with unit_of_work(seeded) as session:
        under_review(session, "soite-ru-2020", reviewed="2020-07-01 08:00")  # after the decision of 30.6.2020
    until(lambda: stage(seeded, "soite-ru-2020") == Stage.PARTIALLY_GRANTED)
    with Session(seeded) as session:
        granted = session.exec(select(DomainEvent).where(DomainEvent.name == "grantflow.application.granted")).one()
    assert (granted.occurred_at, granted.actor) == (hel("2020-07-01 08:00"), "Sosiaali- ja terveysministeriö")


def logs_of(run_id: uuid.UUID, containing: str) -> list[Log]:
    async def read() -> list[Log]:
        async with get_client() as client:
            return await client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])))

    return [log for log in asyncio.run(read()) if containing in log.message]


def form_schema(run_id: uuid.UUID, pause_key: str) -> dict[str, Any]:
    """The form the UI shows a suspended run with: the schema stored with the run's suspension."""
    async def read() -> dict[str, Any]:
        async with get_client() as client:
            return json.loads(await client.read_flow_run_input(run_id, f"suspended-{pause_key}-schema"))

    return asyncio.run(read())


@pytest.mark.sqlite_only
def test_a_resumed_form_run_tells_each_refusal_once_and_logs_its_suspensions_as_waits_not_errors(
    undecided: Engine, served: None, mail_sink: MailSink
) -> None:
    run_id = start_interactive("soite-ru-2020")
    until(waiting_for_input(run_id, "decision-form-1"))
    resume(run_id, {**RU_FORM, "period_start": None, "period_end": None})  # a grant without its period
    until(waiting_for_input(run_id, "decision-form-2"))
    resume(run_id, {**RU_FORM, "granted": 2680000.07})  # cents the server takes, a total the lines do not make
    until(waiting_for_input(run_id, "decision-form-3"))
    until(lambda: len(logs_of(run_id, "Finished in state Suspended")) == 3)
    refusals = [log.message for log in logs_of(run_id, "refused, waiting for a corrected one")]
    assert [message.split(",")[0] for message in refusals] == ["Form 1 refused", "Form 2 refused"]
    assert "period_start, period_end: a grant needs a grant period" in refusals[0]
    assert "lines: " in refusals[1]
    assert {log.level for log in logs_of(run_id, "Finished in state Suspended")} == {logging.INFO}
    assert [log for log in logs_of(run_id, "") if log.level >= logging.ERROR and "refused" not in log.message] == []


@pytest.mark.sqlite_only
def test_a_form_run_without_an_application_offers_those_awaiting_a_decision_then_their_form(
    undecided: Engine, served: None, mail_sink: MailSink
) -> None:
    run_id = start_interactive(None)
    until(waiting_for_input(run_id, "choose-application"))
    assert form_schema(run_id, "choose-application")["properties"]["application_id"]["enum"] == ["soite-fsc-2020", "soite-ru-2020"]
    resume(run_id, {"application_id": "soite-ru-2020"})
    until(waiting_for_input(run_id, "decision-form-1"))
    assert run_state(run_id).name == "decision-form/soite-ru-2020"
    form = form_schema(run_id, "decision-form-1")["properties"]
    assert form["granted"]["type"] == "number" and form["period_start"]["anyOf"][0]["format"] == "date"
