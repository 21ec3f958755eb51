"""A misbehaving SMTP server on loopback: it keeps what it receives, then fails the way a test tells it to."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from enum import StrEnum

from grantflow.mailsink import ReceivedMail, free_port, received_mail


class Fault(StrEnum):
    NONE = "none"
    # Keeps the message, then drops the connection before answering the end of DATA: the sender cannot know.
    DROP_AFTER_DATA = "drop after data"
    # Answers the end of DATA with a refusal: nothing kept, and the sender knows.
    REFUSE_DATA = "refuse data"
    # Drops the connection at MAIL FROM, before any message data.
    DROP_AT_MAIL = "drop at mail"


class FaultySMTP:
    """`with FaultySMTP(fault) as server:`; `fault` may be a function of the transaction's number (0, 1, …)."""

    def __init__(self, fault: Fault | Callable[[int], Fault] = Fault.DROP_AFTER_DATA) -> None:
        self.port = free_port()
        self._fault = fault if callable(fault) else (lambda _n: fault)
        self._lock = threading.Lock()
        self._mails: list[ReceivedMail] = []
        self._transactions = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def mails(self) -> list[ReceivedMail]:
        with self._lock:
            return list(self._mails)

    def url(self, scheme: str = "mailto") -> str:
        if scheme == "smtppool":
            return f"smtppool://127.0.0.1:{self.port}?from=grantflow@example.fi"
        return f"{scheme}://127.0.0.1:{self.port}?from=grantflow@example.fi&mode=insecure"

    def _next_fault(self) -> Fault:
        with self._lock:
            number = self._transactions
            self._transactions += 1
        return self._fault(number)

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        def reply(line: str) -> None:
            writer.write(line.encode() + b"\r\n")

        sender, recipients, fault = "", list[str](), Fault.NONE
        reply("220 127.0.0.1 faulty ESMTP")
        try:
            while line := await reader.readline():
                command = line.decode(errors="replace").strip()
                verb = command.split(" ", 1)[0].upper()
                if verb == "EHLO":
                    reply("250-127.0.0.1")
                    reply("250-8BITMIME")
                    reply("250 SMTPUTF8")
                elif verb == "HELO":
                    reply("250 127.0.0.1")
                elif verb == "MAIL":
                    fault = self._next_fault()
                    if fault == Fault.DROP_AT_MAIL:
                        break
                    sender, recipients = command.split(":", 1)[1].strip().strip("<>").split(">")[0], []
                    reply("250 OK")
                elif verb == "RCPT":
                    recipients.append(command.split(":", 1)[1].strip().split(">")[0].strip("<"))
                    reply("250 OK")
                elif verb == "DATA":
                    reply("354 End data with <CR><LF>.<CR><LF>")
                    await writer.drain()
                    lines: list[bytes] = []
                    while (data := await reader.readline()) not in (b".\r\n", b""):
                        lines.append(data[1:] if data.startswith(b"..") else data)
                    if fault == Fault.REFUSE_DATA:
                        reply("451 Try again later")
                        continue
                    with self._lock:
                        self._mails.append(received_mail(sender, recipients, b"".join(lines)))
                    if fault == Fault.DROP_AFTER_DATA:
                        break
                    reply("250 OK")
                elif verb in ("RSET", "NOOP"):
                    reply("250 OK")
                elif verb == "QUIT":
                    reply("221 Bye")
                    break
                else:
                    reply("502 Command not implemented")
                await writer.drain()
        finally:
            writer.transport.abort()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(asyncio.start_server(self._session, "127.0.0.1", self.port))
        self._ready.set()
        self._loop.run_forever()

    def __enter__(self) -> FaultySMTP:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        async def stop() -> None:
            self._server.close()

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
