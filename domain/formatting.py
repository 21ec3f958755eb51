"""Finnish, Swedish and English renderings of money and time (`1 626 897 €`, `30.4.2020 klo 16.15`)."""

from __future__ import annotations

from datetime import date, datetime

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


def format_instant(instant: datetime, language: Language = Language.FI) -> str:
    """Helsinki wall time, always said to be Helsinki's: `30.4.2020 klo 16.15`."""
    local = instant.astimezone(HELSINKI)
    day = format_date(local.date(), language)
    if language == Language.FI:
        return f"{day} klo {local:%H.%M} (Suomen aikaa)"
    if language == Language.SV:
        return f"{day} kl. {local:%H.%M} (finsk tid)"
    return f"{day} at {local:%H:%M} Helsinki time"
