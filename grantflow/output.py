"""What commands print for other programs: JSON documents, and tables that a pipe receives unfolded."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from pydantic import BaseModel
from pydantic_core import to_json
from rich.cells import cell_len
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table

# Wide enough for any row grantflow prints; a measurement is only capped by it.
_UNBOUNDED = 1_000_000


def print_json(value: BaseModel | Sequence[BaseModel]) -> None:
    """A model (or a list of them) as one JSON document on stdout, written as is: Rich would wrap long strings and add markup."""
    sys.stdout.write(to_json(value, indent=2).decode() + "\n")
    sys.stdout.flush()


def print_table(console: Console, table: Table) -> None:
    """On a terminal, as wide as the terminal; piped, as wide as the table needs, so that no cell is folded onto a second line."""
    if console.is_terminal:
        console.print(table)
        return
    natural = Measurement.get(console, console.options.update(max_width=_UNBOUNDED), table).maximum
    title = cell_len(str(table.title)) if table.title is not None else 0
    Console(file=console.file, width=max(console.width, natural, title), highlight=False).print(table)
