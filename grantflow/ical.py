"""Deadlines as iCalendar files: one per organisation, each deadline an event whose UID stays the same from run to run,
so that importing the file again updates the events (a deadline extended moves) rather than adding them twice."""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from icalendar import Calendar, Event

from domain.errors import RuleViolation
from domain.model import Language
from grantflow.folders import state_folder
from usecases.plan import CalendarEvent, OrganisationCalendar

PRODUCT = "-//grantflow//deadlines//EN"
_APPLICATION = {Language.FI: "Hakemus", Language.SV: "Ansökan", Language.EN: "Application"}
_CALL = {Language.FI: "Haku", Language.SV: "Utlysning", Language.EN: "Call"}


def event_uid(calendar: OrganisationCalendar, event: CalendarEvent) -> str:
    """Named by what the deadline is, never by its date or a row id: the same deadline keeps its UID wherever it moves."""
    deadline = event.deadline
    what = f"duty.{deadline.application_id}.{deadline.duty_kind}" if deadline.kind == "duty" else f"call.{deadline.call_id}.{deadline.application_id}"
    return f"{what}.{calendar.organisation_id}@grantflow"


def calendar_file(calendar: OrganisationCalendar, stamp: datetime) -> bytes:
    """The organisation's deadlines as an iCalendar document; instants in UTC, which every client shows in its own zone."""
    document = Calendar()
    document.add("prodid", PRODUCT)
    document.add("version", "2.0")
    document.add("x-wr-calname", f"grantflow: {calendar.name}")
    for event in calendar.events:
        deadline = event.deadline
        item = Event()
        item.add("uid", event_uid(calendar, event))
        item.add("dtstamp", stamp.astimezone(UTC))
        item.add("dtstart", deadline.due_at.astimezone(UTC))
        item.add("summary", f"{event.title} – {deadline.application_id}")
        item.add("description", f"{_APPLICATION[calendar.language]}: {deadline.application_title} ({deadline.application_id})\n"
                                f"{_CALL[calendar.language]}: {deadline.call_id}")
        # A deadline takes no time in anyone's day.
        item.add("transp", "TRANSPARENT")
        document.add_component(item)
    return bytes(document.to_ical())


def write_calendars(calendars: list[OrganisationCalendar], folder: Path, stamp: datetime, *, field: str = "--ical-dir") -> list[Path]:
    """`<organisation>.ics` in `folder` (made if missing) for each calendar; each file replaced whole, never left half written."""
    state_folder(folder, field=field)
    written: list[Path] = []
    for calendar in calendars:
        target = folder / f"{calendar.organisation_id}.ics"
        temporary: str | None = None
        try:
            handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{calendar.organisation_id}.", suffix=".ics")
            with os.fdopen(handle, "wb") as file:
                file.write(calendar_file(calendar, stamp))
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)
        except OSError as exc:
            raise RuleViolation(field, f"{target} cannot be written: {exc.strerror or exc}") from None
        finally:
            if temporary is not None:
                Path(temporary).unlink(missing_ok=True)
        written.append(target)
    return written
