"""Pydantic models of what comes in: scenario records, decisions, command input."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from domain.calendar import helsinki_instant
from domain.errors import RuleViolation
from domain.model import DutyPhase, Language, OrganisationKind
from domain.money import Euros
from domain.reminders import ReminderPolicy


def _printable(value: str) -> str:
    # PostgreSQL text cannot hold NUL, and no name, title or justification needs control characters.
    if any(ord(c) < 32 and c not in "\t\n\r" for c in value):
        raise ValueError("must not contain control characters")
    return value


Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000), AfterValidator(_printable)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), AfterValidator(_printable)]
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _email(value: str) -> str:
    if not _EMAIL.match(value) or len(value) > 254 or not value.isprintable():
        raise ValueError("must be an e-mail address such as name@example.fi")
    return value.lower()


def _helsinki(value: datetime) -> datetime:
    try:
        return helsinki_instant(value)
    except RuleViolation as exc:
        raise ValueError(exc.rule) from exc


Email = Annotated[str, AfterValidator(_email)]
# A naive time is Helsinki wall time; one that DST skips or repeats is refused.
Instant = Annotated[datetime, AfterValidator(_helsinki)]


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Period(Record):
    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end < self.start:
            raise ValueError("end must not be before start")
        return self

    def within(self, outer: Period) -> bool:
        return outer.start <= self.start and self.end <= outer.end

    def __str__(self) -> str:
        return f"{self.start:%-d.%-m.%Y}–{self.end:%-d.%-m.%Y}"


class ProgrammeInput(Record):
    id: Slug
    name: Text
    period: Period


class ContactInput(Record):
    role: Slug
    email: Email
    language: Language = Language.FI
    # Tags of channels defined in the Apprise config file (never URLs: those may carry tokens).
    channels: list[Slug] = []


class OrganisationInput(Record):
    id: Slug
    name: Text
    short_name: ShortText | None = None
    kind: OrganisationKind
    contacts: list[ContactInput] = []


class CallInput(Record):
    id: Slug
    programme: Slug
    name: Text
    deadline: Instant
    state_share_percent: int = Field(ge=1, le=100)
    appropriation: Euros
    officer: Email | None = None
    # Calculated share per applicant (laskennallinen osuus), where the call uses them.
    calculated_shares: dict[Slug, Euros] = {}
    reminders: ReminderPolicy | None = None


class SubAreaInput(Record):
    number: int = Field(ge=1, le=99)
    name: Text
    total_cost: Euros
    requested: Euros


class ParticipantInput(Record):
    organisation: Slug
    requested: Euros


class WorkshopInput(Record):
    number: int = Field(ge=1)
    purpose: Text
    date: date
    place: Text | None = None
    remote: bool = False
    participants: int = Field(ge=0, le=1_000_000)

    @model_validator(mode="after")
    def _somewhere(self) -> Self:
        if self.place is None and not self.remote:
            raise ValueError("a workshop needs a place or remote: true")
        return self


class DutyInput(Record):
    kind: Slug
    title: Text
    phase: DutyPhase
    due: Instant
    done: Instant | None = None


class ApplicationInput(Record):
    id: Slug
    call: Slug
    applicant: Slug
    title: Text
    total_cost: Euros
    requested: Euros
    sub_areas: list[SubAreaInput] = []
    participants: list[ParticipantInput] = []
    workshops: list[WorkshopInput] = []
    documents: list[DutyInput] = []


class DecisionLineInput(Record):
    sub_area: int = Field(ge=1, le=99)
    granted: Euros


class DecisionShareInput(Record):
    organisation: Slug
    granted: Euros


class DecisionInput(Record):
    application: Slug
    granted: Euros
    lines: list[DecisionLineInput] = []
    shares: list[DecisionShareInput] = []
    justification: Text
    period: Period | None = None
    decided_at: Instant
    decided_by: Text

    @model_validator(mode="after")
    def _one_line_per_part(self) -> Self:
        for name, keys in (("lines", [str(line.sub_area) for line in self.lines]), ("shares", [s.organisation for s in self.shares])):
            repeated = sorted({key for key in keys if keys.count(key) > 1})
            if repeated:
                raise ValueError(f"{name}: {', '.join(repeated)} appear(s) more than once")
        return self


class ScenarioInput(Record):
    programmes: list[ProgrammeInput] = []
    organisations: list[OrganisationInput] = []
    calls: list[CallInput] = []
    applications: list[ApplicationInput] = []
    decisions: list[DecisionInput] = []
