"""The demo's sample file: a register of Phường Tô Hiệu with good rows and the mistakes real files have, to
try the import on (offered on the import page when the demo city is loaded)."""

from __future__ import annotations

import io
from typing import Any

import openpyxl

from learningcity.frameworks.models import FrameworkVersion

from .columns import import_columns

COMMUNE = "3646"  # Phường Tô Hiệu, the demo commune officer's ward
OLD_COMMUNE = "03649"  # the old Phường Tô Hiệu, before 1 July 2025: today part of Tô Hiệu only, so it maps
FRAMEWORK = "vn.learning-citizen"
NOTE = "Sổ theo dõi của tổ dân phố"


def _row(version: FrameworkVersion, values: dict[str, Any], marks: list[Any] | None = None) -> list[Any]:
    """A row in the template's column order; answers default to 8 and notes to the register."""
    given = list(marks or [])
    row = []
    for column in import_columns(version):
        if column.key in values:
            row.append(values[column.key])
        elif column.key.startswith("answer."):
            row.append(given.pop(0) if given else 8)
        elif column.key.startswith("note."):
            row.append(NOTE)
        else:
            row.append(None)
    return row


def sample_workbook(version: FrameworkVersion) -> bytes:
    """A learning-citizen register with 4 good rows and 6 bad ones (each a mistake of a different kind)."""
    person = {"commune": COMMUNE, "hamlet": "Tổ 2", "sex": "Nam", "ethnicity": "Kinh", "group": "g2"}
    old_code = {
        **person,
        "commune": OLD_COMMUNE,
        "sex": "Nữ",
        "full_name": "Bùi Thị Hạnh",
        "birth_date": "1988",
    }
    rows = [
        _row(version, {**person, "full_name": "Đinh Văn Toàn", "birth_date": "12/03/1979"}),
        _row(version, old_code),  # a code from before 2025 that maps to Tô Hiệu
        _row(
            version,
            {**person, "hamlet": "Bản Cọ", "full_name": "Lò Văn Ún", "ethnicity": "Thái", "group": "g1"},
        ),
        _row(version, {**person, "full_name": "Vũ Minh Khánh", "birth_date": "05/11/1995"}, [9, 9, 9, 9, 9]),
        _row(version, {**person, "full_name": "Phạm Thu Trang"}, [8, "tám"]),  # a word for a number
        _row(version, {**person, "full_name": "Hoàng Đức Hải"}, [8, 8, 8, 12]),  # out of range
        _row(version, {**person, "hamlet": "Tổ 9", "full_name": "Ngô Thị Mai"}),  # no such residential group
        _row(version, {**person, "full_name": None, "birth_date": "1990"}),  # no name
        _row(version, old_code),  # the same person twice
        _row(
            version, {**person, "commune": "3670", "hamlet": "Tổ 1", "full_name": "Cầm Văn Khánh"}
        ),  # not yours
    ]
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Dữ liệu"
    sheet.append(["DANH SÁCH TỰ ĐÁNH GIÁ CÔNG DÂN HỌC TẬP – PHƯỜNG TÔ HIỆU (DỮ LIỆU DEMO)"])
    sheet.append([])
    sheet.append([column.label for column in import_columns(version)])
    for row in rows:
        sheet.append(row)
    content = io.BytesIO()
    book.save(content)
    return content.getvalue()
