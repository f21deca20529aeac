from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from learningcity.accounts.models import AuditEntry
from learningcity.recognition import services
from learningcity.recognition.models import Status

from ..cast import GOOD_ANSWERS, Cast


def _submitted(cast: Cast):
    a = services.assessment_start(actor=cast.citizen_a, campaign=cast.campaign, person=cast.person_a,
                                  version=cast.framework, group="g1")
    notes = {code: "Giấy xác nhận" for code in GOOD_ANSWERS}
    services.assessment_save(actor=cast.citizen_a, assessment=a, answers=GOOD_ANSWERS, notes=notes)
    return services.assessment_submit(actor=cast.citizen_a, assessment=a)


def test_it_walks_a_citizen_from_draft_to_recognised(cast: Cast) -> None:
    a = _submitted(cast)
    assert (a.status, a.review_stage, a.score) == (Status.SUBMITTED, "hamlet", 83.0)
    a = services.assessment_review(actor=cast.head_a, assessment=a, decision="approve")
    assert (a.status, a.review_stage) == (Status.SUBMITTED, "commune")
    a = services.assessment_review(actor=cast.officer_a, assessment=a, decision="approve")
    assert a.status == Status.APPROVED
    certificate = services.assessment_certify(actor=cast.officer_a, assessment=a)
    a.refresh_from_db()
    assert a.status == Status.RECOGNISED and certificate.holder_name == "Lò Thị Mai"
    actions = list(AuditEntry.objects.filter(object_id=str(a.pk), object_type="recognition.assessment")
                   .values_list("action", flat=True))
    assert actions == ["assessment.start", "assessment.submit", "assessment.approve", "assessment.approve",
                       "assessment.certify"]


def test_an_officer_of_another_commune_cannot_review(cast: Cast) -> None:
    a = _submitted(cast)
    with pytest.raises(PermissionDenied):
        services.assessment_review(actor=cast.head_b, assessment=a, decision="approve")
