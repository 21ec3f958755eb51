import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import yaml
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

import notifications.reminders
from domain.importing import import_scenario
from domain.model import Duty, Language
from domain.preparation import complete_duty
from domain.store import unit_of_work
from flows.deployments import read_deployments
from flows.reminders import SweepReport, SweepRow, artifact_table, reminder_sweep
from flows.runtime import settled
from flows.submission import submission
from grantflow.cli import app
from grantflow.mailsink import MailSink, free_port
from grantflow.scenario import parse_scenario
from notifications.delivery import DEADLINE_PASSED
from notifications.outbox import DeliveryStatus, Notification
from tests.conftest import IMPORTED_AT
from tests.helpers import hel


def wait_for(sink: MailSink, count: int) -> None:
    deadline = time.monotonic() + 5
    while len(sink.mails) < count and time.monotonic() < deadline:
        time.sleep(0.02)


def rows(engine: Engine, **where: object) -> list[Notification]:
    with Session(engine) as session:
        query = select(Notification).where(col(Notification.deadline_key).is_not(None))
        for name, value in where.items():
            query = query.where(getattr(Notification, name) == value)
        return list(session.exec(query))


async def test_each_reminder_is_sent_once_however_often_the_sweep_runs(seeded: Engine, mail_sink: MailSink) -> None:
    first = await sweep(hel("2020-04-16 09:00"))
    again = [await sweep(hel("2020-04-16 09:00")) for _ in range(9)]
    wait_for(mail_sink, len(first.delivery.sent))
    # 20 to the applicants, and 3 to Soite's contacts as a participant of ot-2020, of its call closing.
    assert len(first.delivery.sent) == 23
    assert all(report.planned == 0 and report.delivery.sent == [] for report in again)
    # A sweep returns once the server took each of its messages: the nine later ones sent nothing.
    assert len(mail_sink.mails) == 23
    assert len({m.message_id for m in mail_sink.mails}) == 23
    lapland = [m for m in mail_sink.mails if m.recipients == ["valmistelutiimi@lappi.example"]]
    assert {m.subject for m in lapland} >= {
        "Muistutus: Hankesuunnitelma – määräaika 30.4.2020 klo 16.15 (Suomen aikaa)",
        "Muistutus: Tulevaisuuden sosiaali- ja terveyskeskus -ohjelma – määräaika 30.4.2020 klo 16.15 (Suomen aikaa)",
    }
    assert any("Aikaa jäljellä: 14 päivää" in m.body for m in lapland)


async def test_a_reminder_is_never_sent_for_a_duty_already_done(seeded: Engine, mail_sink: MailSink) -> None:
    with unit_of_work(seeded) as session:
        complete_duty(session, "lappi-fsc-2020", "evaluation-plan", at=hel("2020-05-10 12:00"), actor="test")
    report = await sweep(hel("2020-05-18 09:00"))
    kinds = {row.subject.split(" – ")[0] for row in report.rows if row.application == "lappi-fsc-2020"}
    assert "Muistutus: Arviointisuunnitelma" not in kinds
    assert "Muistutus: Viestintäsuunnitelma" in kinds


async def test_delivery_and_extension_cancel_pending_reminders_and_the_moved_deadline_is_planned_anew(
    seeded: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The mail server is down, so the 18.5. reminders stay pending.
    monkeypatch.setenv("GRANTFLOW_EMAIL_URL", f"mailto://127.0.0.1:{free_port()}?from=grantflow@example.fi&mode=insecure")
    await sweep(hel("2020-05-18 09:00"))
    assert {r.slot for r in rows(seeded, status=DeliveryStatus.PENDING)} == {"14d"}
    with unit_of_work(seeded) as session:
        complete_duty(session, "lappi-fsc-2020", "evaluation-plan", at=hel("2020-05-19 12:00"), actor="test")
        extended = session.exec(select(Duty).where(Duty.application_id == "lappi-fsc-2020", Duty.kind == "communication-plan")).one()
        extended.due_at = hel("2020-06-15 16:15")
        session.add(extended)
    report = await sweep(hel("2020-05-20 09:00"))
    cancelled = {key.split(":")[1] + ":" + key.split(":")[2] for key in report.cancelled}
    assert len(report.cancelled) == 2
    evaluation, communication = (
        f"duty:{d.id}" for d in _duties(seeded, "lappi-fsc-2020", "evaluation-plan", "communication-plan")
    )
    assert cancelled == {evaluation, communication}
    later = await sweep(hel("2020-06-01 09:00"))
    assert any(row.subject.startswith("Muistutus: Viestintäsuunnitelma – määräaika 15.6.2020") for row in later.rows)


def _duties(engine: Engine, application: str, *kinds: str) -> list[Duty]:
    with Session(engine) as session:
        found = {d.kind: d for d in session.exec(select(Duty).where(Duty.application_id == application))}
    return [found[k] for k in kinds]


@pytest.mark.smtp
async def test_mail_server_down_keeps_reminders_pending_and_the_next_sweep_delivers_them(
    seeded: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    monkeypatch.setenv("GRANTFLOW_EMAIL_URL", f"mailto://127.0.0.1:{port}?from=grantflow@example.fi&mode=insecure&format=text")
    down = await sweep(hel("2020-05-18 09:00"))
    assert down.delivery.sent == [] and len(down.delivery.retrying) == 5
    pending = rows(seeded, status=DeliveryStatus.PENDING)
    assert len(pending) == 5 and all(r.attempts == 1 and r.last_error and r.next_attempt_at for r in pending)
    with MailSink(port=port) as sink:
        back = await sweep(hel("2020-05-18 09:10"))
        wait_for(sink, 5)
    assert sorted(back.delivery.sent) == sorted(r.key for r in pending)
    assert len(sink.mails) == 5
    assert {r.attempts for r in rows(seeded, status=DeliveryStatus.SENT)} == {2}


async def test_a_channel_down_fails_each_sweep_run_and_a_message_that_keeps_failing_is_given_up(seeded: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRANTFLOW_EMAIL_URL", f"mailto://127.0.0.1:{free_port()}?from=grantflow@example.fi&mode=insecure")
    monkeypatch.setenv("GRANTFLOW_DELIVERY_MAX_ATTEMPTS", "3")
    start = hel("2020-05-18 09:00")
    states = [await reminder_sweep(start + timedelta(hours=hours), return_state=True) for hours in (0, 1, 2)]
    # The channel down fails every sweep at once, so an operator sees it within one sweep; the last one gives them up.
    assert [state.type.value for state in states] == ["FAILED", "FAILED", "FAILED"]
    assert "none of the 5 notice(s) due could be delivered; they are retried" in (states[0].message or "")
    assert states[-1].name == "Needs an operator" and "5 notice(s) failed for good" in (states[-1].message or "")
    reports = [await state.result(raise_on_failure=False) for state in states]
    assert [len(r.delivery.retrying) for r in reports] == [5, 5, 0]
    assert len(reports[-1].delivery.failed) == 5
    assert all(row.outcome.startswith("FAILED, needs an operator") for row in reports[-1].rows)
    assert len(rows(seeded, status=DeliveryStatus.FAILED)) == 5


async def test_an_earlier_sweeps_reminders_retried_now_show_every_column_recipient_application_slot_and_outcome_first(
    seeded: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRANTFLOW_EMAIL_URL", f"mailto://127.0.0.1:{free_port()}?from=grantflow@example.fi&mode=insecure")
    first = await sweep(hel("2020-05-18 09:00"))
    again = await sweep(hel("2020-05-18 10:00"))
    queued = {row.key: row for row in first.rows}
    retried = [row for row in again.rows if row.key in queued]
    assert len(retried) == 5 and all(row.outcome.startswith("retrying: ") for row in retried)
    assert all((row.recipient, row.application, row.slot, row.due, row.subject) == (
        queued[row.key].recipient, queued[row.key].application, queued[row.key].slot, queued[row.key].due, queued[row.key].subject)
        for row in retried)
    assert all(row.recipient and row.application and row.slot and row.due and row.subject for row in retried)
    async with get_client() as client:
        (artifact,) = await client.read_latest_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["reminder-sweep"])))
    table = json.loads(str(artifact.data))
    assert list(table[0])[:4] == ["recipient", "application", "slot", "outcome"]
    assert {(line["key"], line["recipient"], line["subject"]) for line in table} >= {(row.key, row.recipient, row.subject) for row in retried}


async def test_a_dry_run_lists_what_would_be_sent_and_changes_nothing(seeded: Engine, mail_sink: MailSink) -> None:
    report = await sweep(hel("2020-04-16 09:00"), dry_run=True)
    assert report.planned == 23 and {row.outcome for row in report.rows} == {"would send"}
    assert rows(seeded) == [] and mail_sink.mails == []


async def sweep(now: datetime, *, dry_run: bool = False) -> SweepReport:
    """The sweep's report, whether its run completed or ended Failed needing an operator."""
    return await settled(reminder_sweep(now, dry_run=dry_run, return_state=True))


def test_the_sweep_artifact_shows_rows_needing_an_operator_first_and_caps_the_rest() -> None:
    def row(n: int, outcome: str) -> SweepRow:
        return SweepRow(key=f"k{n}", recipient="r", application="a", slot="7d", due="", subject="s", outcome=outcome)

    table = artifact_table([row(n, "sent") for n in range(5)] + [row(5, "FAILED, needs an operator: refused")], limit=3)
    assert [line["outcome"] for line in table] == [
        "FAILED, needs an operator: refused",
        "sent",
        "sent",
        "3 more rows not shown; every message is in the outbox table",
    ]


LONG_ORGANISATION, LONG_CALL, LONG_APPLICATION = "o" * 64, "c" * 64, "a" * 64
LONGEST_ADDRESS = "l" * 64 + "@" + ".".join(["d" * 63, "e" * 63, "f" * 58]) + ".fi"


def import_longest(engine: Engine) -> None:
    """An applicant with the longest ids and contact address the input accepts, beside the seed's."""
    data = {
        "programmes": [{"id": "pitka", "name": "Pitkä", "period": {"start": "2020-01-01", "end": "2022-12-31"}}],
        "organisations": [{"id": LONG_ORGANISATION, "name": "Pitkä kunta", "kind": "municipality",
                           "contacts": [{"role": "project-coordinator", "email": LONGEST_ADDRESS}]}],
        "calls": [{"id": LONG_CALL, "programme": "pitka", "name": "Pitkä haku", "deadline": "2020-04-30T16:15:00",
                   "state_share_percent": 80, "appropriation": 1000000}],
        "applications": [{"id": LONG_APPLICATION, "call": LONG_CALL, "applicant": LONG_ORGANISATION, "title": "Pitkä hanke",
                          "total_cost": 1000, "requested": 800,
                          "documents": [{"kind": "project-plan", "title": "Hankesuunnitelma", "phase": "submission", "due": "2020-04-30T16:15:00"}]}],
    }
    with unit_of_work(engine) as session:
        import_scenario(session, parse_scenario(yaml.safe_dump(data).encode(), source="pitka.yaml"), source="pitka.yaml", at=IMPORTED_AT, actor="test")


async def test_the_longest_ids_and_address_the_input_accepts_are_reminded_and_submitted(seeded: Engine, mail_sink: MailSink) -> None:
    import_longest(seeded)
    report = await sweep(hel("2020-04-16 09:00"))
    wait_for(mail_sink, len(report.delivery.sent))
    assert report.problems == []
    assert len(report.delivery.sent) == 25  # the seed's 23 and the call and plan of the longest applicant
    longest = rows(seeded, application_id=LONG_APPLICATION)
    assert {r.recipient for r in longest} == {LONGEST_ADDRESS} and {r.status for r in longest} == {DeliveryStatus.SENT}
    assert sum(m.recipients == [LONGEST_ADDRESS] for m in mail_sink.mails) == 2
    with unit_of_work(seeded) as session:
        complete_duty(session, LONG_APPLICATION, "project-plan", at=hel("2020-04-20 09:00"), actor="test")
    submitted = await submission(LONG_APPLICATION, at=hel("2020-04-29 12:00"))
    assert submitted.accepted and submitted.notifications == [f"submitted:{LONG_APPLICATION}:{LONGEST_ADDRESS}"]


def refuse_outbox_rows_of(engine: Engine, application_id: str) -> None:
    """A real fault in the database: it refuses every outbox row of one application."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql(
                "CREATE FUNCTION refuse_row() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.application_id = '{application_id}' THEN RAISE EXCEPTION 'row refused by the database'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"
            )
            connection.exec_driver_sql("CREATE TRIGGER refuse BEFORE INSERT ON notification FOR EACH ROW EXECUTE FUNCTION refuse_row()")
        else:
            connection.exec_driver_sql(
                f"CREATE TRIGGER refuse BEFORE INSERT ON notification WHEN NEW.application_id = '{application_id}' "
                "BEGIN SELECT RAISE(ABORT, 'row refused by the database'); END"
            )


async def test_an_application_whose_reminders_cannot_be_stored_is_reported_and_the_others_are_reminded(
    seeded: Engine, mail_sink: MailSink
) -> None:
    refuse_outbox_rows_of(seeded, "lappi-fsc-2020")
    state = await reminder_sweep(hel("2020-04-16 09:00"), return_state=True)
    assert state.is_failed() and "1 application(s)' reminders not planned" in (state.message or "")
    report = await state.result(raise_on_failure=False)
    wait_for(mail_sink, len(report.delivery.sent))
    assert [p.application_id for p in report.problems] == ["lappi-fsc-2020"]
    assert "row refused by the database" in report.problems[0].error
    assert {r.application_id for r in rows(seeded)} == {"lappi-ru-2020", "soite-fsc-2020", "soite-ru-2020", "ot-2020", "esimerkki-ru-2020"}
    assert len(report.delivery.sent) == len(rows(seeded)) > 0
    assert any(row.application == "lappi-fsc-2020" and row.outcome.startswith("NOT PLANNED, needs an operator") for row in report.rows)
    # Nothing is lost: once the database takes the rows, the next sweep plans them.
    with seeded.begin() as connection:
        connection.exec_driver_sql("DROP TRIGGER refuse ON notification" if seeded.dialect.name == "postgresql" else "DROP TRIGGER refuse")
    again = await sweep(hel("2020-04-16 09:05"))
    assert again.problems == [] and {row.application for row in again.rows if row.outcome == "sent"} == {"lappi-fsc-2020"}


async def test_an_application_whose_reminders_cannot_be_rendered_is_reported_and_the_others_are_reminded(
    seeded: Engine, mail_sink: MailSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_render = notifications.reminders.render

    def render_failing_for_soite(template: str, language: Language, **context: Any) -> tuple[str, str]:
        if context["app"].id == "soite-ru-2020":
            raise ValueError("template failure")
        return real_render(template, language, **context)

    monkeypatch.setattr(notifications.reminders, "render", render_failing_for_soite)
    report = await sweep(hel("2020-04-16 09:00"))
    wait_for(mail_sink, len(report.delivery.sent))
    assert {p.application_id for p in report.problems} == {"soite-ru-2020"}
    assert all(p.error == "ValueError: template failure" for p in report.problems)
    assert "soite-ru-2020" not in {r.application_id for r in rows(seeded)}
    assert {"lappi-fsc-2020", "soite-fsc-2020"} <= {r.application_id for r in rows(seeded, status=DeliveryStatus.SENT)}


@pytest.mark.smtp
async def test_a_reminder_that_failed_before_its_deadline_is_not_sent_after_it_beside_the_overdue_notice(
    seeded: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    monkeypatch.setenv("GRANTFLOW_EMAIL_URL", f"mailto://127.0.0.1:{port}?from=grantflow@example.fi&mode=insecure")
    down = await sweep(hel("2020-04-29 09:00"))  # the last reminder before 30.4.2020 klo 16.15; the server is down
    assert down.delivery.sent == [] and down.delivery.retrying
    with MailSink(port=port) as sink:
        after = await sweep(hel("2020-05-04 09:00"))  # the overdue notices' day
        wait_for(sink, len(after.delivery.sent))
    assert sorted(after.delivery.stale) == sorted(down.delivery.retrying)
    assert all(after.delivery.errors[key] == DEADLINE_PASSED for key in after.delivery.stale)
    assert {r.key for r in rows(seeded, status=DeliveryStatus.SKIPPED)} >= set(down.delivery.retrying)
    sent = rows(seeded, status=DeliveryStatus.SENT)
    assert sent and {r.slot for r in sent} == {"overdue"} and len(sink.mails) == len(sent)


def test_remind_says_what_waits_and_why_and_fails_when_nothing_due_could_be_delivered(seeded: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRANTFLOW_EMAIL_URL", f"mailto://127.0.0.1:{free_port()}?from=grantflow@example.fi&mode=insecure")
    result = CliRunner().invoke(app, ["remind", "--now", "2020-05-18T09:00:00+03:00"])
    assert result.exit_code == 1
    assert "none of the 5 message(s) due could be delivered" in result.output
    assert "5 waiting, next attempt 18.5.2020 klo 09.05 (Suomen aikaa): retry after: " in result.output


def test_the_outbox_is_delivered_every_five_minutes_helsinki_time() -> None:
    (spec,) = [d for d in read_deployments() if d.name == "outbox-delivery"]
    assert spec.entrypoint == "flows/outbox.py:outbox_delivery"
    assert [(s.cron, s.timezone) for s in spec.schedules] == [("*/5 * * * *", "Europe/Helsinki")]


async def test_a_real_sweep_for_an_instant_not_yet_reached_is_refused_naming_now(seeded: Engine) -> None:
    from domain.errors import RuleViolation

    with pytest.raises(RuleViolation) as refused:
        await reminder_sweep(datetime.now(UTC) + timedelta(hours=1))
    assert refused.value.field == "now"
