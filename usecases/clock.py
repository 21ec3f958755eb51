"""The database's clock: the system clock, or a replay of history with explicit instants."""

from __future__ import annotations

from domain.clock import choose_clock, clock_mode
from domain.model import ClockMode
from usecases.context import changing, reading


def current_clock() -> ClockMode:
    with reading() as session:
        return clock_mode(session)


def set_clock(mode: ClockMode) -> ClockMode:
    """Choose the clock: only while the database holds no application, and never after."""
    with changing() as session:
        return choose_clock(session, mode).mode
