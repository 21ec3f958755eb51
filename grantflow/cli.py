"""The `grantflow` command: import, status, export, submit, decide, remind, serve, demo."""

from __future__ import annotations

import asyncio
import functools
import os
import secrets
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from domain.clock import system_now
from domain.errors import GrantflowError, ValidationFailed
from domain.formatting import format_date, format_money
from domain.importing import ImportSummary, import_into
from domain.inputs import Instant, Slug, parse_option
from domain.model import ClockMode
from domain.redaction import redact
from domain.status import ClockStatus, StatusReport, call_statuses, unrelayed_events
from domain.store import unit_of_work
from grantflow.database import open_database
from grantflow.output import print_json, print_table
from grantflow.report import call_table, mail_table, sweep_table
from grantflow.scenario import SEED, read_scenario
from grantflow.settings import get_settings

if TYPE_CHECKING:
    from flows.reminders import SweepReport

app = typer.Typer(no_args_is_help=True, add_completion=False, help="grantflow: the lifecycle of public grants.")
db = typer.Typer(no_args_is_help=True, help="The database schema (Alembic migrations).")
app.add_typer(db, name="db")
# Piped output (CI logs, files) gets room for a whole table row rather than the default 80 columns.
console = Console(width=None if sys.stdout.isatty() else 132)
errors = Console(stderr=True, width=None if sys.stderr.isatty() else 132)


def _fail(exc: Exception) -> typer.Exit:
    try:
        secrets_known = get_settings().secrets()
    except GrantflowError:
        secrets_known = []  # the settings themselves are what is wrong; URL passwords are still masked
    errors.print(f"[bold red]error:[/] {escape(redact(str(exc), secrets_known))}", highlight=False, soft_wrap=True)
    return typer.Exit(code=1)


Command = TypeVar("Command", bound=Callable[..., None])


def _reported(command: Command) -> Command:
    """Every refusal a command meets ends as one clear line on stderr and exit code 1, never a traceback."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except (GrantflowError, ValidationFailed, ValueError) as exc:
            raise _fail(exc) from None
        except SQLAlchemyError as exc:
            cause = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise _fail(RuntimeError(f"database: cannot be used: {cause}")) from None

    return run  # type: ignore[return-value]


def _instant(text: str | None, option: str) -> datetime | None:
    """An instant option: an ISO 8601 date and time (Helsinki time without an offset), never a bare number."""
    return parse_option(Instant, text, field=option) if text is not None else None


INSTANT_HELP = "ISO 8601 date and time, e.g. 2020-04-30T16:14:00; without an offset, Helsinki time"


def _tether_temporary_server() -> None:
    """Prefect's temporary server, which a flow starts when PREFECT_API_URL is unset, ends with this command, even SIGKILLed."""
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        import grantflow.temporary_server  # noqa: F401 - patches Prefect's command for that server as it is imported


def _import(url: str, path: Path, *, show_progress: bool = False) -> ImportSummary:
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=errors, transient=True, disable=not show_progress,
    ) as bar:
        reading = bar.add_task(f"reading {path.name}", total=None)
        scenario = read_scenario(path)
        bar.remove_task(reading)
        engine = open_database(url)
        tasks: dict[str, TaskID] = {}

        def report(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(phase, total=total)
            bar.update(tasks[phase], completed=done)

        return import_into(engine, scenario, source=str(path), at=system_now(), actor=get_settings().actor, progress=report)


def _print_import(path: Path, summary: ImportSummary) -> None:
    console.print(
        f"Imported {path.name}: {summary.programmes} programme(s), {summary.organisations} organisation(s), "
        f"{summary.calls} call(s), {summary.applications} application(s), {summary.decisions} decision(s)."
    )
    for moved in summary.moved_deadlines:
        console.print(f"  act-time rule: {escape(moved)}", highlight=False)


@app.command("import")
@_reported
def import_file(path: Annotated[Path, typer.Argument(help="A scenario file (YAML); see docs/scenario-format.md")]) -> None:
    """Validate a whole scenario file, then import all of it or nothing."""
    _print_import(path, _import(get_settings().database(), path, show_progress=True))


@db.command("upgrade")
@_reported
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision")] = "head") -> None:
    """Migrate the configured database to `revision` (the newest by default)."""
    from grantflow.database import database_engine
    from grantflow.schema import current_revision, upgrade

    engine = database_engine(get_settings().database())
    upgrade(engine, revision)
    console.print(f"Database at revision {current_revision(engine)}.")


@db.command("current")
@_reported
def db_current() -> None:
    """The configured database's revision, the newest one available, and the database's clock."""
    from sqlalchemy import inspect

    from domain.model import DatabaseClock
    from grantflow.database import database_engine
    from grantflow.schema import current_revision, head_revision, is_known

    engine = database_engine(get_settings().database())
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        state = "up to date"
    elif current is None or is_known(current):
        state = "needs `grantflow db upgrade`"
    else:
        state = "newer than this grantflow knows: it was migrated by a newer grantflow; use that one"
    known = inspect(engine).has_table(DatabaseClock.__tablename__)  # type: ignore[arg-type]
    clock = _clock_line(engine) if known else "clock: known once upgraded"
    console.print(f"current: {current or 'none'} · head: {head} · {state} · {clock}")


CLOCK_SAYS = {
    ClockMode.SYSTEM: "every step happens when it is run; explicit instants (--at, --now) are refused",
    ClockMode.REPLAY: "explicit instants replay history; every event is recorded as replayed",
}


def _clock_line(engine: Engine) -> str:
    from domain.clock import clock_mode

    with Session(engine) as session:
        mode = clock_mode(session)
    return f"clock: {mode.value} ({CLOCK_SAYS[mode]})"


@db.command("clock")
@_reported
def db_clock(
    mode: Annotated[ClockMode | None, typer.Argument(help="`replay` makes an empty database replay history with explicit instants")] = None,
) -> None:
    """Show the database's clock, or choose it: only while the database holds no application, and never after."""
    from domain.clock import choose_clock

    engine = open_database(get_settings().database())
    if mode is not None:
        with unit_of_work(engine) as session:
            choose_clock(session, mode)
    console.print(_clock_line(engine), highlight=False)


@app.command()
@_reported
def status(as_json: Annotated[bool, typer.Option("--json", help="One JSON document instead of the tables")] = False) -> None:
    """Every call's applications: title, applicant, requested, granted, stage."""
    from domain.clock import clock_mode

    engine = open_database(get_settings().database())
    with unit_of_work(engine) as session:
        calls = call_statuses(session)
        waiting = unrelayed_events(session)
        mode = clock_mode(session)
    if as_json:
        print_json(StatusReport(clock=ClockStatus(mode=mode, says=CLOCK_SAYS[mode]), calls=calls, unrelayed_events=waiting))
        return
    console.print(_clock_line(engine).replace("clock:", "Clock:", 1), highlight=False)
    if not calls:
        console.print("No calls yet: import a scenario with `grantflow import FILE`.")
    for call in calls:
        print_table(console, call_table(call))
    if waiting:
        console.print(f"{waiting} domain event(s) not yet relayed to Prefect: `grantflow serve` (or the relay deployment) sends them.")


@app.command()
@_reported
def export(
    call: Annotated[str, typer.Argument(help="The call's id")],
    csv: Annotated[Path | None, typer.Option("--csv", help="Write the allocation as CSV (UTF-8, amounts as euros with two decimals) to this file")] = None,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="Write the allocation as an Excel workbook to this file")] = None,
) -> None:
    """A call's allocation, one row per application, sub-area line and participant share, as CSV and/or XLSX."""
    from domain.allocation import allocation_rows
    from grantflow.export import export_allocation

    targets = {option: path for option, path in (("--csv", csv), ("--xlsx", xlsx)) if path is not None}
    if not targets:
        raise ValueError("--csv / --xlsx: give at least one file to write")
    call = parse_option(Slug, call, field="CALL")
    with unit_of_work(open_database(get_settings().database())) as session:
        rows = allocation_rows(session, call)
    export_allocation(rows, targets)
    applications = sum(1 for row in rows if row.kind == "application")
    console.print(f"{call}: {applications} application(s), {len(rows)} row(s) written to {', '.join(str(p) for p in targets.values())}.", highlight=False)


@app.command()
@_reported
def submit(
    application: Annotated[str, typer.Argument(help="The application's id")],
    at: Annotated[str | None, typer.Option(help=f"Replay only: the instant, {INSTANT_HELP}; default now")] = None,
) -> None:
    """Submit an application through the submission flow; refused if late, incomplete or over budget."""
    from domain import repository as repo
    from domain.clock import step_instant
    from flows.submission import submission

    stated = _instant(at, "--at")
    application = parse_option(Slug, application, field="application")
    with unit_of_work(open_database(get_settings().database())) as session:
        # An unknown id or an instant the database's clock refuses is refused here, before any flow run.
        repo.application(session, application)
        step_instant(session, stated, field="--at")
    _tether_temporary_server()
    result = asyncio.run(submission(application, at=stated))
    if not result.accepted:
        shown = result.problems[0] if len(result.problems) == 1 else "\n  - " + "\n  - ".join(result.problems)
        raise _fail(ValueError(f"submission of {application} refused: {shown}"))
    console.print(f"{application} submitted.")


@app.command()
@_reported
def decide(
    application: Annotated[str, typer.Argument(help="The application's id")],
    justification: Annotated[str, typer.Option(help="The decision's written justification")],
    granted: Annotated[str | None, typer.Option(help="The granted total in euros; default the sum of the lines")] = None,
    line: Annotated[list[str] | None, typer.Option(help="A sub-area's grant, SUBAREA=AMOUNT (repeat per line)")] = None,
    share: Annotated[list[str] | None, typer.Option(help="A participant's grant, ORGANISATION=AMOUNT (repeat per participant)")] = None,
    rejected: Annotated[bool, typer.Option("--rejected", help="The application is rejected")] = False,
    period: Annotated[str | None, typer.Option(help="The grant period, START..END, e.g. 2020-07-01..2022-12-31")] = None,
    decided_at: Annotated[
        str | None,
        typer.Option(help=f"When the ministry decided, if before now: data about the decision, {INSTANT_HELP}; default now"),
    ] = None,
    decided_by: Annotated[str | None, typer.Option(help="Who decided; default GRANTFLOW_ACTOR")] = None,
) -> None:
    """Record a decision: validated, stored, and its `grantflow.decision.recorded` event written for the decision flow."""
    from domain.decision import record_decision
    from grantflow.decide import decision_from_options

    settings = get_settings()
    # The decision is recorded now; decided_at is data about the decision, which may precede its recording.
    now = system_now()
    decision = decision_from_options(
        application, granted=granted, rejected=rejected, lines=line or [], shares=share or [], justification=justification,
        period=period, decided_at=_instant(decided_at, "--decided-at") or now,
        decided_by=decided_by if decided_by is not None else settings.actor,
    )
    with unit_of_work(open_database(settings.database())) as session:
        row = record_decision(session, decision, at=now, actor=settings.actor)
        outcome, total = row.outcome.value, row.granted_cents
    console.print(f"Decision for {application} recorded: {outcome}, {format_money(total)}. "
                  "The decision flow applies it once the event reaches Prefect (`grantflow serve` relays it).")


def _not_planned(report: SweepReport) -> list[str]:
    """Applications whose reminders could not be planned: each named, every other application's went ahead."""
    return [f"not planned: {p.application_id} ({p.deadline_key}): {p.error}" for p in report.problems]


@app.command()
@_reported
def remind(
    now: Annotated[str | None, typer.Option(help=f"Replay only: the sweep's instant, {INSTANT_HELP}; default now")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would be sent; send and store nothing")] = False,
) -> None:
    """Run the reminder sweep: every reminder due at NOW, each sent once; what waits, and why, is listed."""
    from domain.clock import step_instant
    from flows.outbox import waiting_lines
    from flows.reminders import reminder_sweep

    stated = _instant(now, "--now")
    with Session(open_database(get_settings().database())) as session:
        step_instant(session, stated, field="--now")
    _tether_temporary_server()
    report = asyncio.run(reminder_sweep(stated, dry_run=dry_run))
    console.print(sweep_table(report))
    if dry_run:
        console.print("dry run: nothing was sent or stored")
        if problems := _not_planned(report):
            errors.print(f"[bold red]error:[/] {escape('; '.join(problems))}", highlight=False, soft_wrap=True)
            raise typer.Exit(code=1)
        return
    delivery = report.delivery
    summary = f"{report.planned} planned, {len(delivery.sent)} sent, {len(delivery.retrying)} to retry, {len(delivery.failed)} failed"
    summary += f", {report.skipped} skipped, {len(delivery.stale)} stale, {len(report.cancelled)} cancelled"
    summary += f", {len(delivery.in_doubt)} in doubt, {len(delivery.resent)} resent in doubt"
    console.print(summary)
    for line in waiting_lines(report.waiting):
        console.print(f"  {escape(line)}", highlight=False, soft_wrap=True)
    if delivery.resent:
        console.print(f"Resent in doubt with the same Message-ID, may have arrived twice: {', '.join(delivery.resent)}", soft_wrap=True)
    problems = _not_planned(report)
    if delivery.halted:
        problems.append(f"delivery stopped: {delivery.halted}")
    if delivery.failed:
        problems.append(f"{len(delivery.failed)} message(s) failed for good and need an operator")
    if delivery.nothing_delivered:
        problems.append(f"none of the {delivery.attempted} message(s) due could be delivered")
    if problems:
        errors.print(f"[bold red]error:[/] {escape('; '.join(problems))}", highlight=False, soft_wrap=True)
        raise typer.Exit(code=1)


@app.command()
@_reported
def serve(
    home: Annotated[Path, typer.Option(help="The Prefect server's own state (database, logs, the API's auth string)")] = Path(".grantflow/prefect-server"),
    port: Annotated[int, typer.Option(min=1, max=65535, help="The Prefect server's port on 127.0.0.1")] = 4200,
) -> None:
    """Run a Prefect server on 127.0.0.1 with every deployment, a worker and the event relay; Ctrl-C stops all."""
    from grantflow.folders import state_folder
    from grantflow.prefect_server import ServerNotReady, port_in_use
    from grantflow.serve import serve as serve_all

    home = state_folder(home, field="--home")
    if port_in_use(port):
        raise _fail(ValueError(f"--port: {port} is already in use on 127.0.0.1; choose another"))
    open_database(get_settings().database())
    try:
        # Unwrapped and as written: the lines hold paths and a command to copy.
        serve_all(home.resolve(), port, announce=lambda text: console.print(text, highlight=False, markup=False, soft_wrap=True))
    except ServerNotReady as exc:
        raise _fail(exc) from None


@app.command()
@_reported
def demo(
    state_dir: Annotated[Path, typer.Option(help="Where the demo keeps its database and Prefect state")] = Path(".grantflow/demo"),
) -> None:
    """The seed lifecycle on a fresh SQLite database, with e-mail delivered to a local SMTP server."""
    from grantflow.demo import make_replay_database, prepare_environment, run_timeline
    from grantflow.folders import state_folder
    from grantflow.mailsink import MailSink

    started = time.monotonic()
    state_folder(state_dir, field="--state-dir")
    prepare_environment(state_dir)
    _tether_temporary_server()
    database = state_dir / "grantflow.db"
    database.unlink(missing_ok=True)
    url = f"sqlite:///{database}"
    os.environ["GRANTFLOW_DATABASE_URL"] = url
    make_replay_database(url)
    # The demo's mail server asks for a password like a real one, so the password must stay out of every output.
    password = os.environ.get("GRANTFLOW_DEMO_SMTP_PASSWORD") or secrets.token_urlsafe(16)
    with MailSink(login=("grantflow", password)) as sink:
        os.environ["GRANTFLOW_EMAIL_URL"] = sink.channel_url()
        console.print(Panel(f"grantflow demo · replay database {database} · SMTP server 127.0.0.1:{sink.port}", expand=False))
        _print_import(SEED, _import(url, SEED))
        asyncio.run(run_timeline(console))
        time.sleep(0.2)  # the SMTP server hands over the last message asynchronously
        mails = sink.mails
    engine = open_database(url)
    with unit_of_work(engine) as session:
        calls = call_statuses(session)
    console.print()
    for call in calls:
        print_table(console, call_table(call))
    console.print(mail_table(mails))
    for mail in mails:
        if mail.subject.startswith(("Valtionavustus myönnetty osittain", "Statsunderstöd beviljat delvis")):
            console.print(Panel(mail.body, title=f"to {', '.join(mail.recipients)}: {mail.subject}", title_align="left", expand=False), highlight=False)
    console.print(f"Done in {time.monotonic() - started:.1f} s ({format_date(datetime.now(UTC).date())}).")
