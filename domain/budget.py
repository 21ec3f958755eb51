"""Money rules: state share within the co-financing rate, parts summing to the whole, grants within requests."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from domain.errors import RuleViolation
from domain.formatting import format_money
from domain.model import Application, Call, Outcome, Participant, SubArea


def application_budget_problems(
    app: Application,
    call: Call,
    sub_areas: list[SubArea],
    participants: list[Participant],
    calculated_share_cents: int | None,
) -> list[RuleViolation]:
    """Every budget rule an application breaks; an empty list means the budget is valid."""
    record = f"application {app.id}"
    problems: list[RuleViolation] = []

    def problem(field: str, rule: str) -> None:
        problems.append(RuleViolation(field, rule, record=record))

    if app.requested_cents > app.total_cost_cents:
        problem("requested", f"{format_money(app.requested_cents)} exceeds the total cost {format_money(app.total_cost_cents)}")
    ceiling = app.total_cost_cents * call.state_share_percent // 100
    if app.requested_cents * 100 > app.total_cost_cents * call.state_share_percent:
        problem(
            "requested",
            f"{format_money(app.requested_cents)} exceeds the call's {call.state_share_percent} % state share "
            f"of the eligible cost {format_money(app.total_cost_cents)} (at most {format_money(ceiling)})",
        )
    if calculated_share_cents is not None and app.requested_cents > calculated_share_cents:
        problem(
            "requested",
            f"{format_money(app.requested_cents)} exceeds the applicant's calculated share "
            f"{format_money(calculated_share_cents)}",
        )
    if sub_areas:
        _parts_sum_to("sub_areas.total_cost", [s.total_cost_cents for s in sub_areas], app.total_cost_cents, "total cost", problem)
        _parts_sum_to("sub_areas.requested", [s.requested_cents for s in sub_areas], app.requested_cents, "requested state share", problem)
        for sub in sub_areas:
            if sub.requested_cents > sub.total_cost_cents:
                problem(
                    f"sub_areas[{sub.number}].requested", f"{format_money(sub.requested_cents)} exceeds its total cost {format_money(sub.total_cost_cents)}"
                )
    if participants:
        # The lead is listed only where it takes a share of its own; it administers the project either way.
        _parts_sum_to("participants.requested", [p.requested_cents for p in participants], app.requested_cents, "requested state share", problem)
    return problems


def _parts_sum_to(field: str, parts: list[int], whole: int, what: str, problem: Callable[[str, str], None]) -> None:
    if sum(parts) != whole:
        problem(field, f"parts sum to {format_money(sum(parts))}, not the application's {what} {format_money(whole)}")


def allocation_problems(
    record: str, field: str, requested: Mapping[str, int], granted: Mapping[str, int], granted_total: int
) -> list[RuleViolation]:
    """A grant split into lines: each line within its request, the lines summing to the granted total."""
    problems: list[RuleViolation] = []
    for key, cents in granted.items():
        if key not in requested:
            known = ", ".join(requested) or "none"
            problems.append(RuleViolation(f"{field}[{key}]", f"no such {field[:-1].replace('_', '-')} in the application (known: {known})", record=record))
        elif cents > requested[key]:
            problems.append(
                RuleViolation(f"{field}[{key}].granted", f"{format_money(cents)} exceeds the requested {format_money(requested[key])}", record=record)
            )
    if granted and sum(granted.values()) != granted_total:
        problems.append(
            RuleViolation(field, f"lines sum to {format_money(sum(granted.values()))}, not the granted total {format_money(granted_total)}", record=record)
        )
    return problems


def decision_outcome(requested_cents: int, granted_cents: int) -> Outcome:
    """Nothing granted is a rejection; less than requested a partial grant."""
    if granted_cents == 0:
        return Outcome.REJECTED
    return Outcome.FULL if granted_cents >= requested_cents else Outcome.PARTIAL
