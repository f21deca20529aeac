"""A commune officer bulk-approves from the queue, issues a recognition decision and opens its PDFs."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from learningcity.recognition import services
from learningcity.recognition.models import Assessment, Certificate, Person, RecognitionDecision, Status

from ..cast import GOOD_ANSWERS, Cast
from .conftest import log_in

NOTES = {code: "Giấy xác nhận của tổ dân phố" for code in GOOD_ANSWERS}


def at_the_commune(cast: Cast, person: Person) -> Assessment:
    """Submitted by the hamlet head on the person's behalf and approved at the hamlet: the commune's turn."""
    a = services.assessment_start(
        actor=cast.head_a, campaign=cast.campaign, subject=person, version=cast.framework, group="g1"
    )
    services.assessment_save(actor=cast.head_a, assessment=a, answers=GOOD_ANSWERS, notes=NOTES)
    a = services.assessment_submit(actor=cast.head_a, assessment=a)
    return services.assessment_review(actor=cast.head_a, assessment=a, decision="approve")


def test_an_officer_bulk_approves_two_assessments_and_issues_their_decision(e2e_cast: Cast, page) -> None:  # noqa: ANN001
    duc = services.person_enrol(
        actor=e2e_cast.head_a, unit=e2e_cast.hamlet_a, full_name="Đặng Văn Đức", consent_confirmed=True
    )
    rows = [at_the_commune(e2e_cast, e2e_cast.person_a), at_the_commune(e2e_cast, duc)]

    log_in(page, "officer_a")
    page.goto("/officer/queue/")
    for a in rows:
        page.locator(f"input[name=assessments][value='{a.pk}']").check()
    page.locator("button[name=approve][value=checked]").click()
    page.wait_for_load_state()
    expect(page.locator(".messages")).to_contain_text("2")
    assert {a.status for a in Assessment.objects.filter(pk__in=[a.pk for a in rows])} == {Status.APPROVED}

    page.goto("/officer/decisions/new/")
    page.locator("form.filters [type=submit]").click()  # the only campaign, framework and commune, chosen
    page.wait_for_load_state()
    for a in rows:
        expect(page.locator(f"input[name=assessments][value='{a.pk}']")).to_be_checked()
    page.fill("input[name=signer_name]", "Lò Văn Minh")
    page.fill("input[name=signer_title]", "Chủ tịch")
    page.locator("button[name=issue]").click()
    page.wait_for_load_state()

    decision = RecognitionDecision.objects.get()
    expect(page).to_have_url(re.compile(rf"/officer/decisions/{decision.pk}/$"))
    expect(page.locator("h1")).to_contain_text("1/QĐ-UBND")
    assert set(decision.assessments.values_list("pk", flat=True)) == {a.pk for a in rows}
    assert Certificate.objects.filter(decision=decision).count() == 2

    # The officer opens the decision's PDF from its page.
    pdf_link = page.locator(f"a[href='/officer/decisions/{decision.pk}/decision.pdf']")
    with page.expect_response(lambda r: r.url.endswith("/decision.pdf")) as opened:
        pdf_link.click()
    response = opened.value
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    # The batch of certificates, fetched in the same session.
    page.goto(f"/officer/decisions/{decision.pk}/")
    batch = page.locator(f"a[href='/officer/decisions/{decision.pk}/certificates.pdf']").get_attribute("href")
    assert batch is not None
    response = page.request.get(batch)
    assert (response.status, response.headers["content-type"]) == (200, "application/pdf")
    assert response.body().startswith(b"%PDF-")
