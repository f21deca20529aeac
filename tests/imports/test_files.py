"""Every fixture file through the whole import as an officer runs it: each bad file gives its exact errors and
stores nothing; each good one stores exactly its rows, text composed (NFC) and trimmed.

The files and the facts they rest on (codes, rows) are described in files/make_files.py.
"""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from learningcity.recognition.imports import jobs
from learningcity.recognition.models import Assessment, Campaign, ImportJob, Person, Status

from ..cast import Cast
from .test_pipeline import commit, dry_run, errors_of

FILES = Path(__file__).resolve().parent / "files"
VALID_NAMES = {"Lò Văn Ún", "Nguyễn Thị Hương", "Cầm Thị Ngọc", "Trần Văn Đức"}

ROW_ERRORS = {
    "wrong_type.xlsx": [
        (2, "i1_1", "Enter a number."),
        (3, "Ngày sinh", "Write the date as day/month/year, or the year."),
    ],
    "out_of_range.xlsx": [
        (2, "i2_1", "Enter a value from 0 to 10."),
        (3, "i3_2", "Enter a value from 0 to 10."),
    ],
    "duplicates.xlsx": [
        (4, "Họ và tên", "The same subject as row 2."),
        (5, "Họ và tên", "The same subject as row 3."),  # another spelling, the same ID card number
    ],
    "formula.xlsx": [(2, "Họ và tên", "A formula is not accepted here; enter the value.")],
    "old_code_split.xlsx": [
        (
            2,
            "Mã xã, phường",
            "A commune code from before 1 July 2025; today it is Xã Lương Sơn (4924), Xã Liên Sơn (4960), "
            "outside your area.",
        )
    ],
    "out_of_scope.xlsx": [(2, "Mã xã, phường", "Phường Hoàn Kiếm is outside your area or this campaign.")],
}
REFUSED = {
    "empty.csv": "The file is empty",
    "header_only.xlsx": "no data rows below the header (row 1)",
    "missing_column.xlsx": "Columns missing from the file: “Họ và tên”.",
    "not_a_spreadsheet.xlsx": "This file is not a spreadsheet",
    "old_format.xls": "old Excel workbook (.xls)",
    "tcvn3.csv": "old TCVN3 (ABC) font encoding",
    "vni.csv": "old VNI font encoding",
    "zip_bomb.xlsx": "booby-trapped",
}
GOOD = {
    "valid.xlsx": VALID_NAMES,
    "valid.csv": VALID_NAMES,
    "valid_bom.csv": VALID_NAMES,
    "title_rows.xlsx": VALID_NAMES,
    "shifted_columns.xlsx": VALID_NAMES,
    "nfd.csv": VALID_NAMES - {"Trần Văn Đức"},
    "windows1258.csv": VALID_NAMES - {"Trần Văn Đức"},
    "old_code_maps.xlsx": {"Lò Thị Ón"},
}


def test_every_fixture_file_is_covered() -> None:
    names = {path.name for path in FILES.iterdir() if path.suffix != ".py"}
    assert names == set(ROW_ERRORS) | set(REFUSED) | set(GOOD)


@pytest.mark.parametrize("name", sorted(ROW_ERRORS))
def test_a_file_with_bad_rows_lists_exactly_them_and_stores_nothing(
    name: str, cast: Cast, campaign: Campaign
) -> None:
    people = Person.objects.count()
    job = dry_run(FILES / name, cast, campaign)
    assert job.state == ImportJob.State.CHECKED
    assert errors_of(job) == ROW_ERRORS[name]
    assert job.errors_name  # the workbook of every bad row
    assert Person.objects.count() == people
    assert not Assessment.objects.filter(campaign=campaign).exists()
    with pytest.raises(ValidationError):
        jobs.import_commit(actor=cast.officer_a, job=job, queue=False)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_file_that_cannot_be_read_is_refused_with_the_reason(
    name: str, cast: Cast, campaign: Campaign
) -> None:
    people = Person.objects.count()
    job = dry_run(FILES / name, cast, campaign)
    assert job.state == ImportJob.State.FAILED
    assert REFUSED[name] in job.message
    assert Person.objects.count() == people


@pytest.mark.parametrize("name", sorted(GOOD))
def test_a_good_file_stores_exactly_its_rows(name: str, cast: Cast, campaign: Campaign) -> None:
    job = dry_run(FILES / name, cast, campaign)
    assert (job.state, job.errors_total) == (ImportJob.State.CHECKED, 0), errors_of(job)
    job = commit(job, cast)
    assert job.state == ImportJob.State.DONE, job.message
    stored = Assessment.objects.filter(campaign=campaign).select_related("person", "unit")
    names = [a.person.full_name for a in stored]
    assert sorted(names) == sorted(GOOD[name])
    # Composed and trimmed, whatever the file held; every person on Tô Hiệu's "Tổ 1".
    assert all(n == unicodedata.normalize("NFC", n) == n.strip() for n in names)
    assert {a.unit for a in stored} == {cast.hamlet_a}
    assert {a.status for a in stored} == {Status.SUBMITTED}


def test_a_file_over_the_web_limit_is_refused_before_it_is_kept(cast: Cast, campaign: Campaign) -> None:
    upload = io.BytesIO(b"x" * 2048)
    upload.size = 2048  # type: ignore[attr-defined] - as Django's uploaded files have it
    with pytest.raises(ValidationError, match="larger than"):
        jobs.import_start(
            actor=cast.officer_a,
            campaign=campaign,
            version=campaign.frameworks.get(code="vn.learning-citizen"),
            upload=upload,
            original_name="big.csv",
            consent_confirmed=True,
            max_bytes=1024,
            queue=False,
        )
    assert not ImportJob.objects.exists()
