"""`grantflow outbox`: the notices not yet delivered, failures first, each with why it waits."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select
from typer.testing import CliRunner

from domain.model import Language
from domain.store import unit_of_work
from grantflow.cli import app
from notifications.outbox import DeliveryStatus, Notification, OutgoingMessage, enqueue

runner = CliRunner()
NOW = datetime(2020, 4, 16, 6, 0, tzinfo=UTC)
PASSWORD = "s3cret-Pa55word"


def message(name: str, *, slot: str | None = None) -> OutgoingMessage:
    key = f"reminder:duty:{name}:20200430T131500Z:{slot}:valmistelu@lappi.example" if slot else f"submitted:{name}:kirjaamo@stm.example"
    return OutgoingMessage(key=key, application_id="lappi-fsc-2020", recipient="valmistelu@lappi.example", language=Language.FI,
                           subject=f"Muistutus [{name}]", body="Aikaa jäljellä\n", slot=slot, deadline_key=f"duty:{name}" if slot else None,
                           due_at=NOW + timedelta(days=14) if slot else None)


def outbox_of(engine: Engine) -> dict[str, str]:
    """An outbox holding one notice in each state, and one sent; returns the keys by state."""
    messages = {"pending": message("new"), "retrying": message("again", slot="7d"), "failed": message("lost", slot="1d"),
                "sending": message("out"), "sent": message("done")}
    with unit_of_work(engine) as session:
        enqueue(session, list(messages.values()), at=NOW)
    with unit_of_work(engine) as session:
        for row in session.exec(select(Notification)):
            state = next(name for name, m in messages.items() if m.key == row.key)
            if state == "retrying":
                row.attempts, row.next_attempt_at, row.last_error = 1, datetime(2020, 4, 16, 6, 5, tzinfo=UTC), "451 try again later"
            elif state == "failed":
                row.status, row.attempts = DeliveryStatus.FAILED, 5
                row.last_error = f"login refused by mailtos://grantflow:{PASSWORD}@smtp.example.fi"
            elif state == "sending":
                row.status, row.attempts, row.claim_token, row.claimed_at = DeliveryStatus.SENDING, 1, "token", datetime.now(UTC)
            elif state == "sent":
                row.status, row.attempts, row.sent_at = DeliveryStatus.SENT, 1, NOW
            session.add(row)
    return {state: m.key for state, m in messages.items()}


def listed(*options: str) -> dict[str, object]:
    result = runner.invoke(app, ["outbox", "--json", *options])
    assert result.exit_code == 0, result.output
    document: dict[str, object] = json.loads(result.stdout)
    return document


def test_the_outbox_lists_every_undelivered_notice_failures_first_and_no_sent_one(seeded: Engine) -> None:
    keys = outbox_of(seeded)
    document = listed()
    rows = document["rows"]
    assert isinstance(rows, list)
    assert [(row["state"], row["key"]) for row in rows] == [(state, keys[state]) for state in ("failed", "retrying", "sending", "pending")]
    assert document["counts"] == {"failed": 1, "retrying": 1, "sending": 1, "pending": 1}
    failed = rows[0]
    assert (failed["recipient"], failed["application"], failed["notice"], failed["slot"], failed["attempts"]) == (
        "valmistelu@lappi.example", "lappi-fsc-2020", "reminder", "1d", 5)


@pytest.mark.parametrize("status", ["failed", "retrying", "sending", "pending"])
def test_the_status_option_lists_only_the_notices_in_that_state(seeded: Engine, status: str) -> None:
    keys = outbox_of(seeded)
    rows = listed("--status", status)["rows"]
    assert isinstance(rows, list)
    assert [row["key"] for row in rows] == [keys[status]]


def test_a_listed_error_never_carries_the_channel_password(seeded: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRANTFLOW_EMAIL_URL", f"mailtos://grantflow:{PASSWORD}@smtp.example.fi?from=grantflow@example.fi")
    outbox_of(seeded)
    for options in (["--json"], []):
        result = runner.invoke(app, ["outbox", *options])
        assert result.exit_code == 0, result.output
        assert PASSWORD not in result.output and "mailtos://grantflow:***@smtp.example.fi" in result.output


def test_the_table_shows_the_next_attempt_in_helsinki_time_and_subjects_as_written(seeded: Engine) -> None:
    keys = outbox_of(seeded)
    result = runner.invoke(app, ["outbox", "--status", "retrying"])
    assert result.exit_code == 0, result.output
    assert "16.4.2020 klo 09.05 (Suomen aikaa)" in result.output
    assert "Muistutus [again]" in result.output and keys["retrying"] in result.output and "reminder 7d" in result.output


def test_the_limit_shows_the_failures_and_says_how_many_more_wait(seeded: Engine) -> None:
    keys = outbox_of(seeded)
    document = listed("--limit", "1")
    rows = document["rows"]
    assert isinstance(rows, list)
    assert [row["key"] for row in rows] == [keys["failed"]] and document["not_shown"] == 3


def test_an_unknown_status_is_refused_naming_the_option(seeded: Engine) -> None:
    result = runner.invoke(app, ["outbox", "--status", "lost"])
    assert result.exit_code == 1
    assert "--status: must be one of failed, retrying, sending, pending, all (got 'lost')" in result.output
