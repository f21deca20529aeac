"""Officer exports (/officer/exports/): subjects by kind and the results of one framework in one campaign, as
XLSX and CSV, read back cell by cell.

Each download holds only what the officer may see (commune A's officer never gets commune B's rows), personal
data as the pages show it, and every text cell that a spreadsheet would run as a formula written as text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from learningcity.accounts.models import Role, RoleAssignment, User
from learningcity.frameworks.models import FrameworkVersion
from learningcity.frameworks.services import frameworks_seed
from learningcity.recognition import services
from learningcity.recognition.models import Assessment, Campaign, OrganisationKind, Person
from learningcity.recognition.services import subjects
from learningcity.spreadsheets import CSV_TYPE, XLSX_TYPE, safe_cell

from ..cast import GOOD_ANSWERS, Cast

NOTES = {code: "Sổ theo dõi" for code in GOOD_ANSWERS}
FORMULAS = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)"]
PEOPLE_HEADERS = [
    "Commune code",
    "Commune",
    "Hamlet or residential group",
    "Full name",
    "Sex",
    "Birth year",
    "Ethnicity",
    "ID card number",
    "Household",
]


def login(user: User) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def subjects_url(kind: str, fmt: str = "") -> str:
    url = reverse("exports:subjects", kwargs={"kind": kind})
    return f"{url}?format={fmt}" if fmt else url


def results_url(campaign: Campaign, version: FrameworkVersion, fmt: str = "") -> str:
    url = reverse("exports:results", kwargs={"campaign_id": campaign.pk, "version_id": version.pk})
    return f"{url}?format={fmt}" if fmt else url


def content(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def sheet_of(response: Any) -> Any:
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_TYPE
    return openpyxl.load_workbook(io.BytesIO(content(response))).worksheets[0]


def xlsx_rows(response: Any) -> list[list[Any]]:
    return [[cell.value for cell in row] for row in sheet_of(response).iter_rows()]


def csv_rows(response: Any) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == CSV_TYPE
    text = content(response).decode("utf-8")
    assert text.startswith("\ufeff")  # Excel on Windows reads UTF-8 only with the byte-order mark
    return list(csv.reader(io.StringIO(text[1:])))


def submitted(actor: User, person: Person, cast: Cast) -> Assessment:
    a = services.assessment_start(
        actor=actor, campaign=cast.campaign, subject=person, version=cast.framework, group="g1"
    )
    services.assessment_save(actor=actor, assessment=a, answers=GOOD_ANSWERS, notes=NOTES)
    return services.assessment_submit(actor=actor, assessment=a)


def other_framework(cast: Cast) -> FrameworkVersion:
    """A shipped framework that is not in the cast's campaign."""
    return next(v for v in frameworks_seed() if v.pk != cast.framework.pk)


# --------------------------------------------------------------------------------------------------------
# safe_cell


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Lò Thị Mai", "Lò Thị Mai"),
        ("a=b", "a=b"),
        ("", ""),
        (-2, -2),
        (83.5, 83.5),
        (True, True),
        (None, None),
        (dt.date(2025, 7, 1), dt.date(2025, 7, 1)),
    ],
)
def test_safe_cell_turns_what_a_spreadsheet_would_run_into_text_and_leaves_values_alone(
    value: Any, written: Any
) -> None:
    assert safe_cell(value) == written
    assert type(safe_cell(value)) is type(written)


# --------------------------------------------------------------------------------------------------------
# Who may export


def test_an_anonymous_visitor_is_sent_to_the_login(cast: Cast) -> None:
    web = Client()
    urls = [
        reverse("exports:index"),
        subjects_url("person"),
        results_url(cast.campaign, cast.framework),
        reverse("exports:template", kwargs={"version_id": cast.framework.pk}),
    ]
    for url in urls:
        response = web.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url


@pytest.mark.parametrize("name", ["citizen_a", "outsider", "expert", "secretariat"])
def test_people_without_an_officer_role_are_forbidden_every_export(cast: Cast, name: str) -> None:
    client = login(getattr(cast, name))
    urls = [
        reverse("exports:index"),
        subjects_url("person"),
        subjects_url("household", "csv"),
        results_url(cast.campaign, cast.framework),
        reverse("exports:template", kwargs={"version_id": cast.framework.pk}),
    ]
    for url in urls:
        assert client.get(url).status_code == 403, url


def test_downloads_answer_get_only(cast: Cast) -> None:
    assert login(cast.officer_a).post(subjects_url("person")).status_code == 405


def test_the_index_lists_every_kind_and_each_campaign_framework_with_xlsx_and_csv_links(cast: Cast) -> None:
    response = login(cast.officer_a).get(reverse("exports:index"))
    assert response.status_code == 200
    html = response.content.decode()
    for kind in ("person", "household", "clan", "organisation"):
        assert f'href="{subjects_url(kind)}"' in html
        assert f'href="{subjects_url(kind)}?format=csv"' in html
    assert f'href="{results_url(cast.campaign, cast.framework)}"' in html
    assert f'href="{results_url(cast.campaign, cast.framework)}?format=csv"' in html
    assert f'href="{reverse("exports:template", kwargs={"version_id": cast.framework.pk})}"' in html
    assert f'href="{reverse("exports:index")}" aria-current="page"' in html  # the menu entry


def test_a_hamlet_head_exports_but_is_offered_no_import_template(cast: Cast) -> None:
    client = login(cast.head_a)
    html = client.get(reverse("exports:index")).content.decode()
    assert f'href="{results_url(cast.campaign, cast.framework)}"' in html
    assert reverse("exports:template", kwargs={"version_id": cast.framework.pk}) not in html
    template = client.get(reverse("exports:template", kwargs={"version_id": cast.framework.pk}))
    assert template.status_code == 403


def test_an_officer_of_another_commune_is_not_offered_a_campaign_outside_their_area(cast: Cast) -> None:
    today = timezone.localdate()
    campaign_b = services.campaign_create(
        actor=cast.province,
        name="Chiềng Cơi",
        year=today.year,
        territory=cast.commune_b,
        frameworks=[cast.framework],
        opens_on=today,
        submission_deadline=today + dt.timedelta(days=30),
        review_deadline=today + dt.timedelta(days=60),
    )
    html = login(cast.officer_a).get(reverse("exports:index")).content.decode()
    assert results_url(campaign_b, cast.framework) not in html
    assert results_url(cast.campaign, cast.framework) in html


# --------------------------------------------------------------------------------------------------------
# Subjects


def test_commune_a_people_export_as_xlsx_holds_commune_a_only_with_the_id_number_masked(cast: Cast) -> None:
    response = login(cast.officer_a).get(subjects_url("person"))
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="cong-dan-{today}.xlsx"'
    assert "no-cache" in response["Cache-Control"]  # personal data is not kept by caches
    rows = xlsx_rows(response)
    assert rows == [
        PEOPLE_HEADERS,
        ["3646", cast.commune_a.name, "Tổ 1", "Lò Thị Mai", "Female", 1990, "Thái", "••••••••1234", None],
    ]


def test_people_export_as_csv_reads_the_same(cast: Cast) -> None:
    rows = csv_rows(login(cast.officer_b).get(subjects_url("person", "csv")))
    assert rows == [
        PEOPLE_HEADERS,
        ["3670", cast.commune_b.name, "Tổ 2", "Nguyễn Văn Bình", "Male", "1975", "Kinh", "••••••••9876", ""],
    ]


def test_the_province_exports_every_commune(cast: Cast) -> None:
    rows = xlsx_rows(login(cast.province).get(subjects_url("person")))
    assert [row[3] for row in rows[1:]] == ["Lò Thị Mai", "Nguyễn Văn Bình"]


def test_a_hamlet_head_gets_no_birth_year_or_ethnicity_columns(cast: Cast) -> None:
    rows = xlsx_rows(login(cast.head_a).get(subjects_url("person")))
    assert rows[0] == [h for h in PEOPLE_HEADERS if h not in ("Birth year", "Ethnicity")]
    assert rows[1:] == [["3646", cast.commune_a.name, "Tổ 1", "Lò Thị Mai", "Female", "••••••••1234", None]]


def test_birth_year_and_ethnicity_follow_the_role_held_over_each_persons_unit(cast: Cast) -> None:
    # Hamlet head in commune A (no personal details), commune officer of commune B (personal details).
    RoleAssignment.objects.create(user=cast.head_a, role=Role.COMMUNE_OFFICER, unit=cast.commune_b)
    rows = xlsx_rows(login(cast.head_a).get(subjects_url("person")))
    assert rows[0] == PEOPLE_HEADERS
    assert [row[3:7] for row in rows[1:]] == [
        ["Lò Thị Mai", "Female", None, None],
        ["Nguyễn Văn Bình", "Male", 1975, "Kinh"],
    ]


def test_a_merged_person_is_not_exported(cast: Cast) -> None:
    twin = services.person_enrol(
        actor=cast.head_a, unit=cast.hamlet_a, full_name="Lò Thị Mai", consent_confirmed=True
    )
    Person.objects.filter(pk=twin.pk).update(merged_into=cast.person_a)
    rows = xlsx_rows(login(cast.officer_a).get(subjects_url("person")))
    assert len(rows) == 2


def test_names_that_a_spreadsheet_would_run_are_exported_as_text(cast: Cast) -> None:
    for name in FORMULAS:
        services.person_enrol(actor=cast.head_a, unit=cast.hamlet_a, full_name=name, consent_confirmed=True)
    client = login(cast.officer_a)
    sheet = sheet_of(client.get(subjects_url("person")))
    cells = {cell.value: cell for cell in sheet["D"][1:]}
    for name in FORMULAS:
        cell = cells["'" + name]
        assert cell.data_type == "s", name
    assert set(cells) == {"'" + name for name in FORMULAS} | {"Lò Thị Mai"}
    names = [row[3] for row in csv_rows(client.get(subjects_url("person", "csv")))[1:]]
    assert sorted(names) == sorted(["'" + name for name in FORMULAS] + ["Lò Thị Mai"])


def test_households_clans_and_organisations_export_with_their_own_fields(cast: Cast) -> None:
    household = subjects.household_create(
        actor=cast.head_a, unit=cast.hamlet_a, name="Hộ bà Lò Thị Mai", register_number="07"
    )
    subjects.household_member_add(actor=cast.head_a, household=household, person=cast.person_a)
    clan = subjects.clan_create(actor=cast.officer_a, unit=cast.commune_a, name="Dòng họ Lò")
    subjects.clan_household_add(actor=cast.officer_a, clan=clan, household=household)
    subjects.organisation_create(
        actor=cast.officer_a,
        unit=cast.commune_a,
        name="=Trường Tiểu học Tô Hiệu",
        kind=OrganisationKind.SCHOOL,
    )
    # Commune B's, which commune A's officer must not get.
    subjects.household_create(actor=cast.head_b, unit=cast.hamlet_b, name="Hộ ông Bình")
    subjects.clan_create(actor=cast.officer_b, unit=cast.commune_b, name="Dòng họ Nguyễn")
    subjects.organisation_create(
        actor=cast.officer_b, unit=cast.commune_b, name="Hội Khuyến học", kind=OrganisationKind.ASSOCIATION
    )
    client = login(cast.officer_a)
    unit = ["3646", cast.commune_a.name]

    assert csv_rows(client.get(subjects_url("household", "csv"))) == [
        [
            "Commune code",
            "Commune",
            "Hamlet or residential group",
            "Household register number",
            "Household",
            "Head of household",
            "Clan",
            "Members",
        ],
        [*unit, "Tổ 1", "07", "Hộ bà Lò Thị Mai", "", "Dòng họ Lò", "1"],
    ]
    assert xlsx_rows(client.get(subjects_url("clan"))) == [
        ["Commune code", "Commune", "Hamlet or residential group", "Clan", "Households"],
        [*unit, None, "Dòng họ Lò", 1],
    ]
    assert xlsx_rows(client.get(subjects_url("organisation"))) == [
        [
            "Commune code",
            "Commune",
            "Hamlet or residential group",
            "Organisation",
            "Kind",
            "Reviewing body",
            "Members",
        ],
        [*unit, None, "'=Trường Tiểu học Tô Hiệu", "School", "No", 0],
    ]


def test_an_unknown_kind_or_format_is_404(cast: Cast) -> None:
    client = login(cast.officer_a)
    assert client.get(subjects_url("community")).status_code == 404
    assert client.get(subjects_url("person", "ods")).status_code == 404


def test_the_people_export_asks_the_same_number_of_queries_for_one_row_or_many(cast: Cast) -> None:
    client = login(cast.officer_a)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(subjects_url("person", "csv"))
            content(response)
        return len(captured)

    few = queries()
    for index in range(5):
        services.person_enrol(
            actor=cast.head_a, unit=cast.hamlet_a, full_name=f"Người {index}", consent_confirmed=True
        )
    assert queries() == few


# --------------------------------------------------------------------------------------------------------
# Results


@pytest.fixture
def results(cast: Cast) -> tuple[Assessment, Assessment]:
    return submitted(cast.citizen_a, cast.person_a, cast), submitted(cast.head_b, cast.person_b, cast)


RESULT_HEADERS = [
    "Commune code",
    "Commune",
    "Hamlet or residential group",
    "Subject",
    "Group",
    "Status",
    "Score",
    "Level reached",
    "Submitted",
]


def test_results_as_xlsx_hold_commune_a_only_with_a_number_for_the_score_and_each_answer(
    cast: Cast, results: tuple[Assessment, Assessment]
) -> None:
    mine, _theirs = results
    response = login(cast.officer_a).get(results_url(cast.campaign, cast.framework))
    year = cast.campaign.year
    assert response["Content-Disposition"] == (
        f'attachment; filename="ket-qua-{year}-vn.learning-citizen-{cast.framework.version}.xlsx"'
    )
    sheet = sheet_of(response)
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][: len(RESULT_HEADERS)] == RESULT_HEADERS
    assert rows[0][len(RESULT_HEADERS)].startswith("i1_1. ")
    assert len(rows[0]) == len(RESULT_HEADERS) + len(GOOD_ANSWERS)
    submitted_at = timezone.localtime(mine.submitted_at).replace(tzinfo=None, microsecond=0)
    assert rows[1:] == [
        [
            "3646",
            cast.commune_a.name,
            "Tổ 1",
            "Lò Thị Mai",
            "g1",
            "Submitted, in review",
            83,
            "Meets the learning-citizen criteria",
            submitted_at,
            *GOOD_ANSWERS.values(),
        ]
    ]
    score = sheet.cell(row=2, column=RESULT_HEADERS.index("Score") + 1)
    assert score.data_type == "n"
    assert sheet.cell(row=2, column=len(RESULT_HEADERS) + 1).data_type == "n"


def test_results_as_csv_for_commune_b_and_the_province(
    cast: Cast, results: tuple[Assessment, Assessment]
) -> None:
    rows = csv_rows(login(cast.officer_b).get(results_url(cast.campaign, cast.framework, "csv")))
    assert [row[3] for row in rows[1:]] == ["Nguyễn Văn Bình"]
    assert rows[1][6] == "83.0"
    assert rows[1][len(RESULT_HEADERS) :] == [str(v) for v in GOOD_ANSWERS.values()]
    rows = csv_rows(login(cast.province).get(results_url(cast.campaign, cast.framework, "csv")))
    assert [row[3] for row in rows[1:]] == ["Lò Thị Mai", "Nguyễn Văn Bình"]


def test_a_subject_name_that_is_a_formula_is_text_in_the_results(cast: Cast) -> None:
    person = services.person_enrol(
        actor=cast.head_a, unit=cast.hamlet_a, full_name="@SUM(A1)", consent_confirmed=True
    )
    submitted(cast.head_a, person, cast)
    sheet = sheet_of(login(cast.officer_a).get(results_url(cast.campaign, cast.framework)))
    cell = sheet.cell(row=2, column=4)
    assert (cell.value, cell.data_type) == ("'@SUM(A1)", "s")


def test_results_are_404_for_a_campaign_outside_the_area_or_a_framework_not_in_the_campaign(
    cast: Cast, results: tuple[Assessment, Assessment]
) -> None:
    today = timezone.localdate()
    campaign_b = services.campaign_create(
        actor=cast.province,
        name="Chiềng Cơi",
        year=today.year,
        territory=cast.commune_b,
        frameworks=[cast.framework],
        opens_on=today,
        submission_deadline=today + dt.timedelta(days=30),
        review_deadline=today + dt.timedelta(days=60),
    )
    client = login(cast.officer_a)
    assert client.get(results_url(campaign_b, cast.framework)).status_code == 404
    assert client.get(results_url(campaign_b, cast.framework, "csv")).status_code == 404
    assert client.get(results_url(cast.campaign, other_framework(cast))).status_code == 404
    missing = reverse("exports:results", kwargs={"campaign_id": 999999, "version_id": cast.framework.pk})
    assert client.get(missing).status_code == 404
    assert login(cast.officer_b).get(results_url(campaign_b, cast.framework)).status_code == 200


def test_results_of_a_campaign_without_assessments_are_the_headers_only(cast: Cast) -> None:
    rows = xlsx_rows(login(cast.officer_a).get(results_url(cast.campaign, cast.framework)))
    assert len(rows) == 1 and rows[0][:4] == RESULT_HEADERS[:4]


# --------------------------------------------------------------------------------------------------------
# Import templates


def test_an_officer_downloads_the_import_template_of_a_campaign_framework(cast: Cast) -> None:
    url = reverse("exports:template", kwargs={"version_id": cast.framework.pk})
    for user in (cast.officer_a, cast.province):
        response = login(user).get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == XLSX_TYPE
        assert response["Content-Disposition"] == (
            f'attachment; filename="mau-nhap-vn.learning-citizen-{cast.framework.version}.xlsx"'
        )
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        headers = [cell.value for cell in book.worksheets[0][1]]
        assert "Họ và tên" in headers


def test_the_template_of_a_framework_in_no_visible_campaign_is_404(cast: Cast) -> None:
    url = reverse("exports:template", kwargs={"version_id": other_framework(cast).pk})
    assert login(cast.officer_a).get(url).status_code == 404
