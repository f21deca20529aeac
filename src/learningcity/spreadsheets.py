"""Spreadsheets the platform writes (templates, error reports, exports): safe to open, light to build.

A text cell that begins with `=`, `+`, `-` or `@` (or a tab or carriage return) is read as a formula by
Excel and LibreOffice when a user opens the file: a value typed by someone else could then run in the
reader's spreadsheet (CSV/formula injection, OWASP). Every text cell we write goes through `safe_cell`,
which prefixes such text with an apostrophe, the mark spreadsheets use for "this is text". Numbers, dates
and booleans are written as they are: a negative number is a number, not a formula.

Workbooks are written in openpyxl's write-only mode, a row at a time, so a large export never holds the
whole sheet as cell objects.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
WRAP = Alignment(wrap_text=True, vertical="top")


def safe_cell(value: Any) -> Any:
    """A value as written to a spreadsheet: text that a spreadsheet would run as a formula is made text."""
    if value is None or isinstance(value, bool | int | float | dt.date | dt.datetime):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def header_row(sheet: WriteOnlyWorksheet, labels: Sequence[str]) -> list[Cell]:
    """A bold, shaded header row for a write-only sheet."""
    cells = []
    for label in labels:
        cell = WriteOnlyCell(sheet, value=safe_cell(label))
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, WRAP
        cells.append(cell)
    return cells


def write_sheet(
    sheet: WriteOnlyWorksheet,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    widths: Sequence[float] = (),
) -> None:
    """Fill a write-only sheet: the header (kept in view when scrolling), then every row made safe."""
    for index, width in enumerate(widths, start=1):
        # Write-only sheets keep column widths (openpyxl's stubs do not say so).
        sheet.column_dimensions[get_column_letter(index)].width = width  # type: ignore[attr-defined]
    sheet.freeze_panes = "A2"
    sheet.append(header_row(sheet, headers))
    for row in rows:
        sheet.append([safe_cell(value) for value in row])


def xlsx_bytes(sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    """A workbook of (title, headers, rows) sheets, written a row at a time."""
    book = openpyxl.Workbook(write_only=True)
    for title, headers, rows in sheets:
        write_sheet(book.create_sheet(title[:31]), headers, rows)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_chunks(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], *, rows_per_chunk: int = 500
) -> Iterator[bytes]:
    """UTF-8 CSV with a byte-order mark (so Excel on Windows reads the Vietnamese text right), produced in
    chunks that a response can stream while the rows are still being read."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([safe_cell(header) for header in headers])
    for count, row in enumerate(rows, start=1):
        writer.writerow(["" if value is None else safe_cell(value) for value in row])
        if count % rows_per_chunk == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")
