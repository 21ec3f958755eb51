"""A send whose outcome is unknown (the server took the data, its answer never came) is in doubt: resent once, flagged, reported."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from domain.model import Language
from domain.store import unit_of_work
from grantflow.mailsink import MailSink
from notifications.delivery import UNKNOWN_AGAIN, RetryPolicy, deliver
from notifications.dispatch import Channels, Outcome, send, stable_message_id
from notifications.outbox import DeliveryStatus, Notification, OutgoingMessage, enqueue
from tests.smtp_faults import Fault, FaultySMTP

pytestmark = pytest.mark.smtp

NOW = datetime(2020, 4, 16, 6, 0, tzinfo=UTC)
SCHEMES = ["mailto", "smtppool"]


def message(key: str) -> OutgoingMessage:
    return OutgoingMessage(key=key, application_id="lappi-fsc-2020", recipient="valmistelu@lappi.example", language=Language.FI,
                           subject="Hakemus vastaanotettu", body="Haettu valtionavustus: 2 200 000 €\n")


def queued(engine: Engine, count: int, prefix: str = "doubt") -> list[str]:
    with unit_of_work(engine) as session:
        return enqueue(session, [message(f"{prefix}-{n}") for n in range(count)], at=NOW)


def outbox(engine: Engine) -> dict[str, Notification]:
    with Session(engine) as session:
        return {row.key: row for row in session.exec(select(Notification))}


def copies(server: FaultySMTP | MailSink) -> Counter[str]:
    time.sleep(0.2)  # the last message reaches the server's list after the sender has its answer
    return Counter(m.message_id or "" for m in server.mails)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_a_server_that_keeps_the_message_and_never_answers_leaves_the_send_in_doubt_and_sent_once(scheme: str) -> None:
    row = Notification(**message("unanswered").model_dump(), created_at=NOW)
    with FaultySMTP(Fault.DROP_AFTER_DATA) as server:
        delivery = send(row, Channels(email_url=server.url(scheme)))
        received = copies(server)
    assert delivery.outcome == Outcome.UNKNOWN
    assert "may have been delivered" in (delivery.error or "")
    assert received == {stable_message_id("unanswered"): 1}


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("fault", [Fault.REFUSE_DATA, Fault.DROP_AT_MAIL])
def test_a_send_refused_or_cut_before_the_data_is_not_sent_and_safe_to_retry(scheme: str, fault: Fault) -> None:
    row = Notification(**message("refused").model_dump(), created_at=NOW)
    with FaultySMTP(fault) as server:
        delivery = send(row, Channels(email_url=server.url(scheme)))
        received = copies(server)
    assert delivery.outcome == Outcome.NOT_SENT
    assert received == {}


@pytest.mark.parametrize("scheme", SCHEMES)
def test_messages_a_server_keeps_without_answering_arrive_at_most_twice_each_flagged_resent_once_and_reported(seeded: Engine, scheme: str) -> None:
    keys = queued(seeded, 20)
    with FaultySMTP(Fault.DROP_AFTER_DATA) as server:
        channels = Channels(email_url=server.url(scheme))
        first = deliver(seeded, channels, NOW)
        second = deliver(seeded, channels, NOW + timedelta(days=1))
        third = deliver(seeded, channels, NOW + timedelta(days=2))
        received = copies(server)
    assert received == {stable_message_id(key): 2 for key in keys}
    assert sorted(first.in_doubt) == sorted(keys) and first.sent == [] and first.resent == []
    assert sorted(second.resent) == sorted(keys) and sorted(second.failed) == sorted(keys)
    assert third.attempted == 0
    rows = outbox(seeded)
    assert {(r.status, r.in_doubt, r.resent_at is not None, r.last_error) for r in rows.values()} == {
        (DeliveryStatus.FAILED, True, True, UNKNOWN_AGAIN)}


def test_a_message_in_doubt_resent_to_a_server_that_answers_is_sent_and_reported_as_resent(seeded: Engine) -> None:
    (key,) = queued(seeded, 1)
    with FaultySMTP(lambda n: Fault.DROP_AFTER_DATA if n == 0 else Fault.NONE) as server:
        channels = Channels(email_url=server.url("mailto"))
        first = deliver(seeded, channels, NOW)
        second = deliver(seeded, channels, NOW + timedelta(hours=1))
        received = copies(server)
    assert first.in_doubt == [key] and first.retrying == [key]
    assert second.sent == [key] and second.resent == [key]
    assert received == {stable_message_id(key): 2}
    row = outbox(seeded)[key]
    assert row.status == DeliveryStatus.SENT and row.in_doubt and row.resent_at is not None


def test_refusals_are_retried_without_doubt_until_the_attempts_run_out(seeded: Engine) -> None:
    keys = queued(seeded, 3)
    policy = RetryPolicy(max_attempts=2)
    with FaultySMTP(Fault.REFUSE_DATA) as server:
        channels = Channels(email_url=server.url("smtppool"))
        reports = [deliver(seeded, channels, NOW + timedelta(days=day), policy=policy) for day in range(3)]
    assert [sorted(r.retrying) for r in reports] == [sorted(keys), [], []]
    assert sorted(reports[1].failed) == sorted(keys)
    assert all(r.in_doubt == [] for r in reports)
    assert not any(row.in_doubt for row in outbox(seeded).values())


def test_a_dead_senders_claims_come_back_in_doubt_and_one_left_mid_resend_is_given_up_and_reported(seeded: Engine) -> None:
    first, resending = queued(seeded, 2)
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    with unit_of_work(seeded) as session:
        for row in session.exec(select(Notification)):
            # As a sender killed mid-send leaves them: claimed, unmarked; the second was the resend of a message in doubt.
            row.status, row.claim_token, row.claimed_at, row.attempts = DeliveryStatus.SENDING, "dead", long_ago, 1
            row.in_doubt = row.key == resending
            row.resent_at = long_ago if row.key == resending else None
            session.add(row)
    with MailSink() as sink:
        report = deliver(seeded, Channels(email_url=sink.channel_url()), NOW)
        received = copies(sink)
    assert received == {stable_message_id(first): 1}
    assert report.sent == [first] and report.failed == [resending]
    assert sorted(report.in_doubt) == sorted([first, resending]) and sorted(report.resent) == sorted([first, resending])
    assert outbox(seeded)[resending].status == DeliveryStatus.FAILED
