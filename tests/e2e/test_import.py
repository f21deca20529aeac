"""An officer imports a register: the dry run lists the bad rows, the corrected file checks clean, and the
commit stores it — as a user does it, in the browser."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from learningcity.recognition.models import Assessment, Person, Status

from ..cast import Cast
from ..imports.test_pipeline import citizen, xlsx
from .conftest import log_in


def test_upload_dry_run_fix_and_commit(e2e_cast: Cast, page, tmp_path: Path) -> None:  # noqa: ANN001
    campaign = e2e_cast.campaign
    version = campaign.frameworks.get(code="vn.learning-citizen")
    bad = xlsx(
        tmp_path / "to-1.xlsx",
        [citizen("Lò Thị Ón"), citizen("Lò Văn Pọm", marks=(8, 8, 8, 8, 8, 8, 8, 8, 8, 12))],
    )
    log_in(page, "officer_a")
    page.goto("/officer/imports/")
    page.locator("#upload").click()
    page.select_option("select[name=target]", f"{campaign.pk}:{version.pk}")
    page.set_input_files("input[name=file]", str(bad))
    page.check("input[name=consent]")
    page.locator("#import-form [type=submit]").click()

    # The dry run: one bad row, with its row, column, value and reason; nothing stored.
    errors = page.locator("#errors")
    expect(errors).to_be_visible()
    expect(errors.locator("tbody tr")).to_have_count(1)
    expect(errors.locator("tbody tr").first).to_contain_text("3")
    expect(errors.locator("tbody tr").first).to_contain_text("i3_2")
    expect(errors.locator("tbody tr").first).to_contain_text("12")
    expect(page.locator("#commit")).to_have_count(0)
    assert not Person.objects.filter(full_name="Lò Thị Ón").exists()

    # The corrected file, through the page's own link back to the upload form with the same target.
    good = xlsx(tmp_path / "to-1-sua.xlsx", [citizen("Lò Thị Ón"), citizen("Lò Văn Pọm")])
    page.locator("#upload-again").click()
    expect(page.locator("select[name=target]")).to_have_value(f"{campaign.pk}:{version.pk}")
    page.set_input_files("input[name=file]", str(good))
    page.check("input[name=consent]")
    page.locator("#import-form [type=submit]").click()
    expect(page.locator("#errors")).to_have_count(0)
    expect(page.locator("#count-rows")).to_have_text("2")

    page.locator("#commit").click()
    expect(page.locator("#count-new")).to_have_text("2")
    stored = Assessment.objects.filter(campaign=campaign, person__full_name__in=["Lò Thị Ón", "Lò Văn Pọm"])
    assert stored.count() == 2
    assert set(stored.values_list("status", flat=True)) == {Status.SUBMITTED}
