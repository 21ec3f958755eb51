"""How long each command takes on the seed database with no server running, against `grantflow --help` as the floor.

Run: `python bench/commands.py [REPEATS]`. Each command runs as a user runs it, in a process of its
own; the figure is the median of REPEATS runs, and the ratio is against starting the command at all.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GRANTFLOW = str(Path(sys.executable).with_name("grantflow"))
SEED = Path(__file__).resolve().parent.parent / "grantflow" / "scenarios" / "seed.yaml"


def timed(args: list[str], env: dict[str, str], *, ok: bool = True) -> float:
    started = time.perf_counter()
    done = subprocess.run([GRANTFLOW, *args], env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if ok and done.returncode != 0:
        raise SystemExit(f"grantflow {' '.join(args)} failed: {done.stderr or done.stdout}")
    return elapsed


def main(repeats: int) -> None:
    # (command, arguments, whether it changes the database: those run once per fresh database)
    steps = [
        ("db clock replay", ["db", "clock", "replay"]),
        ("import", ["import", str(SEED)]),
        ("deliver", ["deliver", "soite-fsc-2020", "project-plan", "--at", "2020-04-27T14:00"]),
        ("submit", ["submit", "soite-fsc-2020", "--at", "2020-04-30T15:40"]),
        ("withdraw", ["withdraw", "lappi-ru-2020", "--reason", "merged", "--at", "2020-05-02T10:00"]),
        ("review", ["review", "--at", "2020-05-04T08:00"]),
        ("apply", ["apply", "soite-fsc-2020", "--at", "2020-06-30T14:00"]),
        ("extend", ["extend", "soite-fsc-2020", "grant-acceptance", "--due", "2020-08-31T16:15", "--reason", "later", "--at", "2020-07-10T10:00"]),
        ("accept (and start)", ["accept", "soite-fsc-2020", "--at", "2020-07-20T10:00"]),
        ("overdue", ["overdue", "--now", "2020-09-02T08:00"]),
        ("remind --dry-run", ["remind", "--dry-run", "--now", "2020-09-14T09:00"]),
        ("remind", ["remind", "--now", "2020-09-14T09:00"]),
        ("plan", ["plan", "--now", "2020-09-14T09:00"]),
        ("outbox", ["outbox"]),
        ("status", ["status"]),
        ("status --json", ["status", "--json"]),
    ]
    figures: dict[str, list[float]] = {name: [] for name, _ in steps}
    floor: list[float] = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as folder:
            env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "GRANTFLOW_"))}
            env |= {"GRANTFLOW_DATABASE_URL": f"sqlite:///{folder}/grantflow.db", "GRANTFLOW_HOME": folder, "PREFECT_HOME": f"{folder}/prefect"}
            floor.append(timed(["--help"], env))
            for name, args in steps:
                figures[name].append(timed(args, env, ok=name != "remind"))  # no channel configured: remind reports the unsent
    base = statistics.median(floor)
    print(f"grantflow --help (the floor): {base:.2f} s, median of {repeats}")
    print(f"{'command':<22}{'median s':>10}{'× floor':>10}")
    for name, values in figures.items():
        median = statistics.median(values)
        print(f"{name:<22}{median:>10.2f}{median / base:>10.1f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
