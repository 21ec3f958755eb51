"""The `grantflow` command: every lifecycle step, the database, status and export, `serve` and `demo`."""

from __future__ import annotations

import asyncio
import functools
import os
import secrets
import sys
import time
from collections.abc import Callable, Coroutine
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
from sqlalchemy.exc import SQLAlchemyError

from domain.errors import GrantflowError, ValidationFailed
from domain.formatting import format_date, format_instant, format_money
from domain.importing import ImportSummary
from domain.inputs import Day, Instant, Slug, parse_option
from domain.model import ClockMode
from domain.redaction import redact
from grantflow.database import open_database
from grantflow.doors import prefect_server, served_here
from grantflow.output import print_json, print_table
from grantflow.report import call_table, mail_table, sweep_table
from grantflow.scenario import SEED, read_scenario
from usecases.context import When
from usecases.settings import get_settings

if TYPE_CHECKING:
    from domain.preparation import Readiness
    from usecases.alerts import AlertReport
    from usecases.changes import ChangeResult
    from usecases.deadlines import ExtensionResult
    from usecases.decision import DecisionResult
    from usecases.outbox import RetryReport
    from usecases.reminders import SweepReport
    from usecases.startup import AcceptanceResult, StartupResult
    from usecases.submission import ReviewResult, SubmissionResult, WithdrawalResult

# Nothing leaves the machine unless asked for: no usage statistics from a Prefect server a command starts,
# and no temporary Prefect server started behind a command's back (a step runs directly instead).
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_ENABLED", "false")

app = typer.Typer(no_args_is_help=True, add_completion=False, help="grantflow: the lifecycle of public grants.")
db = typer.Typer(no_args_is_help=True, help="The database schema (Alembic migrations).")
app.add_typer(db, name="db")
# Piped output (CI logs, files) gets room for a whole table row rather than the default 80 columns.
# No emoji codes: an outbox key such as `submitted:new:…` is printed as written, not with :new: as an emoji.
console = Console(width=None if sys.stdout.isatty() else 132, emoji=False)
errors = Console(stderr=True, width=None if sys.stderr.isatty() else 132, emoji=False)


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
        served_here.cache_clear()
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


def _import(url: str, path: Path, *, show_progress: bool = False) -> ImportSummary:
    from usecases.importing import import_records

    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=errors, transient=True, disable=not show_progress,
    ) as bar:
        reading = bar.add_task(f"reading {path.name}", total=None)
        scenario = read_scenario(path)
        bar.remove_task(reading)
        open_database(url).dispose()
        tasks: dict[str, TaskID] = {}

        def report(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(phase, total=total)
            bar.update(tasks[phase], completed=done)

        return import_records(scenario, source=str(path), progress=report)


def _print_import(path: Path, summary: ImportSummary) -> None:
    console.print(
        f"Imported {path.name}: {summary.programmes} programme(s), {summary.organisations} organisation(s), "
        f"{summary.calls} call(s), {summary.applications} application(s), {summary.decisions} decision(s)."
    )
    for moved in summary.moved_deadlines:
        console.print(f"  act-time rule: {escape(moved)}", highlight=False)


def _database() -> None:
    """The configured database, migrated to this grantflow's schema before a step uses it."""
    open_database(get_settings().database()).dispose()


Result = TypeVar("Result")


def _run(direct: Callable[[], Result], flow: Callable[[], Coroutine[Any, Any, Result]]) -> Result:
    """A step through the running server's Prefect API (its run shows in the UI), or directly when no server runs."""
    _database()
    with prefect_server() as api:
        if api is None:
            return direct()
        errors.print(f"running on the Prefect server at {api}", style="dim", highlight=False)
        return asyncio.run(flow())


def _notify(keys: list[str], at: datetime, *, quiet: bool = False) -> None:
    """Send the notices a step queued, when it ran directly (the flow does this itself on a server); `quiet` leaves stdout to JSON."""
    from usecases.outbox import NO_CHANNEL, channel_configured, send_notifications

    if not keys:
        return
    out = errors if quiet else console
    if not channel_configured():
        out.print(f"{len(keys)} notice(s) queued; {NO_CHANNEL}", highlight=False)
        return
    report = send_notifications(keys, at)
    waiting = len(keys) - len(report.sent)
    out.print(f"{len(report.sent)} notice(s) sent" + (f", {waiting} wait in the outbox for a retry" if waiting else ""), highlight=False)


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
    clock = _clock_line() if known else "clock: known once upgraded"
    console.print(f"current: {current or 'none'} · head: {head} · {state} · {clock}")


def _clock_line() -> str:
    from usecases.clock import current_clock
    from usecases.status import CLOCK_SAYS

    mode = current_clock()
    return f"clock: {mode.value} ({CLOCK_SAYS[mode]})"


@db.command("clock")
@_reported
def db_clock(
    mode: Annotated[ClockMode | None, typer.Argument(help="`replay` makes an empty database replay history with explicit instants")] = None,
) -> None:
    """Show the database's clock, or choose it: only while the database holds no application, and never after."""
    from usecases.clock import set_clock

    _database()
    if mode is not None:
        set_clock(mode)
    console.print(_clock_line(), highlight=False)


@app.command()
@_reported
def status(as_json: Annotated[bool, typer.Option("--json", help="One JSON document instead of the tables")] = False) -> None:
    """Every call's applications: title, applicant, requested, granted, stage."""
    from usecases.status import overview

    _database()
    report = overview()
    if as_json:
        print_json(report)
        return
    console.print(f"Clock: {report.clock.mode.value} ({report.clock.says})", highlight=False)
    if not report.calls:
        console.print("No calls yet: import a scenario with `grantflow import FILE`.")
    for call in report.calls:
        print_table(console, call_table(call))
    if report.unrelayed_events:
        console.print(f"{report.unrelayed_events} domain event(s) not yet relayed to Prefect: `grantflow serve` (or the relay deployment) sends them.")


@app.command()
@_reported
def export(
    call: Annotated[str, typer.Argument(help="The call's id")],
    csv: Annotated[Path | None, typer.Option("--csv", help="Write the allocation as CSV (UTF-8, amounts as euros with two decimals) to this file")] = None,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="Write the allocation as an Excel workbook to this file")] = None,
) -> None:
    """A call's allocation, one row per application, sub-area line and participant share, as CSV and/or XLSX."""
    from grantflow.export import export_allocation
    from usecases.status import allocation

    targets = {option: path for option, path in (("--csv", csv), ("--xlsx", xlsx)) if path is not None}
    if not targets:
        raise ValueError("--csv / --xlsx: give at least one file to write")
    call = parse_option(Slug, call, field="CALL")
    _database()
    rows = allocation(call)
    export_allocation(rows, targets)
    applications = sum(1 for row in rows if row.kind == "application")
    console.print(f"{call}: {applications} application(s), {len(rows)} row(s) written to {', '.join(str(p) for p in targets.values())}.", highlight=False)


JSON = Annotated[bool, typer.Option("--json", help="One JSON document instead of the text")]
APPLICATION = Annotated[str, typer.Argument(help="The application's id")]
AT = Annotated[str | None, typer.Option(help=f"Replay only: the step's instant, {INSTANT_HELP}; default now")]


def _when(at: str | None, option: str = "--at") -> When:
    return When(stated=_instant(at, option), field=option)


def _application(text: str) -> str:
    return parse_option(Slug, text, field="application")


@app.command()
@_reported
def deliver(
    application: APPLICATION,
    document: Annotated[list[str], typer.Argument(help="The documents delivered, by kind (e.g. project-plan budget)")],
    at: AT = None,
) -> None:
    """Record documents as delivered (all or none), then show what still stands between the application and submission."""
    from usecases.preparation import deliver_documents

    application, when = _application(application), _when(at)

    async def flow() -> Readiness:
        from flows.preparation import preparation
        from flows.runtime import settled

        return await settled(preparation(application, deliver=document, at=when.stated, return_state=True))

    report = _run(lambda: deliver_documents(application, document, when), flow)
    console.print(f"{application}: delivered {', '.join(document)}.")
    console.print(f"  missing: {', '.join(report.missing_documents) or 'nothing'}; budget: {'; '.join(report.budget_problems) or 'valid'}",
                  highlight=False, soft_wrap=True)


@app.command()
@_reported
def submit(application: APPLICATION, at: AT = None) -> None:
    """Submit an application; refused, naming every reason, if late, incomplete or over budget."""
    from usecases.submission import submit as submit_application

    application, when = _application(application), _when(at)

    async def flow() -> SubmissionResult:
        from flows.runtime import settled
        from flows.submission import submission

        return await settled(submission(application, at=when.stated, return_state=True))

    result = _run(lambda: submit_application(application, when), flow)
    if not result.accepted or result.submitted_at is None:
        shown = result.problems[0] if len(result.problems) == 1 else "\n  - " + "\n  - ".join(result.problems)
        raise _fail(ValueError(f"submission of {application} refused: {shown}"))
    console.print(f"{application} submitted {format_instant(result.submitted_at)}.")
    if not _served():
        _notify(result.notifications, result.submitted_at)


def _served() -> bool:
    with prefect_server() as api:
        return api is not None


@app.command()
@_reported
def review(
    call: Annotated[str | None, typer.Argument(help="The call's id; default every call that has closed")] = None,
    at: AT = None,
    as_json: JSON = False,
) -> None:
    """Start the review of a closed call: its submitted applications go under review."""
    from usecases.submission import start_due_reviews, start_review

    when = _when(at)
    call_id = parse_option(Slug, call, field="call") if call is not None else None

    async def flow() -> list[ReviewResult]:
        from flows.runtime import settled
        from flows.submission import review as review_flow

        return await settled(review_flow(call_id, at=when.stated, return_state=True))

    results = _run(lambda: [start_review(call_id, when)] if call_id else start_due_reviews(when), flow)
    if as_json:
        print_json(results)
        return
    if not results:
        console.print("No closed call has submitted applications waiting for review.")
    for result in results:
        console.print(f"{result.call_id}: under review: {', '.join(result.under_review) or 'none'}", highlight=False)


@app.command()
@_reported
def withdraw(
    application: APPLICATION,
    reason: Annotated[str, typer.Option(help="Why the applicant withdraws it")],
    at: AT = None,
) -> None:
    """Withdraw an application not yet decided; its reminders stop."""
    from usecases.submission import withdraw as withdraw_application

    application, when = _application(application), _when(at)

    async def flow() -> WithdrawalResult:
        from flows.runtime import settled
        from flows.submission import withdrawal

        return await settled(withdrawal(application, reason, at=when.stated, return_state=True))

    result = _run(lambda: withdraw_application(application, reason, when), flow)
    console.print(f"{application} withdrawn (it was {result.from_stage.replace('_', ' ')}).")


@app.command()
@_reported
def decide(
    application: APPLICATION,
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
    """Record a decision; applied at once when no server runs, else by the decision flow its event triggers."""
    from domain.clock import system_now
    from grantflow.decide import decision_from_options
    from usecases.decision import record

    settings = get_settings()
    decision = decision_from_options(
        application, granted=granted, rejected=rejected, lines=line or [], shares=share or [], justification=justification,
        period=period, decided_at=_instant(decided_at, "--decided-at") or system_now(),
        decided_by=decided_by if decided_by is not None else settings.actor,
    )
    _database()
    recorded = record(decision)
    console.print(f"Decision for {application} recorded: {recorded.outcome}, {format_money(recorded.granted_cents)}.")
    if _served():
        console.print("The decision flow applies it once its event reaches the server (the relay of `grantflow serve` sends it).")
        return
    _apply_directly(application, When(), said="no server is running, so it is applied now")


def _apply_directly(application: str, when: When, *, said: str) -> None:
    from usecases.decision import apply as apply_decision

    result = apply_decision(application, when)
    if result.waiting_for:
        console.print(f"Not applied yet: {result.waiting_for}.", highlight=False)
        return
    console.print(f"{'Applied' if result.applied else 'Already applied'} ({said}): stage {result.stage.replace('_', ' ')}.", highlight=False)
    _notify(result.notifications, result.at)


@app.command("apply")
@_reported
def apply_command(application: APPLICATION, at: AT = None) -> None:
    """Apply an application's recorded decision (once; a second time changes nothing)."""
    from usecases.decision import apply as apply_decision

    application, when = _application(application), _when(at)

    async def flow() -> DecisionResult:
        from flows.decision import decision
        from flows.runtime import settled

        return await settled(decision(application, at=when.stated, return_state=True))

    _database()
    with prefect_server() as api:
        if api is None:
            _apply_directly(application, when, said="directly")
            return
    result = _run(lambda: apply_decision(application, when), flow)
    if result.waiting_for:
        console.print(f"Not applied yet: {result.waiting_for}.", highlight=False)
    else:
        console.print(f"{application}: stage {result.stage.replace('_', ' ')}.", highlight=False)


@app.command()
@_reported
def accept(application: APPLICATION, at: AT = None) -> None:
    """Record that the grantee accepted the grant and its terms; the project starts once it can."""
    from usecases.startup import accept as accept_grant

    application, when = _application(application), _when(at)

    async def flow() -> AcceptanceResult:
        from flows.runtime import settled
        from flows.startup import grant_acceptance

        return await settled(grant_acceptance(application, at=when.stated, return_state=True))

    result = _run(lambda: accept_grant(application, when), flow)
    if not result.accepted_now:
        console.print(f"{application}: the grant was already accepted, {format_instant(result.accepted_at)}.")
        return
    console.print(f"{application}: grant accepted {format_instant(result.accepted_at)}.")
    if _served():
        console.print("The start-up flow starts the project once the acceptance's event reaches the server.")
        return
    _start_directly(application, When(stated=when.stated, field=when.field), said="no server is running, so it is started now")


def _start_directly(application: str, when: When, *, said: str) -> None:
    from usecases.startup import start as start_project

    _print_start(start_project(application, when), said=said)


def _print_start(result: StartupResult, *, said: str = "") -> None:
    if result.waiting_for:
        console.print(f"{result.application_id}: the project waits for {result.waiting_for}.", highlight=False)
        return
    if not result.started_now:
        console.print(f"{result.application_id}: the project had already started.")
        return
    console.print(f"{result.application_id}: project started{f' ({said})' if said else ''}, grant period {result.period}.", highlight=False)
    for reporting in result.reporting:
        console.print(f"  {reporting}", highlight=False)
    _notify(result.notifications, result.at)


@app.command()
@_reported
def start(application: APPLICATION, at: AT = None) -> None:
    """Start a granted project whose grant is accepted, with its reporting deadlines (once)."""
    from usecases.startup import start as start_project

    application, when = _application(application), _when(at)

    async def flow() -> StartupResult:
        from flows.runtime import settled
        from flows.startup import startup

        return await settled(startup(application, at=when.stated, return_state=True))

    _database()
    if not _served():
        _start_directly(application, when, said="")
        return
    result = _run(lambda: start_project(application, when), flow)
    if result.waiting_for:
        console.print(f"{application}: the project waits for {result.waiting_for}.", highlight=False)
    else:
        console.print(f"{application}: project {'started' if result.started_now else 'had already started'}, grant period {result.period}.")


@app.command()
@_reported
def extend(
    application: APPLICATION,
    duty: Annotated[str, typer.Argument(help="The duty's kind, e.g. grant-acceptance or final-report")],
    due: Annotated[str, typer.Option(help=f"The new deadline, {INSTANT_HELP}")],
    reason: Annotated[str, typer.Option(help="Why the deadline is extended")],
    at: AT = None,
) -> None:
    """Extend a duty's deadline; the next reminder sweep re-plans its reminders for the new date."""
    from usecases.deadlines import extend as extend_duty

    application, when = _application(application), _when(at)
    new_due = parse_option(Instant, due, field="--due")
    kind = parse_option(Slug, duty, field="duty")

    async def flow() -> ExtensionResult:
        from flows.deadlines import deadline_extension
        from flows.runtime import settled

        return await settled(deadline_extension(application, kind, new_due, reason, at=when.stated, return_state=True))

    result = _run(lambda: extend_duty(application, kind, new_due, reason, when), flow)
    console.print(f"{application}: {result.title} now due {format_instant(result.due_at)}.", highlight=False)


@app.command()
@_reported
def overdue(
    now: Annotated[str | None, typer.Option(help=f"Replay only: the check's instant, {INSTANT_HELP}; default now")] = None,
    as_json: JSON = False,
) -> None:
    """Run the overdue checks: late decisions and unconfirmed start-ups, each told to the call's officer once."""
    from usecases.alerts import check_overdue

    when = _when(now, "--now")

    async def flow() -> AlertReport:
        from flows.alerts import overdue_checks
        from flows.runtime import settled

        return await settled(overdue_checks(when.stated, return_state=True))

    report = _run(lambda: check_overdue(when), flow)
    if not _served():
        _notify(report.notifications, report.at, quiet=as_json)
    if as_json:
        print_json(report)
        return
    if not report.alerts:
        console.print("Nothing overdue.")
    for alert in report.alerts:
        console.print(f"{alert.application_id}: {alert.kind.value.replace('_', ' ')} for {alert.days} days (since {format_instant(alert.since)})",
                      highlight=False)


def _not_planned(report: SweepReport) -> list[str]:
    """Applications whose reminders could not be planned: each named, every other application's went ahead."""
    return [f"not planned: {p.application_id} ({p.deadline_key}): {p.error}" for p in report.problems]


@app.command()
@_reported
def remind(
    now: Annotated[str | None, typer.Option(help=f"Replay only: the sweep's instant, {INSTANT_HELP}; default now")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would be sent; send and store nothing")] = False,
    as_json: JSON = False,
) -> None:
    """Run the reminder sweep: every reminder due at NOW, each sent once; what waits, and why, is listed."""
    from usecases import reminders
    from usecases.outbox import waiting_lines

    when = _when(now, "--now")

    def direct() -> SweepReport:
        report = reminders.sweep(when, dry_run=dry_run)
        reminders.reported(report)
        return report

    async def flow() -> SweepReport:
        from flows.reminders import reminder_sweep
        from flows.runtime import settled

        return await settled(reminder_sweep(when.stated, dry_run=dry_run, return_state=True))

    report = _run(direct, flow)
    if as_json:
        print_json(report)
    else:
        print_table(console, sweep_table(report))
    if dry_run:
        if not as_json:
            console.print("dry run: nothing was sent or stored")
        if problems := _not_planned(report):
            errors.print(f"[bold red]error:[/] {escape('; '.join(problems))}", highlight=False, soft_wrap=True)
            raise typer.Exit(code=1)
        return
    delivery = report.delivery
    summary = f"{report.planned} planned, {len(delivery.sent)} sent, {len(delivery.retrying)} to retry, {len(delivery.failed)} failed"
    summary += f", {report.skipped} skipped, {len(delivery.stale)} stale, {len(report.cancelled)} cancelled"
    summary += f", {len(delivery.in_doubt)} in doubt, {len(delivery.resent)} resent in doubt"
    out = errors if as_json else console
    out.print(summary)
    for line in waiting_lines(report.waiting):
        out.print(f"  {escape(line)}", highlight=False, soft_wrap=True)
    if delivery.resent:
        out.print(f"Resent in doubt with the same Message-ID, may have arrived twice: {', '.join(delivery.resent)}", soft_wrap=True)
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
def home(as_json: JSON = False) -> None:
    """What needs an operator, per call: stages, applications waiting for a decision and for how long, overdue duties,
    failed notices, and the next sweep's planned sends (the `operator-home` artifact in the UI); a replay database as of its last event."""
    from grantflow.report import home_table
    from usecases.home import home as home_rows

    _database()
    rows = home_rows()
    if as_json:
        print_json(rows)
    elif rows:
        print_table(console, home_table(rows))
    else:
        console.print("No calls yet: import a scenario with `grantflow import FILE`.")


@app.command("plan")
@_reported
def plan_command(
    target: Annotated[str | None, typer.Argument(metavar="[CALL|APP]", help="A call's or an application's id; default every one")] = None,
    first: Annotated[str | None, typer.Option("--from", help="The first day, e.g. 2020-04-01 (Helsinki); default now")] = None,
    last: Annotated[str | None, typer.Option("--to", help="The last day, e.g. 2020-06-30 (Helsinki), all of it; default 90 days on")] = None,
    now: Annotated[str | None, typer.Option(help=f"Replay only: the instant the plan is made at, {INSTANT_HELP}; default now")] = None,
    as_json: JSON = False,
    ical_dir: Annotated[Path | None, typer.Option("--ical-dir", help="Also write one iCalendar file of the deadlines per organisation here")] = None,
) -> None:
    """Every reminder to come: when it is sent (Helsinki time), to whom, for which deadline; retries with their next attempt."""
    from grantflow.report import plan_table
    from usecases.plan import PlanRequest, calendars
    from usecases.plan import plan as plan_reminders

    request = PlanRequest(
        when=_when(now, "--now"),
        first=parse_option(Day, first, field="--from") if first is not None else None,
        last=parse_option(Day, last, field="--to") if last is not None else None,
        target=parse_option(Slug, target, field="CALL|APP") if target is not None else None,
    )
    _database()
    planned = plan_reminders(request)
    written: list[Path] = []
    if ical_dir is not None:
        from grantflow.ical import write_calendars

        written = write_calendars(calendars(planned), ical_dir, planned.now)
    if as_json:
        print_json(planned)
    elif planned.rows:
        print_table(console, plan_table(planned))
    else:
        console.print(f"No reminder to send from {format_instant(planned.start)} to {format_instant(planned.end)}.", highlight=False)
    if ical_dir is not None:
        out = errors if as_json else console
        names = ", ".join(path.name for path in written) or "none: no organisation hears of these deadlines"
        out.print(f"{len(planned.deadlines)} deadline(s) written to {ical_dir}: {names}", highlight=False, markup=False, soft_wrap=True)


change_app = typer.Typer(no_args_is_help=True, help="Change requests (muutoshakemus) on a started project, each part decided on its own.")
app.add_typer(change_app, name="change")
LINES = Annotated[list[str] | None, typer.Option("--line", help="A sub-area's grant as NUMBER=EUROS (e.g. 1=600000); one for each granted sub-area")]


def _lines(texts: list[str] | None) -> dict[int, int]:
    """`--line NUMBER=EUROS` options as cents by sub-area number; a malformed one is refused naming the option."""
    from domain.money import parse_euros, to_cents

    lines: dict[int, int] = {}
    for text in texts or []:
        number, sep, euros = text.partition("=")
        if not sep or not number.strip().isdigit():
            raise ValueError(f"--line: {text!r} is not NUMBER=EUROS, e.g. 1=600000")
        if int(number) in lines:
            raise ValueError(f"--line: sub-area {int(number)} is given twice")
        lines[int(number)] = to_cents(parse_euros(euros))
    return lines


def _print_change(result: ChangeResult, *, said: str) -> None:
    console.print(f"{result.application_id}: change request {result.change_id} {said}.", highlight=False)
    for part in result.parts:
        outcome = part.outcome.value.replace("_", " ") if part.outcome else "undecided"
        due = f", due {format_instant(part.due_at)}" if part.due_at else ""
        console.print(f"  {part.number}. {part.kind.value}: {outcome}{due}", highlight=False)
        for line in part.lines:
            console.print(f"     {line.number}. requested {format_money(line.requested_cents)}, before {format_money(line.before_cents)}, "
                          f"after {format_money(line.after_cents)}", highlight=False)


@change_app.command("submit")
@_reported
def change_submit(
    application: APPLICATION,
    reason: Annotated[str, typer.Option(help="Why the changes are requested")],
    extend: Annotated[list[str] | None, typer.Option("--extend", help=f"A duty's deadline to extend, as KIND=DUE ({INSTANT_HELP})")] = None,
    line: LINES = None,
    content: Annotated[list[str] | None, typer.Option("--content", help="A change of content, in free text")] = None,
    participant: Annotated[list[str] | None, typer.Option("--participant", help="A multi-region project's participant replaced, as LEAVING=JOINING")] = None,
    at: AT = None,
    as_json: JSON = False,
) -> None:
    """Request changes to a started project: deadline extensions, a reallocation between sub-areas, changes of content or of a participant."""
    from domain.changes import PartInput
    from domain.model import ChangeKind
    from usecases.changes import submit_change

    application, when = _application(application), _when(at)
    parts: list[PartInput] = []
    for text in extend or []:
        kind, sep, due = text.partition("=")
        if not sep:
            raise ValueError(f"--extend: {text!r} is not KIND=DUE, e.g. final-report=2023-06-30T16:15:00")
        duty_kind, due_at = parse_option(Slug, kind, field="--extend"), parse_option(Instant, due, field="--extend")
        parts.append(PartInput(kind=ChangeKind.EXTENSION, duty_kind=duty_kind, due_at=due_at))
    if line:
        parts.append(PartInput(kind=ChangeKind.REALLOCATION, lines=_lines(line)))
    parts += [PartInput(kind=ChangeKind.CONTENT, content=text) for text in content or []]
    for text in participant or []:
        leaving, sep, joining = text.partition("=")
        if not sep:
            raise ValueError(f"--participant: {text!r} is not LEAVING=JOINING, e.g. soite=lappi")
        parts.append(PartInput(kind=ChangeKind.PARTICIPANT, leaving=parse_option(Slug, leaving, field="--participant"),
                               joining=parse_option(Slug, joining, field="--participant")))

    async def flow() -> ChangeResult:
        from flows.changes import change_submission
        from flows.runtime import settled

        return await settled(change_submission(application, parts, reason, at=when.stated, return_state=True))

    result = _run(lambda: submit_change(application, parts, reason, when), flow)
    if as_json:
        print_json(result)
        return
    _print_change(result, said="submitted")


@change_app.command("decide")
@_reported
def change_decide(
    change: Annotated[int, typer.Argument(help="The change request's id")],
    part: Annotated[int, typer.Argument(help="The part's number")],
    outcome: Annotated[str, typer.Option(help="accepted | accepted_with_changes | rejected")],
    justification: Annotated[str, typer.Option(help="The officer's justification")],
    due: Annotated[str | None, typer.Option(help=f"With accepted_with_changes, the deadline granted, {INSTANT_HELP}")] = None,
    line: LINES = None,
    above_request: Annotated[bool, typer.Option("--above-request", help="Allow a line above what was requested for it")] = False,
    at: AT = None,
    as_json: JSON = False,
) -> None:
    """Decide one part of a change request and carry it out; the applicant is notified once every part is decided."""
    from domain.changes import PartDecision
    from domain.model import ChangeOutcome
    from usecases.changes import decide_change

    when = _when(at)
    outcomes = [o.value for o in ChangeOutcome]
    if outcome not in outcomes:
        raise ValueError(f"--outcome: must be one of {', '.join(outcomes)}")
    decision = PartDecision(outcome=ChangeOutcome(outcome), justification=justification, lines=_lines(line), above_request_allowed=above_request,
                            due_at=parse_option(Instant, due, field="--due") if due is not None else None)

    async def flow() -> ChangeResult:
        from flows.changes import change_decision
        from flows.runtime import settled

        return await settled(change_decision(change, part, decision, at=when.stated, return_state=True))

    result = _run(lambda: decide_change(change, part, decision, when), flow)
    if not as_json:
        _print_change(result, said="decided" if result.decided_at else f"part {part} decided")
    if not _served():
        _notify(result.notifications, result.at, quiet=as_json)
    if as_json:
        print_json(result)


outbox_app = typer.Typer(invoke_without_command=True, help="The outbox: notices not yet delivered, and retrying those given up.")
app.add_typer(outbox_app, name="outbox")
OUTBOX_STATES = ("failed", "retrying", "sending", "pending", "all")


@outbox_app.callback()
@_reported
def outbox(
    ctx: typer.Context,
    status: Annotated[str, typer.Option("--status", help=f"Which notices ({' | '.join(OUTBOX_STATES)}): given up, waiting for a retry, "
                                        "being sent, not tried yet, or all of them")] = "all",
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many notices, those needing an operator first")] = 1000,
    as_json: JSON = False,
) -> None:
    """Notices not yet delivered: recipient, application, subject, notice and slot, attempts, next attempt, last error."""
    from grantflow.report import outbox_table
    from usecases.outbox import NoticeState, outbox_rows

    if ctx.invoked_subcommand is not None:
        return
    if status not in OUTBOX_STATES:
        raise ValueError(f"--status: must be one of {', '.join(OUTBOX_STATES)} (got {status!r})")
    _database()
    listing = outbox_rows(list(NoticeState) if status == "all" else [NoticeState(status)], limit=limit)
    if as_json:
        print_json(listing)
        return
    if not listing.rows:
        console.print("Nothing waits in the outbox." if status == "all" else f"No {status} notice in the outbox.")
        return
    print_table(console, outbox_table(listing))
    if listing.not_shown:
        console.print(f"{listing.not_shown} more not shown: --limit shows more, --status fewer.")


@outbox_app.command("retry")
@_reported
def outbox_retry(
    keys: Annotated[list[str] | None, typer.Argument(help="The failed notices' keys, as `grantflow outbox --status failed` lists them")] = None,
    all_failed: Annotated[bool, typer.Option("--all-failed", help="Every failed notice (but those resent in doubt, which may have arrived twice)")] = False,
    now: Annotated[str | None, typer.Option(help=f"Replay only: the retry's instant, {INSTANT_HELP}; default now")] = None,
    as_json: JSON = False,
) -> None:
    """Requeue failed notices once their cause is fixed, and deliver them now, each exactly once; a bad key changes nothing."""
    from usecases.outbox import retry

    when = _when(now, "--now")

    async def flow() -> RetryReport:
        from flows.outbox import outbox_retry as retry_flow
        from flows.runtime import settled

        return await settled(retry_flow(keys or [], all_failed=all_failed, now=when.stated, return_state=True))

    report = _run(lambda: retry(keys or [], all_failed=all_failed, when=when), flow)
    if as_json:
        print_json(report)
    out = errors if as_json else console
    delivery = report.delivery
    if not report.requeued:
        out.print("No failed notice to retry.")
    else:
        out.print(f"{len(report.requeued)} failed notice(s) requeued: {len(delivery.sent)} sent, {len(delivery.retrying)} to retry, "
                  f"{len(delivery.failed)} failed again, {len(delivery.stale)} skipped as stale", highlight=False)
        for key in delivery.stale:
            out.print(f"  skipped {escape(key)}: {escape(delivery.errors.get(key, ''))}", highlight=False, soft_wrap=True)
    if report.left_out:
        out.print(f"{len(report.left_out)} failed notice(s) left as they are, resent in doubt (may have arrived twice): {escape(', '.join(report.left_out))}",
                  highlight=False, soft_wrap=True)
    problems = [f"delivery stopped: {delivery.halted}"] if delivery.halted else []
    problems += [f"{key}: {delivery.errors.get(key, '')}" for key in [*delivery.failed, *delivery.retrying]]
    if problems:
        errors.print(f"[bold red]error:[/] not delivered: {escape('; '.join(problems))}", highlight=False, soft_wrap=True)
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
    from grantflow.demo import demo_server, make_replay_database, prepare_environment, run_timeline
    from grantflow.folders import state_folder
    from grantflow.mailsink import MailSink
    from usecases.status import overview

    started = time.monotonic()
    state_folder(state_dir, field="--state-dir")
    prepare_environment(state_dir)
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
        with demo_server(state_dir):
            asyncio.run(run_timeline(console))
        time.sleep(0.2)  # the SMTP server hands over the last message asynchronously
        mails = sink.mails
    console.print()
    for call in overview().calls:
        print_table(console, call_table(call))
    console.print(mail_table(mails))
    for mail in mails:
        if mail.subject.startswith(("Valtionavustus myönnetty osittain", "Statsunderstöd beviljat delvis")):
            console.print(Panel(mail.body, title=f"to {', '.join(mail.recipients)}: {mail.subject}", title_align="left", expand=False), highlight=False)
    console.print(f"Done in {time.monotonic() - started:.1f} s ({format_date(datetime.now(UTC).date())}).")
