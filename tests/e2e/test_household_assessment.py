"""A hamlet head fills in a household's assessment on its behalf: yes/no criteria and a number, the score and
the result following every answer, nothing lost on a reload, then the submission to review."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from learningcity.recognition import services
from learningcity.recognition.models import Assessment, Status

from ..cast import Cast
from ..recognition.test_subject_assessment_pages import households_for
from .conftest import log_in


def test_a_hamlet_head_fills_in_a_households_assessment_and_submits_it(e2e_cast: Cast, page) -> None:  # noqa: ANN001
    households = households_for(e2e_cast)
    assessment = services.assessment_start(
        actor=e2e_cast.head_a,
        campaign=e2e_cast.campaign,
        subject=households.household_a,
        version=households.framework,
    )
    log_in(page, "head_a")
    page.goto(f"/assessments/{assessment.pk}/")
    expect(page.locator("h1")).to_contain_text("Hộ bà Lò Thị Mai")
    expect(page.locator(".page-head")).to_contain_text("Tổ 1, Phường Tô Hiệu")
    expect(page.locator(".members")).to_contain_text("Lò Văn Tú")
    expect(page.locator("select[name=group]")).to_have_count(0)

    score = page.locator("[data-out=score]")
    recognised = page.locator("[data-level=recognised]")
    not_yet = page.locator("[data-level=not_yet]")
    expect(score).to_have_text("0")
    expect(not_yet).to_be_visible()

    page.check("input[name=c1_members_learn][value=true]")
    expect(score).to_have_text("1")

    # Typed but not saved: a reload puts the answer back (a radio group is kept as its checked value).
    page.reload()
    expect(page.locator("#restored")).to_be_visible()
    expect(page.locator("input[name=c1_members_learn][value=true]")).to_be_checked()
    expect(score).to_have_text("1")

    page.check("input[name=c2_children_school][value=false]")
    page.fill("input[name=c3_books]", "40")
    expect(score).to_have_text("2")
    expect(not_yet).to_be_visible()
    expect(recognised).to_be_hidden()

    page.check("input[name=c2_children_school][value=true]")
    expect(score).to_have_text("3")
    expect(recognised).to_be_visible()
    expect(not_yet).to_be_hidden()
    expect(page.locator("[data-when=passes]")).to_be_visible()

    page.fill("input[name=c3_books]", "5")  # below the minimum of 20
    expect(score).to_have_text("2")
    expect(page.locator("#indicator-c3_books")).to_have_class(re.compile("is-short"))
    page.fill("input[name=c3_books]", "40")
    expect(score).to_have_text("3")
    expect(page.locator("#indicator-c3_books")).not_to_have_class(re.compile("is-short"))

    page.locator("button[name=action][value=submit]").click()
    page.wait_for_load_state()
    expect(page.locator("input[name=c1_members_learn][value=true]")).to_be_disabled()
    expect(page.locator("input[name=c1_members_learn][value=true]")).to_be_checked()

    assessment = Assessment.objects.get(pk=assessment.pk)
    assert assessment.answers == {"c1_members_learn": True, "c2_children_school": True, "c3_books": 40}
    assert (assessment.status, assessment.review_stage, assessment.score, assessment.level) == (
        Status.SUBMITTED,
        "hamlet",
        3.0,
        "recognised",
    )
    assert assessment.entered_on_behalf and assessment.entered_by == e2e_cast.head_a
