"""A real SMTP server on loopback that keeps what it receives (the demo's and the tests' mailbox)."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import warnings
from email import message_from_bytes, policy
from email.message import EmailMessage
from types import TracebackType
from typing import Any
from urllib.parse import quote

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from pydantic import BaseModel

# This server only ever listens on loopback, where plain AUTH without TLS exposes nothing.
warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS", category=UserWarning)
logging.getLogger("mail.log").setLevel(logging.ERROR)


class ReceivedMail(BaseModel):
    sender: str
    recipients: list[str]
    subject: str
    body: str
    message_id: str | None
    message_id_headers: int
    # The HTML alternative, if the message has one.
    html: str | None = None
    # Every header name as received, in order.
    header_names: list[str] = []


def received_mail(sender: str, recipients: list[str], content: bytes) -> ReceivedMail:
    """A message as an SMTP server received it: envelope, headers, plain-text body and any HTML alternative."""
    message = message_from_bytes(content, policy=policy.default)
    assert isinstance(message, EmailMessage)
    plain, html = message.get_body(preferencelist=("plain",)), message.get_body(preferencelist=("html",))
    part = plain or html
    return ReceivedMail(
        sender=sender,
        recipients=recipients,
        subject=str(message.get("Subject", "")),
        body=part.get_content().replace("\r\n", "\n") if part is not None else "",
        message_id=message.get("Message-ID"),
        message_id_headers=len(message.get_all("Message-ID") or []),
        html=html.get_content().replace("\r\n", "\n") if html is not None else None,
        header_names=list(message.keys()),
    )


class _Handler:
    def __init__(self, delay: float) -> None:
        self.mails: list[ReceivedMail] = []
        self.lock = threading.Lock()
        self.delay = delay
        self.greetings = 0

    async def handle_EHLO(self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]) -> list[str]:
        with self.lock:
            self.greetings += 1  # one per connection: how often senders connect
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        mail = received_mail(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
        with self.lock:
            self.mails.append(mail)
        return "250 Message accepted for delivery"


class _Authenticator:
    def __init__(self, user: str, password: str) -> None:
        self.user, self.password = user.encode(), password.encode()

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (self.user, self.password)
        return AuthResult(success=ok)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class MailSink:
    """`with MailSink() as sink:` runs an SMTP server on 127.0.0.1; `sink.mails` is what arrived."""

    def __init__(self, port: int | None = None, *, login: tuple[str, str] | None = None, delay: float = 0.0) -> None:
        """`delay` seconds per message make a slow server, for tests of senders that die mid-sweep."""
        self.port = port or free_port()
        self.login = login
        self._handler = _Handler(delay)
        auth: dict[str, Any] = {}
        if login is not None:
            # Loopback only, so plain AUTH without TLS is acceptable; a real server would demand TLS.
            auth = {"authenticator": _Authenticator(*login), "auth_required": True, "auth_require_tls": False}
        self._controller = Controller(self._handler, hostname="127.0.0.1", port=self.port, **auth)

    @property
    def mails(self) -> list[ReceivedMail]:
        with self._handler.lock:
            return list(self._handler.mails)

    @property
    def connections(self) -> int:
        with self._handler.lock:
            return self._handler.greetings

    def channel_url(self, sender: str = "grantflow@example.fi", *, pooled: bool = False) -> str:
        """An Apprise e-mail URL that delivers here without TLS, logging in when the server asks for it."""
        userinfo = f"{quote(self.login[0], safe='')}:{quote(self.login[1], safe='')}@" if self.login else ""
        if pooled:
            return f"smtppool://{userinfo}127.0.0.1:{self.port}?from={sender}"
        return f"mailto://{userinfo}127.0.0.1:{self.port}?from={sender}&mode=insecure&format=text"

    def start(self) -> MailSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> MailSink:
        return self.start()

    def __exit__(self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]) -> None:
        self.stop()
