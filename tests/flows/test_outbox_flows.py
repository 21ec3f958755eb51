"""The outbox's flows: their table artifacts name each notice's recipient, application, slot and outcome first."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from datetime import UTC, datetime

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from domain.model import Language
from domain.store import unit_of_work
from flows.outbox import outbox_delivery
from flows.runtime import settled
from grantflow.cli import app
from grantflow.mailsink import MailSink, free_port
from grantflow.prefect_server import PrefectServer
from notifications.dispatch import stable_message_id
from notifications.outbox import OutgoingMessage, enqueue
from usecases.outbox import deliver_due

NOW = datetime(2020, 4, 16, 6, 0, tzinfo=UTC)


def notices() -> list[OutgoingMessage]:
    reminder = OutgoingMessage(key="reminder:duty:1:20200430T131500Z:7d:valmistelu@lappi.example", application_id="lappi-fsc-2020",
                               recipient="valmistelu@lappi.example", language=Language.FI, subject="Muistutus: hankesuunnitelma",
                               body="Aikaa jäljellä\n", deadline_key="duty:1", due_at=datetime(2020, 4, 30, 13, 15, tzinfo=UTC), slot="7d",
                               planned_at=NOW)
    receipt = OutgoingMessage(key="submitted:soite-ru-2020:kirjaamo@soite.example", application_id="soite-ru-2020",
                              recipient="kirjaamo@soite.example", language=Language.FI, subject="Hakemus vastaanotettu", body="Kiitos\n")
    return [reminder, receipt]


async def latest_table(key: str) -> list[dict[str, str]]:
    async with get_client() as client:
        (artifact,) = await client.read_latest_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))
    table: list[dict[str, str]] = json.loads(str(artifact.data))
    return table


async def test_the_outbox_delivery_artifact_fills_every_column_of_a_failed_notice_recipient_first(
    seeded: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRANTFLOW_EMAIL_URL", f"mailto://127.0.0.1:{free_port()}?from=grantflow@example.fi&mode=insecure")
    monkeypatch.setenv("GRANTFLOW_DELIVERY_MAX_ATTEMPTS", "1")
    with unit_of_work(seeded) as session:
        enqueue(session, notices(), at=NOW)
    report = await settled(outbox_delivery(NOW, return_state=True))
    assert len(report.failed) == 2
    table = await latest_table("outbox-delivery")
    assert list(table[0])[:4] == ["recipient", "application", "slot", "outcome"]
    shown = {line["key"]: line for line in table if line["key"]}
    reminder, receipt = shown["reminder:duty:1:20200430T131500Z:7d:valmistelu@lappi.example"], shown["submitted:soite-ru-2020:kirjaamo@soite.example"]
    assert (reminder["recipient"], reminder["application"], reminder["slot"], reminder["due"], reminder["subject"]) == (
        "valmistelu@lappi.example", "lappi-fsc-2020", "7d", "30.4.2020 klo 16.15 (Suomen aikaa)", "Muistutus: hankesuunnitelma")
    assert (receipt["recipient"], receipt["application"], receipt["slot"], receipt["subject"]) == (
        "kirjaamo@soite.example", "soite-ru-2020", "submitted", "Hakemus vastaanotettu")
    assert all(line["outcome"].startswith("FAILED, needs an operator: ") for line in (reminder, receipt))


async def test_the_outbox_delivery_artifact_shows_a_retried_notice_and_what_waits(seeded: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRANTFLOW_EMAIL_URL", f"mailto://127.0.0.1:{free_port()}?from=grantflow@example.fi&mode=insecure")
    with unit_of_work(seeded) as session:
        enqueue(session, notices()[1:], at=NOW)
    await outbox_delivery(NOW, return_state=True)  # nothing delivered: the run fails, its artifact is written all the same
    table = await latest_table("outbox-delivery")
    (retried,) = [line for line in table if line["key"]]
    assert retried["recipient"] == "kirjaamo@soite.example" and retried["outcome"].startswith("retrying: ")
    assert any(line["outcome"].startswith("waiting: 1 waiting, next attempt 16.4.2020 klo 09.05") for line in table)


@pytest.mark.smtp
def test_a_retry_with_a_server_running_runs_there_delivers_each_failed_notice_once_and_shows_them_in_its_artifact(
    seeded: Engine, monkeypatch: pytest.MonkeyPatch, prefect_server: PrefectServer
) -> None:
    port = free_port()
    monkeypatch.setenv("GRANTFLOW_EMAIL_URL", f"mailto://127.0.0.1:{port}?from=grantflow@example.fi&mode=insecure&format=text")
    monkeypatch.setenv("GRANTFLOW_DELIVERY_MAX_ATTEMPTS", "1")
    with unit_of_work(seeded) as session:
        keys = enqueue(session, notices()[1:], at=NOW)
    assert deliver_due(NOW).failed == keys
    monkeypatch.setenv("PREFECT_API_URL", prefect_server.api_url)
    with MailSink(port=port) as sink:
        result = CliRunner().invoke(app, ["outbox", "retry", "--all-failed", "--now", "2020-04-16T10:00:00"])
        time.sleep(0.2)  # the last message reaches the sink's list after the sender has its answer
        received = Counter(m.message_id or "" for m in sink.mails)
    assert result.exit_code == 0, result.output
    assert f"running on the Prefect server at {prefect_server.api_url}" in result.output
    assert received == {stable_message_id(keys[0]): 1}
    (line,) = asyncio.run(latest_table("outbox-retry"))
    assert (line["recipient"], line["application"], line["slot"], line["outcome"], line["key"]) == (
        "kirjaamo@soite.example", "soite-ru-2020", "submitted", "sent", keys[0])
