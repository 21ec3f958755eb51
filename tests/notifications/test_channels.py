from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from domain.model import Contact, Language
from grantflow.cli import app
from notifications.dispatch import Channels, send
from notifications.outbox import Notification
from notifications.recipients import targets
from tests.http_receiver import Receiver, config_file


def test_a_tagged_channel_from_the_apprise_config_gets_the_message(receiver: Receiver, tmp_path: Path) -> None:
    row = Notification(
        key="k-tag", application_id="soite-ru-2020", recipient="tag:hanketiimi", language=Language.FI,
        subject="Muistutus: Kuntasitoumukset", body="Määräaika: 1.6.2020 klo 16.15", created_at=datetime.now(UTC),
    )
    delivery = send(row, Channels(config=config_file(tmp_path, receiver.url, "hanketiimi")))
    assert delivery.ok, delivery.error
    (body,) = receiver.bodies
    assert body["title"] == "Muistutus: Kuntasitoumukset" and "1.6.2020 klo 16.15" in str(body["message"])


def test_a_tag_no_channel_has_fails_with_a_reason(receiver: Receiver, tmp_path: Path) -> None:
    row = Notification(key="k-none", application_id="a", recipient="tag:nobody", language=Language.FI, subject="s", body="b", created_at=datetime.now(UTC))
    delivery = send(row, Channels(config=config_file(tmp_path, receiver.url, "hanketiimi")))
    assert not delivery.ok and "nobody" in (delivery.error or "")
    assert receiver.bodies == []


def test_each_address_and_tag_is_one_target_in_its_first_contacts_language() -> None:
    contacts = [
        Contact(organisation_id="soite", role="a", email="a@soite.example", language=Language.SV, channels=["hanketiimi"]),
        Contact(organisation_id="soite", role="b", email="b@soite.example", language=Language.FI, channels=["hanketiimi", "johto"]),
        None,
    ]
    assert [(t.address, t.language) for t in targets(contacts)] == [
        ("a@soite.example", Language.SV),
        ("tag:hanketiimi", Language.SV),
        ("b@soite.example", Language.FI),
        ("tag:johto", Language.FI),
    ]


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("GRANTFLOW_EMAIL_URL", "sähköposti://nowhere", "GRANTFLOW_EMAIL_URL: is not a URL Apprise can send to"),
        ("GRANTFLOW_APPRISE_CONFIG", "/nonexistent/apprise.yaml", "GRANTFLOW_APPRISE_CONFIG: /nonexistent/apprise.yaml is not a file"),
        ("GRANTFLOW_DELIVERY_MAX_ATTEMPTS", "0", "GRANTFLOW_DELIVERY_MAX_ATTEMPTS: Input should be greater than or equal to 1"),
    ],
)
def test_a_bad_channel_setting_is_refused_when_settings_load(engine: object, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str) -> None:
    monkeypatch.setenv(variable, value)
    result = CliRunner().invoke(app, ["status"])
    assert result.exit_code == 1
    assert f"settings: {message}" in result.output
    assert "Traceback" not in result.output


def test_a_config_file_without_channels_is_refused(engine: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("version: 1\nurls: []\n", encoding="utf-8")
    monkeypatch.setenv("GRANTFLOW_APPRISE_CONFIG", str(empty))
    result = CliRunner().invoke(app, ["status"])
    assert result.exit_code == 1 and "holds no channel Apprise can use" in result.output
