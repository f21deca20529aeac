"""The import from file to stored records: the dry run stores nothing and finds every bad row; the commit
stores all rows or none; re-importing creates no duplicates and changed rows update with an audit entry; an
officer imports only into their own units."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage

from learningcity.accounts.models import AuditEntry
from learningcity.frameworks.selectors import framework_compiled
from learningcity.recognition.imports import jobs, storing
from learningcity.recognition.imports.columns import import_columns
from learningcity.recognition.models import Assessment, Campaign, Household, ImportJob, Person, Status
from learningcity.recognition.services.assessments import _context, summarise

from ..cast import Cast

CODES = [
    f"i{a}_{b}" for a, b in ((1, 1), (1, 2), (1, 3), (1, 4), (2, 1), (2, 2), (2, 3), (2, 4), (3, 1), (3, 2))
]
HEADER = [
    "Mã xã, phường",
    "Thôn, tổ dân phố",
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Dân tộc",
    "Số định danh cá nhân",
    "Nhóm đối tượng",
    *CODES,
    *[f"Minh chứng {code}" for code in CODES],
]
NOTES = ["Sổ theo dõi của tổ"] * len(CODES)


def citizen(
    name: str,
    *,
    commune: str = "3646",
    hamlet: str = "Tổ 1",
    born: str = "14/08/1992",
    marks: Sequence[Any] = (8,) * 10,
    id_number: str = "",
    group: str = "g1",
) -> list[Any]:
    return [commune, hamlet, name, born, "Nữ", "Thái", id_number, group, *marks, *NOTES]


def xlsx(path: Path, rows: Sequence[Sequence[Any]], header: Sequence[str] = HEADER) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text that looks like a formula, as a pasted value is
    book.save(path)
    return path


def dry_run(
    path: Path, cast: Cast, campaign: Campaign, code: str = "vn.learning-citizen", user: Any = None
) -> ImportJob:
    with path.open("rb") as upload:
        job = jobs.import_start(
            actor=user or cast.officer_a,
            campaign=campaign,
            version=campaign.frameworks.get(code=code),
            upload=upload,
            original_name=path.name,
            consent_confirmed=True,
            max_bytes=None,
            language="en",
            queue=False,
        )
    return jobs.run_check(str(job.pk))


def commit(job: ImportJob, cast: Cast) -> ImportJob:
    jobs.import_commit(actor=cast.officer_a, job=job, queue=False)
    return jobs.run_store(str(job.pk))


def errors_of(job: ImportJob) -> list[tuple[int, str, str]]:
    return [(e["row"], e["column"], e["reason"]) for e in job.errors_preview]


def test_a_valid_file_checks_without_storing_then_stores_everything_scored(
    tmp_path: Path, cast: Cast, campaign: Campaign
) -> None:
    path = xlsx(
        tmp_path / "valid.xlsx",
        [
            citizen("Lò Thị Ón"),
            citizen("Quàng Văn Ún", born="1985", marks=(9, 9, 9, 9, 9, 9, 9, 9, 9, 9), group="g2"),
            citizen("Nguyễn Thu Hà", marks=(8, 8, 8, 8, 8, 8, 8, 8, 3, 8), id_number="012345678901"),
        ],
    )
    people = Person.objects.count()
    job = dry_run(path, cast, campaign)
    assert (job.state, job.errors_total, job.rows_total) == (ImportJob.State.CHECKED, 0, 3)
    assert job.counts["new_subjects"] == 3 and job.counts["new_assessments"] == 3
    assert Person.objects.count() == people
    assert not Assessment.objects.filter(campaign=campaign).exists()

    job = commit(job, cast)
    assert job.state == ImportJob.State.DONE, job.message
    assert job.counts["new_assessments"] == 3
    stored = {
        a.person.full_name: a for a in Assessment.objects.filter(campaign=campaign).select_related("person")
    }
    assert set(stored) == {"Lò Thị Ón", "Quàng Văn Ún", "Nguyễn Thu Hà"}
    on = stored["Lò Thị Ón"]
    assert (on.status, on.review_stage, on.entered_on_behalf, on.entered_by) == (
        Status.SUBMITTED,
        "hamlet",
        True,
        cast.officer_a,
    )
    assert on.answers == dict.fromkeys(CODES, 8) and on.notes["i1_1"] == "Sổ theo dõi của tổ"
    # Scored as the form scores it: 80 points pass; an indicator under 5 does not.
    assert on.score == 80 and on.result["passes"]
    assert (
        stored["Nguyễn Thu Hà"].result["short"] == ["i3_1"] and not stored["Nguyễn Thu Hà"].result["passes"]
    )
    assert on.person.birth_date == dt.date(1992, 8, 14) and on.person.unit == cast.hamlet_a
    assert stored["Quàng Văn Ún"].person.birth_year == 1985 and stored["Quàng Văn Ún"].group == "g2"
    assert stored["Nguyễn Thu Hà"].person.id_number_last4 == "8901"
    entry = AuditEntry.objects.get(action="import.commit")
    assert entry.actor == cast.officer_a and entry.data["new_assessments"] == 3


def test_re_importing_creates_no_duplicates_and_a_changed_row_updates_with_an_audit_entry(
    tmp_path: Path, cast: Cast, campaign: Campaign
) -> None:
    rows = [citizen("Lò Thị Ón"), citizen("Quàng Văn Ún", born="1985")]
    commit(dry_run(xlsx(tmp_path / "a.xlsx", rows), cast, campaign), cast)
    counts = (Person.objects.count(), Assessment.objects.count())

    again = commit(dry_run(xlsx(tmp_path / "b.xlsx", rows), cast, campaign), cast)
    assert again.counts["unchanged"] == 2 and again.counts["new_subjects"] == 0
    assert (Person.objects.count(), Assessment.objects.count()) == counts

    rows[1] = citizen("Quàng Văn Ún", born="1985", marks=(10,) * 10)
    changed = commit(dry_run(xlsx(tmp_path / "c.xlsx", rows), cast, campaign), cast)
    assert (changed.counts["updated_assessments"], changed.counts["unchanged"]) == (1, 1)
    assert (Person.objects.count(), Assessment.objects.count()) == counts
    updated = Assessment.objects.get(person__full_name="Quàng Văn Ún")
    assert updated.score == 100
    entry = AuditEntry.objects.get(action="assessment.import_update")
    assert entry.data["before"]["answers"]["i1_1"] == 8 and entry.data["after"]["answers"]["i1_1"] == 10


def test_people_are_found_by_id_number_across_slices_of_hashing(
    tmp_path: Path, cast: Cast, campaign: Campaign, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ID numbers are hashed a slice at a time: every slice, the last one short, keys the same people."""
    from learningcity.recognition.imports import checking
    from learningcity.recognition.services import id_number_hash

    monkeypatch.setattr(checking, "HASHED", 2)
    numbers = ["014190000101", "014190000102", "", "014190000104", "014190000105"]
    rows = [citizen(f"Lò Văn {n}", id_number=number) for n, number in enumerate(numbers)]
    commit(dry_run(xlsx(tmp_path / "a.xlsx", rows), cast, campaign), cast)
    stored = dict(
        Person.objects.filter(full_name__startswith="Lò Văn").values_list("full_name", "id_number_hash")
    )
    assert stored == {
        f"Lò Văn {n}": id_number_hash(number) if number else "" for n, number in enumerate(numbers)
    }
    again = commit(dry_run(xlsx(tmp_path / "b.xlsx", rows), cast, campaign), cast)
    assert again.counts["new_subjects"] == 0 and again.counts["unchanged"] == 5


def test_every_bad_row_is_reported_at_once_and_nothing_is_stored(
    tmp_path: Path, cast: Cast, campaign: Campaign
) -> None:
    bad_note = citizen("Cầm Thị Lả")
    bad_note[len(HEADER) - 1] = None  # no note for i3_2
    path = xlsx(
        tmp_path / "bad.xlsx",
        [
            citizen("Lò Thị Ón"),  # row 2: good
            citizen("Lò Văn Pọm", marks=(8, "tám", 8, 8, 8, 8, 8, 8, 8, 12)),  # row 3
            citizen("", hamlet="Tổ 99"),  # row 4
            citizen("Vì Văn Hặc", commune="3670", hamlet="Tổ 2"),  # row 5: another commune
            citizen("Lò Thị Ón"),  # row 6: the same as row 2
            citizen("Tòng Văn Biên", born="31/02/1990", group="g9"),  # row 7
            bad_note,  # row 8
            citizen('=HYPERLINK("http://x")'),  # row 9
        ],
    )
    people = Person.objects.count()
    job = dry_run(path, cast, campaign)
    found = errors_of(job)
    assert (3, "i1_2", "Enter a number.") in found
    assert (3, "i3_2", "Enter a value from 0 to 10.") in found
    assert (4, "Họ và tên", "This column must be filled in.") in found
    assert any(
        row == 4 and column == "Thôn, tổ dân phố" and "no hamlet" in reason for row, column, reason in found
    )
    assert any(
        row == 5 and column == "Mã xã, phường" and "outside your area" in reason
        for row, column, reason in found
    )
    assert (6, "Họ và tên", "The same subject as row 2.") in found
    assert any(row == 7 and column == "Ngày sinh" for row, column, _ in found)
    assert any(row == 7 and column == "Nhóm đối tượng" for row, column, _ in found)
    assert any(row == 8 and column == "Minh chứng i3_2" for row, column, _ in found)
    assert any(row == 9 and column == "Họ và tên" and "formula" in reason for row, column, reason in found)
    assert {row for row, _, _ in found} == {3, 4, 5, 6, 7, 8, 9}
    assert job.rows_bad == 7 and job.errors_name
    # Nothing stored, and a file with errors cannot be committed.
    assert Person.objects.count() == people
    with pytest.raises(Exception, match="without errors"):
        jobs.import_commit(actor=cast.officer_a, job=job, queue=False)


def test_a_crash_or_a_cancel_while_storing_leaves_nothing(
    tmp_path: Path, cast: Cast, campaign: Campaign, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = xlsx(tmp_path / "valid.xlsx", [citizen("Lò Thị Ón"), citizen("Quàng Văn Ún", born="1985")])
    people = Person.objects.count()

    load = storing.bulk.insert

    def crash(model: Any, frame: Any) -> None:
        load(model, frame)
        if model is Assessment:
            raise RuntimeError("the machine lost power")

    # The people and the assessments are written, then the power goes: the transaction is rolled back.
    monkeypatch.setattr(storing.bulk, "insert", crash)
    job = commit(dry_run(path, cast, campaign), cast)
    assert job.state == ImportJob.State.FAILED and "nothing was stored" in job.message
    assert Person.objects.count() == people and not Assessment.objects.filter(campaign=campaign).exists()

    # Cancelled while loading, after the people went in: rolled back as well.
    job = dry_run(path, cast, campaign)

    def cancel_after_people(model: Any, frame: Any) -> None:
        load(model, frame)
        if model is Person:
            ImportJob.objects.filter(pk=job.pk).update(cancel_requested=True)

    monkeypatch.setattr(storing.bulk, "insert", cancel_after_people)
    jobs.import_commit(actor=cast.officer_a, job=job, queue=False)
    job = jobs.run_store(str(job.pk))
    assert job.state == ImportJob.State.CANCELLED
    assert Person.objects.count() == people and not Assessment.objects.filter(campaign=campaign).exists()
    monkeypatch.undo()

    # Cancelled before storing began.
    job = dry_run(path, cast, campaign)
    jobs.import_commit(actor=cast.officer_a, job=job, queue=False)
    ImportJob.objects.filter(pk=job.pk).update(cancel_requested=True)
    job = jobs.run_store(str(job.pk))
    assert job.state == ImportJob.State.CANCELLED
    assert Person.objects.count() == people and not Assessment.objects.filter(campaign=campaign).exists()


def test_only_officers_in_the_campaign_import_and_only_into_their_own_units(
    tmp_path: Path, cast: Cast, campaign: Campaign
) -> None:
    path = xlsx(tmp_path / "valid.xlsx", [citizen("Lò Thị Ón")])
    for outsider in (cast.head_a, cast.citizen_a):
        with pytest.raises(PermissionDenied):
            dry_run(path, cast, campaign, user=outsider)
    # The officer of another commune may import into the campaign, but not commune A's people.
    job = dry_run(path, cast, campaign, user=cast.officer_b)
    assert [column for _, column, _ in errors_of(job)] == ["Mã xã, phường"]


def test_households_import_by_register_number(tmp_path: Path, cast: Cast, campaign: Campaign) -> None:
    version = campaign.frameworks.get(code="vn.learning-family")
    columns = import_columns(version)
    header = [c.label for c in columns]
    values = {"commune": "3646", "hamlet": "Tổ 1", "register_number": "012", "name": "Hộ ông Lò Văn Ún"}
    row = [
        values.get(
            c.key,
            10
            if c.key.startswith("answer.c3") or c.key.startswith("answer.c4")
            else 9
            if c.key.startswith("answer.")
            else "Sổ hộ",
        )
        for c in columns
    ]
    path = xlsx(tmp_path / "households.xlsx", [row], header=header)
    job = commit(dry_run(path, cast, campaign, code="vn.learning-family"), cast)
    assert job.state == ImportJob.State.DONE, (job.message, job.errors_preview)
    household = Household.objects.get(register_number="012")
    assert household.unit == cast.hamlet_a and household.name == "Hộ ông Lò Văn Ún"
    assessment = Assessment.objects.get(household=household)
    assert assessment.rollups == {"members": 0, "adults_citizen_share": None}
    again = commit(dry_run(path, cast, campaign, code="vn.learning-family"), cast)
    assert again.counts["unchanged"] == 1 and Household.objects.filter(register_number="012").count() == 1


def test_an_imported_result_is_exactly_what_the_form_would_store(
    tmp_path: Path, cast: Cast, campaign: Campaign
) -> None:
    """The import scores a whole frame at once; each stored result must equal the one-record path's."""
    path = xlsx(
        tmp_path / "mixed.xlsx",
        [
            citizen("Lò Thị Ón"),
            citizen("Quàng Văn Ún", marks=(10, 9, 9, 9, 9, 9, 9, 9, 9, 9), group="g2"),
            citizen("Cầm Văn Xôm", marks=(8, 8, 8, 8, 8, 8, 8, 8, 4, 8)),
            citizen("Lường Thị Ánh", marks=(6, 8, 8, 8, 8, 8, 8, 8, 8, 8), group="g3"),
            citizen("Vì Thị Hoa", marks=(8, 8, 8, None, 8, 8, 8, 8, 8, 8)),  # a draft: i1_4 missing
        ],
    )
    job = commit(dry_run(path, cast, campaign), cast)
    assert job.state == ImportJob.State.DONE, job.message or errors_of(job)
    stored = Assessment.objects.filter(campaign=campaign).select_related("framework_version", "unit")
    assert stored.count() == 5
    for assessment in stored:
        expected = summarise(
            assessment.framework_version,
            framework_compiled(assessment.framework_version).evaluate_one(
                {**assessment.answers, **_context(assessment)}
            ),
        )
        assert assessment.result == expected, assessment.person.full_name
        assert (assessment.level, assessment.score) == (expected["level"], expected["score"])
    draft = stored.get(person__full_name="Vì Thị Hoa")
    assert draft.status == Status.DRAFT and "i1_4" not in draft.answers and draft.submitted_at is None


def test_storing_starts_from_the_dry_runs_rows_and_checks_the_records_again(
    tmp_path: Path, cast: Cast, campaign: Campaign
) -> None:
    path = xlsx(tmp_path / "valid.xlsx", [citizen("Lò Thị Ón"), citizen("Quàng Văn Ún", born="1985")])
    job = dry_run(path, cast, campaign)
    kept = f"imports/{job.pk}/typed.parquet"
    assert job.state == ImportJob.State.CHECKED and default_storage.exists(kept)
    # Storing reads the rows the dry run checked, not the file again (which is not a workbook any more).
    Path(default_storage.path(job.stored_name)).write_bytes(b"not a workbook")
    job = commit(job, cast)
    assert job.state == ImportJob.State.DONE, job.message
    assert Assessment.objects.filter(campaign=campaign).count() == 2
    assert not default_storage.exists(kept)

    # The same file again, then Lò Thị Ón's assessment is approved before the commit: the records are
    # checked again when storing, and nothing is stored.
    again = dry_run(xlsx(tmp_path / "again.xlsx", [citizen("Lò Thị Ón", marks=(9,) * 10)]), cast, campaign)
    assert again.state == ImportJob.State.CHECKED and not again.errors_total
    Assessment.objects.filter(person__full_name="Lò Thị Ón").update(status=Status.APPROVED)
    again = commit(again, cast)
    assert again.state == ImportJob.State.FAILED and "no longer checks" in again.message
    assert [reason for _, _, reason in errors_of(again)] == [
        "This subject's assessment in this campaign was decided already; a file cannot change it."
    ]
    assert Assessment.objects.get(person__full_name="Lò Thị Ón").answers == dict.fromkeys(CODES, 8)
    assert not default_storage.exists(f"imports/{again.pk}/typed.parquet")


def test_a_file_with_errors_keeps_no_typed_rows(tmp_path: Path, cast: Cast, campaign: Campaign) -> None:
    job = dry_run(xlsx(tmp_path / "bad.xlsx", [citizen("Lò Thị Ón", born="tám")]), cast, campaign)
    assert job.errors_total == 1 and not default_storage.exists(f"imports/{job.pk}/typed.parquet")
