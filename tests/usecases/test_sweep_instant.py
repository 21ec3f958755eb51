"""A real sweep, outbox delivery or overdue check runs at an instant already reached; only a dry run looks ahead."""

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


def test_outbox_delivery_at_an_instant_not_yet_reached_is_refused_naming_now(seeded: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    from usecases.outbox import deliver_due

    monkeypatch.setenv("GRANTFLOW_EMAIL_URL", "mailto://127.0.0.1:9?from=grantflow@example.fi&mode=insecure")
    with pytest.raises(RuleViolation) as refused:
        deliver_due(datetime.now(UTC) + timedelta(hours=1))
    assert refused.value.field == "now" and "not yet reached" in refused.value.rule


def test_overdue_checks_at_an_instant_not_yet_reached_are_refused_naming_now_and_store_nothing(seeded: Engine) -> None:
    from usecases.alerts import check_overdue

    with pytest.raises(RuleViolation) as refused:
        check_overdue(When(stated=datetime.now(UTC) + timedelta(days=1), field="now"))
    assert refused.value.field == "now" and "not yet reached" in refused.value.rule
    with Session(seeded) as session:
        assert session.exec(select(Notification)).all() == []
