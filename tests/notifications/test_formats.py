"""Every channel gets the message's own text, line breaks kept; where it sends HTML, escaped HTML made from that text."""

from __future__ import annotations

import html
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.model import Language
from grantflow.mailsink import MailSink, ReceivedMail
from notifications.dispatch import Channels, send
from notifications.outbox import Notification
from tests.http_receiver import Receiver, config_file

TITLE = 'Muistutus: <a href="https://evil.example">Liite</a> & <img src=x onerror=alert(1)> <script>alert(2)</script>'
BODY = (
    'Hakemukselta odotetaan: <a href="https://evil.example">Liite</a> & <img src=x onerror=alert(1)>\n'
    "\n"
    "  1. Rivi sisennettynä <script>alert(3)</script>\n"
    "  2. Toinen rivi &amp; &lt;b&gt;\n"
    "Määräaika: 30.4.2020 klo 16.15\n"
)
RAW_HTML = ("<a href", "<img", "<script")


def notification(key: str, subject: str = TITLE, body: str = BODY, recipient: str = "valmistelu@lappi.example") -> Notification:
    return Notification(key=key, application_id="lappi-fsc-2020", recipient=recipient, language=Language.FI,
                        subject=subject, body=body, created_at=datetime.now(UTC))


def arrived(sink: MailSink, count: int) -> list[ReceivedMail]:
    deadline = time.monotonic() + 5
    while len(sink.mails) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return sink.mails


def mail_url(sink: MailSink, scheme: str, extra: str = "") -> str:
    """The README's form of channel URL (no `format=`), on the sink; mailtos' TLS aside, mailto is the same plugin."""
    if scheme == "smtppool":
        return f"smtppool://127.0.0.1:{sink.port}?from=grantflow@example.fi{extra}"
    return f"mailto://127.0.0.1:{sink.port}?from=grantflow@example.fi&mode=insecure{extra}"


@pytest.mark.parametrize(("scheme", "extra"), [("mailto", ""), ("smtppool", ""), ("smtppool", "&format=html")])
@pytest.mark.smtp
def test_mail_through_a_channel_url_without_a_format_keeps_the_text_and_its_line_breaks(scheme: str, extra: str) -> None:
    with MailSink() as sink:
        delivery = send(notification(f"fmt-{scheme}"), Channels(email_url=mail_url(sink, scheme, extra)))
        (mail,) = arrived(sink, 1)
    assert delivery.ok, delivery.error
    assert mail.body == BODY
    assert mail.html is None or not any(raw in mail.html for raw in RAW_HTML)


@pytest.mark.smtp
def test_mail_in_html_carries_escaped_html_made_from_the_text_and_the_text_itself() -> None:
    with MailSink() as sink:
        delivery = send(notification("html-mailto"), Channels(email_url=mail_url(sink, "mailto", "&format=html")))
        (mail,) = arrived(sink, 1)
    assert delivery.ok, delivery.error
    assert mail.body == BODY
    assert mail.html is not None
    assert not any(raw in mail.html for raw in RAW_HTML)
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in mail.html and "&amp;amp;" in mail.html
    assert mail.html.count("<br") == BODY.count("\n")


@pytest.mark.parametrize("extra", ["", "?format=html"])
def test_a_json_channel_from_the_apprise_config_gets_the_text_or_escaped_html(receiver: Receiver, tmp_path: Path, extra: str) -> None:
    row = notification("fmt-json", recipient="tag:hanketiimi")
    delivery = send(row, Channels(config=config_file(tmp_path, receiver.url + extra, "hanketiimi")))
    assert delivery.ok, delivery.error
    (posted,) = receiver.bodies
    message = str(posted["message"])
    if extra:
        assert not any(raw in message for raw in RAW_HTML)
        assert html.unescape(message.replace("<br/>", "\n")).replace("\xa0", " ").rstrip("\n") == BODY.rstrip("\n")
    else:
        assert message == BODY.rstrip("\n")  # Apprise trims the end of a body
    assert posted["title"] == TITLE


# Text as templates make it: any printable characters, markup among them, over several lines.
texts = st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("<>&\"' "), max_size=40),
                 min_size=1, max_size=5).map(lambda lines: "\n".join(line.strip() for line in lines).strip() + "\n")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=texts)
@pytest.mark.smtp
def test_any_text_arrives_as_itself_and_as_html_that_shows_it_and_runs_nothing(body: str) -> None:
    with MailSink() as sink:
        channels = Channels(email_url=mail_url(sink, "mailto", "&format=html"))
        delivery = send(notification("fmt-any", subject="Muistutus", body=body), channels)
        (mail,) = arrived(sink, 1)
    assert delivery.ok, delivery.error
    assert mail.body.strip() == body.strip()
    assert mail.html is not None and "<" not in mail.html.replace("<br/>", "")
