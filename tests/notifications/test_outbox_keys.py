"""Every outbox key and column value built from inputs the validation accepts fits its column."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import example, given
from hypothesis import strategies as st
from pydantic import TypeAdapter

from domain.alerts import AlertKind
from domain.inputs import Email, Slug
from domain.limits import (
    EMAIL_LENGTH,
    EMAIL_LOCAL_LENGTH,
    FIRST_YEAR,
    ID_LENGTH,
    LAST_YEAR,
)
from domain.reminders import (
    DEADLINE_KEY_LENGTH,
    OVERDUE,
    DayCount,
    Deadline,
    ReminderPolicy,
    call_deadline_key,
    duty_deadline_key,
    slot_name,
)
from notifications.messages import message_key
from notifications.outbox import KEY_LENGTH, RECIPIENT_LENGTH, SLOT_LENGTH, Notification
from notifications.reminders import reminder_key

slug_type: TypeAdapter[str] = TypeAdapter(Slug)
email_type: TypeAdapter[str] = TypeAdapter(Email)

ids = st.from_regex(rf"[a-z0-9][a-z0-9-]{{0,{ID_LENGTH - 1}}}", fullmatch=True).map(slug_type.validate_python)
longest_id = st.integers(1, ID_LENGTH).map(lambda n: "a" * n)
label = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?", fullmatch=True)


@st.composite
def addresses(draw: st.DrawFn) -> str:
    """Addresses the validation accepts, up to the longest: a 64-character local part, a domain filling 254."""
    local = draw(st.from_regex(rf"[a-z0-9_-]{{1,{EMAIL_LOCAL_LENGTH}}}", fullmatch=True))
    labels = draw(st.lists(label, min_size=1, max_size=10))
    top = draw(st.from_regex(r"[a-z]{2,63}", fullmatch=True))
    address = f"{local}@{'.'.join([*labels, top])}"[-EMAIL_LENGTH:]
    if draw(st.booleans()):  # stretch towards the limit
        room = EMAIL_LENGTH - len(local) - 1 - len(top) - 1
        chunks = [("x" * 63) for _ in range(room // 64)] + (["y" * (room % 64 - 1)] if room % 64 > 1 else [])
        address = f"{local}@{'.'.join([*chunks[:10], top])}"
    return email_type.validate_python(address)


LONGEST_ADDRESS = "l" * 64 + "@" + ".".join(["d" * 63, "e" * 63, "f" * 58]) + ".fi"
recipients = st.one_of(addresses(), ids.map(lambda tag: f"tag:{tag}"), st.just(LONGEST_ADDRESS), longest_id.map(lambda tag: f"tag:{tag}"))
slots = st.one_of(
    st.just(OVERDUE),
    st.builds(lambda offset, days: slot_name(offset, ReminderPolicy(offsets=[offset], days=days)), st.integers(1, 365), st.sampled_from(DayCount)),
)
instants = st.datetimes(datetime(FIRST_YEAR, 1, 2), datetime(LAST_YEAR, 12, 30), timezones=st.just(UTC))
deadline_keys = st.one_of(
    st.builds(call_deadline_key, st.one_of(ids, longest_id), st.one_of(ids, longest_id)),
    st.integers(1, 2**63 - 1).map(duty_deadline_key),
)


def test_the_longest_address_is_accepted() -> None:
    assert len(LONGEST_ADDRESS) == EMAIL_LENGTH
    assert email_type.validate_python(LONGEST_ADDRESS) == LONGEST_ADDRESS


def test_the_columns_are_declared_with_the_computed_lengths() -> None:
    columns = Notification.__table__.c  # type: ignore[attr-defined]
    assert (columns.key.type.length, columns.deadline_key.type.length, columns.recipient.type.length, columns.slot.type.length) == (
        KEY_LENGTH, DEADLINE_KEY_LENGTH, RECIPIENT_LENGTH, SLOT_LENGTH,
    )


@given(deadline_key=deadline_keys, application=st.one_of(ids, longest_id), due=instants, slot=slots, recipient=recipients)
@example(deadline_key=call_deadline_key("c" * ID_LENGTH, "a" * ID_LENGTH), application="a" * ID_LENGTH,
         due=datetime(LAST_YEAR, 12, 30, 23, 59, 59, tzinfo=UTC), slot="365wd", recipient=LONGEST_ADDRESS)
def test_every_reminder_key_fits_its_column(deadline_key: str, application: str, due: datetime, slot: str, recipient: str) -> None:
    deadline = Deadline(key=deadline_key, application_id=application, call_id="c", kind="call", duty_kind=None, title="t", due_at=due)
    assert len(deadline_key) <= DEADLINE_KEY_LENGTH
    assert len(slot) <= SLOT_LENGTH
    assert len(recipient) <= RECIPIENT_LENGTH
    assert len(reminder_key(deadline, slot, recipient)) <= KEY_LENGTH


@given(kind=st.sampled_from(["submitted", "decision", "started", *(k.value for k in AlertKind)]), application=st.one_of(ids, longest_id),
       recipient=recipients)
def test_every_lifecycle_message_key_fits_its_column(kind: str, application: str, recipient: str) -> None:
    assert len(message_key(kind, application, recipient)) <= KEY_LENGTH
