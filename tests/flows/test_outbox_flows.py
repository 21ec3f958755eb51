"""The outbox's flows: their table artifacts name each notice's recipient, application, slot and outcome first."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from sqlalchemy.engine import Engine

from domain.model import Language
from domain.store import unit_of_work
from flows.outbox import outbox_delivery
from flows.runtime import settled
from grantflow.mailsink import free_port
from notifications.outbox import OutgoingMessage, enqueue

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
    await outbox_delivery(NOW)
    table = await latest_table("outbox-delivery")
    (retried,) = [line for line in table if line["key"]]
    assert retried["recipient"] == "kirjaamo@soite.example" and retried["outcome"].startswith("retrying: ")
    assert any(line["outcome"].startswith("waiting: 1 waiting, next attempt 16.4.2020 klo 09.05") for line in table)
