"""Officer pages: review queue and decisions, people, enrolment on a citizen's behalf, hamlets, campaigns.

Every page: allowed, sign-in redirect, 403 for a role that may never use it, 404 for a record outside the
officer's area (whatever the method). Content is checked in English (the `web` client asks for it) so the
assertions do not depend on the Vietnamese catalogue; one test checks that Vietnamese is the default.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from learningcity.accounts.models import AuditEntry, User
from learningcity.recognition import officer_pages, selectors, services
from learningcity.recognition.models import Assessment, Campaign, Certificate, Person, Status
from learningcity.recognition.officer_views.people import _sensitive_ids
from learningcity.territory.models import Era, Level, Unit

from ..cast import GOOD_ANSWERS, Cast, current

NOTES = {code: "Giấy xác nhận của trưởng thôn" for code in GOOD_ANSWERS}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def web() -> Client:
    return Client(headers={"accept-language": "en"})


def login(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def submitted(
    cast: Cast, person: Person | None = None, actor: User | None = None, answers: dict[str, int] | None = None
) -> Assessment:
    """A complete self-assessment sent to its first review stage (the hamlet, for people on a hamlet)."""
    person = person or cast.person_a
    actor = actor or cast.citizen_a
    a = services.assessment_start(
        actor=actor, campaign=cast.campaign, subject=person, version=cast.framework, group="g1"
    )
    services.assessment_save(actor=actor, assessment=a, answers=answers or GOOD_ANSWERS, notes=NOTES)
    return services.assessment_submit(actor=actor, assessment=a)


def enrolled(cast: Cast, name: str, unit: Unit | None = None, actor: User | None = None) -> Person:
    return services.person_enrol(
        actor=actor or cast.head_a, unit=unit or cast.hamlet_a, full_name=name, consent_confirmed=True
    )


def pages(cast: Cast, a: Assessment) -> list[tuple[str, str]]:
    """Every officer page, with the method that reaches it."""
    return [
        ("get", reverse("officer:queue")),
        ("get", reverse("officer:review", kwargs={"pk": a.pk})),
        ("post", reverse("officer:certify", kwargs={"pk": a.pk})),
        ("get", reverse("officer:people")),
        ("get", reverse("officer:person", kwargs={"pk": cast.person_a.pk})),
        ("get", reverse("officer:enrol")),
        ("get", reverse("officer:start", kwargs={"pk": cast.person_a.pk})),
        ("get", reverse("officer:hamlets")),
        ("post", reverse("officer:hamlet_flag", kwargs={"pk": cast.hamlet_a.pk})),
        ("get", reverse("officer:campaigns")),
        ("get", reverse("officer:campaign_create")),
    ]


def status_of(client: Client, method: str, url: str, data: dict[str, Any] | None = None) -> int:
    return getattr(client, method)(url, data or {}).status_code


# --------------------------------------------------------------------------------------------------------
# Gates: sign-in and role


def test_every_page_sends_an_anonymous_visitor_to_the_login(cast: Cast, web: Client) -> None:
    a = submitted(cast)
    for method, url in pages(cast, a):
        response = getattr(web, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login")), url


def test_every_page_is_forbidden_to_citizens_experts_secretariat_and_people_without_a_role(
    cast: Cast,
) -> None:
    a = submitted(cast)
    for user in (cast.citizen_a, cast.expert, cast.secretariat, cast.outsider):
        client = login(Client(), user)
        for method, url in pages(cast, a):
            assert status_of(client, method, url) == 403, (user.username, url)
    assert Assessment.objects.get(pk=a.pk).status == Status.SUBMITTED
    assert not Certificate.objects.exists()


def test_pages_outside_a_role_are_forbidden_to_the_officer_roles(cast: Cast) -> None:
    province = login(Client(), cast.province)
    for name in ("officer:enrol", "officer:hamlets"):
        assert province.get(reverse(name)).status_code == 403
    assert province.get(reverse("officer:start", kwargs={"pk": cast.person_a.pk})).status_code == 403
    head = login(Client(), cast.head_a)
    assert head.get(reverse("officer:hamlets")).status_code == 403
    assert head.post(reverse("officer:hamlet_flag", kwargs={"pk": cast.hamlet_a.pk})).status_code == 403
    assert head.get(reverse("officer:campaign_create")).status_code == 403
    officer = login(Client(), cast.officer_a)
    assert officer.get(reverse("officer:campaign_create")).status_code == 403
    assert officer.post(reverse("officer:campaign_create"), {"name": "X"}).status_code == 403


def test_the_menu_offers_only_the_pages_of_the_role(cast: Cast, web: Client) -> None:
    page = login(web, cast.head_a).get(reverse("officer:queue")).content.decode()
    assert reverse("officer:enrol") in page
    assert reverse("officer:hamlets") not in page
    assert (
        reverse("officer:campaign_create")
        not in login(Client(), cast.officer_a).get(reverse("officer:campaigns")).content.decode()
    )


# --------------------------------------------------------------------------------------------------------
# Out of scope: 404 on every method


def test_officers_of_commune_b_get_404_on_commune_a_records_whatever_the_method(cast: Cast) -> None:
    a = submitted(cast)
    review = reverse("officer:review", kwargs={"pk": a.pk})
    for user in (cast.officer_b, cast.head_b):
        client = login(Client(), user)
        assert client.get(review).status_code == 404
        for decision in ("approve", "return", "reject"):
            assert client.post(review, {"decision": decision, "reason": "Không đạt"}).status_code == 404
        assert client.post(reverse("officer:certify", kwargs={"pk": a.pk})).status_code == 404
        assert client.get(reverse("officer:person", kwargs={"pk": cast.person_a.pk})).status_code == 404
        start = reverse("officer:start", kwargs={"pk": cast.person_a.pk})
        assert client.get(start).status_code == 404
        assert client.post(start, {"offer": f"{cast.campaign.pk}:{cast.framework.pk}"}).status_code == 404
    officer_b = login(Client(), cast.officer_b)
    flag = reverse("officer:hamlet_flag", kwargs={"pk": cast.hamlet_a.pk})
    assert officer_b.post(flag, {"disadvantaged_area": "on"}).status_code == 404
    a.refresh_from_db()
    assert (a.status, a.review_stage) == (Status.SUBMITTED, "hamlet")
    assert not AuditEntry.objects.filter(
        action__in=["assessment.approve", "assessment.return", "assessment.reject"]
    )
    assert not Unit.objects.get(pk=cast.hamlet_a.pk).flags


def test_lists_show_nothing_from_another_commune(cast: Cast) -> None:
    submitted(cast)
    for user in (cast.officer_b, cast.head_b):
        client = login(Client(), user)
        for tab in ("due", "certify", "all"):
            assert "Lò Thị Mai" not in client.get(reverse("officer:queue"), {"tab": tab}).content.decode()
        people = client.get(reverse("officer:people")).content.decode()
        assert "Lò Thị Mai" not in people and "Nguyễn Văn Bình" in people


# --------------------------------------------------------------------------------------------------------
# Review queue


def test_the_hamlet_head_sees_the_submitted_assessment_with_its_deadline(cast: Cast, web: Client) -> None:
    a = submitted(cast)
    response = login(web, cast.head_a).get(reverse("officer:queue"))
    page = response.content.decode()
    assert response.status_code == 200
    assert reverse("officer:review", kwargs={"pk": a.pk}) in page
    assert "Lò Thị Mai" in page and "Tổ 1 · Phường Tô Hiệu" in page and "Learning citizen" in page
    assert "83" in page and "60 days left" in page


def test_the_queue_says_how_many_days_a_review_is_overdue(cast: Cast, web: Client) -> None:
    submitted(cast)
    Campaign.objects.filter(pk=cast.campaign.pk).update(
        review_deadline=timezone.localdate() - dt.timedelta(days=3)
    )
    assert "3 days overdue" in login(web, cast.head_a).get(reverse("officer:queue")).content.decode()


def test_the_commune_officer_waits_for_the_hamlet_stage_then_sees_the_assessment(cast: Cast) -> None:
    a = submitted(cast)
    client = login(Client(), cast.officer_a)
    link = reverse("officer:review", kwargs={"pk": a.pk})
    assert link not in client.get(reverse("officer:queue")).content.decode()
    assert (
        link in client.get(reverse("officer:queue"), {"tab": "all", "status": "submitted"}).content.decode()
    )
    assert (
        link not in client.get(reverse("officer:queue"), {"tab": "all", "status": "draft"}).content.decode()
    )
    services.assessment_review(actor=cast.head_a, assessment=a, decision="approve")
    assert link in client.get(reverse("officer:queue")).content.decode()


def test_the_queue_filters_by_folded_name_unit_and_campaign(cast: Cast) -> None:
    submitted(cast)
    duc = submitted(cast, person=enrolled(cast, "Đặng Văn Đức"), actor=cast.head_a)
    client = login(Client(), cast.head_a)
    queue = reverse("officer:queue")
    for query in ("dang van duc", "ĐẶNG VĂN", "Đức"):
        page = client.get(queue, {"q": query}).content.decode()
        assert "Đặng Văn Đức" in page and "Lò Thị Mai" not in page, query
    page = client.get(queue, {"campaign": cast.campaign.pk, "unit": cast.hamlet_a.pk}).content.decode()
    assert "Đặng Văn Đức" in page and "Lò Thị Mai" in page
    # A unit outside the head's hamlet is refused as a choice, and nothing from it appears.
    response = client.get(queue, {"unit": cast.hamlet_b.pk})
    assert response.status_code == 200 and response.context["form"].errors["unit"]
    assert duc.entered_on_behalf


def test_the_certify_tab_lists_approved_assessments_for_the_levels_that_recognise(cast: Cast) -> None:
    a = submitted(cast)
    services.assessment_review(actor=cast.head_a, assessment=a, decision="approve")
    a = services.assessment_review(actor=cast.officer_a, assessment=a, decision="approve")
    link = reverse("officer:review", kwargs={"pk": a.pk})
    for user, listed in ((cast.officer_a, True), (cast.province, True), (cast.head_a, False)):
        page = login(Client(), user).get(reverse("officer:queue"), {"tab": "certify"}).content.decode()
        assert (link in page) is listed, user.username
        assert services.can_certify(user, a) is listed


def test_the_queue_query_count_does_not_grow_with_its_rows(cast: Cast, django_assert_max_num_queries) -> None:
    rows = [submitted(cast)]
    rows += [submitted(cast, person=enrolled(cast, f"Người thử {i}"), actor=cast.head_a) for i in range(12)]
    for a in rows[:4]:
        a = services.assessment_review(actor=cast.head_a, assessment=a, decision="approve")
        services.assessment_review(actor=cast.officer_a, assessment=a, decision="approve")
    client = login(Client(), cast.head_a)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("officer:queue"))
    assert len(response.context["rows"]) == 9
    officer = login(Client(), cast.officer_a)
    for tab, expected in (("all", 13), ("certify", 4)):
        with django_assert_max_num_queries(14):
            response = officer.get(reverse("officer:queue"), {"tab": tab, "q": "i"})
        assert len(response.context["rows"]) == expected, tab


def test_the_queue_pages_through_long_lists(cast: Cast) -> None:
    for i in range(officer_pages.PAGE_SIZE + 2):
        submitted(cast, person=enrolled(cast, f"Người thử {i:02}"), actor=cast.head_a)
    client = login(Client(), cast.head_a)
    first = client.get(reverse("officer:queue"))
    assert len(first.context["rows"]) == officer_pages.PAGE_SIZE
    second = client.get(reverse("officer:queue"), {"page": 2})
    assert len(second.context["rows"]) == 2


# --------------------------------------------------------------------------------------------------------
# Review detail and decisions


def test_the_review_page_shows_answers_shortfalls_evidence_and_marks(cast: Cast, web: Client) -> None:
    a = services.assessment_start(
        actor=cast.citizen_a,
        campaign=cast.campaign,
        subject=cast.person_a,
        version=cast.framework,
        group="g1",
    )
    evidence = services.evidence_attach(
        actor=cast.citizen_a, assessment=a, input_code="i1_1", upload=SimpleUploadedFile("giay-khen.png", PNG)
    )
    services.assessment_save(
        actor=cast.citizen_a, assessment=a, answers={**GOOD_ANSWERS, "i2_2": 3}, notes=NOTES
    )
    services.assessment_submit(actor=cast.citizen_a, assessment=a)
    page = login(web, cast.head_a).get(reverse("officer:review", kwargs={"pk": a.pk})).content.decode()
    assert "Reads and keeps up with information" in page  # indicator titles, in the reader's language
    assert "2 below the minimum of 5" in page  # i2_2 answered 3
    assert "Pass mark: 80" in page and "Not yet met" in page
    assert "provisional" in page
    assert "giay-khen.png" in page and "Giấy xác nhận của trưởng thôn" in page
    assert f'href="{reverse("recognition:evidence", kwargs={"pk": evidence.pk})}"' in page
    assert "Submitted for review" in page  # the audit trail


def test_the_review_page_is_in_vietnamese_by_default(cast: Cast) -> None:
    a = submitted(cast)
    page = login(Client(), cast.head_a).get(reverse("officer:review", kwargs={"pk": a.pk})).content.decode()
    assert "Đọc và cập nhật thông tin" in page and '<html lang="vi">' in page


def test_a_hamlet_head_then_a_commune_officer_approve_and_the_officer_certifies(
    cast: Cast, web: Client
) -> None:
    a = submitted(cast)
    review = reverse("officer:review", kwargs={"pk": a.pk})
    head = login(Client(headers={"accept-language": "en"}), cast.head_a)
    assert 'value="approve"' in head.get(review).content.decode()
    response = head.post(review, {"decision": "approve", "reason": ""})
    assert response.status_code == 302 and response["Location"] == review
    a.refresh_from_db()
    assert (a.status, a.review_stage) == (Status.SUBMITTED, "commune")
    assert 'value="approve"' not in head.get(review).content.decode()  # no longer the head's stage

    officer = login(web, cast.officer_a)
    officer.post(review, {"decision": "approve", "reason": "Đủ điều kiện"})
    a.refresh_from_db()
    assert a.status == Status.APPROVED
    certify = reverse("officer:certify", kwargs={"pk": a.pk})
    assert f'action="{certify}"' in officer.get(review).content.decode()
    assert head.post(certify).status_code == 403  # in scope, but a hamlet head does not recognise
    assert officer.get(certify).status_code == 405
    response = officer.post(certify)
    assert response.status_code == 302
    certificate = Certificate.objects.get(assessment=a)
    a.refresh_from_db()
    assert a.status == Status.RECOGNISED

    page = officer.get(review).content.decode()
    assert certificate.code in page
    assert f'href="{reverse("certificates:pdf", kwargs={"code": certificate.code})}"' in page
    trail = [
        "Assessment opened",
        "Submitted for review",
        "Approved</strong> (Hamlet / residential group) · head_a",
        "Approved</strong> (Commune) · officer_a",
        "<blockquote>Đủ điều kiện</blockquote>",
        "Recognised, certificate issued",
    ]
    flat = " ".join(page.split())
    positions = [flat.index(step) for step in trail]
    assert positions == sorted(positions)
    assert f'action="{certify}"' not in page


def test_a_return_without_a_reason_is_refused_on_the_page(cast: Cast, web: Client) -> None:
    a = submitted(cast)
    review = reverse("officer:review", kwargs={"pk": a.pk})
    response = login(web, cast.head_a).post(review, {"decision": "return", "reason": "   "})
    assert response.status_code == 200
    assert "Give the reason; the citizen will read it." in response.content.decode()
    a.refresh_from_db()
    assert (a.status, a.review_stage) == (Status.SUBMITTED, "hamlet")


def test_a_refused_decision_keeps_the_typed_reason(cast: Cast, web: Client) -> None:
    a = submitted(cast, answers={**GOOD_ANSWERS, "i1_1": 2})
    review = reverse("officer:review", kwargs={"pk": a.pk})
    typed = "Cần bổ sung giấy xác nhận"
    response = login(web, cast.head_a).post(review, {"decision": "approve", "reason": typed})
    page = response.content.decode()
    assert response.status_code == 200
    assert "does not meet the criteria" in page and typed in page
    response = web.post(review, {"decision": "return", "reason": typed})
    assert response.status_code == 302
    a.refresh_from_db()
    assert (a.status, a.last_reason) == (Status.RETURNED, typed)
    entry = AuditEntry.objects.get(object_id=str(a.pk), action="assessment.return")
    assert (entry.actor, entry.reason) == (cast.head_a, typed)


def test_a_reject_records_the_reason(cast: Cast) -> None:
    a = submitted(cast)
    review = reverse("officer:review", kwargs={"pk": a.pk})
    assert (
        login(Client(), cast.head_a).post(review, {"decision": "reject", "reason": "Khai sai"}).status_code
        == 302
    )
    a.refresh_from_db()
    assert (a.status, a.last_reason) == (Status.REJECTED, "Khai sai")


def test_an_officer_whose_stage_it_is_not_cannot_decide(cast: Cast) -> None:
    a = submitted(cast)
    response = login(Client(), cast.officer_a).post(
        reverse("officer:review", kwargs={"pk": a.pk}), {"decision": "approve"}
    )
    assert response.status_code == 403
    a.refresh_from_db()
    assert a.review_stage == "hamlet"


# --------------------------------------------------------------------------------------------------------
# People


def test_a_hamlet_head_does_not_see_birth_dates_or_ethnicity(cast: Cast) -> None:
    submitted(cast)
    client = login(Client(), cast.head_a)
    for url in (reverse("officer:people"), reverse("officer:person", kwargs={"pk": cast.person_a.pk})):
        page = client.get(url).content.decode()
        assert "Lò Thị Mai" in page and "••••••••1234" in page
        assert "Thái" not in page and "1990" not in page and "014190001234" not in page


def test_a_commune_officer_sees_birth_dates_and_ethnicity(cast: Cast) -> None:
    client = login(Client(), cast.officer_a)
    for url in (reverse("officer:people"), reverse("officer:person", kwargs={"pk": cast.person_a.pk})):
        page = client.get(url).content.decode()
        assert "Thái" in page and "1990" in page and "••••••••1234" in page
        assert "014190001234" not in page


def test_the_page_rule_for_sensitive_data_agrees_with_the_selector(cast: Cast) -> None:
    people = list(Person.objects.all())
    for user in (cast.head_a, cast.head_b, cast.officer_a, cast.officer_b, cast.province, cast.citizen_a):
        expected = {p.pk for p in people if selectors.person_can_see_sensitive(user, p)}
        assert _sensitive_ids(user, people) == expected, user.username


def test_the_people_list_searches_folded_names_and_pages(cast: Cast, django_assert_max_num_queries) -> None:
    Person.objects.bulk_create(
        Person(
            unit=cast.hamlet_a,
            full_name=f"Cầm Văn Đông {i:02}",
            name_folded=f"cam van dong {i:02}",
            consent_at=timezone.now(),
        )
        for i in range(30)
    )
    client = login(Client(), cast.officer_a)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("officer:people"))
    assert len(response.context["rows"]) == officer_pages.PAGE_SIZE
    assert len(client.get(reverse("officer:people"), {"page": 2}).context["rows"]) == 31 - 25
    for query in ("lo thi mai", "LÒ THỊ", "Mai"):
        rows = client.get(reverse("officer:people"), {"q": query}).context["rows"]
        assert [p.full_name for p, _sensitive in rows] == ["Lò Thị Mai"], query
    assert len(client.get(reverse("officer:people"), {"q": "đông"}).context["rows"]) == 25


def test_the_person_page_lists_their_assessments(cast: Cast) -> None:
    a = submitted(cast)
    page = login(Client(), cast.officer_a).get(reverse("officer:person", kwargs={"pk": cast.person_a.pk}))
    assert page.status_code == 200
    assert reverse("officer:review", kwargs={"pk": a.pk}) in page.content.decode()


# --------------------------------------------------------------------------------------------------------
# Enrolment on a citizen's behalf


def enrolment(cast: Cast, **changes: Any) -> dict[str, Any]:
    return {
        "unit": cast.hamlet_a.pk,
        "full_name": "Hà Thị Sen",
        "sex": "F",
        "birth_date": "1958-03-09",
        "ethnicity": "Thái",
        "id_number": "014158000777",
        "phone": "",
        "consent_confirmed": "on",
        **changes,
    }


def test_a_hamlet_head_enrols_a_citizen_and_opens_their_assessment(cast: Cast) -> None:
    client = login(Client(), cast.head_a)
    response = client.post(reverse("officer:enrol"), enrolment(cast))
    sen = Person.objects.get(full_name="Hà Thị Sen")
    assert response.status_code == 302 and response["Location"] == reverse(
        "officer:start", kwargs={"pk": sen.pk}
    )
    assert (sen.unit, sen.entered_by, sen.user, sen.id_number_last4) == (
        cast.hamlet_a,
        cast.head_a,
        None,
        "0777",
    )
    start = client.get(response["Location"])
    assert f"{cast.campaign.pk}:{cast.framework.pk}" in start.content.decode()
    response = client.post(
        response["Location"], {"offer": f"{cast.campaign.pk}:{cast.framework.pk}", "group": "g1"}
    )
    a = Assessment.objects.get(person=sen)
    assert (a.entered_on_behalf, a.entered_by, a.group) == (True, cast.head_a, "g1")
    assert response.status_code == 302
    assert response["Location"] == reverse("recognition:assessment", kwargs={"pk": a.pk})
    entries = AuditEntry.objects.filter(on_behalf_of_person_id=sen.pk).values_list("action", flat=True)
    assert list(entries) == ["person.enrol", "assessment.start"]


def test_enrolment_needs_the_citizens_consent_and_keeps_what_was_typed(cast: Cast, web: Client) -> None:
    data = enrolment(cast)
    del data["consent_confirmed"]
    response = login(web, cast.head_a).post(reverse("officer:enrol"), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Confirm that the citizen agreed to the processing of their data." in page
    assert 'value="Hà Thị Sen"' in page and 'value="1958-03-09"' in page
    assert not Person.objects.filter(full_name="Hà Thị Sen").exists()


def test_enrolment_refuses_a_unit_outside_the_officers_area(cast: Cast) -> None:
    response = login(Client(), cast.head_a).post(
        reverse("officer:enrol"), enrolment(cast, unit=cast.hamlet_b.pk)
    )
    assert response.status_code == 200 and response.context["form"].errors["unit"]
    assert not Person.objects.filter(full_name="Hà Thị Sen").exists()
    units = set(response.context["form"].fields["unit"].queryset)
    assert units == {cast.hamlet_a}


def test_a_commune_officer_may_enrol_on_the_commune_or_its_hamlets(cast: Cast) -> None:
    client = login(Client(), cast.officer_a)
    units = set(client.get(reverse("officer:enrol")).context["form"].fields["unit"].queryset)
    assert units == {cast.commune_a, cast.hamlet_a}
    response = client.post(reverse("officer:enrol"), enrolment(cast, unit=cast.commune_a.pk, id_number="123"))
    assert response.status_code == 200 and "id_number" in response.context["form"].errors


def test_the_start_page_offers_no_campaign_that_is_closed(cast: Cast, web: Client) -> None:
    Campaign.objects.filter(pk=cast.campaign.pk).update(
        submission_deadline=timezone.localdate() - dt.timedelta(1)
    )
    sen = enrolled(cast, "Hà Thị Sen")
    page = login(web, cast.head_a).get(reverse("officer:start", kwargs={"pk": sen.pk})).content.decode()
    assert "No campaign over this person" in page


# --------------------------------------------------------------------------------------------------------
# Hamlets


def test_a_commune_officer_adds_a_flagged_hamlet_that_lowers_the_pass_mark(cast: Cast, web: Client) -> None:
    client = login(web, cast.officer_a)
    response = client.post(
        reverse("officer:hamlets"),
        {"commune": cast.commune_a.pk, "name": "Bản Hụm", "division_type": "bản", "disadvantaged_area": "on"},
    )
    assert response.status_code == 302
    hamlet = Unit.objects.get(parent=cast.commune_a, name="Bản Hụm")
    assert (hamlet.era, hamlet.level, hamlet.flags) == (
        Era.CURRENT,
        Level.HAMLET,
        {"disadvantaged_area": True},
    )
    assert hamlet.path == f"{cast.commune_a.path}{hamlet.pk}/"
    entry = AuditEntry.objects.get(object_type="territory.unit", object_id=str(hamlet.pk))
    assert (entry.action, entry.actor) == ("unit.hamlet_create", cast.officer_a)
    answers = {**GOOD_ANSWERS, "i1_1": 5, "i1_4": 5}  # 75 points
    here = services.assessment_evaluate(version=cast.framework, unit=hamlet, group="g1", answers=answers)
    there = services.assessment_evaluate(
        version=cast.framework, unit=cast.hamlet_a, group="g1", answers=answers
    )
    assert (here["score"], here["pass_mark"], here["passes"]) == (75, 70, True)
    assert (there["pass_mark"], there["passes"]) == (80, False)
    page = client.get(reverse("officer:hamlets")).content.decode()
    assert "Bản Hụm" in page and "Tổ 1" in page and "Tổ 2" not in page


def test_a_commune_officer_cannot_create_a_hamlet_in_another_commune(cast: Cast) -> None:
    response = login(Client(), cast.officer_a).post(
        reverse("officer:hamlets"),
        {"commune": cast.commune_b.pk, "name": "Tổ 9", "division_type": "tổ dân phố"},
    )
    assert response.status_code == 403
    assert not Unit.objects.filter(name="Tổ 9").exists()


def test_a_hamlet_name_cannot_repeat_in_a_commune(cast: Cast, web: Client) -> None:
    response = login(web, cast.officer_a).post(
        reverse("officer:hamlets"),
        {"commune": cast.commune_a.pk, "name": "tổ 1", "division_type": "tổ dân phố"},
    )
    assert response.status_code == 200
    assert "already has a hamlet or residential group of this name" in response.content.decode()
    assert Unit.objects.filter(parent=cast.commune_a, level=Level.HAMLET).count() == 1


def test_a_long_hamlet_name_gets_a_code_that_fits(cast: Cast) -> None:
    client = login(Client(), cast.officer_a)
    for name in ("Tổ dân phố số 12 phường Tô Hiệu mở rộng", "Tổ dân phố số 12 phường Tô Hiệu mở rộng B"):
        client.post(
            reverse("officer:hamlets"), {"commune": cast.commune_a.pk, "name": name, "division_type": "thôn"}
        )
    codes = list(
        Unit.objects.filter(parent=cast.commune_a, name__startswith="Tổ dân phố").values_list(
            "code", flat=True
        )
    )
    assert len(codes) == 2 and len(set(codes)) == 2 and all(len(code) <= 20 for code in codes)


def test_a_commune_officer_marks_and_clears_a_hamlet_flag(cast: Cast) -> None:
    client = login(Client(), cast.officer_a)
    flag = reverse("officer:hamlet_flag", kwargs={"pk": cast.hamlet_a.pk})
    assert client.post(flag, {"disadvantaged_area": "on"}).status_code == 302
    assert Unit.objects.get(pk=cast.hamlet_a.pk).flags == {"disadvantaged_area": True}
    client.post(flag, {"disadvantaged_area": ""})
    assert Unit.objects.get(pk=cast.hamlet_a.pk).flags == {}
    actions = AuditEntry.objects.filter(object_type="territory.unit", object_id=str(cast.hamlet_a.pk))
    assert list(actions.values_list("action", flat=True)) == ["unit.flag_set", "unit.flag_clear"]
    assert client.get(flag).status_code == 405


# --------------------------------------------------------------------------------------------------------
# Campaigns


def campaign_data(cast: Cast, **changes: Any) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "name": "Gia đình học tập",
        "year": today.year,
        "territory": cast.commune_a.pk,
        "frameworks": [cast.framework.pk],
        "opens_on": today.isoformat(),
        "submission_deadline": (today + dt.timedelta(days=20)).isoformat(),
        "review_deadline": (today + dt.timedelta(days=40)).isoformat(),
        **changes,
    }


def test_officers_list_the_campaigns_over_their_area(cast: Cast) -> None:
    for user in (cast.head_a, cast.officer_a, cast.officer_b, cast.province):
        response = login(Client(), user).get(reverse("officer:campaigns"))
        assert response.status_code == 200 and "Công dân học tập" in response.content.decode()


def test_a_province_coordinator_creates_a_campaign(cast: Cast) -> None:
    response = login(Client(), cast.province).post(reverse("officer:campaign_create"), campaign_data(cast))
    assert response.status_code == 302 and response["Location"] == reverse("officer:campaigns")
    campaign = Campaign.objects.get(name="Gia đình học tập")
    assert (campaign.territory, campaign.created_by) == (cast.commune_a, cast.province)
    assert list(campaign.frameworks.all()) == [cast.framework]
    assert (
        "Gia đình học tập"
        in login(Client(), cast.officer_a).get(reverse("officer:campaigns")).content.decode()
    )
    assert (
        "Gia đình học tập"
        not in login(Client(), cast.officer_b).get(reverse("officer:campaigns")).content.decode()
    )


def test_a_campaign_with_dates_out_of_order_is_refused_with_the_input_kept(cast: Cast, web: Client) -> None:
    today = timezone.localdate()
    data = campaign_data(cast, review_deadline=(today + dt.timedelta(days=5)).isoformat())
    response = login(web, cast.province).post(reverse("officer:campaign_create"), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Dates must run in order" in page and 'value="Gia đình học tập"' in page
    assert not Campaign.objects.filter(name="Gia đình học tập").exists()


def test_a_campaign_territory_must_lie_in_the_coordinators_province(cast: Cast) -> None:
    ha_noi = current(Level.PROVINCE, "1")
    response = login(Client(), cast.province).post(
        reverse("officer:campaign_create"), campaign_data(cast, territory=ha_noi.pk)
    )
    assert response.status_code == 200 and response.context["form"].errors["territory"]
    assert not Campaign.objects.filter(name="Gia đình học tập").exists()
