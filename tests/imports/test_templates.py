"""The template a commune fills in and the report of bad rows: the template's headers are the columns the
reader maps, its notes explain each of them, Excel's own checks guard the lists and ranges, and a template
filled in imports cleanly."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl

from learningcity.frameworks.models import FrameworkVersion
from learningcity.recognition.imports.columns import import_columns
from learningcity.recognition.imports.templates import errors_workbook, template_workbook
from learningcity.recognition.models import Campaign, ImportJob

from ..cast import Cast
from .test_pipeline import commit, dry_run


def test_each_framework_has_a_template_with_notes_and_checks(versions: dict[str, FrameworkVersion]) -> None:
    assert len(versions) == 6  # citizen, family, clan, two communities, organisation
    for version in versions.values():
        _template_matches(version)


def _template_matches(version: FrameworkVersion) -> None:
    columns = import_columns(version)
    book = openpyxl.load_workbook(io.BytesIO(template_workbook(version)))
    assert book.sheetnames == ["Dữ liệu", "Hướng dẫn", "Danh mục"]  # the data first: the reader reads it
    data = book["Dữ liệu"]
    assert [cell.value for cell in data[1]] == [column.label for column in columns]
    notes = book["Hướng dẫn"]
    explained = {row[1].value: row for row in notes.iter_rows(min_row=2) if row[1].value}
    for column in columns:
        assert explained[column.label][5].value == column.help
        assert explained[column.label][2].value == ("Có" if column.required else "Không")
    # A drop-down list for every column with choices; a range for every scored answer.
    checked = {str(v.sqref).split(":")[0]: v for v in data.data_validations.dataValidation}
    for index, column in enumerate(columns, start=1):
        rule = checked.get(f"{openpyxl.utils.get_column_letter(index)}2")
        if column.choices:
            assert rule is not None and rule.type == "list", column.key
        elif column.minimum is not None:
            assert rule is not None and (rule.formula1, rule.formula2) == (
                str(column.minimum),
                str(column.maximum),
            )


def test_a_filled_in_template_imports_cleanly(tmp_path: Path, cast: Cast, campaign: Campaign) -> None:
    version = campaign.frameworks.get(code="vn.learning-citizen")
    book = openpyxl.load_workbook(io.BytesIO(template_workbook(version)))
    data = book["Dữ liệu"]
    values = {"commune": "3646", "hamlet": "Tổ 1", "full_name": "Lò Thị Ón", "group": "g1", "sex": "Nữ"}
    row = [
        values.get(
            c.key, 8 if c.key.startswith("answer.") else "Sổ của tổ" if c.key.startswith("note.") else None
        )
        for c in import_columns(version)
    ]
    data.append(row)
    path = tmp_path / "filled.xlsx"
    book.save(path)
    job = commit(dry_run(path, cast, campaign), cast)
    assert job.state == ImportJob.State.DONE, job.message
    assert job.counts["new_assessments"] == 1


def test_the_errors_workbook_lists_every_bad_row_with_formulas_made_text() -> None:
    rows = [(3, "i1_2", "tám", "Enter a number."), (9, "Họ và tên", '=HYPERLINK("http://x")', "A formula…")]
    book = openpyxl.load_workbook(io.BytesIO(errors_workbook(iter(rows), original_name="to-1.xlsx")))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == ["Row", "Column", "Value", "Reason"]
    assert [c.value for c in sheet[2]] == [3, "i1_2", "tám", "Enter a number."]
    formula = sheet.cell(row=3, column=3)
    assert formula.value == '\'=HYPERLINK("http://x")' and formula.data_type == "s"
    assert book.worksheets[1].cell(row=2, column=2).value == "to-1.xlsx"
