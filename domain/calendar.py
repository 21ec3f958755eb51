"""Deadlines as Europe/Helsinki instants and the Finnish act-time rule (laki säädettyjen määräaikain laskemisesta 150/1930)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from domain.errors import RuleViolation

HELSINKI = ZoneInfo("Europe/Helsinki")
# When Finnish agencies' office hours end; used where a source gives a deadline date only.
OFFICE_HOURS_END = time(16, 15)


@lru_cache(maxsize=64)
def _holidays(year: int) -> holidays.HolidayBase:
    # Includes Midsummer Eve and Christmas Eve, which the act-time rule treats as holidays.
    return holidays.country_holidays("FI", years=year, language="fi")


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a Finnish public holiday, Midsummer Eve or Christmas Eve."""
    return day.weekday() < 5 and day not in _holidays(day.year)


def next_working_day(day: date) -> date:
    """The day itself when it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def previous_working_day(day: date) -> date:
    """The day itself when it is a working day, else the last working day before it."""
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def add_working_days(day: date, count: int) -> date:
    """Move by `count` working days (negative moves back), counting from a working day."""
    step = 1 if count >= 0 else -1
    remaining = abs(count)
    while remaining:
        day += timedelta(days=step)
        if is_working_day(day):
            remaining -= 1
    return day


def act_time_day(day: date) -> date:
    """A deadline falling on a weekend or holiday moves to the next working day (150/1930, 5 §)."""
    return next_working_day(day)


def local_instant(day: date, at: time, *, field: str = "deadline") -> datetime:
    """The Helsinki wall time `day at` as an aware instant; refuses times that DST skips or repeats."""
    naive = datetime.combine(day, at.replace(tzinfo=None))
    return helsinki_instant(naive, field=field)


def helsinki_instant(moment: datetime, *, field: str = "deadline") -> datetime:
    """An aware instant; a naive datetime is read as Helsinki wall time and must exist exactly once."""
    if moment.tzinfo is not None:
        return moment.astimezone(HELSINKI)
    early = moment.replace(tzinfo=HELSINKI, fold=0)
    late = moment.replace(tzinfo=HELSINKI, fold=1)
    if early.utcoffset() == late.utcoffset():
        return early
    shown = f"{moment:%d.%m.%Y %H:%M}"
    round_trip = early.astimezone(UTC).astimezone(HELSINKI).replace(tzinfo=None)
    if round_trip != moment:
        raise RuleViolation(field, f"{shown} does not exist in Helsinki (clocks skip it when summer time starts)")
    raise RuleViolation(field, f"{shown} happens twice in Helsinki (clocks repeat it when summer time ends); give a UTC offset")


def deadline_instant(moment: datetime, *, field: str = "deadline") -> datetime:
    """A deadline as stated, moved by the act-time rule when its Helsinki date is not a working day."""
    local = helsinki_instant(moment, field=field)
    day = act_time_day(local.date())
    if day == local.date():
        return local
    return local_instant(day, local.timetz(), field=field)
