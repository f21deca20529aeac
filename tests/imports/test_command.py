"""`learningcity import`: the same check and store as the page, from the command line, with no size limit;
exit code 2 and a workbook of every bad row when the file has errors, and nothing stored."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from learningcity.recognition.models import Assessment, Campaign, Person

from ..cast import Cast
from .test_files import FILES, VALID_NAMES


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("import_file", *args, stdout=out, stderr=io.StringIO(), verbosity=0)
    return out.getvalue()


def test_a_dry_run_then_a_commit_from_the_command_line(cast: Cast, campaign: Campaign) -> None:
    common = [str(FILES / "valid.xlsx"), f"--campaign={campaign.pk}", "--framework=vn.learning-citizen"]
    common += ["--user=officer_a", "--consent-confirmed", "--language=en"]
    out = run(*common)
    assert "4 rows checked: 0 with errors" in out and "nothing was stored" in out
    assert not Assessment.objects.filter(campaign=campaign).exists()

    out = run(*common, "--commit")
    assert "Stored 4 rows: 4 new subjects, 4 new and 0 updated" in out
    names = Assessment.objects.filter(campaign=campaign).values_list("person__full_name", flat=True)
    assert set(names) == VALID_NAMES


def test_a_file_with_errors_exits_2_with_the_workbook_and_stores_nothing(
    cast: Cast, campaign: Campaign, tmp_path: Path
) -> None:
    people = Person.objects.count()
    report = tmp_path / "errors.xlsx"
    with pytest.raises(CommandError) as failure:
        run(
            str(FILES / "out_of_range.xlsx"),
            f"--campaign={campaign.pk}",
            "--framework=vn.learning-citizen",
            "--user=officer_a",
            "--consent-confirmed",
            "--commit",
            f"--errors-out={report}",
            "--language=en",
        )
    assert failure.value.returncode == 2 and "2 errors" in str(failure.value)
    sheet = openpyxl.load_workbook(report).worksheets[0]
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=2)] == [
        [2, "i2_1", "12", "Enter a value from 0 to 10."],
        [3, "i3_2", "'-1", "Enter a value from 0 to 10."],  # made text: it begins with "-",
    ]
    assert Person.objects.count() == people


def test_an_unreadable_file_exits_2_with_the_reason(cast: Cast, campaign: Campaign) -> None:
    with pytest.raises(CommandError, match="old Excel workbook") as failure:
        run(
            str(FILES / "old_format.xls"),
            f"--campaign={campaign.pk}",
            "--framework=vn.learning-citizen",
            "--user=officer_a",
            "--consent-confirmed",
            "--language=en",
        )
    assert failure.value.returncode == 2
