"""The administrators' framework pages: list, detail, upload; 403 for everyone else."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from learningcity.frameworks.forms import MAX_BYTES
from learningcity.frameworks.models import FrameworkVersion
from learningcity.frameworks.services import framework_version_load
from learningcity.recognition import services

from ..cast import Cast

FILES = Path(__file__).resolve().parent / "files"
VALID = (FILES / "valid.yaml").read_text(encoding="utf-8")
LIST = reverse("frameworks:list")
UPLOAD = reverse("frameworks:upload")


@pytest.fixture
def admin_client(client: Client, cast: Cast) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(cast.admin)
    return client


def upload(client: Client, text: str | bytes, name: str = "framework.yaml"):  # noqa: ANN201
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, data, content_type="application/yaml")})


@pytest.mark.django_db
def test_everyone_but_an_administrator_is_refused(cast: Cast) -> None:
    detail = reverse("frameworks:detail", args=[cast.framework.pk])
    for username in [
        "province",
        "officer_a",
        "head_a",
        "citizen_a",
        "expert",
        "secretariat",
        "outsider",
        None,
    ]:
        client = Client()
        if username is not None:
            client.force_login(getattr(cast, username))
        for url in (LIST, detail, UPLOAD):
            assert client.get(url).status_code == 403, (username, url)
        assert upload(client, VALID).status_code == 403, username
    assert not FrameworkVersion.objects.filter(code="test.small").exists()


@pytest.mark.django_db
def test_the_list_shows_every_version_with_its_use_and_provisional_mark(
    admin_client: Client, cast: Cast, django_assert_num_queries
) -> None:  # noqa: ANN001
    services.assessment_start(
        actor=cast.citizen_a,
        campaign=cast.campaign,
        subject=cast.person_a,
        version=cast.framework,
        group="g1",
    )
    framework_version_load(text=VALID, source="valid.yaml", actor=cast.admin)
    framework_version_load(text=VALID.replace('version: "1"', 'version: "2"'), source="v2.yaml")
    with django_assert_num_queries(3):  # session, user, versions with their counts
        response = admin_client.get(LIST)
    assert response.status_code == 200
    page = response.content.decode()
    assert "vn.learning-citizen" in page and "2022.1" in page and "test.small" in page
    row = page.split("vn.learning-citizen", 1)[1].split("</tr>", 1)[0]
    assert ">1</td>" in row and "provisional" in row and "in use: cannot change" in row
    assert "platform seed" in page and "admin" in page


@pytest.mark.django_db
def test_the_detail_shows_the_parsed_framework(admin_client: Client, cast: Cast) -> None:
    page = admin_client.get(reverse("frameworks:detail", args=[cast.framework.pk])).content.decode()
    assert "Learning citizen" in page and "QĐ 677/QĐ-TTg" in page and "QĐ 244/QĐ-KHVN" in page
    assert "Uses information technology as the job requires" in page
    assert page.count('<span class="badge provisional">provisional</span>') == 10
    assert "COALESCE(i1_1, 0) + COALESCE(i1_2, 0)" in page  # derived SQL
    assert "answered = 10 AND short_count = 0 AND total &gt;= pass_mark" in page  # a level's rule
    assert "hamlet → commune" in page and "Farmers and rural workers" in page


@pytest.mark.django_db
def test_the_detail_speaks_vietnamese_by_default(client: Client, cast: Cast) -> None:
    client.force_login(cast.admin)
    page = client.get(reverse("frameworks:detail", args=[cast.framework.pk])).content.decode()
    assert "Sử dụng công nghệ thông tin theo yêu cầu công việc" in page


@pytest.mark.django_db
def test_an_unknown_version_is_404(admin_client: Client) -> None:
    assert admin_client.get(reverse("frameworks:detail", args=[999999])).status_code == 404


@pytest.mark.django_db
def test_uploading_a_good_file_creates_a_version(admin_client: Client, cast: Cast) -> None:
    response = upload(admin_client, VALID, "small.yaml")
    version = FrameworkVersion.objects.get(code="test.small")
    assert response.status_code == 302 and response.url == reverse("frameworks:detail", args=[version.pk])
    assert (version.version, version.loaded_by, version.loaded_from) == ("1", cast.admin, "small.yaml")
    page = admin_client.get(response.url).content.decode()
    assert "Loaded test.small version 1." in page
    again = upload(admin_client, VALID, "small.yaml")
    assert again.status_code == 302
    assert (
        "This exact file is already loaded; nothing changed." in admin_client.get(again.url).content.decode()
    )
    assert FrameworkVersion.objects.filter(code="test.small").count() == 1


@pytest.mark.django_db
def test_a_bad_file_is_refused_on_the_page_with_its_file_key_and_reason(admin_client: Client) -> None:
    response = upload(
        admin_client, (FILES / "bad_unknown_column.yaml").read_text(encoding="utf-8"), "mine.yaml"
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert '<code class="refusal-source">mine.yaml</code>' in page
    assert '<code class="refusal-key">derived.total</code>' in page
    assert '<dd class="refusal-reason">unknown column bb</dd>' in page
    assert not FrameworkVersion.objects.filter(code="test.small").exists()


@pytest.mark.django_db
def test_changing_a_version_in_use_is_refused_on_the_page(admin_client: Client, cast: Cast) -> None:
    services.assessment_start(
        actor=cast.citizen_a,
        campaign=cast.campaign,
        subject=cast.person_a,
        version=cast.framework,
        group="g1",
    )
    changed = cast.framework.source_text.replace('en: "Not yet met"', 'en: "Not met yet"')
    response = upload(admin_client, changed, "learning-citizen.yaml")
    assert response.status_code == 400
    page = response.content.decode()
    assert '<code class="refusal-key">version</code>' in page and "already has assessments" in page
    cast.framework.refresh_from_db()
    assert "Not met yet" not in cast.framework.source_text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"id: x\n" + b"#" * MAX_BYTES, "big.yaml", "The file is larger than 1 MB."),
        ("title: Công dân".encode("cp1258", errors="replace"), "old.yaml", "The file is not UTF-8 text"),
        ("tiêu đề: Công dân".encode("utf-16"), "wide.yaml", "The file is not UTF-8 text"),
        (VALID.encode(), "framework.txt", "Choose a .yaml file."),
    ],
    ids=["over-1-mb", "windows-1258", "utf-16", "not-yaml"],
)
def test_an_upload_that_is_not_a_small_utf8_yaml_file_is_refused(
    admin_client: Client, data: bytes, name: str, message: str
) -> None:
    response = upload(admin_client, data, name)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not FrameworkVersion.objects.filter(code="test.small").exists()


@pytest.mark.django_db
def test_a_utf8_file_with_a_byte_order_mark_loads(admin_client: Client) -> None:
    assert upload(admin_client, "\ufeff" + VALID).status_code == 302
    assert FrameworkVersion.objects.get(code="test.small").source_text == VALID
