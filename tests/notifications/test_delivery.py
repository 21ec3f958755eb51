"""Delivery from the outbox: stale reminders skipped, claims only for free senders, a stop when marks cannot be written."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from domain.model import Language
from domain.reminders import OVERDUE
from domain.store import make_engine, unit_of_work
from grantflow.mailsink import MailSink, free_port
from notifications.delivery import DEADLINE_PASSED, SUPERSEDED, Claimed, RetryPolicy, deliver, waiting
from notifications.dispatch import Channels, Delivery, send, stable_message_id
from notifications.outbox import DeliveryStatus, Notification, OutgoingMessage, enqueue
from tests.conftest import BACKEND

DUE = datetime(2020, 4, 30, 13, 15, tzinfo=UTC)  # 30.4.2020 klo 16.15


def reminder(slot: str, planned_at: datetime, recipient: str = "valmistelu@lappi.example") -> OutgoingMessage:
    return OutgoingMessage(key=f"reminder:duty:1:{slot}:{recipient}", application_id="lappi-fsc-2020", recipient=recipient,
                           language=Language.FI, subject=f"Muistutus {slot}", body="Aikaa jäljellä\n", deadline_key="duty:1",
                           due_at=DUE, slot=slot, planned_at=planned_at)


def plain(n: int) -> OutgoingMessage:
    return OutgoingMessage(key=f"plain-{n}", application_id="lappi-fsc-2020", recipient=f"r{n}@lappi.example", language=Language.FI,
                           subject="Hakemus vastaanotettu", body="Haettu valtionavustus: 2 200 000 €\n")


def put(engine: Engine, *messages: OutgoingMessage) -> None:
    with unit_of_work(engine) as session:
        enqueue(session, list(messages), at=datetime(2020, 4, 1, tzinfo=UTC))


def status(engine: Engine) -> dict[str, Notification]:
    with Session(engine) as session:
        return {row.key: row for row in session.exec(select(Notification))}


def received(sink: MailSink) -> Counter[str]:
    time.sleep(0.2)  # the last message reaches the sink's list after the sender has its answer
    return Counter(m.message_id or "" for m in sink.mails)


@pytest.mark.parametrize(("retry_at", "sent"), [
    (DUE - timedelta(days=1), True), (DUE - timedelta(seconds=1), True), (DUE, False), (DUE + timedelta(seconds=1), False),
    (DUE + timedelta(days=4), False),
])
@pytest.mark.smtp
def test_a_reminder_retried_after_its_deadline_is_skipped_and_recorded_while_the_overdue_notice_goes(
    seeded: Engine, retry_at: datetime, sent: bool
) -> None:
    put(seeded, reminder("1d", DUE - timedelta(days=1)))
    if retry_at >= DUE:  # the sweep queues the overdue notice once the deadline has passed
        put(seeded, reminder(OVERDUE, retry_at))
    with MailSink() as sink:
        report = deliver(seeded, Channels(email_url=sink.channel_url()), retry_at)
        time.sleep(0.2)  # the last message reaches the sink's list after the sender has its answer
        arrived = {m.subject for m in sink.mails}
    rows = status(seeded)
    one_day = rows["reminder:duty:1:1d:valmistelu@lappi.example"]
    assert ("Muistutus 1d" in arrived) == sent
    assert ("Muistutus overdue" in arrived) == (not sent)
    if not sent:
        assert one_day.status == DeliveryStatus.SKIPPED and one_day.last_error == DEADLINE_PASSED
        assert report.stale == [one_day.key]


@pytest.mark.smtp
def test_a_reminder_still_retrying_when_a_later_reminder_of_its_deadline_is_queued_is_skipped(seeded: Engine) -> None:
    put(seeded, reminder("14d", DUE - timedelta(days=14)), reminder("7d", DUE - timedelta(days=7)),
        reminder("14d", DUE - timedelta(days=14), recipient="muu@lappi.example"))
    with MailSink() as sink:
        report = deliver(seeded, Channels(email_url=sink.channel_url()), DUE - timedelta(days=7))
        time.sleep(0.2)
        arrived = sorted((m.recipients[0], m.subject) for m in sink.mails)
    assert arrived == [("muu@lappi.example", "Muistutus 14d"), ("valmistelu@lappi.example", "Muistutus 7d")]
    assert report.stale == ["reminder:duty:1:14d:valmistelu@lappi.example"]
    assert status(seeded)[report.stale[0]].last_error == SUPERSEDED


@pytest.mark.smtp
def test_no_more_rows_are_claimed_than_senders_are_sending(seeded: Engine) -> None:
    put(seeded, *(plain(n) for n in range(60)))
    policy = RetryPolicy(concurrency=4)
    most = 0
    lock = threading.Lock()

    def counting(row: Claimed, channels: Channels) -> Delivery:
        nonlocal most
        with Session(seeded) as session:
            claimed = len(session.exec(select(Notification).where(Notification.status == DeliveryStatus.SENDING)).all())
        with lock:
            most = max(most, claimed)
        return send(row, channels)

    with MailSink(delay=0.01) as sink:
        report = deliver(seeded, Channels(email_url=sink.channel_url(pooled=True)), datetime.now(UTC), policy=policy, sender=counting)
    assert len(report.sent) == 60
    assert 0 < most <= policy.concurrency


def refuse_marks_after(engine: Engine, sent: int) -> None:
    """The database refuses to write a message's mark once `sent` rows are marked sent, as a full disk would."""
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.execute(text(
                "CREATE TRIGGER disk_full BEFORE UPDATE OF status ON notification "
                f"WHEN NEW.status = 'sent' AND (SELECT count(*) FROM notification WHERE status = 'sent') >= {sent} "
                "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"))
        else:
            connection.execute(text(
                "CREATE FUNCTION disk_full() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.status = 'sent' AND (SELECT count(*) FROM notification WHERE status = 'sent') >= {sent} THEN "
                "RAISE EXCEPTION 'could not extend file: No space left on device'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"))
            connection.execute(text("CREATE TRIGGER disk_full BEFORE UPDATE ON notification FOR EACH ROW EXECUTE FUNCTION disk_full()"))


@pytest.mark.smtp
def test_when_marks_cannot_be_written_nothing_more_is_sent_and_what_went_out_unmarked_is_reported_in_doubt(seeded: Engine) -> None:
    put(seeded, *(plain(n) for n in range(200)))
    refuse_marks_after(seeded, 20)
    policy = RetryPolicy(concurrency=4)
    with MailSink(delay=0.005) as sink:
        report = deliver(seeded, Channels(email_url=sink.channel_url(pooled=True)), datetime.now(UTC), policy=policy)
        arrived = received(sink)
    rows = status(seeded)
    marked = {key for key, row in rows.items() if row.status == DeliveryStatus.SENT}
    out_unmarked = {key for key in rows if stable_message_id(key) in arrived} - marked
    assert report.halted and ("full" in report.halted or "No space" in report.halted)
    # Marks are written a cycle's finished sends at a time: the cycle that crosses the limit is refused whole.
    assert 20 - policy.concurrency < len(marked) <= 20
    # After the first refused write, only the sends already under way finish: at most one per sender.
    assert len(out_unmarked) <= 2 * policy.concurrency
    assert out_unmarked <= set(report.in_doubt)
    assert sum(row.status == DeliveryStatus.PENDING for row in rows.values()) >= 200 - 20 - 2 * policy.concurrency
    assert max(arrived.values()) == 1


@pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite's page limit is the way to fill its disk here")
@pytest.mark.sqlite_only
@pytest.mark.smtp
def test_a_full_sqlite_database_stops_the_sending(seeded: Engine, database_url: str) -> None:
    put(seeded, *(plain(n) for n in range(200)))
    with seeded.connect() as connection:
        pages = connection.execute(text("PRAGMA page_count")).scalar_one()
    full = make_engine(database_url)
    event.listen(full, "connect", lambda dbapi, _record: dbapi.execute(f"PRAGMA max_page_count = {pages + 4}"))
    policy = RetryPolicy(concurrency=4)
    with MailSink() as sink:
        report = deliver(full, Channels(email_url=sink.channel_url(pooled=True)), datetime.now(UTC), policy=policy)
        arrived = received(sink)
    rows = status(seeded)
    marked = {key for key, row in rows.items() if row.status == DeliveryStatus.SENT}
    assert report.halted and "full" in report.halted
    assert len(arrived) <= len(marked) + 2 * policy.concurrency < 200
    assert {key for key in rows if stable_message_id(key) in arrived} - marked <= set(report.in_doubt)


def test_what_waits_is_told_by_reason_with_its_next_attempt(seeded: Engine) -> None:
    put(seeded, *(plain(n) for n in range(3)))
    now = datetime(2020, 5, 18, 6, 0, tzinfo=UTC)
    policy = RetryPolicy()
    channels = Channels(email_url=f"mailto://127.0.0.1:{free_port()}?from=grantflow@example.fi&mode=insecure")
    report = deliver(seeded, channels, now, policy=policy)
    assert report.nothing_delivered and len(report.retrying) == 3
    (waits,) = waiting(seeded, now, policy)
    assert waits.count == 3 and waits.next_attempt == now + policy.first_retry
    assert waits.reason.startswith("retry after: ") and report.errors["plain-0"] in waits.reason
