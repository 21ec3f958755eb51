"""Sweeps as separate processes on one database: run at once, or killed mid-send and run again."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from domain.model import Duty, DutyPhase
from domain.store import unit_of_work
from grantflow.mailsink import MailSink
from grantflow.prefect_server import PrefectServer
from notifications.delivery import RetryPolicy
from notifications.dispatch import stable_message_id
from notifications.outbox import DeliveryStatus, Notification
from tests.helpers import hel
from tests.smtp_faults import Fault, FaultySMTP

GRANTFLOW = str(Path(sys.executable).with_name("grantflow"))
SWEEP_AT = "2020-04-16T09:00:00+03:00"


@pytest.fixture
def many_due(seeded: Engine) -> Engine:
    """Forty more documents due with the call: 400 more reminders on 16.4.2020 (423 in all), so sweeps take seconds."""
    with unit_of_work(seeded) as session:
        for app in ("lappi-fsc-2020", "lappi-ru-2020", "soite-fsc-2020", "soite-ru-2020", "ot-2020", "esimerkki-ru-2020"):
            session.add_all(
                Duty(application_id=app, kind=f"annex-{n}", title=f"Liite {n}", phase=DutyPhase.SUBMISSION, due_at=hel("2020-04-30 16:15"))
                for n in range(40)
            )
    return seeded


def sweep_env(database_url: str, sink: MailSink, server: PrefectServer, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRANTFLOW_")}
    env |= {
        "GRANTFLOW_DATABASE_URL": database_url,
        "GRANTFLOW_EMAIL_URL": sink.channel_url(),
        **server.environment(),
        **extra,
    }
    return env


def reminder_rows(engine: Engine) -> list[Notification]:
    with Session(engine) as session:
        return list(session.exec(select(Notification).where(col(Notification.deadline_key).is_not(None))))


def received(sink: MailSink) -> Counter[str]:
    return Counter(m.message_id or "" for m in sink.mails)


@pytest.mark.smtp
def test_two_sweeps_running_at_once_send_each_reminder_once(many_due: Engine, database_url: str, prefect_server: PrefectServer) -> None:
    with MailSink(delay=0.05) as sink:
        env = sweep_env(database_url, sink, prefect_server)
        sweeps = [
            subprocess.Popen([GRANTFLOW, "remind", "--now", SWEEP_AT], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(2)
        ]
        outputs = [p.communicate(timeout=300)[0] for p in sweeps]
        time.sleep(0.5)
    assert all(p.returncode == 0 for p in sweeps), outputs
    rows = reminder_rows(many_due)
    assert len(rows) == 423 and {r.status for r in rows} == {DeliveryStatus.SENT}
    counts = received(sink)
    assert set(counts) == {stable_message_id(r.key) for r in rows}
    assert max(counts.values()) == 1
    # Both processes took part: each claimed and sent some of the rows.
    sent = [int(re.search(r"(\d+) sent,", out).group(1)) for out in outputs]  # type: ignore[union-attr]
    assert sum(sent) == 423 and min(sent) > 0


@pytest.mark.smtp
def test_a_sweep_killed_mid_send_is_completed_by_the_next_and_its_doubtful_rows_reported(
    many_due: Engine, database_url: str, prefect_server: PrefectServer
) -> None:
    with MailSink(delay=0.05) as sink:
        env = sweep_env(database_url, sink, prefect_server, GRANTFLOW_DELIVERY_LEASE_SECONDS="1")
        first = subprocess.Popen([GRANTFLOW, "remind", "--now", SWEEP_AT], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while len(sink.mails) < 60 and time.monotonic() < deadline:
            time.sleep(0.05)
        first.send_signal(signal.SIGKILL)
        first.wait()
        assert 0 < len(sink.mails) < 423, "the first sweep must die mid-send"
        with Session(many_due) as session:
            stranded = session.exec(select(Notification).where(Notification.status == DeliveryStatus.SENDING)).all()
        assert stranded, "the kill must leave claimed rows unmarked"
        # Rows are claimed as senders come free: a killed sweep strands no more than it was sending.
        assert len(stranded) <= RetryPolicy().concurrency
        time.sleep(1.5)  # past the lease: the dead sender's claims expire
        second = subprocess.run([GRANTFLOW, "remind", "--now", SWEEP_AT], env=env, capture_output=True, text=True, timeout=300, check=False)
        time.sleep(0.5)
    assert second.returncode == 0, second.stdout + second.stderr
    rows = reminder_rows(many_due)
    assert {r.status for r in rows} == {DeliveryStatus.SENT}
    counts = received(sink)
    assert set(counts) == {stable_message_id(r.key) for r in rows}  # nothing lost
    doubtful = {stable_message_id(r.key) for r in rows if r.in_doubt}
    duplicated = {message_id for message_id, n in counts.items() if n > 1}
    assert duplicated <= doubtful  # duplicates only in the documented window
    assert f"{len(doubtful)} in doubt" in second.stdout  # and every doubtful row reported
    assert len(doubtful) <= len(stranded)


def kill_after(sweep: subprocess.Popen[str] | subprocess.Popen[bytes], sink: MailSink, mails: int) -> None:
    deadline = time.monotonic() + 120
    while len(sink.mails) < mails and time.monotonic() < deadline:
        time.sleep(0.05)
    sweep.send_signal(signal.SIGKILL)
    sweep.wait()


@pytest.mark.smtp
def test_a_killed_sweeps_messages_go_out_with_the_next_outbox_delivery(
    many_due: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch, prefect_server: PrefectServer
) -> None:
    from flows.outbox import outbox_delivery

    with MailSink(delay=0.05) as sink:
        env = sweep_env(database_url, sink, prefect_server, GRANTFLOW_DELIVERY_LEASE_SECONDS="1")
        kill_after(subprocess.Popen([GRANTFLOW, "remind", "--now", SWEEP_AT], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
                   sink, 60)
        assert 0 < len(sink.mails) < 423, "the sweep must die mid-send"
        time.sleep(1.5)  # past the lease: the dead sender's claims expire
        monkeypatch.setenv("GRANTFLOW_EMAIL_URL", sink.channel_url())
        monkeypatch.setenv("GRANTFLOW_DELIVERY_LEASE_SECONDS", "1")
        report = asyncio.run(outbox_delivery(hel("2020-04-16 09:05")))
        time.sleep(0.5)
    rows = reminder_rows(many_due)
    assert {r.status for r in rows} == {DeliveryStatus.SENT}
    assert set(received(sink)) == {stable_message_id(r.key) for r in rows}
    assert sorted(report.in_doubt) == sorted(r.key for r in rows if r.in_doubt)


@pytest.mark.smtp
def test_resends_in_doubt_by_a_killed_sweep_are_reported_by_the_next_and_never_repeated(
    many_due: Engine, database_url: str, prefect_server: PrefectServer
) -> None:
    with FaultySMTP(Fault.DROP_AFTER_DATA) as dropping:
        env = sweep_env(database_url, MailSink(), prefect_server, GRANTFLOW_EMAIL_URL=dropping.url(), GRANTFLOW_DELIVERY_LEASE_SECONDS="1")
        first = subprocess.run([GRANTFLOW, "remind", "--now", SWEEP_AT], env=env, capture_output=True, text=True, timeout=300, check=False)
    assert first.returncode == 1 and "423 in doubt, 0 resent in doubt" in first.stdout, first.stdout + first.stderr
    later = "2020-04-16T10:00:00+03:00"  # past the first retry's wait
    with MailSink(delay=0.05) as sink:
        env = sweep_env(database_url, sink, prefect_server, GRANTFLOW_DELIVERY_LEASE_SECONDS="1")
        kill_after(subprocess.Popen([GRANTFLOW, "remind", "--now", later], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), sink, 60)
        resent_by_the_killed = set(received(sink))
        time.sleep(1.5)
        third = subprocess.run([GRANTFLOW, "remind", "--now", later], env=env, capture_output=True, text=True, timeout=300, check=False)
        time.sleep(0.5)
    rows = reminder_rows(many_due)
    # Every message was in doubt, so each one was resent once: by the killed sweep, by the next, or given up mid-resend.
    assert "423 resent in doubt" in third.stdout, third.stdout + third.stderr
    assert all(r.in_doubt and r.resent_at is not None for r in rows)
    assert resent_by_the_killed <= {stable_message_id(r.key) for r in rows}
    assert max(received(sink).values()) == 1  # never resent twice
    given_up = [r for r in rows if r.status == DeliveryStatus.FAILED]
    assert len(given_up) <= RetryPolicy().concurrency and {r.status for r in rows} <= {DeliveryStatus.SENT, DeliveryStatus.FAILED}
