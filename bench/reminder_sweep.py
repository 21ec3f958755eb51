"""Reminder sweep throughput: N open deadlines, M of them due a reminder now, all mailed to a local SMTP sink.

Prints, measured in one run: the due-row selection time; the sweep's wall time and reminders per second;
a plain-Python baseline (same query, same Apprise calls, same concurrency, same sink; no Prefect, no
outbox); and the raw limit (smtplib on one reused connection).
Usage: python bench/reminder_sweep.py [--deadlines 1000000] [--due 20000] [--repeat 3] [--postgres URL] [--channel smtppool|mailto]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "ERROR")

from sqlalchemy import create_engine, delete, insert, text  # noqa: E402
from sqlalchemy.engine.url import make_url  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from domain.calendar import HELSINKI, helsinki_instant  # noqa: E402
from domain.clock import choose_clock  # noqa: E402
from domain.model import Application, Call, ClockMode, Contact, Duty, DutyPhase, Language, Organisation, OrganisationKind, Programme  # noqa: E402
from domain.reminders import DEFAULT_POLICY, live_deadlines, reach  # noqa: E402
from grantflow.database import open_database  # noqa: E402
from grantflow.mailsink import free_port  # noqa: E402
from notifications.dispatch import Channels, send  # noqa: E402
from notifications.messages import render  # noqa: E402
from notifications.outbox import Notification  # noqa: E402

SINK = """
import time
from grantflow.mailsink import MailSink
with MailSink(port={port}, login=("grantflow", "bench")):
    while True:
        time.sleep(60)
"""
NOW = helsinki_instant(datetime(2026, 3, 2, 9, 0))  # a Monday
APPLICATIONS = 1000


def populate(url: str, deadlines: int, due: int) -> None:
    """N duties over 1000 applications; `due` of them fall due in 14 days, the rest years away.

    Due in 14 days, today's reminder is each deadline's first: the steady state of a daily sweep,
    in which no earlier reminder was missed and none is recorded as skipped.
    """
    engine = open_database(url)
    with Session(engine) as session:
        # The sweeps run at the stated NOW: a replay database, as the clock allows a stated instant on no other.
        choose_clock(session, ClockMode.REPLAY)
        session.add(Programme(id="bench", name="Bench", period_start=NOW.date(), period_end=NOW.date() + timedelta(days=3650)))
        session.add(Organisation(id="bench-org", name="Bench", kind=OrganisationKind.MUNICIPALITY))
        session.flush()
        session.add(Call(id="bench-call", programme_id="bench", name="Bench", deadline_at=NOW + timedelta(days=3000),
                         state_share_percent=80, appropriation_cents=0))
        session.add_all(Contact(organisation_id="bench-org", role=f"r{i}", email=f"c{i}@bench.example", language=Language.FI) for i in range(1))
        session.flush()
        session.execute(insert(Application), [
            {"id": f"app-{i}", "call_id": "bench-call", "applicant_id": "bench-org", "title": f"Hanke {i}", "stage": "preparation",
             "total_cost_cents": 100, "requested_cents": 80}
            for i in range(APPLICATIONS)
        ])
        session.commit()
    soon, later = NOW + timedelta(days=14, hours=7), NOW + timedelta(days=400)
    chunk = 50_000
    with engine.begin() as connection:
        for start in range(0, deadlines, chunk):
            connection.execute(insert(Duty), [
                {"application_id": f"app-{n % APPLICATIONS}", "kind": f"duty-{n}", "title": f"Asiakirja {n}", "phase": DutyPhase.FOLLOW_UP.value,
                 "due_at": soon if n < due else later + timedelta(minutes=n)}
                for n in range(start, min(start + chunk, deadlines))
            ])
    engine.dispose()


def selection_seconds(url: str) -> tuple[float, int]:
    engine = open_database(url)
    with Session(engine) as session:
        started = time.perf_counter()
        found = live_deadlines(session, NOW, reach(DEFAULT_POLICY), timedelta(days=15))
        return time.perf_counter() - started, len(found)


def baseline(url: str, channel: str, concurrency: int) -> tuple[float, int]:
    """The same query, the same messages and the same Apprise sends in plain Python: no Prefect, no outbox."""
    started = time.perf_counter()
    engine = open_database(url)
    with Session(engine) as session:
        deadlines = live_deadlines(session, NOW, reach(DEFAULT_POLICY), timedelta(days=15))
        apps = {a.id: a for a in session.exec(select(Application))}
    messages = []
    for d in deadlines:
        days = (d.due_at.astimezone(HELSINKI).date() - NOW.astimezone(HELSINKI).date()).days
        subject, body = render("reminder", Language.FI, app=apps[d.application_id], title=d.title, kind=d.kind, due_at=d.due_at, days=days, escalated=False)
        messages.append(Notification(key=f"baseline:{d.key}", application_id=d.application_id, recipient="c0@bench.example",
                                     language=Language.FI, subject=subject, body=body, created_at=NOW))
    channels = Channels(email_url=channel)
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        sent = sum(d.ok for d in pool.map(lambda m: send(m, channels), messages))
    return time.perf_counter() - started, sent


def clear_outbox(url: str) -> None:
    """Empties the outbox so that the next sweep at the same instant sends every reminder again."""
    engine = open_database(url)
    with engine.begin() as connection:
        connection.execute(delete(Notification))
    engine.dispose()


def raw_limit(port: int, count: int) -> float:
    """Messages per second over one reused SMTP connection."""
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        smtp.login("grantflow", "bench")
        started = time.perf_counter()
        for n in range(count):
            message = EmailMessage()
            message["From"], message["To"], message["Subject"] = "grantflow@bench.example", "c0@bench.example", f"raw {n}"
            message.set_content("Määräaika 9.3.2026 klo 16.15")
            smtp.send_message(message)
        return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deadlines", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3, help="baseline and sweep runs, taken in turns; medians are reported")
    parser.add_argument("--postgres", default=None, help="a PostgreSQL admin URL; SQLite by default")
    parser.add_argument("--channel", choices=["smtppool", "mailto"], default="smtppool",
                        help="Apprise channel: connections reused per thread, or Apprise's own e-mail plugin (a connection per message)")
    args = parser.parse_args()

    from prefect.testing.utilities import prefect_test_harness

    from flows.reminders import reminder_sweep

    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("PREFECT_HOME", str(Path(tmp) / "prefect"))
        admin, name = None, f"grantflow_bench_{uuid.uuid4().hex[:8]}"
        if args.postgres:
            admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT", poolclass=NullPool)
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            url = make_url(args.postgres).set(database=name).render_as_string(hide_password=False)
        else:
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        try:
            started = time.perf_counter()
            populate(url, args.deadlines, args.due)
            backend = make_url(url).get_backend_name()
            print(f"{args.deadlines} open deadlines, {args.due} due a reminder ({backend}); built in {time.perf_counter() - started:.0f} s")
            seconds, found = selection_seconds(url)
            print(f"due-row selection: {seconds:.3f} s for {found} deadlines in the window (goal < 2 s)")
            concurrency = int(os.environ.get("GRANTFLOW_DELIVERY_CONCURRENCY", "8"))
            # The SMTP sink runs in a process of its own, as a real mail server would.
            port = free_port()
            sink = subprocess.Popen([sys.executable, "-c", SINK.format(port=port)])
            try:
                time.sleep(2)
                login = f"grantflow:bench@127.0.0.1:{port}"
                channel = f"smtppool://{login}?from=grantflow@bench.example" if args.channel == "smtppool" else f"mailto://{login}?from=grantflow@bench.example&mode=insecure&format=text"
                raw = raw_limit(port, min(args.due, 5000))
                os.environ |= {"GRANTFLOW_DATABASE_URL": url, "GRANTFLOW_EMAIL_URL": channel}
                pairs: list[tuple[float, float]] = []
                with prefect_test_harness(server_startup_timeout=120):
                    # Baseline and sweep take turns, so a slow spell of this machine hits both alike.
                    for run in range(args.repeat):
                        base_seconds, base_sent = baseline(url, channel, concurrency)
                        clear_outbox(url)
                        started = time.perf_counter()
                        report = asyncio.run(reminder_sweep(NOW))
                        sweep_seconds = time.perf_counter() - started
                        sent = len(report.delivery.sent)
                        if base_sent != args.due or sent != args.due:
                            raise SystemExit(f"run {run + 1}: baseline sent {base_sent}, sweep sent {sent}, {args.due} expected")
                        pairs.append((base_seconds, sweep_seconds))
                        print(f"run {run + 1}: baseline {base_seconds:.1f} s ({args.due / base_seconds:.0f}/s), "
                              f"sweep {sweep_seconds:.1f} s ({args.due / sweep_seconds:.0f}/s), ratio {sweep_seconds / base_seconds:.2f}x")
            finally:
                sink.terminate()
            base_seconds = statistics.median(b for b, _ in pairs)
            sweep_seconds = statistics.median(s for _, s in pairs)
            ratio = statistics.median(s / b for b, s in pairs)
            print(f"raw limit (smtplib, one connection): {raw:.0f} messages/s")
            print(f"channel: {args.channel}; medians of {args.repeat} runs")
            print(f"baseline (plain Python + Apprise, {concurrency} threads): {base_seconds:.1f} s = {args.due / base_seconds:.0f}/s")
            print(f"sweep (Prefect flow + outbox): {sweep_seconds:.1f} s = {args.due / sweep_seconds:.0f}/s")
            print(f"sweep / baseline wall time: {ratio:.2f}x (goal <= 1.25x)")
            print(f"sweep throughput / raw limit: {args.due / sweep_seconds / raw:.2f} (goal >= 0.25)")
        finally:
            if admin is not None:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
