"""Input types: one-line and multi-line text, one e-mail address per field, dates and instants as written."""

from __future__ import annotations

import string
import unicodedata
from datetime import UTC, datetime
from email.headerregistry import Address
from email.utils import getaddresses

import pytest
from apprise.utils.parse import is_email, parse_emails
from hypothesis import example, given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from domain.errors import RuleViolation
from domain.inputs import Actor, Day, Email, Instant, Name, Text, parse_option
from domain.limits import ACTOR_LENGTH, EMAIL_LENGTH, EMAIL_LOCAL_LENGTH

name: TypeAdapter[str] = TypeAdapter(Name)
text: TypeAdapter[str] = TypeAdapter(Text)
email: TypeAdapter[str] = TypeAdapter(Email)
actor: TypeAdapter[str] = TypeAdapter(Actor)
instant: TypeAdapter[datetime] = TypeAdapter(Instant)
day: TypeAdapter[object] = TypeAdapter(Day)

BREAKING = ["\r", "\n", "\t", "\x00", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\u2028", "\u2029", "\ud800"]


@pytest.mark.parametrize("char", BREAKING)
def test_a_name_with_any_control_character_is_refused_naming_the_character(char: str) -> None:
    with pytest.raises(ValidationError, match=rf"must be one line without control characters.*U\+{ord(char):04X} at position 6"):
        name.validate_python(f"Hanke{char}Bcc: x@evil.example")


@given(st.text(max_size=40))
@example("Soite 2.0\r\nBcc: x@evil.example")
def test_an_accepted_name_is_one_line_whatever_splits_lines(value: str) -> None:
    try:
        accepted = name.validate_python(value)
    except ValidationError:
        return
    assert len(accepted.splitlines()) == 1
    assert not any(unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp") for c in accepted)


def test_a_justification_keeps_line_feeds_and_reads_carriage_returns_as_line_feeds() -> None:
    assert text.validate_python("Tavoitteet on kuvattu.\r\nVaikutukset uskottavia.\rLoppu.") == "Tavoitteet on kuvattu.\nVaikutukset uskottavia.\nLoppu."
    with pytest.raises(ValidationError, match="must not contain control characters other than line feeds and tabs"):
        text.validate_python("Tavoitteet\x00")


@given(st.text(max_size=40))
def test_accepted_multi_line_text_breaks_lines_only_at_line_feeds(value: str) -> None:
    try:
        accepted = text.validate_python(value)
    except ValidationError:
        return
    assert "\r" not in accepted
    assert accepted.splitlines() == accepted.split("\n")


@pytest.mark.parametrize(
    "address",
    [
        "victim,attacker@evil.example",
        "victim@example.fi,attacker@evil.example",
        "victim@example.fi;attacker@evil.example",
        "Victim <victim@example.fi>",
        "<attacker@evil.example>",
        '"victim attacker"@evil.example',
        "victim attacker@evil.example",
        "victim@example.fi attacker@evil.example",
        "victim%attacker@evil.example",
        "attacker!victim@evil.example",
        "o'brien@example.fi",
        "victim@example.fi\r\nBcc: attacker@evil.example",
        "victim@[127.0.0.1]",
        "victim@localhost",
        "victim@example.fi1",
        "victim@-example.fi",
        "victim@example..fi",
        ".victim@example.fi",
        "vic..tim@example.fi",
        "vïctim@example.fi",
        "victim@exämple.fi",
        "a" * (EMAIL_LOCAL_LENGTH + 1) + "@example.fi",
        "a@" + ".".join(["b" * 63] * 4) + ".fi",
        "a@" + "b." * 11 + "fi",
    ],
)
def test_anything_but_one_plain_address_is_refused(address: str) -> None:
    with pytest.raises(ValidationError):
        email.validate_python(address)


address_text = st.text(alphabet=string.ascii_letters + string.digits + " ,;:<>\"'()[]\\@.%!+-_=/?#&|~{}`*$^\t\r\nä", max_size=40)
plain_addresses = st.from_regex(
    r"[a-z0-9_-]{1,10}(\.[a-z0-9_-]{1,10}){0,2}(\+[a-z0-9_.-]{1,5})?@([a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?\.){1,3}[a-z]{2,6}", fullmatch=True
)


@given(st.one_of(address_text, plain_addresses, plain_addresses.map(str.upper), st.text(max_size=30)))
@example("victim,attacker@evil.example")
@example("l" * 64 + "@" + ".".join(["d" * 63, "e" * 63, "f" * 58]) + ".fi")
def test_every_accepted_address_is_exactly_one_addr_spec_for_email_and_apprise(value: str) -> None:
    try:
        accepted = email.validate_python(value)
    except ValidationError:
        return
    assert len(accepted) <= EMAIL_LENGTH
    assert getaddresses([accepted]) == [("", accepted)]
    assert Address(addr_spec=accepted).addr_spec == accepted
    assert parse_emails(accepted) == [accepted]
    parsed = is_email(accepted)
    assert parsed and parsed["full_email"] == accepted


def test_an_actor_longer_than_the_column_is_refused() -> None:
    assert actor.validate_python("x" * ACTOR_LENGTH) == "x" * ACTOR_LENGTH
    with pytest.raises(ValidationError, match=f"at most {ACTOR_LENGTH} characters"):
        actor.validate_python("x" * (ACTOR_LENGTH + 1))


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        (1588252500, "must be an ISO 8601 date and time"),
        ("1588252500", "must be an ISO 8601 date and time"),
        (1588252500.0, "must be an ISO 8601 date and time"),
        ("2020-04-30", "must be an ISO 8601 date and time"),
        ("30.4.2020 16:15", "must be an ISO 8601 date and time"),
        ("2026-02-30T12:00:00", "is not a date and time: day is out of range for month"),
        ("0001-01-01T00:00:00", "must fall in the years 1900–2199"),
        ("9999-12-31T23:59:59", "must fall in the years 1900–2199"),
        (datetime(1, 1, 1), "must fall in the years 1900–2199"),
        ("2026-03-29T03:30:00", "does not exist in Helsinki"),
    ],
)
def test_an_instant_is_an_iso_date_and_time_in_range_never_a_number(value: object, rule: str) -> None:
    with pytest.raises(ValidationError, match=rule):
        instant.validate_python(value)


def test_an_instant_is_read_with_its_offset_or_as_helsinki_time() -> None:
    assert instant.validate_python("2020-04-30T13:15:00Z") == datetime(2020, 4, 30, 13, 15, tzinfo=UTC)
    assert instant.validate_python("2020-04-30 16:15") == datetime(2020, 4, 30, 13, 15, tzinfo=UTC)
    assert instant.validate_python("2020-04-30T16:15:00+03:00") == datetime(2020, 4, 30, 13, 15, tzinfo=UTC)


@pytest.mark.parametrize(("value", "rule"), [(20200430, "must be an ISO 8601 date"), ("2026-02-30", "day is out of range"), ("1899-12-31", "1900–2199")])
def test_a_date_is_an_iso_date_in_range(value: object, rule: str) -> None:
    with pytest.raises(ValidationError, match=rule):
        day.validate_python(value)


def test_an_option_is_refused_naming_the_option_and_the_rule() -> None:
    with pytest.raises(RuleViolation) as refused:
        parse_option(Instant, "9999-12-31T23:59:59", field="--at")
    assert refused.value.message == "--at: must fall in the years 1900–2199"
