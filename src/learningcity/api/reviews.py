"""Review: the queue of assessments waiting at a stage the reader reviews, decisions, and recognition.

Who may decide comes from the framework's review chain and accounts.policy, checked by the services: an
assessment the reader cannot see is a 404, one they see but may not decide on (now) is a 403.
"""

from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from learningcity.accounts import policy
from learningcity.recognition import selectors, services
from learningcity.recognition.models import SUBJECT_RELATED

from .assessments import AssessmentDetailOut, AssessmentOut, visible_assessment
from .auth import ApiRequest
from .certificates import CertificateOut
from .errors import problems
from .params import Id, Pagination, Text

router = Router(tags=["reviews"])


class DecisionIn(Schema):
    decision: Literal["approve", "return", "reject"]
    reason: Text = Field(
        "", max_length=2000, description="Required to return or reject; the citizen reads it."
    )


@router.get(
    "/reviews/due",
    response={200: list[AssessmentOut], **problems(401, 403, 422)},
    summary="Assessments waiting for your decision, oldest first",
    description="Hamlet heads, commune officers and coordinators; other roles never review (403).",
    operation_id="reviews_due",
)
@paginate(Pagination)
def reviews_due(request: ApiRequest) -> Any:
    if not policy.is_officer(request.auth):
        raise PermissionDenied(_("Only hamlet heads, commune officers and coordinators review assessments."))
    return selectors.assessments_due(request.auth).select_related(*SUBJECT_RELATED)


@router.post(
    "/assessments/{assessment_id}/decision",
    response={200: AssessmentDetailOut, **problems(400, 401, 403, 404, 422)},
    summary="Decide at the assessment's current review stage: approve, return or reject",
    operation_id="assessments_decide",
)
def assessments_decide(request: ApiRequest, assessment_id: Id, payload: DecisionIn) -> Any:
    return services.assessment_review(
        actor=request.auth,
        assessment=visible_assessment(request, assessment_id),
        decision=payload.decision,
        reason=payload.reason,
    )


@router.post(
    "/assessments/{assessment_id}/certify",
    response={200: CertificateOut, **problems(400, 401, 403, 404)},
    summary="Recognise an approved assessment and issue its certificate",
    operation_id="assessments_certify",
)
def assessments_certify(request: ApiRequest, assessment_id: Id) -> Any:
    return services.assessment_certify(
        actor=request.auth, assessment=visible_assessment(request, assessment_id)
    )
