"""A real sweep runs at an instant already reached; only a dry run looks ahead."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from domain.errors import RuleViolation
from notifications.outbox import Notification
from usecases.context import When
from usecases.reminders import sweep


def test_a_real_sweep_at_an_instant_not_yet_reached_is_refused_naming_now_and_stores_nothing(seeded: Engine) -> None:
    ahead = datetime.now(UTC) + timedelta(days=1)
    with pytest.raises(RuleViolation) as refused:
        sweep(When(stated=ahead, field="now"))
    assert refused.value.field == "now" and "not yet reached" in refused.value.rule
    with Session(seeded) as session:
        assert session.exec(select(Notification)).all() == []


def test_a_dry_run_may_look_at_an_instant_not_yet_reached(seeded: Engine) -> None:
    report = sweep(When(stated=datetime.now(UTC) + timedelta(days=1), field="now"), dry_run=True)
    assert report.dry_run
