"""A citizen's whole path through the API: start → save → evaluate → submit → approve ×2 → certify."""

from __future__ import annotations

from learningcity.accounts.models import AuditEntry
from learningcity.accounts.services import api_token_create
from learningcity.recognition.models import Assessment, Certificate, Status

from ..cast import GOOD_ANSWERS, Cast
from .conftest import NOTES, call, client_for


def test_a_citizen_is_recognised_through_the_api(cast: Cast, client) -> None:  # noqa: ANN001
    _token, key = api_token_create(user=cast.citizen_a, name="phone app")
    citizen = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    head = client_for(cast, "head_a")
    officer = client_for(cast, "officer_a")

    started = client.post(
        "/api/assessments",
        data={
            "campaign_id": cast.campaign.pk,
            "person_id": cast.person_a.pk,
            "framework_id": cast.framework.pk,
            "group": "g1",
        },
        content_type="application/json",
        **citizen,
    )
    assert started.status_code == 200, started.content
    assessment_id = started.json()["id"]
    assert started.json()["status"] == "draft"

    half = dict(list(GOOD_ANSWERS.items())[:5])
    patched = client.patch(
        f"/api/assessments/{assessment_id}",
        data={"answers": half},
        content_type="application/json",
        **citizen,
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["answers"] == half
    rest = dict(list(GOOD_ANSWERS.items())[5:])
    patched = client.patch(
        f"/api/assessments/{assessment_id}",
        data={"answers": rest, "notes": NOTES},
        content_type="application/json",
        **citizen,
    )
    assert patched.json()["answers"] == GOOD_ANSWERS
    assert patched.json()["notes"] == NOTES

    preview = client.post(
        f"/api/assessments/{assessment_id}/evaluate",
        data={"answers": {**GOOD_ANSWERS, "i1_1": 2}},
        content_type="application/json",
        **citizen,
    )
    assert preview.status_code == 200, preview.content
    assert preview.json()["passes"] is False and preview.json()["short"] == ["i1_1"]
    # The preview stored nothing.
    assert Assessment.objects.get(pk=assessment_id).answers == GOOD_ANSWERS

    submitted = client.post(f"/api/assessments/{assessment_id}/submit", **citizen)
    assert submitted.status_code == 200, submitted.content
    assert (submitted.json()["status"], submitted.json()["review_stage"], submitted.json()["score"]) == (
        "submitted",
        "hamlet",
        83.0,
    )

    due = call(head, "GET", "/api/reviews/due").json()
    assert [item["id"] for item in due["items"]] == [assessment_id] and due["count"] == 1
    first = call(head, "POST", f"/api/assessments/{assessment_id}/decision", {"decision": "approve"})
    assert first.status_code == 200, first.content
    assert (first.json()["status"], first.json()["review_stage"]) == ("submitted", "commune")

    assert [item["id"] for item in call(officer, "GET", "/api/reviews/due").json()["items"]] == [
        assessment_id
    ]
    second = call(officer, "POST", f"/api/assessments/{assessment_id}/decision", {"decision": "approve"})
    assert second.json()["status"] == "approved"

    certified = call(officer, "POST", f"/api/assessments/{assessment_id}/certify")
    assert certified.status_code == 200, certified.content
    code = certified.json()["code"]
    assert certified.json()["holder_name"] == "Lò Thị Mai"
    assert Certificate.objects.get(code=code).assessment_id == assessment_id

    mine = client.get(f"/api/assessments/{assessment_id}", **citizen).json()
    assert (mine["status"], mine["certificate_code"]) == (Status.RECOGNISED, code)

    public = client.get(f"/api/certificates/{code.lower()}")  # no credentials; codes are typed by hand
    assert public.status_code == 200
    assert public.json() == {
        "code": code,
        "holder_name": "Lò Thị Mai",
        "unit_name": certified.json()["unit_name"],
        "title_vi": certified.json()["title_vi"],
        "title_en": certified.json()["title_en"],
        "year": cast.campaign.year,
        "issued_at": certified.json()["issued_at"],
    }

    actions = list(
        AuditEntry.objects.filter(object_type="recognition.assessment", object_id=str(assessment_id))
        .order_by("pk")
        .values_list("action", "actor__username")
    )
    assert actions == [
        ("assessment.start", "citizen_a"),
        ("assessment.submit", "citizen_a"),
        ("assessment.approve", "head_a"),
        ("assessment.approve", "officer_a"),
        ("assessment.certify", "officer_a"),
    ]


def test_a_returned_assessment_is_edited_and_resubmitted(cast: Cast) -> None:
    citizen = client_for(cast, "citizen_a")
    head = client_for(cast, "head_a")
    body = {"campaign_id": cast.campaign.pk, "person_id": cast.person_a.pk, "framework_id": cast.framework.pk}
    assessment_id = call(citizen, "POST", "/api/assessments", {**body, "group": "g2"}).json()["id"]
    put = call(citizen, "PUT", f"/api/assessments/{assessment_id}", {"answers": GOOD_ANSWERS, "notes": NOTES})
    assert put.status_code == 200
    assert call(citizen, "POST", f"/api/assessments/{assessment_id}/submit").status_code == 200

    returned = call(
        head,
        "POST",
        f"/api/assessments/{assessment_id}/decision",
        {"decision": "return", "reason": "Bổ sung ảnh"},
    )
    assert (returned.json()["status"], returned.json()["last_reason"]) == ("returned", "Bổ sung ảnh")
    assert (
        call(citizen, "PATCH", f"/api/assessments/{assessment_id}", {"answers": {"i2_2": 9}}).status_code
        == 200
    )
    again = call(citizen, "POST", f"/api/assessments/{assessment_id}/submit")
    assert (again.json()["status"], again.json()["answers"]["i2_2"]) == ("submitted", 9)
