import json
import time
from uuid import UUID

import pytest
from prefect.client.orchestration import get_client
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from domain import repository as repo
from domain.model import Stage
from domain.store import unit_of_work
from flows.decision import decision
from flows.preparation import preparation
from flows.runtime import settled
from flows.startup import startup
from flows.submission import review, submission
from grantflow.mailsink import MailSink, free_port
from notifications.outbox import DeliveryStatus, Notification
from tests.helpers import hel


def wait_for(sink: MailSink, count: int) -> None:
    deadline = time.monotonic() + 5
    while len(sink.mails) < count and time.monotonic() < deadline:
        time.sleep(0.02)


async def flow_run(run_id: UUID) -> tuple[str, set[str]]:
    async with get_client() as client:
        run = await client.read_flow_run(run_id)
    return run.name, set(run.tags)


def stage(engine: Engine, application_id: str) -> Stage:
    with Session(engine) as session:
        return repo.application(session, application_id).stage


async def test_submission_flow_submits_and_the_receipt_arrives_by_email(seeded: Engine, mail_sink: MailSink) -> None:
    await preparation("soite-fsc-2020", deliver=["project-plan"], at=hel("2020-04-27 14:00"))
    state = await submission("soite-fsc-2020", at=hel("2020-04-30 15:40"), return_state=True)
    result = await state.result()
    assert result.accepted
    assert stage(seeded, "soite-fsc-2020") == Stage.SUBMITTED
    wait_for(mail_sink, 3)
    assert sorted(r for m in mail_sink.mails for r in m.recipients) == [
        "kehittamispaallikko@soite.example",
        "kommunikation@soite.example",
        "toimialuejohtaja@soite.example",
        "valtionavustukset@stm.example",
    ]
    name, tags = await flow_run(state.state_details.flow_run_id)
    assert name == "submit/soite-fsc-2020"
    assert {"call:fsc-2020", "applicant:soite"} <= tags


async def test_a_late_submission_is_refused_its_run_fails_as_refused_and_nothing_is_sent_or_stored(seeded: Engine, mail_sink: MailSink) -> None:
    state = await submission("esimerkki-ru-2020", at=hel("2020-04-30 16:15:00"), return_state=True)
    assert state.is_failed() and state.name == "Refused" and "closed at 30.4.2020 klo 16.15" in (state.message or "")
    result = await settled(submission("esimerkki-ru-2020", at=hel("2020-04-30 16:15:00"), return_state=True))
    assert not result.accepted
    assert "closed at 30.4.2020 klo 16.15" in result.problems[0]
    assert stage(seeded, "esimerkki-ru-2020") == Stage.PREPARATION
    with Session(seeded) as session:
        assert session.exec(select(Notification)).all() == []
    assert mail_sink.mails == []


async def test_the_decision_flow_applies_once_and_notifies_once(seeded: Engine, mail_sink: MailSink) -> None:
    await preparation("soite-ru-2020", deliver=["project-plan"], at=hel("2020-04-27 14:00"))
    await submission("soite-ru-2020", at=hel("2020-04-30 16:14:59"))
    assert [r.under_review for r in await review("ru-2020", at=hel("2020-05-04 08:00"))] == [["soite-ru-2020"]]
    first = await decision("soite-ru-2020", at=hel("2020-06-30 14:00"))
    second = await decision("soite-ru-2020", at=hel("2020-06-30 14:05"))
    assert (first.applied, first.stage) == (True, "partially_granted")
    assert (second.applied, second.notifications) == (False, [])
    assert "| 1. Vapaaehtoinen alueellinen valmistelu ja hankekoordinaatio | 800 000 € | 580 000 € |" in first.summary
    wait_for(mail_sink, 8)
    decision_mails = [m for m in mail_sink.mails if "osittain" in m.subject or "delvis" in m.subject]
    assert len(decision_mails) == 4
    with Session(seeded) as session:
        statuses = {n.status for n in session.exec(select(Notification))}
    assert statuses == {DeliveryStatus.SENT}


async def test_the_startup_flow_starts_an_accepted_grant(seeded: Engine, mail_sink: MailSink) -> None:
    await preparation("soite-fsc-2020", deliver=["project-plan"], at=hel("2020-04-27 14:00"))
    await submission("soite-fsc-2020", at=hel("2020-04-30 15:40"))
    await decision("soite-fsc-2020", at=hel("2020-06-30 14:00"))
    await preparation("soite-fsc-2020", deliver=["grant-acceptance"], at=hel("2020-07-20 10:00"))
    result = await startup("soite-fsc-2020", at=hel("2020-09-01 09:00"))
    assert result.period == "1.7.2020–31.12.2022"
    assert stage(seeded, "soite-fsc-2020") == Stage.STARTED
    wait_for(mail_sink, 12)
    assert any(m.subject.startswith("Hanke käynnistynyt") for m in mail_sink.mails)


async def test_undelivered_mail_stays_pending_in_the_outbox_and_the_run_says_an_operator_is_needed(seeded: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRANTFLOW_EMAIL_URL", "mailto://127.0.0.1:9?from=grantflow@example.fi&mode=insecure")
    await preparation("ot-2020", deliver=["project-plan"], at=hel("2020-04-28 12:00"))
    state = await submission("ot-2020", at=hel("2020-04-30 10:00"), return_state=True)
    assert state.is_failed() and "none of the 5 notice(s) due could be delivered; they are retried" in (state.message or "")
    result = await state.result(raise_on_failure=False)
    assert result.accepted
    with unit_of_work(seeded) as session:
        rows = session.exec(select(Notification)).all()
    assert len(rows) == 5  # the lead, Soite's three contacts as a participant, the officer
    assert all(r.status == DeliveryStatus.PENDING and r.attempts == 1 and r.last_error for r in rows)


@pytest.mark.smtp
async def test_the_email_channel_can_live_in_a_prefect_secret_block(seeded: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.blocks.system import Secret

    with MailSink(login=("grantflow", "block-held-password")) as sink:
        await Secret(value=sink.channel_url()).save("grantflow-email-test", overwrite=True)
        monkeypatch.setenv("GRANTFLOW_EMAIL_URL", "prefect-secret:grantflow-email-test")
        await preparation("ot-2020", deliver=["project-plan"], at=hel("2020-04-28 12:00"))
        result = await submission("ot-2020", at=hel("2020-04-30 10:00"))
        wait_for(sink, 5)
    assert result.accepted
    assert sorted(r for m in sink.mails for r in m.recipients) == [
        "kehittamispaallikko@soite.example", "kommunikation@soite.example", "ot-project@ppshp.example", "toimialuejohtaja@soite.example",
        "valtionavustukset@stm.example",
    ]


async def test_the_decision_form_for_an_application_never_submitted_asks_for_no_form_and_says_why(seeded: Engine) -> None:
    from flows.decision_form import decision_form

    result = await decision_form("lappi-ru-2020")
    assert not result.recorded and result.attempts == 0
    assert result.refused == "the application is in preparation, never submitted; only a submitted application can be decided"


async def test_a_decision_whose_notices_are_given_up_ends_its_run_failed_needing_an_operator(seeded: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    await preparation("soite-ru-2020", deliver=["project-plan"], at=hel("2020-04-27 14:05"))
    await submission("soite-ru-2020", at=hel("2020-04-30 16:14:59"))
    monkeypatch.setenv("GRANTFLOW_EMAIL_URL", f"mailto://127.0.0.1:{free_port()}?from=grantflow@example.fi&mode=insecure")
    monkeypatch.setenv("GRANTFLOW_DELIVERY_MAX_ATTEMPTS", "1")
    state = await decision("soite-ru-2020", at=hel("2020-06-30 14:00"), return_state=True)
    assert state.is_failed() and state.name == "Needs an operator" and "failed for good" in (state.message or "")
    assert stage(seeded, "soite-ru-2020") == Stage.PARTIALLY_GRANTED  # the decision itself stands


async def test_a_start_up_waiting_for_the_acceptance_ends_its_run_completed_as_waiting(seeded: Engine, mail_sink: MailSink) -> None:
    await preparation("soite-fsc-2020", deliver=["project-plan"], at=hel("2020-04-27 14:00"))
    await submission("soite-fsc-2020", at=hel("2020-04-30 15:40"))
    await decision("soite-fsc-2020", at=hel("2020-06-30 14:00"))
    state = await startup("soite-fsc-2020", at=hel("2020-07-01 09:00"), return_state=True)
    assert state.is_completed() and state.name == "Waiting" and "Acceptance of the grant" in (state.message or "")


async def test_every_change_refreshes_the_operators_home_page_under_its_one_key(seeded: Engine, mail_sink: MailSink) -> None:
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    await preparation("soite-ru-2020", deliver=["project-plan"], at=hel("2020-04-27 14:05"))
    await submission("soite-ru-2020", at=hel("2020-04-30 16:14:59"))
    async with get_client() as client:
        (artifact,) = await client.read_latest_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["operator-home"])))
    rows = {row["call"]: row for row in json.loads(str(artifact.data))}
    assert "submitted 1" in rows["Sote-rakenneuudistusta tukeva alueellinen valmistelu (ru-2020)"]["stages"]
