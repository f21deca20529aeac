"""Pages of review at scale, decisions, revocations and appeals.

Every page: sign-in redirect, 403 for a role that may never use it, 404 for a record outside the officer's
area (whatever the method), and what the allowed user sees and does. Content is checked in English.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from learningcity.accounts.models import AuditEntry, User
from learningcity.recognition import decision_views, services
from learningcity.recognition.models import (
    Assessment,
    CampaignFramework,
    Certificate,
    RecognitionDecision,
    Status,
)
from learningcity.recognition.services.decisions import assessment_appeal, assessment_revoke

from ..cast import Cast
from .test_decisions import (
    ANSWERS_SHORT,
    approved,
    enrolled,
    issue,
    pdf_pages,
    recognised,
    rejected,
    submitted,
)


@pytest.fixture
def web() -> Client:
    return Client(headers={"accept-language": "en"})


def login(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def as_user(user: User) -> Client:
    return login(Client(headers={"accept-language": "en"}), user)


def create_url(cast: Cast, unit: Any = None) -> str:
    unit = unit or cast.commune_a
    return f"{reverse('decisions:create')}?offer={cast.campaign.pk}:{cast.framework.pk}&unit={unit.pk}"


def issue_data(*assessments: Assessment, **changes: Any) -> dict[str, Any]:
    return {
        "assessments": [a.pk for a in assessments],
        "issued_on": timezone.localdate().isoformat(),
        "signer_name": "Lò Văn Minh",
        "signer_title": "Chủ tịch",
        **changes,
    }


def decision_pages(decision: RecognitionDecision, a: Assessment) -> list[tuple[str, str]]:
    return [
        ("get", reverse("decisions:list")),
        ("get", reverse("decisions:create")),
        ("get", reverse("decisions:detail", kwargs={"pk": decision.pk})),
        ("get", reverse("decisions:pdf", kwargs={"pk": decision.pk})),
        ("get", reverse("decisions:certificates_pdf", kwargs={"pk": decision.pk})),
        ("post", reverse("decisions:revoke", kwargs={"pk": a.pk})),
        ("post", reverse("decisions:appeal_decide", kwargs={"pk": a.pk})),
    ]


# --------------------------------------------------------------------------------------------------------
# Gates


def test_every_page_sends_an_anonymous_visitor_to_the_login(cast: Cast, web: Client) -> None:
    a = recognised(cast)
    decision = RecognitionDecision.objects.get()
    for method, url in [
        *decision_pages(decision, a),
        ("get", reverse("decisions:appeal", kwargs={"pk": a.pk})),
    ]:
        response = getattr(web, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login")), url


def test_officer_pages_are_forbidden_to_citizens_experts_secretariat_and_people_without_a_role(
    cast: Cast,
) -> None:
    a = recognised(cast)
    decision = RecognitionDecision.objects.get()
    for user in (cast.citizen_a, cast.expert, cast.secretariat, cast.outsider):
        client = as_user(user)
        for method, url in decision_pages(decision, a):
            assert getattr(client, method)(url, {"reason": "x"}).status_code == 403, (user.username, url)
    assert Assessment.objects.get(pk=a.pk).status == Status.RECOGNISED
    # A hamlet head reads decisions in their area (none here) but does not issue them.
    head = as_user(cast.head_a)
    assert head.get(reverse("decisions:list")).status_code == 200
    assert head.get(reverse("decisions:create")).status_code == 403


def test_an_officer_of_another_commune_gets_404_on_its_decisions_pdfs_and_records(cast: Cast) -> None:
    a = recognised(cast)
    decision = RecognitionDecision.objects.get()
    for user in (cast.officer_b, cast.head_b):
        client = as_user(user)
        for method, url in decision_pages(decision, a)[2:]:
            assert getattr(client, method)(url, {"reason": "x", "outcome": "uphold"}).status_code == 404, url
        assert client.get(reverse("decisions:appeal", kwargs={"pk": a.pk})).status_code == 404
        listed = client.get(reverse("decisions:list")).content.decode()
        assert reverse("decisions:detail", kwargs={"pk": decision.pk}) not in listed
    assert Assessment.objects.get(pk=a.pk).status == Status.RECOGNISED
    assert Certificate.objects.get(assessment=a).revoked_at is None
    # Nor can they issue a decision on commune A.
    response = as_user(cast.officer_b).get(create_url(cast))
    assert response.status_code == 200 and response.context["scope"].errors["unit"]


def test_the_list_shows_the_decisions_in_the_officers_area(cast: Cast) -> None:
    in_a = issue(cast, [approved(cast)])
    in_b = issue(cast, [approved(cast, cast.person_b)], actor=cast.officer_b, issuing_unit=cast.commune_b)
    detail_a = reverse("decisions:detail", kwargs={"pk": in_a.pk})
    detail_b = reverse("decisions:detail", kwargs={"pk": in_b.pk})
    page = as_user(cast.officer_a).get(reverse("decisions:list")).content.decode()
    assert detail_a in page and detail_b not in page and "Phường Tô Hiệu" in page
    page = as_user(cast.province).get(reverse("decisions:list")).content.decode()
    assert detail_a in page and detail_b in page


# --------------------------------------------------------------------------------------------------------
# Issuing a decision


def test_the_create_page_lists_the_approved_assessments_all_ticked(cast: Cast, web: Client) -> None:
    mai = approved(cast)
    duc = approved(cast, enrolled(cast, "Đặng Văn Đức"))
    submitted(cast, enrolled(cast, "Chờ Duyệt"))
    approved(cast, cast.person_b)
    client = login(web, cast.officer_a)
    first = client.get(reverse("decisions:create"))
    assert first.status_code == 200 and first.context["candidates"] is None
    page = client.get(create_url(cast))
    html = page.content.decode()
    assert [a for a, checked in page.context["candidates"] if checked] == [mai, duc]
    assert f'name="assessments" value="{mai.pk}" id="include-{mai.pk}" checked' in html
    assert "Đặng Văn Đức" in html and "Chờ Duyệt" not in html and "Nguyễn Văn Bình" not in html


def test_an_officer_issues_a_decision_for_the_ticked_assessments(cast: Cast, web: Client) -> None:
    mai = approved(cast)
    duc = approved(cast, enrolled(cast, "Đặng Văn Đức"))
    client = login(web, cast.officer_a)
    response = client.post(create_url(cast), issue_data(mai))
    decision = RecognitionDecision.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("decisions:detail", kwargs={"pk": decision.pk})
    assert list(decision.assessments.all()) == [mai]
    assert Assessment.objects.get(pk=duc.pk).status == Status.APPROVED
    page = client.get(response["Location"]).content.decode()
    assert "Decision 1/QĐ-UBND" in page and "Lò Thị Mai" in page
    assert reverse("decisions:pdf", kwargs={"pk": decision.pk}) in page
    assert reverse("decisions:certificates_pdf", kwargs={"pk": decision.pk}) in page
    assert Certificate.objects.get(assessment=mai).code in page


def test_a_refused_decision_says_why_and_issues_nothing(cast: Cast, web: Client) -> None:
    mai = approved(cast)
    waiting = submitted(cast, enrolled(cast, "Chờ Duyệt"))
    other = approved(cast, cast.person_b)
    client = login(web, cast.officer_a)
    response = client.post(create_url(cast), issue_data(mai, waiting, signer_name=""))
    assert response.status_code == 400 and response.context["form"].errors["signer_name"]
    assert [a for a, checked in response.context["candidates"] if checked] == [mai]  # the ticks are kept
    response = client.post(create_url(cast), issue_data(mai, waiting))
    assert response.status_code == 400
    assert "Chờ Duyệt: it is not approved" in response.content.decode()
    # An assessment outside the officer's area is not even looked at.
    response = client.post(create_url(cast), issue_data(mai, other))
    assert response.status_code == 400 and "not in your area" in response.content.decode()
    assert not RecognitionDecision.objects.exists() and not Certificate.objects.exists()


def test_the_decision_and_its_certificates_are_pdfs(cast: Cast) -> None:
    decision = issue(cast, [approved(cast), approved(cast, enrolled(cast, "Đặng Văn Đức"))])
    for user in (cast.officer_a, cast.province):
        client = as_user(user)
        response = client.get(reverse("decisions:pdf", kwargs={"pk": decision.pk}))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-") and response["Cache-Control"] == "private, no-store"
    batch = as_user(cast.officer_a).get(reverse("decisions:certificates_pdf", kwargs={"pk": decision.pk}))
    assert batch.status_code == 200 and batch["Content-Type"] == "application/pdf"
    assert pdf_pages(batch.content) == 2


def test_a_long_batch_is_printed_in_parts(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decision_views, "CERTIFICATES_PER_PDF", 1)
    decision = issue(cast, [approved(cast), approved(cast, enrolled(cast, "Đặng Văn Đức"))])
    client = as_user(cast.officer_a)
    url = reverse("decisions:certificates_pdf", kwargs={"pk": decision.pk})
    detail = client.get(reverse("decisions:detail", kwargs={"pk": decision.pk})).content.decode()
    assert f'href="{url}"' in detail and f'href="{url}?part=2"' in detail and "part 2 of 2" in detail
    for part in ("1", "2"):
        response = client.get(url, {"part": part})
        assert response.status_code == 200 and pdf_pages(response.content) == 1, part
    for part in ("3", "0", "x"):
        assert client.get(url, {"part": part}).status_code == 404, part


def test_the_batch_leaves_out_revoked_certificates(cast: Cast) -> None:
    a = recognised(cast)
    decision = RecognitionDecision.objects.get()
    assessment_revoke(actor=cast.officer_a, assessment=a, reason="Khai không đúng")
    client = as_user(cast.officer_a)
    assert client.get(reverse("decisions:certificates_pdf", kwargs={"pk": decision.pk})).status_code == 404
    detail = client.get(reverse("decisions:detail", kwargs={"pk": decision.pk})).content.decode()
    assert "revoked" in detail and "Recognition revoked" in detail


# --------------------------------------------------------------------------------------------------------
# Revocation and appeals on the pages


def test_the_commune_revokes_from_the_review_page(cast: Cast, web: Client) -> None:
    a = recognised(cast)
    review = reverse("officer:review", kwargs={"pk": a.pk})
    client = login(web, cast.officer_a)
    page = client.get(review).content.decode()
    assert reverse("decisions:revoke", kwargs={"pk": a.pk}) in page and "Recognised by decision" in page
    assert (
        reverse("decisions:revoke", kwargs={"pk": a.pk})
        not in as_user(cast.head_a).get(review).content.decode()
    )
    refused = client.post(reverse("decisions:revoke", kwargs={"pk": a.pk}), {"reason": ""})
    assert refused.status_code == 302 and Assessment.objects.get(pk=a.pk).status == Status.RECOGNISED
    assert (
        as_user(cast.head_a)
        .post(reverse("decisions:revoke", kwargs={"pk": a.pk}), {"reason": "x"})
        .status_code
        == 403
    )
    response = client.post(reverse("decisions:revoke", kwargs={"pk": a.pk}), {"reason": "Khai không đúng"})
    assert response.status_code == 302 and response["Location"] == review
    assert Assessment.objects.get(pk=a.pk).status == Status.REVOKED
    assert "Recognition revoked" in client.get(review).content.decode()


def test_the_citizen_appeals_on_the_appeal_page(cast: Cast, web: Client) -> None:
    a = rejected(cast)
    url = reverse("decisions:appeal", kwargs={"pk": a.pk})
    client = login(web, cast.citizen_a)
    page = client.get(url)
    assert page.status_code == 200 and 'name="reason"' in page.content.decode()
    refused = client.post(url, {"reason": " "})
    assert refused.status_code == 400 and Assessment.objects.get(pk=a.pk).status == Status.REJECTED
    response = client.post(url, {"reason": "Tôi có giấy xác nhận mới", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == reverse("recognition:assessment", kwargs={"pk": a.pk})
    assert Assessment.objects.get(pk=a.pk).status == Status.APPEALED
    assert "being considered" in client.get(url).content.decode()
    for user in (cast.outsider, cast.officer_b, cast.head_b):
        assert as_user(user).post(url, {"reason": "x"}).status_code == 404


def test_the_level_above_decides_the_appeal_on_the_review_page(cast: Cast, web: Client) -> None:
    a = rejected(cast)
    assessment_appeal(actor=cast.citizen_a, assessment=a, reason="Tôi có giấy xác nhận mới")
    review = reverse("officer:review", kwargs={"pk": a.pk})
    decide = reverse("decisions:appeal_decide", kwargs={"pk": a.pk})
    page = login(web, cast.officer_a).get(review).content.decode()
    assert "Decide the appeal" in page and "Tôi có giấy xác nhận mới" in page and decide in page
    assert decide not in as_user(cast.head_a).get(review).content.decode()
    assert as_user(cast.head_a).post(decide, {"outcome": "uphold", "reason": "x"}).status_code == 403
    web.post(decide, {"outcome": "uphold", "reason": ""})
    assert Assessment.objects.get(pk=a.pk).status == Status.APPEALED
    response = web.post(decide, {"outcome": "uphold", "reason": "Cần xem xét lại minh chứng"})
    assert response.status_code == 302
    a.refresh_from_db()
    assert (a.status, a.review_stage) == (Status.SUBMITTED, "hamlet")
    trail = web.get(review).content.decode()
    assert "Rejection appealed" in trail and "Appeal upheld, back to review" in trail


def test_an_enrolment_officer_appeals_on_the_citizens_behalf_from_the_review_page(
    cast: Cast, web: Client
) -> None:
    a = rejected(cast, at="commune")
    review = reverse("officer:review", kwargs={"pk": a.pk})
    page = login(web, cast.head_a).get(review).content.decode()
    assert reverse("decisions:appeal", kwargs={"pk": a.pk}) in page
    response = web.post(
        reverse("decisions:appeal", kwargs={"pk": a.pk}), {"reason": "Bổ sung minh chứng", "next": review}
    )
    assert response.status_code == 302 and response["Location"] == review
    entry = AuditEntry.objects.filter(action="assessment.appeal").get()
    assert (entry.actor, entry.on_behalf_of_person_id) == (cast.head_a, cast.person_a.pk)


# --------------------------------------------------------------------------------------------------------
# The queue: what is due, by when, filters, bulk approval


def test_the_queue_shows_the_frameworks_own_review_deadline_and_filters_overdue(
    cast: Cast, web: Client
) -> None:
    submitted(cast)
    CampaignFramework.objects.filter(campaign=cast.campaign).update(
        review_deadline=timezone.localdate() + dt.timedelta(days=5)
    )
    client = login(web, cast.head_a)
    page = client.get(reverse("officer:queue")).content.decode()
    assert "5 days left" in page and "60 days left" not in page
    assert not client.get(reverse("officer:queue"), {"overdue": "on"}).context["rows"]
    CampaignFramework.objects.filter(campaign=cast.campaign).update(
        review_deadline=timezone.localdate() - dt.timedelta(days=2)
    )
    response = client.get(reverse("officer:queue"), {"overdue": "on"})
    assert len(response.context["rows"]) == 1 and "2 days overdue" in response.content.decode()
    review = client.get(
        reverse("officer:review", kwargs={"pk": Assessment.objects.get().pk})
    ).content.decode()
    assert "2 days overdue" in review


def test_the_queue_filters_by_framework_subject_kind_and_stage(cast: Cast) -> None:
    mai = submitted(cast)
    duc = submitted(cast, enrolled(cast, "Đặng Văn Đức"))
    services.assessment_review(actor=cast.head_a, assessment=duc, decision="approve")
    client = as_user(cast.officer_a)
    queue = reverse("officer:queue")

    def names(params: dict[str, Any]) -> set[str]:
        response = client.get(queue, {"tab": "all", **params})
        assert response.status_code == 200 and not response.context["form"].errors, params
        return {row.assessment.subject_name for row in response.context["rows"]}

    assert names({}) == {mai.subject_name, "Đặng Văn Đức"}
    assert names({"stage": "hamlet"}) == {"Lò Thị Mai"}
    assert names({"stage": "commune"}) == {"Đặng Văn Đức"}
    assert names({"kind": "person", "framework": cast.framework.pk}) == {"Lò Thị Mai", "Đặng Văn Đức"}
    assert names({"kind": "household"}) == set()
    assert names({"q": "dang van"}) == {"Đặng Văn Đức"}


def test_bulk_approve_of_the_ticked_rows_reports_the_refused(cast: Cast, web: Client) -> None:
    good = submitted(cast)
    short = submitted(cast, enrolled(cast, "Hà Thị Lan"), answers=ANSWERS_SHORT)
    other = submitted(cast, cast.person_b)
    client = login(web, cast.head_a)
    page = client.get(reverse("officer:queue")).content.decode()
    assert f'name="assessments" value="{good.pk}"' in page
    response = client.post(
        reverse("officer:queue"),
        {"approve": "checked", "assessments": [good.pk, short.pk, other.pk]},
        follow=True,
    )
    statuses = dict(Assessment.objects.values_list("pk", "review_stage"))
    assert statuses == {good.pk: "commune", short.pk: "hamlet", other.pk: "hamlet"}
    html = response.content.decode()
    assert "1 assessment approved." in html
    assert "Not approved: Hà Thị Lan" in html and "Nguyễn Văn Bình" not in html  # not even visible to head_a


def test_bulk_approve_of_the_filtered_list_approves_every_page(cast: Cast, web: Client) -> None:
    rows = [submitted(cast)] + [submitted(cast, enrolled(cast, f"Người thử {i:02}")) for i in range(27)]
    client = login(web, cast.head_a)
    # A filter the head may not use (another commune's hamlet) is refused, not dropped: nothing is approved.
    refused = client.post(
        f"{reverse('officer:queue')}?unit={cast.hamlet_b.pk}", {"approve": "filtered"}, follow=True
    )
    assert "Correct the filters first" in refused.content.decode()
    assert set(Assessment.objects.values_list("review_stage", flat=True)) == {"hamlet"}
    response = client.post(f"{reverse('officer:queue')}?q=nguoi+thu", {"approve": "filtered"})
    assert response.status_code == 302 and response["Location"] == f"{reverse('officer:queue')}?q=nguoi+thu"
    stages = dict(Assessment.objects.values_list("pk", "review_stage"))
    assert stages[rows[0].pk] == "hamlet"  # Lò Thị Mai is not in the filtered list
    assert {stages[a.pk] for a in rows[1:]} == {"commune"}
    # Nothing ticked is a message, not an approval.
    response = client.post(reverse("officer:queue"), {"approve": "checked"}, follow=True)
    assert "Tick the assessments to approve." in response.content.decode()
    assert Assessment.objects.get(pk=rows[0].pk).review_stage == "hamlet"


def test_the_certify_tab_links_to_a_decision(cast: Cast) -> None:
    approved(cast)
    page = as_user(cast.officer_a).get(reverse("officer:queue"), {"tab": "certify"}).content.decode()
    assert reverse("decisions:create") in page


def test_the_decision_pages_query_count_does_not_grow_with_their_rows(
    cast: Cast, django_assert_max_num_queries: Any
) -> None:
    people = [enrolled(cast, f"Người thử {i:02}") for i in range(8)]
    decisions = [issue(cast, [approved(cast, person)]) for person in people[:3]]
    big = issue(cast, [approved(cast, person) for person in people[3:6]])
    for person in people[6:]:
        approved(cast, person)
    client = as_user(cast.officer_a)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("decisions:list"))
    assert len(response.context["rows"]) == len(decisions) + 1
    with django_assert_max_num_queries(10):
        response = client.get(reverse("decisions:detail", kwargs={"pk": big.pk}))
    assert len(response.context["items"]) == 3
    with django_assert_max_num_queries(16):
        response = client.get(create_url(cast))
    assert len(response.context["candidates"]) == 2
