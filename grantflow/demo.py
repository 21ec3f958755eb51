"""The seed lifecycle replayed on a replay database, at the instants of 2020: preparation in spring to start-up in the autumn."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from domain.calendar import helsinki_instant
from domain.formatting import format_instant

Step = Callable[[datetime], Awaitable[str]]


@dataclass(frozen=True)
class Event:
    at: datetime
    what: str
    step: Step


def at(text: str) -> datetime:
    """Helsinki wall time written as `2020-04-30 16:14:59`."""
    return helsinki_instant(datetime.fromisoformat(text))


def timeline() -> list[Event]:
    """What happened to the seed applications, in order; times the sources leave open are illustrative."""
    from flows.decision import decision
    from flows.preparation import preparation
    from flows.reminders import reminder_sweep
    from flows.runtime import settled
    from flows.startup import grant_acceptance, startup
    from flows.submission import review, submission

    def prepare(app: str, *docs: str) -> Step:
        async def run(moment: datetime) -> str:
            report = await settled(preparation(app, deliver=list(docs), at=moment, return_state=True))
            missing = ", ".join(report.missing_documents) or "nothing missing"
            return f"{app}: delivered {', '.join(docs) or 'nothing'}; {missing}"

        return run

    def submit(app: str) -> Step:
        async def run(moment: datetime) -> str:
            result = await settled(submission(app, at=moment, return_state=True))
            if result.accepted:
                return f"{app}: [green]submitted[/]"
            return f"{app}: [bold red]REFUSED[/] " + escape("; ".join(result.problems))

        return run

    def close(call: str) -> Step:
        async def run(moment: datetime) -> str:
            (result,) = await settled(review(call, at=moment, return_state=True))
            return f"{call}: under review: {', '.join(result.under_review) or 'none'}"

        return run

    def decide(app: str) -> Step:
        async def run(moment: datetime) -> str:
            result = await settled(decision(app, at=moment, return_state=True))
            return f"{app}: decision applied, stage [bold]{result.stage}[/], {len(result.notifications)} notice(s)"

        return run

    def start(app: str) -> Step:
        async def run(moment: datetime) -> str:
            result = await settled(startup(app, at=moment, return_state=True))
            return f"{app}: project started, grant period {result.period}, {len(result.reporting)} reporting deadline(s)"

        return run

    def accept(app: str) -> Step:
        async def run(moment: datetime) -> str:
            result = await settled(grant_acceptance(app, at=moment, return_state=True))
            return f"{app}: grant accepted {format_instant(result.accepted_at)}"

        return run

    async def sweep(moment: datetime) -> str:
        report = await settled(reminder_sweep(moment, return_state=True))
        sent = [row for row in report.rows if row.outcome == "sent"]
        slots = sorted({f"{row.application} {row.slot}" for row in sent})
        cancelled = f", {len(report.cancelled)} cancelled" if report.cancelled else ""
        return f"{len(sent)} reminder(s) sent{cancelled}: {', '.join(slots) or 'none due'}"

    # The sweep runs at 09:00 on every working day; these are the days on which it has something to send.
    sweeps = [
        "2020-04-16", "2020-04-23", "2020-04-29", "2020-05-18", "2020-05-25", "2020-05-29", "2020-07-16", "2020-07-23",
        "2020-07-29", "2020-08-17", "2020-08-24", "2020-08-28", "2020-09-14", "2020-09-21", "2020-09-25", "2020-09-29",
    ]
    events = [Event(at(f"{day} 09:00"), "reminder sweep", sweep) for day in sweeps]
    events += [
        Event(at("2020-04-20 09:00"), "readiness check", prepare("lappi-fsc-2020")),
        Event(at("2020-04-24 10:00"), "documents delivered", prepare("lappi-fsc-2020", "project-plan", "budget")),
        Event(at("2020-04-24 10:30"), "documents delivered", prepare("lappi-ru-2020", "project-plan")),
        Event(at("2020-04-27 14:00"), "documents delivered", prepare("soite-fsc-2020", "project-plan")),
        Event(at("2020-04-27 14:05"), "documents delivered", prepare("soite-ru-2020", "project-plan")),
        Event(at("2020-04-28 12:00"), "documents delivered", prepare("ot-2020", "project-plan")),
        Event(at("2020-04-29 14:02"), "submission", submit("lappi-fsc-2020")),
        Event(at("2020-04-30 10:00"), "submission", submit("ot-2020")),
        Event(at("2020-04-30 11:30"), "submission", submit("lappi-ru-2020")),
        Event(at("2020-04-30 15:40"), "submission", submit("soite-fsc-2020")),
        Event(at("2020-04-30 16:14:59"), "submission", submit("soite-ru-2020")),
        Event(at("2020-04-30 16:15:00"), "late submission", submit("esimerkki-ru-2020")),
        Event(at("2020-05-04 08:00"), "call closed", close("fsc-2020")),
        Event(at("2020-05-04 08:00"), "call closed", close("ru-2020")),
        Event(
            at("2020-05-29 13:00"),
            "follow-up documents",
            prepare("lappi-fsc-2020", "evaluation-plan", "communication-plan", "purchased-services-report", "municipal-commitments"),
        ),
        Event(at("2020-05-29 13:10"), "follow-up documents", prepare("lappi-ru-2020", "municipal-commitments")),
        Event(at("2020-06-30 14:00"), "decision", decide("soite-fsc-2020")),
        Event(at("2020-06-30 14:00"), "decision", decide("soite-ru-2020")),
        Event(at("2020-06-30 14:00"), "decision", decide("ot-2020")),
        Event(at("2020-07-20 10:00"), "grant accepted", accept("soite-fsc-2020")),
        Event(at("2020-07-20 10:05"), "grant accepted", accept("soite-ru-2020")),
        Event(at("2020-07-22 11:00"), "grant accepted", accept("ot-2020")),
        Event(at("2020-08-14 12:00"), "revised plan", prepare("soite-ru-2020", "revised-plan")),
        Event(at("2020-08-20 15:00"), "revised plan", prepare("ot-2020", "revised-plan")),
        Event(at("2020-09-01 09:00"), "start-up", start("soite-fsc-2020")),
        Event(at("2020-09-01 09:00"), "start-up", start("soite-ru-2020")),
        Event(at("2020-09-01 09:00"), "start-up", start("ot-2020")),
    ]
    # Python's sort is stable: at equal instants the sweep, listed first, runs first, like the 09:00 cron.
    return sorted(events, key=lambda e: e.at)


async def run_timeline(console: Console) -> None:
    for event in timeline():
        outcome = await event.step(event.at)
        console.print(f"[cyan]{format_instant(event.at)}[/]  [bold]{event.what}[/]  {outcome}", soft_wrap=True)
    await relay_events(console)


async def relay_events(console: Console) -> None:
    """The lifecycle's domain events, sent to Prefect as the relay of `grantflow serve` would: visible under Events."""
    from prefect.client.orchestration import get_client

    from flows.relay import relay_all
    from usecases.relay import relayed_counts

    async with get_client() as client:
        report = await relay_all(client)
    names = relayed_counts()
    kinds = ", ".join(f"{name.removeprefix('grantflow.')} ×{count}" for name, count in sorted(names.items()))
    console.print(f"{report.relayed} domain events relayed to Prefect ({kinds})" + (f"; {report.waiting} waiting: {report.error}" if report.error else ""),
                  soft_wrap=True, highlight=False)


def make_replay_database(url: str) -> None:
    """The demo's fresh database replays 2020: its steps happen at the instants the timeline states."""
    from domain.model import ClockMode
    from grantflow.database import open_database
    from usecases.clock import set_clock

    open_database(url).dispose()
    set_clock(ClockMode.REPLAY)


@contextmanager
def demo_server(state_dir: Path) -> Iterator[None]:
    """The demo's runs go to the operator's server when PREFECT_API_URL names one, else to a Prefect server of its own."""
    if os.environ.get("PREFECT_API_URL"):
        yield
        return
    from prefect.settings import temporary_settings

    from grantflow.prefect_server import PrefectServer

    with PrefectServer(state_dir / "prefect-server", ui=False) as server, temporary_settings(server.client_settings()):
        yield


def prepare_environment(state_dir: Path) -> None:
    """Prefect keeps its own state beside the demo's unless the operator points it at a server."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # The demo prints its own account of every step; Prefect's run logs stay in the UI.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "ERROR")
    if "PREFECT_API_URL" not in os.environ:
        os.environ.setdefault("PREFECT_HOME", str((state_dir / "prefect").resolve()))

