"""A citizen self-assesses and submits; officers approve level by level; the certificate checks out."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from learningcity.recognition.models import Assessment, Certificate, Status

from ..cast import GOOD_ANSWERS, Cast
from .conftest import log_in


def test_a_citizen_fills_in_with_live_feedback_and_submits(e2e_cast: Cast, page) -> None:  # noqa: ANN001
    log_in(page, "citizen_a")
    page.locator("label.choice", has_text="Nông dân").first.click()
    page.get_by_role("button", name=re.compile("Bắt đầu|Start")).first.click()
    expect(page.locator("#assessment-form")).to_be_visible()

    answers = dict(GOOD_ANSWERS, i1_1=3)  # one indicator below its minimum of 5
    for code, value in answers.items():
        page.fill(f"input[name={code}]", str(value))
    score = page.locator("[data-out=score]")
    expect(score).to_have_text(str(sum(answers.values())))
    expect(page.locator("#indicator-i1_1")).to_have_class(re.compile("is-short"))
    expect(page.locator("[data-when=passes]")).to_be_hidden()

    page.fill("input[name=i1_1]", "9")
    expect(score).to_have_text(str(sum(GOOD_ANSWERS.values())))
    expect(page.locator("#indicator-i1_1")).not_to_have_class(re.compile("is-short"))
    expect(page.locator("[data-when=passes]")).to_be_visible()
    for code in GOOD_ANSWERS:
        page.fill(f"[name=note__{code}]", "Sổ theo dõi học tập của tổ")
    page.locator("button[name=action][value=submit]").click()
    page.wait_for_load_state()

    assessment = Assessment.objects.get(person=e2e_cast.person_a)
    assert (assessment.status, assessment.review_stage, assessment.score) == (
        Status.SUBMITTED,
        "hamlet",
        83.0,
    )
    expect(page.locator("input[name=i1_1]")).to_be_disabled()


def test_officers_approve_level_by_level_and_anyone_can_check_the_certificate(e2e_cast: Cast, page) -> None:  # noqa: ANN001
    from learningcity.recognition import services

    assessment = services.assessment_start(
        actor=e2e_cast.citizen_a,
        campaign=e2e_cast.campaign,
        subject=e2e_cast.person_a,
        version=e2e_cast.framework,
        group="g1",
    )
    services.assessment_save(
        actor=e2e_cast.citizen_a,
        assessment=assessment,
        answers=GOOD_ANSWERS,
        notes={code: "Giấy xác nhận" for code in GOOD_ANSWERS},
    )
    services.assessment_submit(actor=e2e_cast.citizen_a, assessment=assessment)

    for username in ("head_a", "officer_a"):
        log_in(page, username)
        page.goto("/officer/queue/")
        page.get_by_role("link", name="Lò Thị Mai").first.click()
        page.locator("button[name=decision][value=approve]").click()
        page.wait_for_load_state()
        page.context.clear_cookies()

    assessment.refresh_from_db()
    assert assessment.status == Status.APPROVED
    log_in(page, "officer_a")
    page.goto(f"/officer/assessments/{assessment.pk}/")
    page.locator("form[action$='certify'] button, button[name=certify]").first.click()
    page.wait_for_load_state()
    certificate = Certificate.objects.get(assessment=assessment)

    page.context.clear_cookies()
    page.goto(f"/certificates/verify/{certificate.code}/")
    expect(page.locator("main")).to_contain_text("Lò Thị Mai")
    expect(page.locator("main")).to_contain_text("Công dân học tập")
    expect(page.locator("main")).not_to_contain_text("1990")


def test_answers_typed_when_the_session_expired_are_kept_through_a_new_login(e2e_cast: Cast, page) -> None:  # noqa: ANN001
    from learningcity.recognition import services

    assessment = services.assessment_start(
        actor=e2e_cast.citizen_a,
        campaign=e2e_cast.campaign,
        subject=e2e_cast.person_a,
        version=e2e_cast.framework,
        group="g1",
    )
    log_in(page, "citizen_a")
    page.goto(f"/assessments/{assessment.pk}/")
    page.fill("input[name=i1_1]", "7")
    page.fill("input[name=i1_2]", "6")
    expect(page.locator("[data-out=score]")).to_have_text("13")

    page.context.clear_cookies()  # the session is gone, as after a timeout
    page.fill("input[name=i2_1]", "8")
    expect(page.locator("#session-expired")).to_be_visible()

    log_in(page, "citizen_a")
    page.goto(f"/assessments/{assessment.pk}/")
    expect(page.locator("#restored")).to_be_visible()
    expect(page.locator("input[name=i1_1]")).to_have_value("7")
    expect(page.locator("input[name=i2_1]")).to_have_value("8")
    assessment.refresh_from_db()
    assert assessment.answers == {}  # nothing reached the server: the device kept it
