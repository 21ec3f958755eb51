"""A dry run of the reminder sweep lists what a sweep at its instant would send: new reminders and due retries, never one already sent."""

import pytest
from sqlalchemy.engine import Engine

from grantflow.mailsink import MailSink, free_port
from tests.helpers import hel
from usecases.context import When
from usecases.reminders import sweep


@pytest.fixture
def mail_server_down(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRANTFLOW_EMAIL_URL", f"mailto://127.0.0.1:{free_port()}?from=grantflow@example.fi&mode=insecure")


def test_a_dry_run_after_a_sweep_lists_no_reminder_already_sent(seeded: Engine, mail_sink: MailSink) -> None:
    sent = sweep(When(stated=hel("2020-04-16 09:00")))
    assert len(sent.delivery.sent) == 23
    dry = sweep(When(stated=hel("2020-04-16 09:30")), dry_run=True)
    assert dry.rows == [] and dry.planned == 0


def test_a_dry_run_lists_a_queued_reminder_once_as_queued_not_as_new(seeded: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GRANTFLOW_EMAIL_URL", raising=False)
    queued = sweep(When(stated=hel("2020-04-16 09:00")))
    assert queued.planned == 23 and queued.delivery.sent == []
    dry = sweep(When(stated=hel("2020-04-16 09:30")), dry_run=True)
    assert dry.planned == 0
    assert sorted(row.key for row in dry.rows) == sorted(row.key for row in queued.rows)
    assert {row.outcome for row in dry.rows} == {"would send (queued earlier)"}


def test_a_dry_run_lists_the_retries_due_at_its_instant(seeded: Engine, mail_server_down: None) -> None:
    down = sweep(When(stated=hel("2020-05-18 09:00")))
    assert len(down.delivery.retrying) == 5
    dry = sweep(When(stated=hel("2020-05-18 09:06")), dry_run=True)
    assert sorted(row.key for row in dry.rows) == sorted(down.delivery.retrying)
    assert {row.outcome for row in dry.rows} == {"would retry: attempt 2"}
    assert all(row.recipient and row.application and row.slot == "14d" for row in dry.rows)


def test_a_dry_run_leaves_out_the_retries_not_yet_due(seeded: Engine, mail_server_down: None) -> None:
    sweep(When(stated=hel("2020-05-18 09:00")))
    dry = sweep(When(stated=hel("2020-05-18 09:04")), dry_run=True)
    assert dry.rows == []


def test_a_dry_run_leaves_out_a_retry_whose_duty_was_done_meanwhile(seeded: Engine, mail_server_down: None) -> None:
    from domain.preparation import complete_duty
    from domain.store import unit_of_work

    down = sweep(When(stated=hel("2020-05-18 09:00")))
    with unit_of_work(seeded) as session:
        complete_duty(session, "lappi-fsc-2020", "evaluation-plan", at=hel("2020-05-18 09:02"), actor="test")
    dry = sweep(When(stated=hel("2020-05-18 09:06")), dry_run=True)
    assert len(dry.rows) == len(down.delivery.retrying) - 1
    assert not any(row.subject.startswith("Muistutus: Arviointisuunnitelma") for row in dry.rows)
