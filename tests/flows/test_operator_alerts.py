"""Failures reach the operators: a run that needs one fails, and the automation sends an alert through Apprise."""

from datetime import UTC, datetime

import pytest
from prefect.client.schemas.objects import FlowRun
from sqlalchemy.engine import Engine

from flows.deployments import read_deployments
from grantflow.mailsink import free_port
from tests.flows.test_event_driven import SEED_DECISIONS, decide, runs_named, until
from tests.http_receiver import Receiver
from usecases.operators import FAILED_STATE_NAMES, AlertKind, OperatorAlert, alert_operators


@pytest.fixture
def ops_channel(monkeypatch: pytest.MonkeyPatch) -> Receiver:
    receiver = Receiver()
    receiver.thread.start()
    monkeypatch.setenv("GRANTFLOW_OPS_URL", receiver.url)
    yield receiver
    receiver.server.shutdown()


@pytest.mark.sqlite_only
def test_notices_given_up_fail_the_decision_run_and_the_operators_are_alerted_with_what_to_do(
    undecided: Engine, served: None, ops_channel: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRANTFLOW_EMAIL_URL", f"mailto://127.0.0.1:{free_port()}?from=grantflow@example.fi&mode=insecure")
    monkeypatch.setenv("GRANTFLOW_DELIVERY_MAX_ATTEMPTS", "1")
    started = datetime.now(UTC)

    def failed_runs() -> list[FlowRun]:
        return [run for run in runs_named("decision/soite-ru-2020") if run.created and run.created >= started and run.state and run.state.is_failed()]

    decide(undecided, SEED_DECISIONS["soite-ru-2020"])
    until(lambda: bool(failed_runs()))
    (run,) = failed_runs()
    assert run.state is not None and run.state.name == "Needs an operator"
    until(lambda: any("run decision/soite-ru-2020 failed" in str(body.get("title")) for body in ops_channel.bodies))
    alert = next(body for body in ops_channel.bodies if "run decision/soite-ru-2020 failed" in str(body.get("title")))
    assert "grantflow outbox retry --all-failed" in str(alert["message"])
    assert "/runs/flow-run/" in str(alert["message"])  # a link to the failed run


def test_an_alert_about_the_alert_flow_itself_is_never_sent(engine: Engine, ops_channel: Receiver) -> None:
    outcome = alert_operators(OperatorAlert(kind=AlertKind.RUN_FAILED, subject="operator-alert/run-failed/decision/x", state="Needs an operator"))
    assert outcome.skipped and not outcome.sent and ops_channel.bodies == []


def test_without_an_operations_channel_the_alert_is_skipped_saying_so(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GRANTFLOW_OPS_URL", raising=False)
    outcome = alert_operators(OperatorAlert(kind=AlertKind.RUN_CRASHED, subject="decision/soite-ru-2020"))
    assert outcome.skipped and outcome.not_sent == "no operations channel is set (GRANTFLOW_OPS_URL)"
    assert "crashed" in outcome.title and "start the deployment again" in outcome.body


def test_an_operations_channel_that_refuses_the_alert_says_why(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRANTFLOW_OPS_URL", f"json://127.0.0.1:{free_port()}/ops")
    outcome = alert_operators(OperatorAlert(kind=AlertKind.DELIVERY_FAILED, subject="soite-ru-2020"))
    assert not outcome.sent and not outcome.skipped and outcome.not_sent


def test_the_alert_automation_expects_every_failed_state_grantflow_ends_a_run_in() -> None:
    (spec,) = [spec for spec in read_deployments() if spec.name == "operator-alert"]
    expected = {name for trigger in spec.triggers for name in trigger.get("expect", [])}
    assert {f"prefect.flow-run.{name}" for name in (*FAILED_STATE_NAMES, "Failed", "Crashed")} <= expected


@pytest.mark.sqlite_only
@pytest.mark.smtp
async def test_with_the_mail_server_down_one_sweep_fails_alerts_the_operators_and_a_retry_after_it_is_back_delivers_each_once(
    seeded: Engine, served: None, ops_channel: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    from collections import Counter

    from typer.testing import CliRunner

    from flows.reminders import reminder_sweep
    from grantflow.cli import app
    from grantflow.mailsink import MailSink
    from tests.helpers import hel

    port = free_port()
    monkeypatch.setenv("GRANTFLOW_EMAIL_URL", f"mailto://127.0.0.1:{port}?from=grantflow@example.fi&mode=insecure&format=text")
    state = await reminder_sweep(hel("2020-04-16 09:00"), return_state=True)  # the 14-day reminders; the mail server is down
    assert state.is_failed() and state.name == "Needs an operator"
    until(lambda: any("run remind/2020-04-16T09:00 failed" in str(body.get("title")) for body in ops_channel.bodies))
    monkeypatch.setenv("GRANTFLOW_DELIVERY_MAX_ATTEMPTS", "1")
    given_up = await reminder_sweep(hel("2020-04-16 09:10"), return_state=True)  # the retry is its last attempt: given up
    failed = len((await given_up.result(raise_on_failure=False)).delivery.failed)
    assert failed > 0
    with MailSink(port=port) as sink:
        retried = CliRunner().invoke(app, ["outbox", "retry", "--all-failed", "--now", "2020-04-16T10:00"])
        again = CliRunner().invoke(app, ["outbox", "retry", "--all-failed", "--now", "2020-04-16T10:05"])
        until(lambda: len(sink.mails) >= failed)
    assert retried.exit_code == 0, retried.output
    assert again.exit_code == 0 and "No failed notice to retry." in again.output
    assert len(sink.mails) == failed and max(Counter(m.message_id for m in sink.mails).values()) == 1
