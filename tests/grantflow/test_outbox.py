"""`grantflow outbox`: the notices not yet delivered, failures first, each with why it waits."""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from domain.model import Language
from domain.store import unit_of_work
from grantflow.cli import app
from grantflow.mailsink import MailSink, free_port
from notifications.dispatch import stable_message_id
from notifications.outbox import RESENT_IN_DOUBT, DeliveryStatus, Notification, OutgoingMessage, enqueue

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


def receipts(count: int) -> list[OutgoingMessage]:
    return [OutgoingMessage(key=f"submitted:lappi-fsc-2020:kirjaamo{n}@lappi.example", application_id="lappi-fsc-2020",
                            recipient=f"kirjaamo{n}@lappi.example", language=Language.FI, subject="Hakemus vastaanotettu", body="Kiitos\n")
            for n in range(count)]


def given_up(engine: Engine, monkeypatch: pytest.MonkeyPatch, count: int) -> tuple[list[str], int]:
    """`count` notices given up on a mail server that is down: their keys, and the port the server is to come back on."""
    from usecases.outbox import deliver_due

    port = free_port()
    monkeypatch.setenv("GRANTFLOW_EMAIL_URL", f"mailto://127.0.0.1:{port}?from=grantflow@example.fi&mode=insecure&format=text")
    monkeypatch.setenv("GRANTFLOW_DELIVERY_MAX_ATTEMPTS", "1")
    with unit_of_work(engine) as session:
        keys = enqueue(session, receipts(count), at=NOW)
    assert sorted(deliver_due(NOW).failed) == sorted(keys)
    return keys, port


def snapshot(engine: Engine) -> list[tuple[object, ...]]:
    with Session(engine) as session:
        rows = session.exec(select(Notification).order_by(Notification.key))
        return [(r.key, r.status, r.attempts, r.next_attempt_at, r.last_error, r.resent_at) for r in rows]


def copies(sink: MailSink) -> Counter[str]:
    time.sleep(0.2)  # the last message reaches the sink's list after the sender has its answer
    return Counter(m.message_id or "" for m in sink.mails)


@pytest.mark.smtp
def test_retrying_every_failed_notice_once_the_server_is_back_delivers_each_once_and_a_second_retry_sends_nothing(
    seeded: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys, port = given_up(seeded, monkeypatch, 3)
    with MailSink(port=port) as sink:
        first = runner.invoke(app, ["outbox", "retry", "--all-failed"])
        delivered = copies(sink)
        second = runner.invoke(app, ["outbox", "retry", "--all-failed"])
        again = copies(sink)
    assert first.exit_code == 0, first.output
    assert "3 failed notice(s) requeued: 3 sent" in first.output
    assert delivered == {stable_message_id(key): 1 for key in keys}
    assert second.exit_code == 0 and "No failed notice to retry." in second.output
    assert again == delivered
    assert {row[1] for row in snapshot(seeded)} == {DeliveryStatus.SENT}


@pytest.mark.smtp
def test_retrying_named_keys_delivers_those_and_leaves_the_other_failed_notices_alone(seeded: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    keys, port = given_up(seeded, monkeypatch, 3)
    with MailSink(port=port) as sink:
        result = runner.invoke(app, ["outbox", "retry", keys[0], keys[2], "--json"])
        delivered = copies(sink)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert sorted(report["requeued"]) == sorted([keys[0], keys[2]]) and sorted(report["delivery"]["sent"]) == sorted([keys[0], keys[2]])
    assert delivered == {stable_message_id(keys[0]): 1, stable_message_id(keys[2]): 1}
    assert {row[0]: row[1] for row in snapshot(seeded)}[keys[1]] == DeliveryStatus.FAILED


def test_a_retry_while_the_server_is_still_down_is_given_up_again_and_says_so(seeded: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    keys, _ = given_up(seeded, monkeypatch, 1)
    result = runner.invoke(app, ["outbox", "retry", *keys])
    assert result.exit_code == 1
    assert "1 failed notice(s) requeued: 0 sent, 0 to retry, 1 failed again" in result.output
    assert f"error: not delivered: {keys[0]}: " in result.output
    assert snapshot(seeded)[0][1:3] == (DeliveryStatus.FAILED, 1)


def test_unknown_and_unfailed_keys_are_refused_each_named_and_nothing_is_requeued(seeded: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    keys, _ = given_up(seeded, monkeypatch, 1)
    with unit_of_work(seeded) as session:
        (pending,) = enqueue(session, [message("new")], at=NOW)
    before = snapshot(seeded)
    result = runner.invoke(app, ["outbox", "retry", keys[0], "no-such-key", pending])
    assert result.exit_code == 1
    assert "KEY: only a failed notice can be retried; nothing was requeued: no-such-key: not in the outbox; " in result.output
    assert f"{pending}: is pending, not failed" in result.output
    assert snapshot(seeded) == before


@pytest.mark.parametrize("arguments", [[], ["some-key", "--all-failed"]])
def test_a_retry_names_keys_or_all_failed_notices_one_or_the_other(seeded: Engine, monkeypatch: pytest.MonkeyPatch, arguments: list[str]) -> None:
    given_up(seeded, monkeypatch, 1)
    before = snapshot(seeded)
    result = runner.invoke(app, ["outbox", "retry", *arguments])
    assert result.exit_code == 1
    assert "KEY: name the failed notices' keys, or give --all-failed" in result.output
    assert snapshot(seeded) == before


def test_a_retry_without_a_channel_is_refused_and_requeues_nothing(seeded: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    given_up(seeded, monkeypatch, 1)
    monkeypatch.delenv("GRANTFLOW_EMAIL_URL")
    before = snapshot(seeded)
    result = runner.invoke(app, ["outbox", "retry", "--all-failed"])
    assert result.exit_code == 1
    assert "GRANTFLOW_EMAIL_URL: no channel is configured" in result.output
    assert snapshot(seeded) == before


def test_a_notice_resent_in_doubt_is_never_requeued_as_it_may_have_arrived_twice(seeded: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    keys, _ = given_up(seeded, monkeypatch, 2)
    with unit_of_work(seeded) as session:
        row = session.exec(select(Notification).where(Notification.key == keys[1])).one()
        row.in_doubt, row.resent_at = True, NOW
        session.add(row)
    named = runner.invoke(app, ["outbox", "retry", keys[1]])
    assert named.exit_code == 1 and f"{keys[1]}: {RESENT_IN_DOUBT}" in named.output
    every = runner.invoke(app, ["outbox", "retry", "--all-failed", "--json"])
    report = json.loads(every.stdout)
    assert report["requeued"] == [keys[0]] and report["left_out"] == [keys[1]]
    assert {row[0]: row[1] for row in snapshot(seeded)}[keys[1]] == DeliveryStatus.FAILED
