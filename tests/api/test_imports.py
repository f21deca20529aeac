"""Imports through the API: the officers' import job for systems of their own. Send, follow, read every bad
row, commit or cancel; nothing stored from a file with bad rows; a job is its uploader's alone."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.test import Client

from learningcity.accounts.services import api_token_create
from learningcity.frameworks.models import FrameworkVersion
from learningcity.recognition.models import Assessment, Campaign, ImportJob

from ..cast import Cast
from ..imports.test_files import FILES, ROW_ERRORS, VALID_NAMES
from .conftest import assert_problem, client_for


def send(client: Client, cast: Cast, campaign: Campaign, path: Path, **fields: Any) -> Any:
    """POST /api/imports as multipart/form-data."""
    with path.open("rb") as upload:
        data = {
            "campaign_id": campaign.pk,
            "framework_id": campaign.frameworks.get(code="vn.learning-citizen").pk,
            "consent_confirmed": "true",
            "file": upload,
            **fields,
        }
        return client.post("/api/imports", data=data)


def test_a_register_is_checked_then_stored_when_committed(
    cast: Cast,
    campaign: Campaign,
    django_capture_on_commit_callbacks,  # noqa: ANN001
) -> None:
    _token, key = api_token_create(user=cast.officer_a, name="commune system")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    with django_capture_on_commit_callbacks(execute=True):  # the worker's check, run at once
        response = send(client, cast, campaign, FILES / "valid.xlsx")
    assert response.status_code == 202, response.content
    job = response.json()
    assert (job["state"], job["original_name"]) == ("queued", "valid.xlsx")
    job = client.get(f"/api/imports/{job['id']}").json()
    assert (job["state"], job["rows_total"], job["errors_total"], job["errors"]) == ("checked", 4, 0, [])
    assert not Assessment.objects.filter(campaign=campaign).exists()  # checked only
    with django_capture_on_commit_callbacks(execute=True):
        committed = client.post(f"/api/imports/{job['id']}/commit")
    assert committed.status_code == 202, committed.content
    job = client.get(f"/api/imports/{job['id']}").json()
    assert (job["state"], job["progress"]) == ("done", 100)
    stored = Assessment.objects.filter(campaign=campaign).select_related("person")
    assert {a.person.full_name for a in stored} == VALID_NAMES
    assert [j["id"] for j in client.get("/api/imports").json()["items"]] == [job["id"]]


def test_every_bad_row_is_listed_and_downloadable_and_nothing_can_be_stored(
    cast: Cast,
    campaign: Campaign,
    django_capture_on_commit_callbacks,  # noqa: ANN001
) -> None:
    client = client_for(cast, "officer_a", HTTP_ACCEPT_LANGUAGE="en")
    with django_capture_on_commit_callbacks(execute=True):
        job = send(client, cast, campaign, FILES / "wrong_type.xlsx").json()
    job = client.get(f"/api/imports/{job['id']}").json()
    assert job["state"] == "checked"
    assert [(e["row"], e["column"], e["reason"]) for e in job["errors"]] == ROW_ERRORS["wrong_type.xlsx"]
    errors = client.get(f"/api/imports/{job['id']}/errors")
    assert errors.status_code == 200
    assert errors["Content-Disposition"].startswith('attachment; filename="loi-wrong_type.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(errors.streaming_content))).active
    assert sheet is not None
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]] == [2, 3]
    assert_problem(client.post(f"/api/imports/{job['id']}/commit"), 400)
    assert not Assessment.objects.filter(campaign=campaign).exists()


def test_a_file_that_is_no_register_fails_with_the_reason(
    cast: Cast,
    campaign: Campaign,
    django_capture_on_commit_callbacks,  # noqa: ANN001
) -> None:
    client = client_for(cast, "officer_a", HTTP_ACCEPT_LANGUAGE="en")
    with django_capture_on_commit_callbacks(execute=True):
        job = send(client, cast, campaign, FILES / "not_a_spreadsheet.xlsx").json()
    job = client.get(f"/api/imports/{job['id']}").json()
    assert job["state"] == "failed" and "This file is not a spreadsheet" in job["message"]
    assert_problem(client.get(f"/api/imports/{job['id']}/errors"), 404)  # no rows: no workbook


def test_what_is_refused_on_receipt_keeps_nothing_and_names_the_field(
    cast: Cast,
    campaign: Campaign,
    settings,  # noqa: ANN001
) -> None:
    client = client_for(cast, "officer_a")
    problem = assert_problem(
        send(client, cast, campaign, FILES / "valid.xlsx", consent_confirmed="false"), 400
    )
    assert [e["loc"] for e in problem["errors"]] == [["consent_confirmed"]]
    other = FrameworkVersion.objects.exclude(pk__in=campaign.frameworks.all()).first()
    assert other is not None
    problem = assert_problem(send(client, cast, campaign, FILES / "valid.xlsx", framework_id=other.pk), 400)
    assert [e["loc"] for e in problem["errors"]] == [["framework_id"]]
    settings.IMPORT_MAX_BYTES = 1024
    problem = assert_problem(send(client, cast, campaign, FILES / "valid.xlsx"), 400)
    assert [e["loc"] for e in problem["errors"]] == [["file"]]
    assert_problem(client.post("/api/imports", data={"campaign_id": campaign.pk}), 422)  # no file
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize(
    ("member", "status"),
    [
        ("officer_a", 202),
        ("province", 202),
        ("officer_b", 202),  # a campaign over the whole province: rows outside commune B are refused each
        ("head_a", 403),
        ("citizen_a", 403),
        ("expert", 404),  # no campaign of theirs
        ("outsider", 404),
        ("anonymous", 401),
    ],
)
def test_who_may_send_a_register(cast: Cast, campaign: Campaign, member: str, status: int) -> None:
    response = send(client_for(cast, member), cast, campaign, FILES / "valid.xlsx")
    assert response.status_code == status, response.content


def test_a_job_is_its_uploaders_alone(cast: Cast, campaign: Campaign) -> None:
    job = send(client_for(cast, "officer_a"), cast, campaign, FILES / "valid.xlsx").json()
    for member in ("province", "officer_b", "head_a", "citizen_a"):
        client = client_for(cast, member)
        for path in ("", "/errors"):
            assert_problem(client.get(f"/api/imports/{job['id']}{path}"), 404)
        for action in ("commit", "cancel"):
            assert_problem(client.post(f"/api/imports/{job['id']}/{action}"), 404)
        assert client.get("/api/imports").json()["items"] == []
    cancelled = client_for(cast, "officer_a").post(f"/api/imports/{job['id']}/cancel")
    assert cancelled.json()["state"] == "cancelled"  # waiting: at once
    assert_problem(client_for(cast, "officer_a").post(f"/api/imports/{job['id']}/cancel"), 400)
