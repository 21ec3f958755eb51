"""Every command, fed arbitrary text and instants in every option: one clear line or success, never a traceback,
and a refusal leaves every stored row as it was."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import typer.main
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import MetaData, select
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from grantflow.cli import app
from grantflow.prefect_server import PrefectServer
from grantflow.scenario import SEED

# Commands that run until stopped or build their own state are driven by tests of their own
# (test_serve.py, test_demo.py), their bad options by test_folders.py, which fuzzes the folder rule they share.
LONG_RUNNING = {("serve",), ("demo",)}
SEED_APPLICATIONS = ["soite-ru-2020", "soite-fsc-2020", "lappi-fsc-2020", "lappi-ru-2020", "ot-2020", "esimerkki-ru-2020"]
SEED_ORGANISATIONS = ["soite", "lappi", "ppshp", "esimerkki", "stm"]


def commands() -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every leaf command of the `grantflow` command line with its path, subcommands included."""

    def walk(command: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
        if hasattr(command, "commands"):
            if path and getattr(command, "invoke_without_command", False):  # a group that is a command itself: `grantflow outbox`
                yield path, command
            for name, sub in command.commands.items():
                yield from walk(sub, (*path, name))
        else:
            yield path, command

    yield from walk(typer.main.get_command(app), ())


# argv cannot carry NUL or lone surrogates; everything else may arrive from a shell or a script.
arbitrary_text = st.text(st.characters(exclude_characters="\x00", exclude_categories=["Cs"]), max_size=120)
odd_literals = st.sampled_from(
    ["", " ", "-", "--", "=", "..", "0", "-1", "1e400", "NaN", "inf", "None", "null", "ä" * 300, "\r\nBcc: x@evil.example",
     "a,b@evil.example", "'; DROP TABLE application; --", "{{ 7*7 }}", "%s%s%s", "\u202e", "１２３", "٣", "0x10000"]
)


def instants() -> st.SearchStrategy[str]:
    offsets = st.sampled_from([None, UTC, timezone(timedelta(hours=3)), timezone(timedelta(hours=-12)), timezone(timedelta(hours=14))])
    written = st.builds(
        lambda moment, tz, sep: (moment.replace(tzinfo=tz) if tz else moment).isoformat(sep=sep),
        st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)),
        offsets,
        st.sampled_from(["T", " "]),
    )
    edges = st.sampled_from(
        ["0001-01-01T00:00:00", "9999-12-31T23:59:59", "9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00",
         "2026-03-29T03:30", "2026-10-25T03:30", "1700000000", "2020-02-30T10:00", "2020-04-30", "now", "2020-04-30T16:14:59.999999+03:00",
         "2020-04-30T16:15:00Z", "+002020-04-30T16:15"]
    )
    return st.one_of(written, edges, arbitrary_text)


def days() -> st.SearchStrategy[str]:
    edges = st.sampled_from(["2020-04-30", "2020-02-30", "1899-12-31", "2199-12-31", "30.4.2020", "2020-4-30", "20200430", "today"])
    return st.one_of(st.dates().map(lambda d: d.isoformat()), edges, arbitrary_text)


def amounts() -> st.SearchStrategy[str]:
    numbers = st.decimals(min_value=Decimal(-10) ** 13, max_value=Decimal(10) ** 13, allow_nan=False, places=2)
    forms = st.builds(lambda d, form: form(d), numbers, st.sampled_from([str, lambda d: f"{d:,}".replace(",", " ").replace(".", ","), lambda d: f"{d:e}"]))
    edges = st.sampled_from(["1,5e3", "12 000,50", "12\u00a0000,50", "0x10000", "1_000", "-0", "0,001", "1.", ".5", "12 000 €", "1e-2"])
    return st.one_of(forms, edges, arbitrary_text)


def periods() -> st.SearchStrategy[str]:
    days = st.dates().map(lambda d: d.isoformat())
    return st.one_of(st.builds(lambda a, b: f"{a}..{b}", days, days), st.just("2020-07-01..2022-12-31"), arbitrary_text)


def pairs(keys: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(st.builds(lambda k, a: f"{k}={a}", keys, amounts()), arbitrary_text)


def paths(tmp: Path) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from([str(SEED), str(tmp), str(tmp / "missing.yaml"), "/dev/null", "/proc/self/mem", "/"]), arbitrary_text)


def outputs(tmp: Path) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from([str(tmp / "out.csv"), str(tmp / "out.xlsx"), str(tmp), str(tmp / "missing" / "out.csv"), "/proc/self/x", "."]),
                     arbitrary_text.map(lambda name: str(tmp / name)))


def values_for(name: str, tmp: Path) -> st.SearchStrategy[str]:
    """What an option or argument called `name` is fed: values of its own shape, odd literals and arbitrary text."""
    shaped: dict[str, st.SearchStrategy[str]] = {
        "application": st.sampled_from(SEED_APPLICATIONS),
        "at": instants(), "now": instants(), "decided_at": instants(),
        "granted": amounts(),
        "line": pairs(st.sampled_from(["1", "2", "3", "0", "99", "x"])),
        "share": pairs(st.sampled_from(SEED_ORGANISATIONS)),
        "period": periods(),
        "path": paths(tmp),
        "call": st.sampled_from(["fsc-2020", "ru-2020", "nowhere-2020"]),
        "csv": outputs(tmp), "xlsx": outputs(tmp),
        "target": st.sampled_from([*SEED_APPLICATIONS, "fsc-2020", "ru-2020", "nowhere-2020"]),
        "first": days(), "last": days(), "ical_dir": outputs(tmp),
        "revision": st.sampled_from(["head", "heads", "base", "0001", "0004", "-1", "+1", "0003:0004", "ffff"]),
    }
    own = shaped.get(name, st.nothing())
    # Values of the option's own shape reach past the first parser, so they are drawn most often.
    return st.one_of(own, own, own, odd_literals, arbitrary_text)


@st.composite
def command_lines(draw: st.DrawFn, path: tuple[str, ...], command: Any, tmp: Path) -> list[str]:
    args = list(path)
    for param in command.params:
        is_option = bool(param.opts) and param.opts[0].startswith("-")
        if not is_option:
            if param.required or draw(st.booleans()):
                args.append(draw(values_for(param.name, tmp)))
            continue
        if getattr(param, "is_flag", False):
            if draw(st.booleans()):
                args.append(param.opts[0])
            continue
        count = draw(st.integers(0, 3)) if param.multiple else (1 if param.required else draw(st.integers(0, 1)))
        for _ in range(count):
            args += [param.opts[0], draw(values_for(param.name, tmp))]
    return args


def stored(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, grantflow's and Alembic's, in a comparable form."""
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        return {table.name: sorted(map(tuple, connection.execute(select(table))), key=repr) for table in metadata.sorted_tables}


FUZZED = [(path, command) for path, command in commands() if path not in LONG_RUNNING]


def test_every_command_but_the_long_running_ones_is_fuzzed() -> None:
    assert {path for path, _ in commands()} == {path for path, _ in FUZZED} | LONG_RUNNING


@pytest.fixture
def runner(seeded: Engine, prefect_server: PrefectServer) -> CliRunner:
    """Commands on the seed database, with a real Prefect server for those that run flows."""
    from prefect.logging.configuration import setup_logging

    # Prefect's console handler keeps the stream it first sees: the test's, not one CliRunner closes after a command.
    setup_logging()
    return CliRunner()


@pytest.mark.parametrize(("path", "command"), FUZZED, ids=[" ".join(path) for path, _ in FUZZED])
def test_a_command_given_arbitrary_options_succeeds_or_refuses_in_one_line_changing_nothing(
    path: tuple[str, ...], command: Any, runner: CliRunner, seeded: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # a file an option names relative to the working folder (export's --csv, say) lands here
    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=False)
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        args = data.draw(command_lines(path, command, tmp_path), label="argv")
        before = stored(seeded)
        result = runner.invoke(app, args)
        shown = result.output + (result.stderr if result.stderr_bytes is not None else "")
        assert result.exception is None or isinstance(result.exception, SystemExit), f"{args!r} raised {result.exception!r}"
        assert "Traceback" not in shown, f"{args!r} printed a traceback:\n{shown}"
        assert result.exit_code in (0, 1, 2), f"{args!r} exited {result.exit_code}:\n{shown}"
        if result.exit_code != 0:
            assert shown.strip(), f"{args!r} refused without saying why"
            assert stored(seeded) == before, f"{args!r} was refused but changed stored rows:\n{shown}"

    check()
