"""The plan of reminders: what the sweeps will send, when and to whom, before they send it."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from domain.calendar import HELSINKI, is_working_day
from domain.errors import NotFound, RuleViolation
from domain.preparation import complete_duty
from domain.store import unit_of_work
from grantflow.mailsink import MailSink, free_port
from notifications.reminders import reminder_key
from tests.helpers import hel
from usecases.context import When
from usecases.plan import Plan, PlanRequest, PlanRow, PlanStatus, calendars, plan
from usecases.reminders import plan as sweep_planning
from usecases.reminders import sweep

CLOSING = hel("2020-04-30 16:15")


def plan_at(now: str, **request: object) -> Plan:
    return plan(PlanRequest(when=When(stated=hel(now), field="--now"), **request))


def keys(row: PlanRow) -> set[str]:
    return {reminder_key(row.deadline.as_deadline(), row.slot, r.address) for r in row.recipients}


def local(instant: datetime) -> str:
    return f"{instant.astimezone(HELSINKI):%d.%m. %H:%M}"


@pytest.fixture
def no_channel(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GRANTFLOW_EMAIL_URL", raising=False)
    monkeypatch.delenv("GRANTFLOW_APPRISE_CONFIG", raising=False)


def test_each_reminder_is_listed_with_its_send_instant_and_recipients_in_their_languages(seeded: Engine) -> None:
    listed = plan_at("2020-04-10 12:00")
    plans = [row for row in listed.rows if row.deadline.application_id == "ot-2020" and row.deadline.kind == "call"]
    assert [(row.slot_label, local(row.sends_at), row.status) for row in plans] == [
        ("14 days before", "16.04. 09:00", PlanStatus.PLANNED),
        ("7 days before", "23.04. 09:00", PlanStatus.PLANNED),
        ("1 day before", "29.04. 09:00", PlanStatus.PLANNED),
        ("overdue notice", "04.05. 09:00", PlanStatus.PLANNED),  # 1.5. is a holiday, then a weekend
    ]
    # The call closing concerns every participant of the joint project: Soite's contacts hear of it too.
    assert {(r.address, r.language.value) for r in plans[0].recipients} == {
        ("ot-project@ppshp.example", "en"), ("kehittamispaallikko@soite.example", "fi"), ("toimialuejohtaja@soite.example", "fi"),
        ("kommunikation@soite.example", "sv"),
    }


def test_the_plan_covers_now_to_ninety_days_on_by_default(seeded: Engine) -> None:
    listed = plan_at("2020-04-10 12:00")
    assert (listed.start, listed.end) == (hel("2020-04-10 12:00"), hel("2020-04-10 12:00") + timedelta(days=90))
    assert min(row.sends_at for row in listed.rows) > listed.start and max(row.sends_at for row in listed.rows) <= listed.end


def test_an_overdue_notice_is_listed_with_the_calls_officer(seeded: Engine) -> None:
    (overdue,) = [row for row in plan_at("2020-04-10 12:00").rows if row.slot == "overdue" and row.deadline.key == "call:fsc-2020:lappi-fsc-2020"]
    assert local(overdue.sends_at) == "04.05. 09:00"  # 1.5. is a holiday, then a weekend
    assert {r.address for r in overdue.recipients} == {"valmistelutiimi@lappi.example", "valtionavustukset@stm.example"}


def test_the_days_from_and_to_are_whole_helsinki_days(seeded: Engine) -> None:
    listed = plan_at("2020-04-10 12:00", first=date(2020, 4, 23), last=date(2020, 4, 23))
    assert {(local(row.sends_at), row.slot) for row in listed.rows} == {("23.04. 09:00", "7d")}
    assert (listed.start, listed.end) == (hel("2020-04-23 00:00"), hel("2020-04-24 00:00") - timedelta(microseconds=1))


def test_a_call_or_an_application_narrows_the_plan_to_its_deadlines(seeded: Engine) -> None:
    by_call = plan_at("2020-04-10 12:00", target="fsc-2020")
    by_application = plan_at("2020-04-10 12:00", target="lappi-fsc-2020")
    assert {row.deadline.call_id for row in by_call.rows} == {"fsc-2020"}
    assert {row.deadline.application_id for row in by_application.rows} == {"lappi-fsc-2020"}
    assert {d.application_id for d in by_call.deadlines} == {"lappi-fsc-2020", "soite-fsc-2020"}


def test_an_unknown_call_or_application_is_refused_naming_it(seeded: Engine) -> None:
    with pytest.raises(NotFound, match=r"CALL\|APP: no call or application with id 'nowhere-2020'"):
        plan_at("2020-04-10 12:00", target="nowhere-2020")


def test_a_first_day_after_the_last_is_refused_naming_the_option(seeded: Engine) -> None:
    with pytest.raises(RuleViolation, match="--from: 2020-05-02 is after --to 2020-05-01: the first day must not come after the last"):
        plan_at("2020-04-10 12:00", first=date(2020, 5, 2), last=date(2020, 5, 1))


def test_a_stated_now_is_refused_on_a_database_on_the_system_clock(system_clock: Engine) -> None:
    with pytest.raises(RuleViolation, match="--now: an explicit instant replays history"):
        plan_at("2020-04-10 12:00")


def test_the_system_clocks_plan_starts_now(system_clock: Engine) -> None:
    listed = plan(PlanRequest())
    assert listed.rows and listed.start <= min(row.sends_at for row in listed.rows)
    assert listed.end - listed.start == timedelta(days=90)


def test_what_the_plan_lists_between_two_sweeps_is_what_the_later_sweep_queues(seeded: Engine, no_channel: None) -> None:
    day, last = date(2020, 4, 14), date(2020, 6, 5)
    previous = hel("2020-04-14 08:00")
    sweep_planning(When(stated=previous))
    compared = 0
    while day <= last:
        day += timedelta(days=1)
        if not is_working_day(day):
            continue
        instant = hel(f"{day} 09:00")
        upcoming = plan(PlanRequest(when=When(stated=previous, field="--now"), last=day))
        expected = {key for row in upcoming.rows if row.status == PlanStatus.PLANNED and row.slot_at <= instant for key in keys(row)}
        queued = sweep_planning(When(stated=instant))
        assert {row.key for row in queued.rows if row.outcome == "queued"} == expected, day
        compared += len(expected)
        previous = instant
    assert compared > 50


def test_a_reminder_due_and_not_yet_swept_is_listed_as_due_at_once(seeded: Engine) -> None:
    listed = plan_at("2020-04-16 12:00", target="lappi-ru-2020")
    assert {(row.slot, row.status, local(row.slot_at), local(row.sends_at)) for row in listed.rows if row.deadline.due_at == CLOSING} == {
        ("14d", PlanStatus.DUE, "16.04. 09:00", "16.04. 12:00"),
        ("7d", PlanStatus.PLANNED, "23.04. 09:00", "23.04. 09:00"),
        ("1d", PlanStatus.PLANNED, "29.04. 09:00", "29.04. 09:00"),
        ("overdue", PlanStatus.PLANNED, "04.05. 09:00", "04.05. 09:00"),
    }


def test_a_reminder_queued_by_a_sweep_is_listed_as_queued_not_again_as_due(seeded: Engine, no_channel: None) -> None:
    sweep_planning(When(stated=hel("2020-04-16 09:00")))
    rows = [row for row in plan_at("2020-04-16 12:00", target="lappi-ru-2020").rows if row.slot == "14d" and row.deadline.due_at == CLOSING]
    assert [(row.status, len(row.recipients)) for row in rows] == [(PlanStatus.QUEUED, 1), (PlanStatus.QUEUED, 1)]


def test_a_reminder_already_sent_is_never_listed(seeded: Engine, mail_sink: MailSink) -> None:
    sent = sweep(When(stated=hel("2020-04-16 09:00")))
    assert len(sent.delivery.sent) == 23
    listed = plan_at("2020-04-16 09:30")
    assert {row.slot for row in listed.rows if row.deadline.due_at == CLOSING} == {"7d", "1d", "overdue"}
    assert not {key for row in listed.rows for key in keys(row)} & set(sent.delivery.sent)


def test_a_retry_is_listed_with_its_next_attempt_and_the_error(seeded: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRANTFLOW_EMAIL_URL", f"mailto://127.0.0.1:{free_port()}?from=grantflow@example.fi&mode=insecure")
    down = sweep(When(stated=hel("2020-05-18 09:00")))
    retrying = [row for row in plan_at("2020-05-18 09:01").rows if row.status == PlanStatus.RETRYING]
    assert {key for row in retrying for key in keys(row)} == set(down.delivery.retrying)
    assert {(local(row.sends_at), row.recipients[0].attempts) for row in retrying} == {("18.05. 09:05", 1)}
    assert all(r.last_error for row in retrying for r in row.recipients)


def test_a_retry_whose_duty_was_done_is_not_listed(seeded: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRANTFLOW_EMAIL_URL", f"mailto://127.0.0.1:{free_port()}?from=grantflow@example.fi&mode=insecure")
    sweep(When(stated=hel("2020-05-18 09:00")))
    with unit_of_work(seeded) as session:
        complete_duty(session, "lappi-fsc-2020", "evaluation-plan", at=hel("2020-05-18 09:02"), actor="test")
    listed = plan_at("2020-05-18 09:03", target="lappi-fsc-2020")
    assert "Arviointisuunnitelma" not in {row.deadline.title for row in listed.rows}
    assert "Viestintäsuunnitelma" in {row.deadline.title for row in listed.rows if row.status == PlanStatus.RETRYING}


def test_each_organisation_hearing_of_a_deadline_gets_it_in_its_calendar_in_its_language(seeded: Engine) -> None:
    found = {c.organisation_id: c for c in calendars(plan_at("2020-04-10 12:00"))}
    assert set(found) == {"lappi", "soite", "ppshp", "esimerkki"}  # not the ministry, whose officer hears only of overdue notices
    assert found["ppshp"].language.value == "en" and found["soite"].language.value == "fi"
    # Soite hears of the joint project's call closing, not of the lead's own project plan.
    assert {(e.deadline.application_id, e.deadline.kind) for e in found["soite"].events if e.deadline.application_id == "ot-2020"} == {("ot-2020", "call")}
