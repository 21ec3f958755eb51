"""A call's allocation written as CSV and XLSX files, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from domain.allocation import AllocationRow
from domain.calendar import HELSINKI
from domain.errors import RuleViolation
from domain.money import euros_text, to_euros

HEADERS = ("call", "application", "applicant", "title", "kind", "sub_area_or_participant", "requested", "granted", "outcome", "decided_at")
# A spreadsheet runs a cell starting with one of these as a formula (tab and carriage return are stripped before it looks).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EURO_FORMAT = '#,##0.00 "€"'
INSTANT_FORMAT = "yyyy-mm-dd hh:mm:ss"
# Excel's limit on a sheet's name.
SHEET_NAME_LENGTH = 31


def safe_text(text: str) -> str:
    """Text a spreadsheet shows as text: a leading `'` before anything it would take for the start of a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _texts(row: AllocationRow) -> list[str]:
    return [safe_text(value) for value in (row.call, row.application, row.applicant, row.title, row.kind.value, row.part)]


def _outcome(row: AllocationRow) -> str:
    return row.outcome.value if row.outcome else ""


def _helsinki(instant: datetime | None) -> datetime | None:
    return instant.astimezone(HELSINKI) if instant is not None else None


def _write_csv(rows: list[AllocationRow], target: Path) -> None:
    with target.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(HEADERS)
        for row in rows:
            granted = euros_text(row.granted_cents) if row.granted_cents is not None else ""
            decided = _helsinki(row.decided_at)
            writer.writerow([*_texts(row), euros_text(row.requested_cents), granted, _outcome(row), decided.isoformat() if decided else ""])


def _write_xlsx(rows: list[AllocationRow], target: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = (rows[0].call if rows else "allocation")[:SHEET_NAME_LENGTH]
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for number, row in enumerate(rows, start=2):
        granted = to_euros(row.granted_cents) if row.granted_cents is not None else None
        decided = _helsinki(row.decided_at)
        # Excel has no time zones: the decision's instant is written in Helsinki wall time.
        sheet.append([*_texts(row), to_euros(row.requested_cents), granted, _outcome(row), decided.replace(tzinfo=None) if decided else None])
        for column in ("G", "H"):
            sheet[f"{column}{number}"].number_format = EURO_FORMAT
        sheet[f"J{number}"].number_format = INSTANT_FORMAT
    for column, width in zip("ABCDEFGHIJ", (12, 20, 18, 50, 12, 40, 16, 16, 10, 20), strict=True):
        sheet.column_dimensions[column].width = width
    workbook.save(target)


WRITERS: dict[str, Callable[[list[AllocationRow], Path], None]] = {"--csv": _write_csv, "--xlsx": _write_xlsx}


def _unwritable(option: str, target: Path, why: str) -> RuleViolation:
    return RuleViolation(option, f"{target} cannot be written: {why}")


def export_allocation(rows: list[AllocationRow], targets: dict[str, Path]) -> None:
    """Write every file named by its option, or none: each goes to a temporary file beside it, renamed once all are written."""
    written: list[tuple[str, Path, Path]] = []
    try:
        for option, target in targets.items():
            if not target.name or target.is_dir():
                raise _unwritable(option, target, "it is a folder; name a file")
            temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            written.append((option, temporary, target))
            try:
                WRITERS[option](rows, temporary)
            except OSError as exc:
                raise _unwritable(option, target, exc.strerror or str(exc)) from None
        for option, temporary, target in written:
            try:
                os.replace(temporary, target)
            except OSError as exc:
                raise _unwritable(option, target, exc.strerror or str(exc)) from None
    finally:
        for _, temporary, _ in written:
            temporary.unlink(missing_ok=True)
