"""Review: the queue of assessments waiting at a stage the reader reviews, decisions one by one and many at
once, and recognition.

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
from learningcity.recognition.services import decisions

from .assessments import AssessmentDetailOut, AssessmentOut, assessments_readable, visible_assessment
from .auth import ApiRequest
from .certificates import CertificateOut
from .errors import not_found_detail, problems
from .params import Id, Pagination, Text

router = Router(tags=["reviews"])


MAX_ITEMS = 500  # assessments in one request, as the intake's batches


class DecisionIn(Schema):
    decision: Literal["approve", "return", "reject"]
    reason: Text = Field(
        "", max_length=2000, description="Required to return or reject; the citizen reads it."
    )


class ApprovalsIn(Schema):
    assessment_ids: list[Id] = Field(min_length=1, max_length=MAX_ITEMS)


class RefusedOut(Schema):
    assessment_id: int
    reason: str


class ApprovalsOut(Schema):
    approved: list[AssessmentOut] = Field(description="Approved at their stage, as they are now.")
    refused: list[RefusedOut] = Field(
        description="Left as they were, each with the reason, in the order asked."
    )


def reviewers_only(request: ApiRequest) -> None:
    """Refuse (403) a reader whose roles never review."""
    if not policy.is_officer(request.auth):
        raise PermissionDenied(_("Only hamlet heads, commune officers and coordinators review assessments."))


@router.get(
    "/reviews/due",
    response={200: list[AssessmentOut], **problems(401, 403, 422)},
    summary="Assessments waiting for your decision, oldest first",
    description="Hamlet heads, commune officers and coordinators; other roles never review (403).",
    operation_id="reviews_due",
)
@paginate(Pagination)
def reviews_due(request: ApiRequest) -> Any:
    reviewers_only(request)
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


@router.post(
    "/reviews/approvals",
    response={200: ApprovalsOut, **problems(401, 403, 422)},
    summary="Approve many assessments at their current review stage (each as one by one)",
    description=(
        "Each is approved with exactly the checks of one decision, and its own audit entry; those that "
        "cannot be (not yours to decide now, not in your area, no longer waiting) are left as they were "
        "and listed with the reason. Returning and rejecting stay one by one, each with its reason."
    ),
    operation_id="assessments_approve_many",
)
def assessments_approve_many(request: ApiRequest, payload: ApprovalsIn) -> Any:
    reviewers_only(request)
    wanted = list(dict.fromkeys(payload.assessment_ids))
    found = assessments_readable(request.auth).in_bulk(wanted)
    result = decisions.assessments_bulk_approve(
        actor=request.auth, assessments=[found[i] for i in wanted if i in found]
    )
    reasons = {assessment.pk: reason for assessment, reason in result.refused}
    refused = [
        {"assessment_id": pk, "reason": reasons[pk] if pk in found else not_found_detail()}
        for pk in wanted
        if pk not in found or pk in reasons
    ]
    return {"approved": result.approved, "refused": refused}
