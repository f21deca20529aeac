"""A province coordinator reads the rates, drills down to a commune and a hamlet, climbs back and exports
the table — in the browser."""

from __future__ import annotations

import csv
import io

from playwright.sync_api import expect

from learningcity.analytics.services import figures_rebuild
from learningcity.recognition.models import Assessment, Person, Status, SubjectKind

from ..cast import Cast
from .conftest import log_in


def test_drill_down_and_export(e2e_cast: Cast, page) -> None:  # noqa: ANN001
    cast = e2e_cast
    for index, status in enumerate([Status.RECOGNISED, Status.RECOGNISED, Status.SUBMITTED]):
        person = Person.objects.create(
            unit=cast.hamlet_a,
            full_name=f"Người {index}",
            name_folded=f"nguoi {index}",
            sex="F",
            consent_at=cast.campaign.created_at,
        )
        Assessment.objects.create(
            campaign=cast.campaign,
            framework_version=cast.framework,
            subject_kind=SubjectKind.PERSON,
            person=person,
            unit=cast.hamlet_a,
            status=status,
        )
    figures_rebuild(cast.campaign)
    log_in(page, "province")
    page.goto("/officer/dashboard/")
    expect(page.locator("#area h2")).to_have_text(cast.son_la.name)
    expect(page.locator("#area-recognised")).to_have_text("2")

    page.locator("#children").get_by_role("link", name=cast.commune_a.name, exact=True).click()
    expect(page.locator("#area h2")).to_have_text(cast.commune_a.name)
    expect(page.locator("#area-recognised")).to_have_text("2")
    page.locator("#children").get_by_role("link", name=cast.hamlet_a.name, exact=True).click()
    expect(page.locator("#area h2")).to_have_text(cast.hamlet_a.name)
    # Registered: the cast's citizen of Tổ 1 and the three above.
    expect(page.locator("#area-registered")).to_have_text("4")

    page.locator("#crumbs").get_by_role("link", name=cast.commune_a.name).click()
    expect(page.locator("#area h2")).to_have_text(cast.commune_a.name)
    with page.expect_download() as download:
        page.locator("#export-csv").click()
    rows = list(csv.reader(io.StringIO(open(download.value.path(), encoding="utf-8-sig").read())))
    assert rows[1][0] == cast.commune_a.name and rows[1][6] == "2"
    assert {row[0] for row in rows[2:]} == {cast.hamlet_a.name}
