"""The workbooks of an import: the template a commune fills in, and the report of every bad row.

The template is made from the same column specification the reader and the checks use, so a filled-in
template always maps: Vietnamese headers on the first row, a notes sheet explaining each column and its
allowed values, and Excel's own checks (drop-down lists, number ranges) where Excel has them.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

import openpyxl
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from learningcity.frameworks.models import FrameworkVersion
from learningcity.spreadsheets import HEADER_FILL, HEADER_FONT, WRAP, safe_cell, xlsx_bytes

from .columns import DATA_SHEET, Column, import_columns

NOTES_SHEET = "Hướng dẫn"
LISTS_SHEET = "Danh mục"
TEMPLATE_ROWS = 5000  # rows the drop-down lists and number checks cover; a longer file is still read whole
TYPE_LABELS = {
    "text": "Chữ",
    "code": "Mã",
    "int": "Số nguyên",
    "float": "Số",
    "bool": "Có / Không",
    "date": "Ngày",
    "choice": "Chọn trong danh sách",
}


def _validation(column: Column, list_ranges: dict[str, str]) -> DataValidation | None:
    """Excel's check for a column: a drop-down list or a number range, the column's note as its message."""
    error, title = column.help[:255], column.label[:32]
    if column.choices:
        # A list longer than Excel's 255-character inline limit points at the lists sheet instead.
        inline = '"' + ",".join(column.choices) + '"'
        formula = (
            inline if len(inline) <= 255 and "," not in "".join(column.choices) else list_ranges[column.key]
        )
        return DataValidation(
            type="list",
            formula1=formula,
            allow_blank=True,
            error=error,
            errorTitle=title,
            showErrorMessage=True,
        )
    if column.type in ("int", "float") and column.minimum is not None and column.maximum is not None:
        return DataValidation(
            type="whole" if column.type == "int" else "decimal",
            operator="between",
            formula1=str(column.minimum),
            formula2=str(column.maximum),
            allow_blank=True,
            error=error,
            errorTitle=title,
            showErrorMessage=True,
        )
    if column.max_length:
        return DataValidation(
            type="textLength", operator="lessThanOrEqual", formula1=str(column.max_length), allow_blank=True
        )
    return None


def template_workbook(version: FrameworkVersion) -> bytes:
    """The XLSX template of `version`: data sheet, notes sheet, lists sheet."""
    columns = import_columns(version)
    book = openpyxl.Workbook()
    data = book.active
    assert data is not None  # a new workbook has its first sheet
    data.title = DATA_SHEET
    lists = book.create_sheet(LISTS_SHEET)
    list_ranges: dict[str, str] = {}
    listed = [column for column in columns if column.choices]
    for index, column in enumerate(listed, start=1):
        letter = get_column_letter(index)
        lists.cell(row=1, column=index, value=column.label)
        for offset, choice in enumerate(column.choices, start=2):
            lists.cell(row=offset, column=index, value=safe_cell(choice))
        last = len(column.choices) + 1
        list_ranges[column.key] = f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${last}"
    lists.sheet_state = "hidden"

    for index, column in enumerate(columns, start=1):
        cell = data.cell(row=1, column=index, value=column.label)
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, WRAP
        letter = get_column_letter(index)
        data.column_dimensions[letter].width = 14 if column.key.startswith("answer.") else 22
        validation = _validation(column, list_ranges)
        if validation is not None:
            data.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
        if column.type in ("code", "date"):
            # Typed as text, codes keep their leading zeros and dates the order day/month/year.
            data.column_dimensions[letter].number_format = "@"
    data.freeze_panes = "A2"

    notes = book.create_sheet(NOTES_SHEET)
    headers = ["Cột", "Tiêu đề cột", "Bắt buộc", "Kiểu", "Giá trị được phép", "Hướng dẫn"]
    for index, label in enumerate(headers, start=1):
        cell = notes.cell(row=1, column=index, value=label)
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, WRAP
    for row, column in enumerate(columns, start=2):
        values = _allowed(column)
        line = [
            get_column_letter(row - 1),
            column.label,
            "Có" if column.required else "Không",
            TYPE_LABELS[column.type],
            values,
            column.help,
        ]
        for index, value in enumerate(line, start=1):
            notes.cell(row=row, column=index, value=safe_cell(value)).alignment = WRAP
    source = version.spec.get("source") or {}
    footer = len(columns) + 3
    notes.cell(
        row=footer, column=1, value=f"Bộ tiêu chí: {version.title_vi} ({version.code}, {version.version})"
    )
    if isinstance(source, dict) and source.get("title"):
        notes.cell(row=footer + 1, column=1, value=safe_cell(f"Nguồn: {source['title']}"))
    notes.cell(
        row=footer + 2,
        column=1,
        value="Dòng tiêu đề phía trên hàng tiêu đề cột và thứ tự cột khác với mẫu đều được chấp nhận.",
    )
    for letter, width in zip("ABCDEF", (8, 36, 10, 16, 36, 80), strict=True):
        notes.column_dimensions[letter].width = width
    book.move_sheet(NOTES_SHEET, offset=-1)  # after the data sheet, which opens first
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _allowed(column: Column) -> str:
    if column.choices:
        return "; ".join(column.choices)
    if column.minimum is not None and column.maximum is not None:
        return f"{column.minimum:g} – {column.maximum:g}"
    if column.max_length:
        return f"≤ {column.max_length} ký tự"
    return ""


def errors_workbook(rows: Iterable[tuple[Any, ...]], *, original_name: str) -> bytes:
    """Every bad row of a file as (row, column, value, reason), in the language of the import."""
    headers = [_("Row"), _("Column"), _("Value"), _("Reason")]
    about = [(_("File"), original_name)]
    return xlsx_bytes([(_("Errors"), headers, rows), (_("File"), [_("What"), _("Value")], about)])
