"""The flows answer to the database's clock: a deployment's stated instant is refused on the system clock, and
triggered runs state none of their own."""

import inspect
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, get_type_hints

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from domain import repository as repo
from domain.changes import PartDecision, PartInput
from domain.decision import record_decision
from domain.errors import RuleViolation
from domain.inputs import DecisionInput
from domain.model import ChangeKind, ChangeOutcome, Decision, DomainEvent, Stage
from domain.preparation import complete_duty
from domain.store import unit_of_work
from flows.deployments import read_deployments
from flows.submission import submission
from grantflow.mailsink import MailSink
from notifications.outbox import Notification
from tests.helpers import hel


def stored(engine: Engine) -> tuple[int, int, int]:
    with Session(engine) as session:
        return tuple(session.exec(select(func.count()).select_from(t)).one() for t in (DomainEvent, Notification, Decision))  # type: ignore[return-value]


async def test_the_submission_flow_with_an_instant_is_refused_on_a_system_clock_database_and_nothing_is_stored(system_clock: Engine) -> None:
    with unit_of_work(system_clock) as session:
        complete_duty(session, "soite-fsc-2020", "project-plan", at=datetime.now(UTC), actor="test")
    before = stored(system_clock)
    with pytest.raises(RuleViolation) as refused:
        await submission("soite-fsc-2020", at=hel("2020-04-30 16:00"))
    assert refused.value.field == "at" and "this database runs on the system clock" in refused.value.rule
    assert stored(system_clock) == before
    with Session(system_clock) as session:
        assert repo.application(session, "soite-fsc-2020").stage == Stage.PREPARATION


# The arguments a deployment's flow needs besides its instant, by parameter name.
REQUIRED = {"application_id": "soite-fsc-2020", "call_id": "fsc-2020", "reason": "merged with another", "kind": "project-plan",
            "due_at": datetime(2030, 1, 31, 14, 15, tzinfo=UTC), "parts": [PartInput(kind=ChangeKind.CONTENT, content="A new workshop series")],
            "change_id": 1, "part": 1, "decision": PartDecision(outcome=ChangeOutcome.REJECTED, justification="Not within the grant's aims")}


def _instant_parameters() -> list[tuple[str, str, Callable[..., Any]]]:
    """Every deployment whose flow takes the step's instant, with that parameter's name (a new deadline is data, not an instant of the step)."""
    found = []
    for spec in read_deployments():
        flow = spec.load_flow()
        hints = get_type_hints(flow.fn)
        for name in inspect.signature(flow.fn).parameters:
            if "datetime" in str(hints.get(name)) and name != "due_at":
                found.append((spec.name, name, flow))
    return found


@pytest.mark.parametrize(("deployment", "parameter", "flow"), _instant_parameters(), ids=lambda value: value if isinstance(value, str) else "")
async def test_every_deployments_stated_instant_is_refused_on_a_system_clock_database(
    system_clock: Engine, deployment: str, parameter: str, flow: Callable[..., Any]
) -> None:
    before = stored(system_clock)
    arguments = {name: REQUIRED[name] for name in inspect.signature(flow.fn).parameters if name in REQUIRED}  # type: ignore[attr-defined]
    with pytest.raises(RuleViolation) as refused:
        await flow(**arguments, **{parameter: hel("2020-04-30 16:00")})
    assert refused.value.field == parameter
    assert stored(system_clock) == before


def test_the_deployments_taking_an_instant_are_the_ones_known() -> None:
    assert sorted((d, p) for d, p, _ in _instant_parameters()) == [
        ("change-decision", "at"), ("change-submission", "at"),
        ("deadline-extension", "at"), ("decision", "at"), ("grant-acceptance", "at"), ("outbox-delivery", "now"), ("overdue-checks", "now"),
        ("preparation", "at"), ("reminder-sweep", "now"), ("review", "at"), ("startup", "at"), ("submission", "at"), ("withdrawal", "at"),
    ]


def test_no_trigger_states_an_instant() -> None:
    for spec in read_deployments():
        for trigger in spec.triggers:
            assert not {"at", "now"} & set(trigger.get("parameters", {})), spec.name


async def submission_artifact(application_id: str) -> str:
    async with get_client() as client:
        (artifact,) = await client.read_latest_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[f"submission-{application_id}"])))
    return str(artifact.data)


async def test_a_submission_on_the_system_clock_says_so_in_its_artifact(system_clock: Engine) -> None:
    with unit_of_work(system_clock) as session:
        complete_duty(session, "soite-fsc-2020", "project-plan", at=datetime.now(UTC), actor="test")
    result = await submission("soite-fsc-2020")
    assert result.accepted and result.replayed is False
    assert "Clock: the system clock." in await submission_artifact("soite-fsc-2020")


async def test_a_replayed_submission_says_so_in_its_artifact_with_when_it_was_written(seeded: Engine) -> None:
    with unit_of_work(seeded) as session:
        complete_duty(session, "soite-ru-2020", "project-plan", at=hel("2020-04-27 14:05"), actor="test")
    result = await submission("soite-ru-2020", at=hel("2020-04-30 16:14:59"))
    assert result.accepted and result.replayed is True and result.recorded_at is not None
    text = await submission_artifact("soite-ru-2020")
    assert "Submitted at 2020-04-30T16:14:59+03:00 (30.4.2020 klo 16.14.59 (Suomen aikaa))" in text
    assert f"Clock: replayed: the instant was stated on a replay database, not taken from the system clock, written {result.recorded_at.isoformat()}." in text


def until(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.1)


def test_a_decision_on_a_system_clock_database_is_applied_by_its_triggered_run_at_the_time_it_runs(
    system_clock_under_review: Engine, served: None, mail_sink: MailSink
) -> None:
    database = system_clock_under_review
    decision = DecisionInput(application="soite-fsc-2020", granted=1626897, justification="Täyttää kriteerit.",
                             period={"start": "2020-07-01", "end": "2022-12-31"}, decided_at=datetime.now(UTC), decided_by="STM")
    with unit_of_work(database) as session:
        record_decision(session, decision, at=datetime.now(UTC))
    recorded = datetime.now(UTC)

    def granted() -> bool:
        with Session(database) as session:
            return repo.application(session, "soite-fsc-2020").stage == Stage.GRANTED

    until(granted)
    with Session(database) as session:
        event = session.exec(select(DomainEvent).where(DomainEvent.name == "grantflow.application.granted")).one()
    assert event.replayed is False and event.occurred_at >= recorded


def test_a_decision_on_a_replay_database_is_applied_by_its_triggered_run_at_the_instant_the_replay_recorded_it(
    undecided: Engine, served: None, mail_sink: MailSink
) -> None:
    decision = DecisionInput(application="soite-fsc-2020", granted=1626897, justification="Täyttää kriteerit.",
                             period={"start": "2020-07-01", "end": "2022-12-31"}, decided_at=hel("2020-06-30 12:00"), decided_by="STM")
    with unit_of_work(undecided) as session:
        record_decision(session, decision, at=hel("2020-06-30 13:00"))

    def granted() -> bool:
        with Session(undecided) as session:
            return repo.application(session, "soite-fsc-2020").stage == Stage.GRANTED

    until(granted)
    with Session(undecided) as session:
        event = session.exec(select(DomainEvent).where(DomainEvent.name == "grantflow.application.granted")).one()
    assert event.replayed is True and event.occurred_at == hel("2020-06-30 13:00")
