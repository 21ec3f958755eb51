"""The operators' home page: per call, what stands where and what waits on someone."""

from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from domain.model import Language
from domain.operations import SWEEP_CRON, next_sweep
from domain.store import unit_of_work
from flows.deployments import read_deployments
from notifications.outbox import DeliveryStatus, Notification
from tests.helpers import hel, under_review
from usecases.home import home


def test_the_next_sweep_is_the_next_working_day_at_nine_helsinki_time() -> None:
    assert next_sweep(hel("2020-05-01 10:00")) == hel("2020-05-04 09:00")  # a Friday after nine: Monday
    assert next_sweep(hel("2020-05-04 08:59")) == hel("2020-05-04 09:00")
    assert next_sweep(hel("2020-05-04 09:00")) == hel("2020-05-05 09:00")


def test_the_home_page_sweep_is_the_reminder_sweep_deployments_schedule() -> None:
    (sweep,) = [spec for spec in read_deployments() if spec.name == "reminder-sweep"]
    assert [schedule.cron for schedule in sweep.schedules] == [SWEEP_CRON]


def test_the_home_page_counts_stages_waits_overdue_duties_failed_notices_and_the_next_sweeps_sends(seeded: Engine) -> None:
    with unit_of_work(seeded) as session:
        under_review(session, "soite-ru-2020")
        session.add(Notification(key="k1", application_id="soite-ru-2020", recipient="a@soite.example", language=Language.FI, subject="s", body="b",
                                 status=DeliveryStatus.FAILED, created_at=datetime.now(UTC)))
    rows = {row.call: row for row in home(hel("2020-05-10 12:00"))}
    ru = next(row for name, row in rows.items() if name.endswith("(ru-2020)"))
    assert "under review 1" in ru.stages and "preparation" in ru.stages
    assert ru.waiting_for_a_decision == "soite-ru-2020 (9 d)"  # the call closed 30.4.2020 klo 16.15
    assert ru.failed_notices == 1 and ru.overdue_duties > 0
    assert ru.next_sweep.startswith("11.5.2020")


def test_the_home_page_lists_the_reminders_the_next_sweep_sends(seeded: Engine) -> None:
    rows = home(hel("2020-04-15 10:00"))  # the next sweep, 16.4.2020 klo 9, sends the 14-day reminders
    assert sum(row.planned_sends for row in rows) > 0
