"""Review at scale and after it, through the API: approving many at once, recognition decisions, revocation,
appeals. The same services as the officers' pages, so the same outcomes and audit entries."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from learningcity.accounts.models import AuditEntry
from learningcity.recognition import services
from learningcity.recognition.models import Assessment, Certificate, Person, RecognitionDecision, Status

from ..cast import GOOD_ANSWERS, Cast
from .conftest import (
    NOTES,
    appealed,
    approved,
    assert_problem,
    call,
    client_for,
    recognised,
    rejected,
    submitted,
)


def submitted_for(cast: Cast, person: Person, actor: Any) -> Assessment:
    assessment = services.assessment_start(
        actor=actor, campaign=cast.campaign, subject=person, version=cast.framework, group="g1"
    )
    assessment = services.assessment_save(
        actor=actor, assessment=assessment, answers=GOOD_ANSWERS, notes=NOTES
    )
    return services.assessment_submit(actor=actor, assessment=assessment)


def test_many_are_approved_at_once_and_the_rest_come_back_with_their_reasons(cast: Cast) -> None:
    first = submitted(cast)
    neighbour = services.person_enrol(
        actor=cast.head_a, unit=cast.hamlet_a, full_name="Lường Thị Ánh", consent_confirmed=True, sex="F"
    )
    second = submitted_for(cast, neighbour, cast.head_a)
    elsewhere = submitted_for(cast, cast.person_b, cast.head_b)  # commune B: not the hamlet head's
    draft = services.assessment_start(
        actor=cast.head_a,
        campaign=cast.campaign,
        subject=services.person_enrol(
            actor=cast.head_a, unit=cast.hamlet_a, full_name="Cà Văn Dũng", consent_confirmed=True, sex="M"
        ),
        version=cast.framework,
        group="g1",
    )
    ids = [elsewhere.pk, second.pk, draft.pk, first.pk, second.pk]
    response = call(client_for(cast, "head_a"), "POST", "/api/reviews/approvals", {"assessment_ids": ids})
    assert response.status_code == 200, response.content
    body = response.json()
    assert [a["id"] for a in body["approved"]] == [second.pk, first.pk]
    assert {a["review_stage"] for a in body["approved"]} == {"commune"}  # on to the next stage
    # In the order asked; commune B's as if it did not exist.
    assert [r["assessment_id"] for r in body["refused"]] == [elsewhere.pk, draft.pk]
    assert (
        body["refused"][0]["reason"]
        == call(client_for(cast, "head_a"), "GET", f"/api/assessments/{elsewhere.pk}").json()["detail"]
    )
    assert body["refused"][1]["reason"]
    entries = AuditEntry.objects.filter(action="assessment.approve", actor=cast.head_a)
    assert sorted(int(e.object_id) for e in entries) == sorted([first.pk, second.pk])
    assert Assessment.objects.get(pk=elsewhere.pk).review_stage == "hamlet"  # untouched


def test_a_list_of_none_or_too_many_is_a_422(cast: Cast) -> None:
    client = client_for(cast, "officer_a")
    assert_problem(call(client, "POST", "/api/reviews/approvals", {"assessment_ids": []}), 422)
    ids = list(range(1, 502))
    assert_problem(call(client, "POST", "/api/reviews/approvals", {"assessment_ids": ids}), 422)


def _issue(cast: Cast, ids: list[int], **changes: Any) -> Any:
    body = {
        "campaign_id": cast.campaign.pk,
        "framework_id": cast.framework.pk,
        "issuing_unit_id": cast.commune_a.pk,
        "assessment_ids": ids,
        "issued_on": timezone.localdate().isoformat(),
        "signer_name": "Lò Văn Pọm",
        "signer_title": "Chủ tịch UBND phường",
        **changes,
    }
    return call(client_for(cast, "officer_a"), "POST", "/api/decisions", body)


def test_a_decision_is_issued_numbered_and_read_back_with_its_certificates(cast: Cast) -> None:
    assessment = approved(cast)
    response = _issue(cast, [assessment.pk])
    assert response.status_code == 201, response.content
    decision = response.json()
    assert decision["number"] == "1/QĐ-UBND"
    assert decision["issuing_unit_name"] == cast.commune_a.name
    certificate = Certificate.objects.get(assessment=assessment)
    assert decision["items"] == [
        {
            "position": 1,
            "assessment_id": assessment.pk,
            "subject_name": cast.person_a.full_name,
            "certificate_code": certificate.code,
        }
    ]
    assert certificate.decision_id == decision["id"]
    assert Assessment.objects.get(pk=assessment.pk).status == Status.RECOGNISED
    province = client_for(cast, "province")
    listed = call(province, "GET", "/api/decisions").json()["items"]
    assert [d["number"] for d in listed] == ["1/QĐ-UBND"]
    assert call(province, "GET", f"/api/decisions/{decision['id']}").json() == decision
    assert AuditEntry.objects.filter(action="decision.issue", object_id=str(decision["id"])).exists()
    document = province.get(f"/api/decisions/{decision['id']}/pdf")
    assert document.status_code == 200 and document["Content-Type"] == "application/pdf"
    assert document.content.startswith(b"%PDF-") and document["Cache-Control"] == "private, no-store"
    assert_problem(client_for(cast, "officer_b").get(f"/api/decisions/{decision['id']}/pdf"), 404)


def test_a_decision_refused_names_each_assessment_and_its_field_and_issues_nothing(cast: Cast) -> None:
    waiting = submitted(cast)  # not approved yet
    problem = assert_problem(_issue(cast, [waiting.pk]), 400)
    assert [e["loc"] for e in problem["errors"]] == [["assessment_ids"]]
    assert cast.person_a.full_name in problem["errors"][0]["msg"]
    tomorrow = (timezone.localdate() + timezone.timedelta(days=1)).isoformat()
    problem = assert_problem(_issue(cast, [waiting.pk], issued_on=tomorrow, signer_name=""), 400)
    assert {tuple(e["loc"]) for e in problem["errors"]} == {
        ("assessment_ids",),
        ("issued_on",),
        ("signer_name",),
    }
    elsewhere = submitted_for(cast, cast.person_b, cast.head_b)
    problem = assert_problem(_issue(cast, [elsewhere.pk]), 400)  # another commune's: not the officer's
    assert problem["errors"][0]["loc"] == ["assessment_ids"]
    assert not RecognitionDecision.objects.exists()


def test_a_recognition_is_revoked_with_its_reason_and_its_certificate_no_longer_checks_out(
    cast: Cast,
) -> None:
    assessment = recognised(cast)
    code = assessment.certificate.code
    client = client_for(cast, "officer_a")
    assert_problem(call(client, "POST", f"/api/assessments/{assessment.pk}/revocation", {"reason": ""}), 422)
    response = call(
        client, "POST", f"/api/assessments/{assessment.pk}/revocation", {"reason": "Kê khai sai."}
    )
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["last_reason"]) == ("revoked", "Kê khai sai.")
    checked = call(client_for(cast, "anonymous"), "GET", f"/api/certificates/{code}")
    assert_problem(checked, 404)  # a revoked certificate checks out as an unknown one
    entry = AuditEntry.objects.get(action="assessment.revoke", object_id=str(assessment.pk))
    assert (entry.actor, entry.reason) == (cast.officer_a, "Kê khai sai.")


def test_an_appeal_is_made_once_and_decided_by_the_level_above(cast: Cast) -> None:
    assessment = rejected(cast)
    citizen = client_for(cast, "citizen_a")
    path = f"/api/assessments/{assessment.pk}/appeal"
    response = call(citizen, "POST", path, {"reason": "Tôi đã bổ sung giấy xác nhận."})
    assert response.status_code == 200 and response.json()["status"] == "appealed"
    assert_problem(call(citizen, "POST", path, {"reason": "Lần nữa."}), 400)  # once
    decide = f"/api/assessments/{assessment.pk}/appeal/decision"
    assert_problem(
        call(client_for(cast, "head_a"), "POST", decide, {"uphold": True, "reason": "Tự xét."}), 403
    )
    response = call(client_for(cast, "officer_a"), "POST", decide, {"uphold": True, "reason": "Hợp lệ."})
    assert response.status_code == 200, response.content
    # Back to the hamlet head, who rejected it, to be reviewed again.
    assert (response.json()["status"], response.json()["review_stage"]) == ("submitted", "hamlet")


def test_an_appeal_dismissed_leaves_the_rejection_final(cast: Cast) -> None:
    assessment = appealed(cast)
    response = call(
        client_for(cast, "province"),
        "POST",
        f"/api/assessments/{assessment.pk}/appeal/decision",
        {"uphold": False, "reason": "Minh chứng không đổi."},
    )
    assert (response.json()["status"], response.json()["last_reason"]) == (
        "rejected",
        "Minh chứng không đổi.",
    )
    again = call(
        client_for(cast, "citizen_a"),
        "POST",
        f"/api/assessments/{assessment.pk}/appeal",
        {"reason": "Xin lại."},
    )
    assert "cuối cùng" in assert_problem(again, 400)["detail"]  # final
