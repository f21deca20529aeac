"""The demo's sample file: offered on the import page in the demo only, and it does what it says — four good
rows and six typical mistakes, each reported on its row."""

from __future__ import annotations

from pathlib import Path

from django.test import Client

from learningcity.recognition.models import Campaign, ImportJob
from learningcity.territory.services import hamlet_create

from ..cast import Cast
from .test_pipeline import dry_run, errors_of


def test_the_sample_file_is_offered_in_the_demo_and_has_six_bad_rows(
    cast: Cast,
    campaign: Campaign,
    client: Client,
    settings,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    for name, code in (("Tổ 2", "to-2"), ("Bản Cọ", "ban-co")):
        hamlet_create(commune=cast.commune_a, name=name, code=code, division_type="tổ dân phố")
    client.force_login(cast.officer_a)
    settings.DEMO_MODE = False
    assert 'id="sample"' not in client.get("/officer/imports/").content.decode()

    settings.DEMO_MODE = True
    page = client.get("/officer/imports/").content.decode()
    assert 'id="sample"' in page
    version = campaign.frameworks.get(code="vn.learning-citizen")
    response = client.get(f"/officer/imports/sample/{version.pk}.xlsx")
    assert response.status_code == 200
    path = tmp_path / "mau-thu-co-loi.xlsx"
    path.write_bytes(response.content)

    job = dry_run(path, cast, campaign)
    assert job.state == ImportJob.State.CHECKED
    assert job.rows_total == 10 and job.rows_bad == 6
    bad = {row: (column, reason) for row, column, reason in errors_of(job)}
    assert set(bad) == {8, 9, 10, 11, 12, 13}  # the header is on row 3, below a title and a blank row
    assert bad[8][0] == "i1_2" and bad[9] == ("i1_4", "Enter a value from 0 to 10.")
    assert bad[10][0] == "Thôn, tổ dân phố" and bad[11] == ("Họ và tên", "This column must be filled in.")
    assert bad[12] == ("Họ và tên", "The same subject as row 5.")  # row 5 came with a pre-2025 code
    assert "outside your area" in bad[13][1]
