"""The import pages around a running job: its status for the progress bar, the cancel button, and nobody
else's jobs."""

from __future__ import annotations

import pytest
from django.test import Client

from learningcity.recognition.imports import jobs
from learningcity.recognition.models import Campaign, ImportJob

from ..cast import Cast
from .test_files import FILES


def started(cast: Cast, campaign: Campaign) -> ImportJob:
    with (FILES / "valid.xlsx").open("rb") as upload:
        return jobs.import_start(
            actor=cast.officer_a,
            campaign=campaign,
            version=campaign.frameworks.get(code="vn.learning-citizen"),
            upload=upload,
            original_name="valid.xlsx",
            consent_confirmed=True,
            max_bytes=None,
            queue=False,
        )


def test_a_running_job_shows_its_step_and_rows_and_can_be_cancelled(
    cast: Cast, campaign: Campaign, client: Client
) -> None:
    job = started(cast, campaign)
    ImportJob.objects.filter(pk=job.pk).update(
        state=ImportJob.State.COMMITTING, step="loading", rows_total=400, rows_done=100
    )
    client.force_login(cast.officer_a)
    status = client.get(f"/officer/imports/{job.pk}/status.json").json()
    assert (
        status["state"] == "committing" and status["step"] == "đang ghi các dòng vào cơ sở dữ liệu"
    )  # Vietnamese first
    assert (status["rows_done"], status["rows_total"], status["progress"]) == (100, 400, 25)
    page = client.get(f"/officer/imports/{job.pk}/").content.decode()
    assert 'id="progress"' in page and 'id="cancel"' in page and "đang ghi các dòng vào cơ sở dữ liệu" in page

    # Running: the cancel is a request the worker reads between two steps.
    client.post(f"/officer/imports/{job.pk}/cancel/")
    job.refresh_from_db()
    assert job.cancel_requested and job.state == ImportJob.State.COMMITTING


def test_a_waiting_job_is_cancelled_at_once(cast: Cast, campaign: Campaign, client: Client) -> None:
    job = started(cast, campaign)
    client.force_login(cast.officer_a)
    client.post(f"/officer/imports/{job.pk}/cancel/")
    job.refresh_from_db()
    assert job.state == ImportJob.State.CANCELLED


def test_nobody_else_sees_or_touches_an_officers_import(
    cast: Cast, campaign: Campaign, client: Client
) -> None:
    job = started(cast, campaign)
    client.force_login(cast.officer_b)
    for url in ("", "status.json", "errors.xlsx"):
        assert client.get(f"/officer/imports/{job.pk}/{url}").status_code == 404
    assert client.post(f"/officer/imports/{job.pk}/cancel/").status_code == 404
    assert client.post(f"/officer/imports/{job.pk}/commit/").status_code == 404
    client.force_login(cast.citizen_a)
    assert client.get(f"/officer/imports/{job.pk}/").status_code == 403
    job.refresh_from_db()
    assert job.state == ImportJob.State.QUEUED


def test_the_dry_run_moves_the_bar_step_by_step(
    cast: Cast, campaign: Campaign, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, int]] = []
    update = jobs._update

    def recorded(job: ImportJob, **fields: object) -> None:
        update(job, **fields)
        if "step" in fields and fields["step"]:
            seen.append((str(fields["step"]), job.rows_done))

    monkeypatch.setattr(jobs, "_update", recorded)
    job = jobs.run_check(str(started(cast, campaign).pk))
    assert job.state == ImportJob.State.CHECKED and job.rows_done == job.rows_total == 4
    assert [name for name, _done in seen] == ["reading", "values", "units", "duplicates"]
    done = [rows for _name, rows in seen]
    assert done == sorted(done) and done[-1] > 0
