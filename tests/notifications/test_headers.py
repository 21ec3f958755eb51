"""Headers are built safely on every channel: a line break cannot cut or add one, and a recipient is exactly one address."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.model import Language
from grantflow.mailsink import MailSink, ReceivedMail
from notifications.dispatch import Channels, Outcome, send
from notifications.headers import one_line, single_address
from notifications.outbox import Notification
from tests.http_receiver import Receiver, config_file

SCHEMES = ["mailto", "smtppool"]
INJECTIONS = ["Muistutus\rBcc: x@y.example", "Muistutus\nBcc: x@y.example", "Muistutus\r\nBcc: x@y.example",
              "Muistutus\r\n\r\nBcc: x@y.example", "Muistutus\u2028Bcc: x@y.example"]


def notification(key: str, subject: str = "Muistutus", recipient: str = "valmistelu@lappi.example") -> Notification:
    return Notification(key=key, application_id="lappi-fsc-2020", recipient=recipient, language=Language.FI,
                        subject=subject, body="Määräaika: 30.4.2020 klo 16.15\n", created_at=datetime.now(UTC))


def channel(sink: MailSink, scheme: str) -> Channels:
    return Channels(email_url=sink.channel_url(pooled=scheme == "smtppool"))


def arrived(sink: MailSink, count: int) -> list[ReceivedMail]:
    deadline = time.monotonic() + 5
    while len(sink.mails) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return sink.mails


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("subject", INJECTIONS)
@pytest.mark.smtp
def test_a_line_break_in_a_subject_is_folded_into_one_subject_line_and_adds_no_header(scheme: str, subject: str) -> None:
    with MailSink() as sink:
        delivery = send(notification(f"crlf-{scheme}", subject), channel(sink, scheme))
        mails = arrived(sink, 1)
    assert delivery.ok, delivery.error
    (mail,) = mails
    assert mail.recipients == ["valmistelu@lappi.example"]
    assert mail.subject == "Muistutus Bcc: x@y.example"
    assert "Bcc" not in mail.header_names


@pytest.mark.parametrize("subject", INJECTIONS)
def test_a_line_break_in_a_title_reaches_a_json_channel_as_one_line(receiver: Receiver, tmp_path: Path, subject: str) -> None:
    delivery = send(notification("crlf-json", subject, recipient="tag:hanketiimi"), Channels(config=config_file(tmp_path, receiver.url, "hanketiimi")))
    assert delivery.ok, delivery.error
    (posted,) = receiver.bodies
    assert posted["title"] == "Muistutus Bcc: x@y.example"


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("recipient", [
    "victim,attacker@evil.example", "victim@lappi.example,attacker@evil.example", "victim@lappi.example;attacker@evil.example",
    "victim@lappi.example attacker@evil.example", "Victim <victim@lappi.example>, attacker@evil.example",
    "victim@lappi.example\r\nBcc: attacker@evil.example", "victim@lappi.example\nattacker@evil.example", "",
])
@pytest.mark.smtp
def test_a_recipient_that_is_not_exactly_one_address_is_sent_to_no_address(scheme: str, recipient: str) -> None:
    with MailSink() as sink:
        delivery = send(notification(f"many-{scheme}", recipient=recipient), channel(sink, scheme))
        time.sleep(0.2)  # a message sent despite the refusal would be in the sink by now
        mails = sink.mails
    assert mails == []
    assert delivery.outcome == Outcome.INVALID
    assert "is not exactly one e-mail address" in (delivery.error or "")


def test_a_folded_header_is_one_line_without_control_characters() -> None:
    assert one_line("a\r\n\tb\x00c\x85d\u2029 e  ") == "a b c d e"
    assert single_address("kirjaamo@lappi.example") == "kirjaamo@lappi.example"


# Subjects with any characters at all, line breaks and control characters among them.
subjects = st.lists(st.text(st.characters(blacklist_categories=("Cs",)), max_size=8) | st.sampled_from(["\r", "\n", "\r\n", "Bcc: x@y.example"]),
                    min_size=1, max_size=8).map("".join)


@pytest.mark.parametrize("scheme", SCHEMES)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(subject=subjects)
@pytest.mark.smtp
def test_any_subject_arrives_as_one_header_to_the_one_recipient(scheme: str, subject: str) -> None:
    with MailSink() as sink:
        delivery = send(notification(f"any-{scheme}", subject if subject.strip() else f"x{subject}"), channel(sink, scheme))
        mails = arrived(sink, 1)
    assert delivery.ok, delivery.error
    (mail,) = mails
    assert mail.recipients == ["valmistelu@lappi.example"]
    assert sorted(mail.header_names.count(name) for name in ("Subject", "To", "From", "Message-ID")) == [1, 1, 1, 1]
    assert "Bcc" not in mail.header_names and "Cc" not in mail.header_names
    assert not any(ord(c) < 32 for c in mail.subject)


# Whatever text stands in a contact's address field: addresses, separators, names, line breaks.
recipients = st.lists(st.sampled_from(["victim@lappi.example", "attacker@evil.example", "victim", ",", ";", " ", "\r\n", "<", ">",
                                       "Name ", "Bcc: ", '"', "@"]), min_size=1, max_size=6).map("".join)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(recipient=recipients)
@pytest.mark.smtp
def test_any_address_field_is_sent_to_exactly_that_one_address_or_to_none(recipient: str) -> None:
    with MailSink() as sink:
        mailto = send(notification("field-mailto", recipient=recipient), channel(sink, "mailto"))
        pooled = send(notification("field-pooled", recipient=recipient), channel(sink, "smtppool"))
        mails = arrived(sink, 2 if mailto.ok else 0)
    assert mailto.outcome == pooled.outcome
    if mailto.ok:
        assert [m.recipients for m in mails] == [[recipient], [recipient]]
    else:
        assert mails == [] and mailto.outcome == Outcome.INVALID
