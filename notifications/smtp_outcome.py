"""Whether an SMTP server may have kept a message: the phase each send reached, per message being sent.

A send that fails before the message data is handed over delivered nothing and is safe to retry. Once
the data (with its closing dot) is handed over, only the server's reply says whether it kept the
message: a send that never gets that reply has an unknown outcome, and a retry could be a duplicate.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass
class MessageSend:
    """One message on its way: its Message-ID and plain text, and what its SMTP exchange showed."""

    message_id: str
    text: str
    # SMTP transactions (MAIL FROM … DATA) begun for this message.
    transactions: int = 0
    # The message data was handed over and no reply to it ever came.
    unanswered: bool = False


# A context variable rather than a thread-local: Apprise runs services in worker threads with a copy
# of the caller's context, and the copy holds this same object.
_current: ContextVar[MessageSend | None] = ContextVar("grantflow_message_send", default=None)


@contextmanager
def sending(message: MessageSend) -> Iterator[MessageSend]:
    token = _current.set(message)
    try:
        yield message
    finally:
        _current.reset(token)


def current() -> MessageSend | None:
    return _current.get()


class _PhaseWatch:
    """Mixed into smtplib's classes: notes when DATA's body has gone out and whether its reply came back."""

    # None outside DATA; "command" until the 354 go-ahead, "body" while the data is sent, "handed" after.
    _data_phase: str | None = None
    # This connection's last message data was handed over and never answered.
    unanswered = False

    def sendmail(self, *args: Any, **kwargs: Any) -> Any:
        message = current()
        if message is not None:
            message.transactions += 1
        return super().sendmail(*args, **kwargs)  # type: ignore[misc]

    def data(self, msg: Any) -> tuple[int, bytes]:
        self._data_phase = "command"
        try:
            return super().data(msg)  # type: ignore[misc]
        except BaseException:
            if self._data_phase == "handed":
                self.unanswered = True
                message = current()
                if message is not None:
                    message.unanswered = True
            raise
        finally:
            self._data_phase = None

    def getreply(self) -> tuple[int, bytes]:
        code, text = super().getreply()  # type: ignore[misc]
        if self._data_phase == "command" and code == 354:
            self._data_phase = "body"
        return code, text

    def send(self, s: Any) -> None:
        super().send(s)  # type: ignore[misc]
        if self._data_phase == "body":
            # sendall returned: every byte, the closing dot included, is with the server.
            self._data_phase = "handed"


class WatchedSMTP(_PhaseWatch, smtplib.SMTP):
    pass


class WatchedSMTP_SSL(_PhaseWatch, smtplib.SMTP_SSL):
    pass
