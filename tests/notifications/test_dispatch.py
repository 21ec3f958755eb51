import time
from datetime import UTC, datetime

import pytest

from domain.model import Language
from grantflow.mailsink import MailSink, free_port
from notifications.dispatch import Channels, recipient_url, send, stable_message_id
from notifications.outbox import Notification


def notification(key: str, recipient: str = "valmistelutiimi@lappi.example") -> Notification:
    return Notification(
        key=key,
        application_id="lappi-fsc-2020",
        recipient=recipient,
        language=Language.FI,
        subject="Hakemus vastaanotettu",
        body="Haettu valtionavustus: 2 200 000 €\nHaku päättyy: 30.4.2020 klo 16.15\n",
        created_at=datetime.now(UTC),
    )


def wait_for(sink: MailSink, count: int) -> None:
    deadline = time.monotonic() + 5
    while len(sink.mails) < count and time.monotonic() < deadline:
        time.sleep(0.02)


@pytest.mark.smtp
def test_a_message_reaches_a_real_smtp_server_through_apprise() -> None:
    with MailSink() as sink:
        delivery = send(notification("k1"), Channels(email_url=sink.channel_url()))
        wait_for(sink, 1)
    assert delivery.ok
    (mail,) = sink.mails
    assert mail.recipients == ["valmistelutiimi@lappi.example"]
    assert mail.subject == "Hakemus vastaanotettu"
    assert "Haettu valtionavustus: 2 200 000 €\nHaku päättyy: 30.4.2020 klo 16.15" in mail.body
    assert mail.message_id == delivery.message_id == stable_message_id("k1")
    assert mail.message_id_headers == 1
    assert delivery.services[0]["status"] == "success"


@pytest.mark.smtp
def test_many_messages_each_reach_their_own_recipient() -> None:
    with MailSink() as sink:
        deliveries = [send(notification(f"k{i}", f"r{i}@example.org"), Channels(email_url=sink.channel_url())) for i in range(12)]
        wait_for(sink, 12)
    assert all(d.ok for d in deliveries)
    assert sorted(r for m in sink.mails for r in m.recipients) == sorted(f"r{i}@example.org" for i in range(12))


def test_a_server_that_is_down_gives_a_failed_delivery_with_a_reason() -> None:
    url = f"mailto://127.0.0.1:{free_port()}?from=grantflow@example.fi&mode=insecure&format=text"
    delivery = send(notification("k-down"), Channels(email_url=url))
    assert not delivery.ok
    assert delivery.error


def test_the_recipient_replaces_any_to_in_the_channel_url() -> None:
    url = recipient_url("mailto://127.0.0.1:25?from=a@example.org&to=old@example.org", "new@example.org")
    assert "to=new%40example.org" in url and "old" not in url


@pytest.mark.sqlite_only  # no database involved; the refused login takes the server ~15 s
@pytest.mark.smtp
def test_a_server_asking_for_a_password_takes_the_right_one_only() -> None:
    with MailSink(login=("grantflow", "oikea-salasana")) as sink:
        good = send(notification("k-good"), Channels(email_url=sink.channel_url()))
        wrong = send(notification("k-wrong"), Channels(email_url=sink.channel_url().replace("oikea-salasana", "vaara-salasana")))
        wait_for(sink, 1)
    assert good.ok and not wrong.ok
    assert len(sink.mails) == 1


def test_a_failed_delivery_never_carries_the_channel_password() -> None:
    url = f"mailto://grantflow:planted-secret-77@127.0.0.1:{free_port()}?from=grantflow@example.fi&mode=insecure"
    delivery = send(notification("k-secret"), Channels(email_url=url))
    assert not delivery.ok and delivery.error
    assert "planted-secret-77" not in delivery.error


@pytest.mark.smtp
def test_the_pooled_smtp_channel_reuses_a_connection_and_recovers_when_the_server_returns() -> None:
    with MailSink(login=("grantflow", "salasana")) as sink:
        channels = Channels(email_url=sink.channel_url(pooled=True))
        deliveries = [send(notification(f"pool-{i}", f"r{i}@example.org"), channels) for i in range(5)]
        wait_for(sink, 5)
    down = send(notification("pool-down"), channels)
    with MailSink(port=sink.port, login=("grantflow", "salasana")) as back:
        after = send(notification("pool-after"), channels)
        wait_for(back, 1)
    assert all(d.ok for d in deliveries)
    assert sink.connections == 1
    assert [m.message_id for m in sink.mails] == [stable_message_id(f"pool-{i}") for i in range(5)]
    assert "Haettu valtionavustus: 2 200 000 €" in sink.mails[0].body
    assert not down.ok and down.error
    assert after.ok and [m.message_id for m in back.mails] == [stable_message_id("pool-after")]
