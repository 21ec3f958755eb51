"""`python -m grantflow.tethered PARENT -- COMMAND…`: COMMAND, stopped as soon as the process PARENT is gone.

The launcher becomes COMMAND (same process, same exit status) after forking a watcher that waits on
PARENT and COMMAND through pidfds: when PARENT ends, however it ends (SIGKILL included), the watcher
sends COMMAND SIGTERM, then SIGKILL after a grace period; when COMMAND ends, the watcher ends too.
PARENT is a process, not a thread: unlike PR_SET_PDEATHSIG, nothing fires when the thread that
started COMMAND (in Prefect often a worker thread) exits while its process lives on.
"""

from __future__ import annotations

import os
import select
import signal
import sys
from collections.abc import Sequence
from typing import NoReturn

GRACE_SECONDS = 5.0
USAGE = "usage: python -m grantflow.tethered PARENT-PID -- COMMAND [ARG…]"


def tethered(command: Sequence[str], parent: int | None = None) -> list[str]:
    """`command` run so that it stops when `parent` (by default this process), its starter, is gone."""
    return [sys.executable, "-m", "grantflow.tethered", str(parent or os.getpid()), "--", *command]


def _pidfd(pid: int) -> int | None:
    """A handle on process `pid` that never names another one; None on a system without pidfds (before Linux 5.3)."""
    try:
        return os.pidfd_open(pid)
    except ProcessLookupError:
        raise
    except (AttributeError, OSError):
        return None


def _signal(command: int, handle: int, number: signal.Signals) -> None:
    try:
        if os.getpgid(command) == command:  # COMMAND leads a group of its own: stop whatever it started too
            os.killpg(command, number)
        else:
            signal.pidfd_send_signal(handle, number)
    except ProcessLookupError:
        pass


def _watch(parent: int, command: int) -> NoReturn:
    """The watcher: wait for PARENT or COMMAND to end; if PARENT ended first, stop COMMAND."""
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        # Ctrl-C and the group's SIGTERM are for COMMAND; the watcher stays until COMMAND is gone.
        signal.signal(number, signal.SIG_IGN)
    quiet = os.open(os.devnull, os.O_RDWR)
    for stream in (0, 1, 2):  # hold none of COMMAND's pipes open
        os.dup2(quiet, stream)
    try:
        command_handle = os.pidfd_open(command)
    except ProcessLookupError:
        os._exit(0)
    if os.getppid() != command:  # COMMAND ended before its handle was taken
        os._exit(0)
    ended, _, _ = select.select([parent, command_handle], [], [])
    if command_handle not in ended:
        _signal(command, command_handle, signal.SIGTERM)
        stopped, _, _ = select.select([command_handle], [], [], GRACE_SECONDS)
        if not stopped:
            _signal(command, command_handle, signal.SIGKILL)
    os._exit(0)


def main(argv: Sequence[str]) -> NoReturn:
    if len(argv) < 3 or argv[1] != "--" or not argv[0].isdigit():
        print(USAGE, file=sys.stderr)
        sys.exit(2)
    parent, command = int(argv[0]), list(argv[2:])
    try:
        handle = _pidfd(parent)
    except ProcessLookupError:
        handle = None
        parent = -1
    # Checked after taking the handle: while PARENT is still our parent, the handle names it and no other.
    if os.getppid() != parent:
        print(f"grantflow.tethered: the process that started {command[0]} is gone; not started", file=sys.stderr)
        sys.exit(1)
    if handle is None:
        print(f"grantflow.tethered: this system has no pidfds; {command[0]} runs untethered", file=sys.stderr)
    else:
        this = os.getpid()
        if os.fork() == 0:
            _watch(handle, this)
    try:
        os.execvp(command[0], command)  # pidfds close on exec: COMMAND holds no handle of ours
    except OSError as exc:
        print(f"grantflow.tethered: {command[0]}: {exc.strerror}", file=sys.stderr)
        sys.exit(127)


if __name__ == "__main__":
    main(sys.argv[1:])
