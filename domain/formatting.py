"""Finnish, Swedish and English renderings of money and time (`1 626 897 €`, `30.4.2020 klo 16.15`)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import IntEnum

from babel.numbers import format_decimal

from domain.calendar import HELSINKI
from domain.model import Language
from domain.money import to_euros

# Babel groups Finnish thousands with a no-break space; a plain space keeps terminal output greppable.
_NO_BREAK_SPACES = ("\u00a0", "\u202f")


def _plain_spaces(text: str) -> str:
    for space in _NO_BREAK_SPACES:
        text = text.replace(space, " ")
    return text


def format_money(cents: int, language: Language = Language.FI) -> str:
    """`1 626 897 €` (fi, sv) or `€1,626,897` (en); cents shown only when there are any."""
    pattern = "#,##0.00" if cents % 100 else "#,##0"
    euros = to_euros(cents)
    if language == Language.EN:
        return "€" + format_decimal(euros, format=pattern, locale="en")
    locale = "fi" if language == Language.FI else "sv_FI"
    return _plain_spaces(format_decimal(euros, format=pattern, locale=locale)) + " €"


def format_date(day: date, language: Language = Language.FI) -> str:
    """`30.4.2020` in Finnish and Swedish, `30 April 2020` in English."""
    if language == Language.EN:
        return f"{day.day} {day:%B %Y}"
    return f"{day.day}.{day.month}.{day.year}"


class Precision(IntEnum):
    """How finely an instant is shown: minutes, seconds, or seconds with their fraction."""

    MINUTE = 0
    SECOND = 1
    FRACTION = 2


def precision_of(instant: datetime) -> Precision:
    """The precision that shows `instant` without hiding a second: minutes only for a whole minute."""
    if instant.microsecond:
        return Precision.FRACTION
    return Precision.SECOND if instant.second else Precision.MINUTE


def format_instant(instant: datetime, language: Language = Language.FI, precision: Precision | None = None) -> str:
    """Helsinki wall time, always said to be Helsinki's: `30.4.2020 klo 16.15`, `klo 16.15.01` where a second counts.

    Shown times are cut, never rounded, so a later instant never shows earlier. By default seconds
    show when there are any; fractions only when asked for. In the hour that the end of summer time
    repeats, the offset is shown instead of the zone's name, since the wall time alone is ambiguous.
    """
    local = instant.astimezone(HELSINKI)
    shown = min(precision_of(instant), Precision.SECOND) if precision is None else precision
    separator = ":" if language == Language.EN else "."
    clock = f"{local:%H}{separator}{local:%M}"
    if shown >= Precision.SECOND:
        clock += f"{separator}{local:%S}"
    if shown == Precision.FRACTION and local.microsecond:
        clock += ("." if language == Language.EN else ",") + f"{local.microsecond:06d}".rstrip("0")
    day = format_date(local.date(), language)
    if _repeated(local):
        offset = local.utcoffset() or timedelta()
        zone = f"UTC+{offset.seconds // 3600}"
        return f"{day} at {clock} {zone}" if language == Language.EN else f"{day} {_AT[language]} {clock} ({zone})"
    if language == Language.FI:
        return f"{day} klo {clock} (Suomen aikaa)"
    if language == Language.SV:
        return f"{day} kl. {clock} (finsk tid)"
    return f"{day} at {clock} Helsinki time"


def format_instants(*instants: datetime, language: Language = Language.FI) -> tuple[str, ...]:
    """Instants compared in one message, shown alike and finely enough that different ones never look equal."""
    precision = max((precision_of(i) for i in instants), default=Precision.MINUTE)
    for candidate in Precision:
        if candidate < min(precision, Precision.SECOND):
            continue
        shown = tuple(format_instant(i, language, candidate) for i in instants)
        if all((shown[a] == shown[b]) == (instants[a] == instants[b]) for a in range(len(instants)) for b in range(a)):
            return shown
    return tuple(format_instant(i, language, Precision.FRACTION) for i in instants)


_AT = {Language.FI: "klo", Language.SV: "kl."}


def _repeated(local: datetime) -> bool:
    """A wall time that happens twice in Helsinki (the hour repeated when summer time ends)."""
    naive = local.replace(tzinfo=None)
    return naive.replace(tzinfo=HELSINKI, fold=0).utcoffset() != naive.replace(tzinfo=HELSINKI, fold=1).utcoffset()
