"""What follows a review: recognition decisions, revocations and appeals.

The services (`recognition.services.decisions`) check who may act, in one transaction each, with an audit
entry; here only what the request names is resolved, within what the reader may see: an assessment or a
decision outside it is a 404, as one that does not exist.
"""

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from learningcity.frameworks.models import FrameworkVersion
from learningcity.recognition import selectors
from learningcity.recognition.certificates import pdf_response
from learningcity.recognition.decision_pdf import decision_pdf
from learningcity.recognition.models import DecisionItem, RecognitionDecision
from learningcity.recognition.selectors.decisions import decision_items, decisions_visible
from learningcity.recognition.services import decisions as services
from learningcity.recognition.services.decisions import REASON_MAX_LENGTH
from learningcity.territory.models import Unit

from .assessments import AssessmentDetailOut, assessments_readable, visible_assessment
from .auth import ApiRequest
from .errors import fields_as, problems
from .params import Id, Pagination, Text
from .reviews import MAX_ITEMS

router = Router(tags=["decisions"])


class ReasonIn(Schema):
    reason: Text = Field(min_length=1, max_length=REASON_MAX_LENGTH, description="The holder reads it.")


class AppealDecisionIn(Schema):
    uphold: bool = Field(
        description="true: back to the stage that rejected it, to be reviewed again; false: the rejection "
        "stands, finally."
    )
    reason: Text = Field(min_length=1, max_length=REASON_MAX_LENGTH, description="The citizen reads it.")


class DecisionIssueIn(Schema):
    campaign_id: Id
    framework_id: Id
    issuing_unit_id: Id = Field(description="The commune or province whose People's Committee issues it.")
    assessment_ids: list[Id] = Field(min_length=1, max_length=MAX_ITEMS)
    issued_on: dt.date
    signer_name: Text = Field(max_length=150)
    signer_title: Text = Field(max_length=150)


class DecisionOut(Schema):
    id: int
    number: str = Field(description='As printed, e.g. "12/QĐ-UBND".')
    campaign_id: int
    framework_id: int = Field(alias="framework_version_id")
    issuing_unit_id: int
    issuing_unit_name: str = Field(alias="issuing_unit.name")
    issued_on: dt.date
    signer_name: str
    signer_title: str
    created_at: dt.datetime


class DecisionItemOut(Schema):
    position: int
    assessment_id: int
    subject_name: str = Field(alias="assessment.subject_name")
    certificate_code: str | None

    @staticmethod
    def resolve_certificate_code(obj: DecisionItem) -> str | None:
        certificate = getattr(obj.assessment, "certificate", None)
        return certificate.code if certificate is not None else None


class DecisionDetailOut(DecisionOut):
    items: list[DecisionItemOut] = Field(description="The assessments it recognises, in its order.")

    @staticmethod
    def resolve_items(obj: RecognitionDecision) -> list[DecisionItem]:
        return list(decision_items(obj))


# The services name the decision's fields as the model does; the request names them as above.
ISSUE_FIELDS = {"assessments": "assessment_ids", "framework_version": "framework_id"}


@router.post(
    "/assessments/{assessment_id}/revocation",
    response={200: AssessmentDetailOut, **problems(400, 401, 403, 404, 422)},
    summary="Withdraw a recognition, with the reason; its certificate no longer checks out",
    operation_id="assessments_revoke",
)
def assessments_revoke(request: ApiRequest, assessment_id: Id, payload: ReasonIn) -> Any:
    return services.assessment_revoke(
        actor=request.auth, assessment=visible_assessment(request, assessment_id), reason=payload.reason
    )


@router.post(
    "/assessments/{assessment_id}/appeal",
    response={200: AssessmentDetailOut, **problems(400, 401, 403, 404, 422)},
    summary="Appeal a rejection, once, with the reason (the applicant, or an enrolment officer for them)",
    operation_id="assessments_appeal",
)
def assessments_appeal(request: ApiRequest, assessment_id: Id, payload: ReasonIn) -> Any:
    return services.assessment_appeal(
        actor=request.auth, assessment=visible_assessment(request, assessment_id), reason=payload.reason
    )


@router.post(
    "/assessments/{assessment_id}/appeal/decision",
    response={200: AssessmentDetailOut, **problems(400, 401, 403, 404, 422)},
    summary="Decide an appeal: uphold it or dismiss it, with the reason",
    description="By the level above the one that rejected (or a province coordinator), never the reviewer "
    "who rejected.",
    operation_id="appeals_decide",
)
def appeals_decide(request: ApiRequest, assessment_id: Id, payload: AppealDecisionIn) -> Any:
    return services.appeal_decide(
        actor=request.auth,
        assessment=visible_assessment(request, assessment_id),
        uphold=payload.uphold,
        reason=payload.reason,
    )


@router.get(
    "/decisions",
    response={200: list[DecisionOut], **problems(401, 422)},
    summary="Recognition decisions issued in your area, newest first",
    operation_id="decisions_list",
)
@paginate(Pagination)
def decisions_list(request: ApiRequest) -> Any:
    return decisions_visible(request.auth)


@router.get(
    "/decisions/{decision_id}",
    response={200: DecisionDetailOut, **problems(401, 404)},
    summary="One recognition decision, with the assessments it recognises",
    operation_id="decisions_get",
)
def decisions_get(request: ApiRequest, decision_id: Id) -> Any:
    return get_object_or_404(decisions_visible(request.auth), pk=decision_id)


@router.get(
    "/decisions/{decision_id}/pdf",
    response={200: None, **problems(401, 404)},
    summary="A recognition decision as its printable document (PDF, Vietnamese administrative form)",
    openapi_extra={
        "responses": {
            200: {"description": "The PDF.", "content": {"application/pdf": {"schema": {"type": "string"}}}}
        }
    },
    operation_id="decisions_pdf",
)
def decisions_pdf(request: ApiRequest, decision_id: Id) -> Any:
    decision = get_object_or_404(decisions_visible(request.auth), pk=decision_id)
    return pdf_response(decision_pdf(decision=decision), f"decision-{decision.pk}.pdf")


@router.post(
    "/decisions",
    response={201: DecisionDetailOut, **problems(400, 401, 403, 404, 422)},
    summary="Issue a numbered recognition decision that recognises the assessments listed",
    description=(
        "By the level the framework names (a commune's or the province's People's Committee), in scope of "
        "the issuing unit. Every assessment listed must be approved, of this campaign and framework, under "
        "the issuing unit and in no other decision; otherwise nothing is issued and each one refused is "
        "named. The number is the issuing unit's next in the campaign's year."
    ),
    operation_id="decisions_issue",
)
def decisions_issue(request: ApiRequest, payload: DecisionIssueIn) -> Any:
    user = request.auth
    campaign = get_object_or_404(selectors.campaigns_visible(user), pk=payload.campaign_id)
    version = get_object_or_404(FrameworkVersion, pk=payload.framework_id)
    unit = get_object_or_404(Unit, pk=payload.issuing_unit_id)
    # Who may issue, before which assessments: no answer about the records of a unit not one's own.
    if not services.can_issue_decision(user, version, unit):
        raise PermissionDenied(_("You cannot issue recognition decisions for this unit and framework."))
    wanted = set(payload.assessment_ids)
    chosen = list(assessments_readable(user).filter(pk__in=wanted))
    with fields_as(ISSUE_FIELDS):
        if len(chosen) != len(wanted):
            raise ValidationError({"assessments": _("Some of the chosen assessments are not in your area.")})
        decision = services.decision_issue(
            actor=user,
            campaign=campaign,
            framework_version=version,
            issuing_unit=unit,
            assessments=chosen,
            issued_on=payload.issued_on,
            signer_name=payload.signer_name,
            signer_title=payload.signer_title,
        )
    return Status(201, decision)
