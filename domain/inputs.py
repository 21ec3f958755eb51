"""Pydantic models of what comes in: scenario records, decisions, command input."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Self

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, TypeAdapter, ValidationError, model_validator

from domain.addresses import address_problem
from domain.calendar import helsinki_instant
from domain.errors import Problem, RuleViolation
from domain.limits import ACTOR_LENGTH, FIRST_YEAR, ID_LENGTH, LAST_YEAR, NAME_LENGTH, SHORT_NAME_LENGTH, TEXT_LENGTH
from domain.model import DutyPhase, Language, OrganisationKind
from domain.money import Euros
from domain.payments import PaymentPlan
from domain.reminders import ReminderPolicy

# Every control character, line and paragraph separators, and lone surrogates (which no database can
# store): none belongs in one line of text, and a line break in a name or title would become a new
# header line where the name reaches an e-mail subject.
_NOT_IN_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
# Multi-line text keeps its line feeds and tabs; carriage returns are normalised to line feeds first.
_NOT_IN_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def _refuse_control(value: str, forbidden: re.Pattern[str], rule: str) -> None:
    found = forbidden.search(value)
    if found:
        raise ValueError(f"{rule} (U+{ord(found.group()):04X} at position {found.start() + 1})")


def _one_line(value: object) -> object:
    if isinstance(value, str):
        _refuse_control(value, _NOT_IN_ONE_LINE, "must be one line without control characters: no line break, tab or other control character")
    return value


def _multi_line(value: object) -> object:
    if isinstance(value, str):
        value = value.replace("\r\n", "\n").replace("\r", "\n")
        _refuse_control(value, _NOT_IN_TEXT, "must not contain control characters other than line feeds and tabs")
    return value


_SLUG = re.compile(rf"[a-z0-9][a-z0-9-]{{0,{ID_LENGTH - 1}}}", re.ASCII)


def _slug(value: object) -> object:
    if isinstance(value, str) and not _SLUG.fullmatch(value):
        raise ValueError(f"must be an id of lowercase letters, digits and hyphens, at most {ID_LENGTH} characters, such as soite-ru-2020")
    return value


def _email(value: object) -> object:
    if not isinstance(value, str):
        return value
    if (problem := address_problem(value)) is not None:
        raise ValueError(problem)
    return value.lower()


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_ISO_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})?", re.ASCII)


def _iso_day(value: object) -> object:
    """A date is written as one (2020-04-30): a number is never taken for one."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _ISO_DAY.fullmatch(value):
        raise ValueError("must be an ISO 8601 date such as 2020-04-30")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"{value} is not a date: {exc}") from None


def _iso_instant(value: object) -> object:
    """An instant is written as an ISO 8601 date and time: a number is never taken for a Unix time."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _ISO_INSTANT.fullmatch(value):
        raise ValueError("must be an ISO 8601 date and time such as 2020-04-30T16:15:00 (Helsinki time) or 2020-04-30T13:15:00Z")
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"{value} is not a date and time: {exc}") from None


def _in_years(day: date) -> None:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValueError(f"must fall in the years {FIRST_YEAR}–{LAST_YEAR}")


def _day_in_years(value: date) -> date:
    _in_years(value)
    return value


def _helsinki(value: datetime) -> datetime:
    _in_years(value)
    try:
        return helsinki_instant(value)
    except RuleViolation as exc:
        raise ValueError(exc.rule) from exc


Slug = Annotated[str, BeforeValidator(_slug)]
# Names, titles, places, purposes: one line each, surrounding spaces removed.
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_LENGTH), BeforeValidator(_one_line)]
ShortName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=SHORT_NAME_LENGTH), BeforeValidator(_one_line)]
# Who decided or acted, as stored with the decision and its events.
Actor = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=ACTOR_LENGTH), BeforeValidator(_one_line)]
# Multi-line text: a justification. Line feeds kept, CRLF and CR read as line feeds.
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TEXT_LENGTH), BeforeValidator(_multi_line)]
Email = Annotated[str, BeforeValidator(_email)]
Day = Annotated[date, BeforeValidator(_iso_day), AfterValidator(_day_in_years)]
# A naive time is Helsinki wall time; one that DST skips or repeats is refused.
Instant = Annotated[datetime, BeforeValidator(_iso_instant), AfterValidator(_helsinki)]


def parse_option(kind: Any, text: str, *, field: str) -> Any:
    """A command option's text read as `kind` (an Instant, a Slug, an Actor…); refused naming the option and the rule."""
    try:
        return TypeAdapter(kind).validate_python(text)
    except ValidationError as exc:
        raise RuleViolation(field, str(exc.errors()[0]["msg"]).removeprefix("Value error, ")) from None


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Period(Record):
    start: Day
    end: Day

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
    name: Name
    period: Period


class ContactInput(Record):
    role: Slug
    email: Email
    language: Language = Language.FI
    # Tags of channels defined in the Apprise config file (never URLs: those may carry tokens).
    channels: list[Slug] = []


class OrganisationInput(Record):
    id: Slug
    name: Name
    short_name: ShortName | None = None
    kind: OrganisationKind
    contacts: list[ContactInput] = []


class CallInput(Record):
    id: Slug
    programme: Slug
    name: Name
    deadline: Instant
    state_share_percent: int = Field(ge=1, le=100)
    appropriation: Euros
    officer: Email | None = None
    # Calculated share per applicant (laskennallinen osuus), where the call uses them.
    calculated_shares: dict[Slug, Euros] = {}
    reminders: ReminderPolicy | None = None
    payments: PaymentPlan | None = None


class SubAreaInput(Record):
    number: int = Field(ge=1, le=99)
    name: Name
    total_cost: Euros
    requested: Euros


class ParticipantInput(Record):
    organisation: Slug
    requested: Euros


class WorkshopInput(Record):
    number: int = Field(ge=1, le=999)
    purpose: Name
    date: Day
    place: Name | None = None
    remote: bool = False
    participants: int = Field(ge=0, le=1_000_000)

    @model_validator(mode="after")
    def _somewhere(self) -> Self:
        if self.place is None and not self.remote:
            raise ValueError("a workshop needs a place or remote: true")
        return self


class DutyInput(Record):
    kind: Slug
    title: Name
    phase: DutyPhase
    due: Instant
    done: Instant | None = None


class ApplicationInput(Record):
    id: Slug
    call: Slug
    applicant: Slug
    title: Name
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
    decided_by: Actor

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


def problem_of(error: Any, raw: dict[str, Any]) -> Problem:
    """A pydantic error as `applications[2] soite-ru-2020` / `sub_areas[0].requested` / rule."""
    loc = list(error["loc"])
    record = None
    if len(loc) >= 2 and isinstance(loc[0], str) and isinstance(loc[1], int):
        section, index = loc[0], loc[1]
        record = f"{section}[{index}]"
        item = raw.get(section)
        if isinstance(item, list) and index < len(item) and isinstance(item[index], dict):
            ident = item[index].get("id") or item[index].get("application")
            if isinstance(ident, str):
                record += f" {ident}"
        loc = loc[2:]
    field = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".") or "record"
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "is not a known field"
    elif error["type"] == "missing":
        message = "is required"
    return Problem(field, message, record=record)
