"""The seed lifecycle on a simulated clock: preparation in spring 2020 to start-up in the autumn."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
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
    from flows.startup import startup
    from flows.submission import review, submission

    def prepare(app: str, *docs: str) -> Step:
        async def run(moment: datetime) -> str:
            report = await preparation(app, deliver=list(docs), at=moment)
            missing = ", ".join(report.missing_documents) or "nothing missing"
            return f"{app}: delivered {', '.join(docs) or 'nothing'}; {missing}"

        return run

    def submit(app: str) -> Step:
        async def run(moment: datetime) -> str:
            result = await submission(app, at=moment)
            if result.accepted:
                return f"{app}: [green]submitted[/]"
            return f"{app}: [bold red]REFUSED[/] " + escape("; ".join(result.problems))

        return run

    def close(call: str) -> Step:
        async def run(moment: datetime) -> str:
            return f"{call}: under review: {', '.join(await review(call, at=moment)) or 'none'}"

        return run

    def decide(app: str) -> Step:
        async def run(moment: datetime) -> str:
            result = await decision(app, at=moment)
            return f"{app}: decision applied, stage [bold]{result.stage}[/], {len(result.notifications)} notice(s)"

        return run

    def start(app: str) -> Step:
        async def run(moment: datetime) -> str:
            result = await startup(app, at=moment)
            return f"{app}: project started, grant period {result.period}, {len(result.reporting)} reporting deadline(s)"

        return run

    events = [
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
        Event(at("2020-07-20 10:00"), "grant accepted", prepare("soite-fsc-2020", "grant-acceptance")),
        Event(at("2020-07-20 10:05"), "grant accepted", prepare("soite-ru-2020", "grant-acceptance")),
        Event(at("2020-07-22 11:00"), "grant accepted", prepare("ot-2020", "grant-acceptance")),
        Event(at("2020-08-14 12:00"), "revised plan", prepare("soite-ru-2020", "revised-plan")),
        Event(at("2020-08-20 15:00"), "revised plan", prepare("ot-2020", "revised-plan")),
        Event(at("2020-09-01 09:00"), "start-up", start("soite-fsc-2020")),
        Event(at("2020-09-01 09:00"), "start-up", start("soite-ru-2020")),
        Event(at("2020-09-01 09:00"), "start-up", start("ot-2020")),
    ]
    return sorted(events, key=lambda e: e.at)


async def run_timeline(console: Console) -> None:
    for event in timeline():
        outcome = await event.step(event.at)
        console.print(f"[cyan]{format_instant(event.at)}[/]  [bold]{event.what}[/]  {outcome}")


def prepare_environment(state_dir: Path) -> None:
    """Prefect keeps its own state beside the demo's unless the operator points it at a server."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # The demo prints its own account of every step; Prefect's run logs stay in the UI.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "ERROR")
    if "PREFECT_API_URL" not in os.environ:
        os.environ.setdefault("PREFECT_HOME", str((state_dir / "prefect").resolve()))

