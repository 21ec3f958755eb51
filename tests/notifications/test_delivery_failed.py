"""A notice given up for good writes one `grantflow.delivery.failed` event with its mark; a retry writes none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from domain.lifecycle import DELIVERY_FAILED
from domain.model import DomainEvent, Language
from domain.store import unit_of_work
from flows.relay import prefect_event
from grantflow.mailsink import MailSink, free_port
from notifications.delivery import DIED_RESENDING, Claimed, RetryPolicy, deliver
from notifications.dispatch import Channels, Delivery, Outcome
from notifications.outbox import DeliveryStatus, Notification, OutgoingMessage, enqueue
from tests.smtp_faults import Fault, FaultySMTP
from usecases.relay import pending_events

NOW = datetime(2020, 4, 16, 6, 0, tzinfo=UTC)


def reminder(n: int) -> OutgoingMessage:
    return OutgoingMessage(key=f"reminder:duty:{n}:20200430T131500Z:7d:valmistelu@lappi.example", application_id="lappi-fsc-2020",
                           recipient="valmistelu@lappi.example", language=Language.FI, subject=f"Muistutus {n}", body="Aikaa jäljellä\n",
                           deadline_key=f"duty:{n}", due_at=NOW + timedelta(days=14), slot="7d", planned_at=NOW)


def queued(engine: Engine, count: int) -> list[str]:
    with unit_of_work(engine) as session:
        return enqueue(session, [reminder(n) for n in range(count)], at=NOW)


def failed_events(engine: Engine) -> list[DomainEvent]:
    with Session(engine) as session:
        return list(session.exec(select(DomainEvent).where(col(DomainEvent.name) == DELIVERY_FAILED).order_by(col(DomainEvent.id))))


@pytest.mark.smtp
def test_a_refused_notice_writes_no_event_while_it_retries_and_exactly_one_when_it_is_given_up(seeded: Engine) -> None:
    keys = queued(seeded, 2)
    policy = RetryPolicy(max_attempts=2)
    with FaultySMTP(Fault.REFUSE_DATA) as server:
        channels = Channels(email_url=server.url())
        retried = deliver(seeded, channels, NOW, policy=policy, actor="outbox-test")
        after_retry = failed_events(seeded)
        given_up = deliver(seeded, channels, NOW + timedelta(days=1), policy=policy, actor="outbox-test")
        deliver(seeded, channels, NOW + timedelta(days=2), policy=policy, actor="outbox-test")
    assert sorted(retried.retrying) == sorted(keys) and after_retry == []
    assert sorted(given_up.failed) == sorted(keys)
    events = failed_events(seeded)
    assert sorted(e.payload["key"] for e in events) == sorted(keys)
    event = next(e for e in events if e.payload["key"] == keys[0])
    assert event.application_id == "lappi-fsc-2020" and event.actor == "outbox-test" and event.occurred_at == NOW + timedelta(days=1)
    assert event.payload["recipient"] == "valmistelu@lappi.example" and event.payload["subject"] == "Muistutus 0"
    assert event.payload["notice"] == "reminder" and event.payload["slot"] == "7d" and event.payload["attempts"] == 2
    with Session(seeded) as session:
        row = session.exec(select(Notification).where(col(Notification.key) == keys[0])).one()
    assert row.status == DeliveryStatus.FAILED and event.payload["last_error"] == row.last_error and "failed" in row.last_error


@pytest.mark.smtp
def test_a_notice_sent_after_a_retry_writes_no_failed_event(seeded: Engine) -> None:
    queued(seeded, 1)
    policy = RetryPolicy(max_attempts=2)
    with FaultySMTP(lambda n: Fault.REFUSE_DATA if n == 0 else Fault.NONE) as server:
        channels = Channels(email_url=server.url())
        reports = [deliver(seeded, channels, NOW + timedelta(days=day), policy=policy) for day in range(2)]
    assert len(reports[1].sent) == 1
    assert failed_events(seeded) == []


def test_the_failed_events_last_error_never_carries_the_channel_password(seeded: Engine) -> None:
    (key,) = queued(seeded, 1)
    password = "s3cret-Pa55word"
    channels = Channels(email_url=f"mailtos://grantflow:{password}@127.0.0.1:{free_port()}?from=grantflow@example.fi")

    def refusing(row: Claimed, channels: Channels) -> Delivery:
        return Delivery(key=row.key, outcome=Outcome.INVALID, error=f"refused by {channels.email_url} (password {password})")

    deliver(seeded, channels, NOW, sender=refusing)
    (event,) = failed_events(seeded)
    assert event.payload["key"] == key
    assert password not in str(event.payload) and "***" in event.payload["last_error"]


@pytest.mark.smtp
def test_a_resend_left_by_a_dead_sender_is_given_up_with_one_event(seeded: Engine) -> None:
    (key,) = queued(seeded, 1)
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    with unit_of_work(seeded) as session:
        row = session.exec(select(Notification)).one()
        row.status, row.claim_token, row.claimed_at, row.attempts, row.in_doubt, row.resent_at = DeliveryStatus.SENDING, "dead", long_ago, 2, True, long_ago
        session.add(row)
    with MailSink() as sink:
        deliver(seeded, Channels(email_url=sink.channel_url()), NOW)
        deliver(seeded, Channels(email_url=sink.channel_url()), NOW + timedelta(days=1))
    (event,) = failed_events(seeded)
    assert event.payload["key"] == key and event.payload["last_error"] == DIED_RESENDING


def test_the_relay_makes_the_failed_event_a_prefect_event_on_the_application(seeded: Engine) -> None:
    (key,) = queued(seeded, 1)

    def refusing(row: Claimed, channels: Channels) -> Delivery:
        return Delivery(key=row.key, outcome=Outcome.INVALID, error="recipient: not one address")

    deliver(seeded, Channels(), NOW, sender=refusing)
    ((row, app),) = [(r, a) for r, a in pending_events(500) if r.name == DELIVERY_FAILED]
    event = prefect_event(row, app, datetime.now(UTC))
    assert event.event == "grantflow.delivery.failed" and event.resource.id == "grantflow.application.lappi-fsc-2020"
    assert event.payload["key"] == key and event.payload["last_error"] == "recipient: not one address"
    assert "duty" not in {r.role for r in event.related}
