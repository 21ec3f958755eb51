"""One exception family: every error names the record, the field and the rule it broke."""

from __future__ import annotations


class GrantflowError(Exception):
    """A rule was broken; nothing was changed."""

    def __init__(self, field: str, rule: str, *, record: str | None = None) -> None:
        self.field = field
        self.rule = rule
        self.record = record
        super().__init__(self.message)

    @property
    def message(self) -> str:
        where = f"{self.record}: " if self.record else ""
        return f"{where}{self.field}: {self.rule}"


class RuleViolation(GrantflowError):
    """Input or a requested change contradicts a domain rule."""


class IllegalTransition(GrantflowError):
    """The lifecycle does not allow moving from the current stage to the requested one."""


class NotFound(GrantflowError):
    """A referenced record does not exist."""


class Problem(GrantflowError):
    """One problem found while validating a batch of records (kept to report them all at once)."""


# A message lists this many problems; a file with a million bad records says how many more there are.
SHOWN_PROBLEMS = 50


class ValidationFailed(Exception):
    """A batch (a scenario file, a command's input) had problems; nothing was stored."""

    def __init__(self, source: str, problems: list[GrantflowError], *, outcome: str = "nothing was changed") -> None:
        self.source = source
        self.problems = problems
        shown = "\n".join(f"  - {p.message}" for p in problems[:SHOWN_PROBLEMS])
        if len(problems) > SHOWN_PROBLEMS:
            shown += f"\n  … and {len(problems) - SHOWN_PROBLEMS} more"
        super().__init__(f"{source}: {len(problems)} problem(s), {outcome}:\n{shown}")
