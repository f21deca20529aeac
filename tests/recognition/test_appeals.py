"""Revoking a recognition and appealing a rejection: each path by the allowed roles and refused to the others,
with reasons, in the audit log."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse

from learningcity.accounts.models import AuditEntry, User
from learningcity.recognition import selectors
from learningcity.recognition.models import Assessment, Certificate, Status
from learningcity.recognition.services.decisions import (
    appeal_decide,
    assessment_appeal,
    assessment_revoke,
    can_appeal,
    can_decide_appeal,
    can_revoke,
)

from ..cast import Cast
from .test_decisions import approved, enrolled, recognised, rejected

REASON = "Hồ sơ minh chứng được bổ sung đầy đủ"


def assert_refused(refused: list[User], act: Callable[[User], object], assessment: Assessment) -> None:
    """Each actor is refused, and the assessment, its certificate and the log stay exactly as they were."""
    before = model_to_dict(Assessment.objects.get(pk=assessment.pk))
    certificates = list(Certificate.objects.values_list("pk", "revoked_at"))
    entries = AuditEntry.objects.count()
    for actor in refused:
        with pytest.raises(PermissionDenied):
            act(actor)
    assert model_to_dict(Assessment.objects.get(pk=assessment.pk)) == before
    assert list(Certificate.objects.values_list("pk", "revoked_at")) == certificates
    assert AuditEntry.objects.count() == entries


def last_entry(assessment: Assessment) -> AuditEntry:
    return AuditEntry.objects.filter(
        object_type="recognition.assessment", object_id=str(assessment.pk)
    ).latest("at", "pk")


# --------------------------------------------------------------------------------------------------------
# Revocation


def test_the_commune_revokes_a_recognition_with_a_reason_and_the_certificate_stops_checking_out(
    cast: Cast,
) -> None:
    a = recognised(cast)
    code = Certificate.objects.get(assessment=a).code
    assert Client().get(reverse("certificates:check", kwargs={"code": code})).status_code == 200

    revoked = assessment_revoke(actor=cast.officer_a, assessment=a, reason=REASON)

    certificate = Certificate.objects.get(assessment=a)
    assert (revoked.status, revoked.last_reason) == (Status.REVOKED, REASON)
    assert certificate.revoked_at is not None and certificate.decision is not None
    assert Client().get(reverse("certificates:check", kwargs={"code": code})).status_code == 404
    holder = Client()
    holder.force_login(cast.citizen_a)
    assert holder.get(reverse("certificates:pdf", kwargs={"code": code})).status_code == 404
    entry = last_entry(a)
    assert (entry.action, entry.actor, entry.reason) == ("assessment.revoke", cast.officer_a, REASON)
    assert entry.data == {"certificate": code, "decision": certificate.decision_id}
    # The decision stays as issued: it still lists the assessment.
    assert certificate.decision.assessments.filter(pk=a.pk).exists()


def test_revocation_is_refused_to_every_other_role_and_to_the_holder(cast: Cast) -> None:
    a = recognised(cast)
    refused = [cast.officer_b, cast.head_b, cast.head_a, cast.expert, cast.secretariat, cast.outsider]
    assert_refused(
        [*refused, cast.citizen_a],
        lambda actor: assessment_revoke(actor=actor, assessment=a, reason=REASON),
        a,
    )
    for actor in refused:
        assert not can_revoke(actor, a), actor.username
    assert can_revoke(cast.officer_a, a) and can_revoke(cast.province, a)
    assessment_revoke(actor=cast.province, assessment=a, reason=REASON)
    assert Assessment.objects.get(pk=a.pk).status == Status.REVOKED


def test_revocation_needs_a_reason_and_a_recognised_assessment(cast: Cast) -> None:
    a = recognised(cast)
    with pytest.raises(ValidationError) as refused:
        assessment_revoke(actor=cast.officer_a, assessment=a, reason="  ")
    assert "reason" in refused.value.message_dict
    assert Assessment.objects.get(pk=a.pk).status == Status.RECOGNISED
    waiting = approved(cast, enrolled(cast, "Đặng Văn Đức"))
    with pytest.raises(PermissionDenied):
        assessment_revoke(actor=cast.officer_a, assessment=waiting, reason=REASON)
    assessment_revoke(actor=cast.officer_a, assessment=a, reason=REASON)
    with pytest.raises(PermissionDenied):  # once only
        assessment_revoke(actor=cast.officer_a, assessment=a, reason=REASON)


# --------------------------------------------------------------------------------------------------------
# Appeals


def test_the_citizen_appeals_a_rejection_with_a_reason(cast: Cast) -> None:
    a = rejected(cast)
    assert can_appeal(cast.citizen_a, a)
    appealed = assessment_appeal(actor=cast.citizen_a, assessment=a, reason=REASON)
    assert appealed.status == Status.APPEALED
    entry = last_entry(a)
    assert (entry.action, entry.actor, entry.reason) == ("assessment.appeal", cast.citizen_a, REASON)
    assert entry.data == {"stage": "hamlet", "rejected_by": cast.head_a.pk}
    assert entry.on_behalf_of_person_id is None


def test_an_enrolment_officer_may_appeal_on_the_citizens_behalf(cast: Cast) -> None:
    a = rejected(cast, at="commune")
    assessment_appeal(actor=cast.head_a, assessment=a, reason=REASON)
    entry = last_entry(a)
    assert (entry.actor, entry.on_behalf_of_person_id) == (cast.head_a, cast.person_a.pk)


def test_an_appeal_is_refused_to_everyone_else(cast: Cast) -> None:
    a = rejected(cast)
    refused = [cast.officer_b, cast.head_b, cast.expert, cast.secretariat, cast.outsider, cast.province]
    assert_refused(refused, lambda actor: assessment_appeal(actor=actor, assessment=a, reason=REASON), a)
    assert not any(can_appeal(actor, a) for actor in refused)


def test_an_appeal_needs_a_reason_and_a_rejection(cast: Cast) -> None:
    a = rejected(cast)
    with pytest.raises(ValidationError) as refused:
        assessment_appeal(actor=cast.citizen_a, assessment=a, reason="")
    assert "reason" in refused.value.message_dict
    other = approved(cast, enrolled(cast, "Đặng Văn Đức"))
    with pytest.raises(ValidationError, match="Only a rejected assessment"):
        assessment_appeal(actor=cast.head_a, assessment=other, reason=REASON)
    assert not can_appeal(cast.head_a, other)
    assert Assessment.objects.get(pk=a.pk).status == Status.REJECTED


def test_the_level_above_upholds_an_appeal_and_the_stage_that_rejected_reviews_again(cast: Cast) -> None:
    a = rejected(cast)  # by the hamlet head
    a = assessment_appeal(actor=cast.citizen_a, assessment=a, reason=REASON)
    # The hamlet head who rejected cannot decide; the commune above (or the province) can.
    refused = [cast.head_a, cast.officer_b, cast.head_b, cast.expert, cast.outsider, cast.citizen_a]
    assert_refused(
        refused, lambda actor: appeal_decide(actor=actor, assessment=a, uphold=True, reason="Có cơ sở"), a
    )
    assert can_decide_appeal(cast.officer_a, a) and can_decide_appeal(cast.province, a)

    upheld = appeal_decide(actor=cast.officer_a, assessment=a, uphold=True, reason="Có cơ sở xem xét lại")

    assert (upheld.status, upheld.review_stage, upheld.last_reason) == (
        Status.SUBMITTED,
        "hamlet",
        "Có cơ sở xem xét lại",
    )
    assert a in selectors.assessments_due(cast.head_a)
    entry = last_entry(a)
    assert (entry.action, entry.actor, entry.reason) == (
        "assessment.appeal_upheld",
        cast.officer_a,
        "Có cơ sở xem xét lại",
    )
    assert entry.data == {"stage": "hamlet", "review_stage": "hamlet"}


def test_a_dismissed_appeal_is_final(cast: Cast) -> None:
    a = rejected(cast)
    assessment_appeal(actor=cast.citizen_a, assessment=a, reason=REASON)
    with pytest.raises(ValidationError):
        appeal_decide(actor=cast.officer_a, assessment=a, uphold=False, reason="")
    dismissed = appeal_decide(actor=cast.province, assessment=a, uphold=False, reason="Không có căn cứ mới")
    assert (dismissed.status, dismissed.review_stage) == (Status.REJECTED, "")
    assert last_entry(a).action == "assessment.appeal_dismissed"
    assert not can_appeal(cast.citizen_a, dismissed)
    with pytest.raises(ValidationError, match="appealed already"):
        assessment_appeal(actor=cast.citizen_a, assessment=a, reason=REASON)
    with pytest.raises(PermissionDenied):  # nothing left to decide
        appeal_decide(actor=cast.officer_a, assessment=a, uphold=True, reason="Xem lại")


def test_an_appeal_against_the_commune_goes_to_the_province(cast: Cast) -> None:
    a = rejected(cast, at="commune")
    assessment_appeal(actor=cast.citizen_a, assessment=a, reason=REASON)
    refused = [cast.officer_a, cast.head_a, cast.officer_b, cast.head_b, cast.expert, cast.outsider]
    assert_refused(
        refused, lambda actor: appeal_decide(actor=actor, assessment=a, uphold=True, reason="Xem lại"), a
    )
    upheld = appeal_decide(actor=cast.province, assessment=a, uphold=True, reason="Xem lại")
    assert (upheld.status, upheld.review_stage) == (Status.SUBMITTED, "commune")
    assert a in selectors.assessments_due(cast.officer_a)
