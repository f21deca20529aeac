"""Self-assessments: read within the reader's scope, opened, filled, previewed and submitted through the
recognition services, which check who may act. An assessment outside the reader's scope is a 404, one the
reader sees but may not change is a 403."""

import datetime as dt
from typing import Annotated, Any

from django.db.models import Q
from django.shortcuts import get_object_or_404
from ninja import Field, FilterSchema, Query, Router, Schema
from ninja.pagination import paginate

from learningcity.frameworks.models import FrameworkVersion
from learningcity.recognition import selectors, services
from learningcity.recognition.models import Assessment, Certificate, Status

from .auth import ApiRequest
from .campaigns import FrameworkRef
from .errors import problems
from .params import Id, Pagination, Text

router = Router(tags=["assessments"])

Answer = int | float | bool | Text | None
Code = Annotated[Text, Field(max_length=63)]


class AssessmentOut(Schema):
    id: int
    campaign_id: int
    framework_id: int = Field(alias="framework_version_id")
    person_id: int
    person_name: str = Field(alias="person.full_name")
    unit_id: int
    unit_name: str = Field(alias="unit.name")
    group: str
    status: str
    review_stage: str = Field(description="The stage waiting for a decision; empty unless submitted.")
    score: float | None
    level: str
    submitted_at: dt.datetime | None
    decided_at: dt.datetime | None
    updated_at: dt.datetime


class EvidenceOut(Schema):
    id: int
    input_code: str
    original_name: str
    content_type: str
    size: int
    uploaded_at: dt.datetime


class AssessmentDetailOut(AssessmentOut):
    campaign_name: str = Field(alias="campaign.name")
    framework: FrameworkRef = Field(alias="framework_version")
    answers: dict[str, Any]
    notes: dict[str, str] = Field(description="Evidence described in words, per input.")
    result: dict[str, Any] = Field(description="The engine's result stored with the answers.")
    entered_on_behalf: bool
    last_reason: str = Field(description="The reason given with the last return or rejection.")
    created_at: dt.datetime
    certificate_code: str | None
    evidence: list[EvidenceOut]

    @staticmethod
    def resolve_certificate_code(obj: Assessment) -> str | None:
        try:
            return obj.certificate.code
        except Certificate.DoesNotExist:
            return None

    @staticmethod
    def resolve_evidence(obj: Assessment) -> list[Any]:
        return list(obj.evidence.all())


class AssessmentFilter(FilterSchema):
    status: Status | None = None
    campaign: Id | None = None
    person: Id | None = None

    def filter_campaign(self, value: int | None) -> Q:
        return Q(campaign_id=value) if value is not None else Q()

    def filter_person(self, value: int | None) -> Q:
        return Q(person_id=value) if value is not None else Q()


class AssessmentStartIn(Schema):
    campaign_id: Id
    person_id: Id
    framework_id: Id
    group: Text = Field("", max_length=20, description="The citizen group code from the framework.")


class AnswersReplaceIn(Schema):
    answers: dict[Code, Answer] = Field(description="Every answer; an input left out is unanswered.")
    group: Text | None = Field(None, max_length=20, description="Unchanged when left out.")
    notes: dict[Code, Text] | None = Field(None, description="Replaces the notes; unchanged when left out.")


class AnswersUpdateIn(Schema):
    answers: dict[Code, Answer] = Field(
        default_factory=dict, description="Only these answers change; null clears one."
    )
    group: Text | None = Field(None, max_length=20, description="Unchanged when left out.")
    notes: dict[Code, Text] | None = Field(
        None, description="Only these notes change; an empty text clears one."
    )


class EvaluateIn(Schema):
    answers: dict[Code, Answer] = Field(default_factory=dict)
    group: Text | None = Field(None, max_length=20, description="The assessment's group when left out.")


class EvaluationOut(Schema):
    level: str
    score: float | None
    pass_mark: float | None
    max_score: float | None
    passes: bool
    short: list[str] = Field(description="Inputs missing or below their minimum.")
    derived: dict[str, Any]


def visible_assessment(request: ApiRequest, assessment_id: Id) -> Assessment:
    return get_object_or_404(selectors.assessments_visible(request.auth), pk=assessment_id)


@router.get(
    "/assessments",
    response={200: list[AssessmentOut], **problems(401, 422)},
    summary="List the assessments in your scope",
    description=(
        "Officers see their units' assessments; a citizen sees their own. Filter by status, campaign, person."
    ),
    operation_id="assessments_list",
)
@paginate(Pagination)
def assessments_list(request: ApiRequest, filters: Query[AssessmentFilter]) -> Any:
    return filters.filter(selectors.assessments_visible(request.auth))


@router.get(
    "/assessments/{assessment_id}",
    response={200: AssessmentDetailOut, **problems(401, 404)},
    summary="One assessment, with answers, result and evidence list",
    operation_id="assessments_get",
)
def assessments_get(request: ApiRequest, assessment_id: Id) -> Any:
    return visible_assessment(request, assessment_id)


@router.post(
    "/assessments",
    response={200: AssessmentDetailOut, **problems(400, 401, 403, 404, 422)},
    summary="Open a person's self-assessment in a campaign (or return the one already open)",
    description="The citizen themself, or a hamlet head / commune officer of their unit on their behalf.",
    operation_id="assessments_start",
)
def assessments_start(request: ApiRequest, payload: AssessmentStartIn) -> Any:
    return services.assessment_start(
        actor=request.auth,
        campaign=get_object_or_404(selectors.campaigns_visible(request.auth), pk=payload.campaign_id),
        subject=get_object_or_404(selectors.people_visible(request.auth), pk=payload.person_id),
        version=get_object_or_404(FrameworkVersion, pk=payload.framework_id),
        group=payload.group,
    )


@router.put(
    "/assessments/{assessment_id}",
    response={200: AssessmentDetailOut, **problems(400, 401, 403, 404, 422)},
    summary="Replace a draft's answers (and its group and notes when given)",
    operation_id="assessments_replace",
)
def assessments_replace(request: ApiRequest, assessment_id: Id, payload: AnswersReplaceIn) -> Any:
    return services.assessment_save(
        actor=request.auth,
        assessment=visible_assessment(request, assessment_id),
        answers=payload.answers,
        group=payload.group,
        notes=payload.notes,
    )


@router.patch(
    "/assessments/{assessment_id}",
    response={200: AssessmentDetailOut, **problems(400, 401, 403, 404, 422)},
    summary="Change some of a draft's answers, notes or group",
    operation_id="assessments_update",
)
def assessments_update(request: ApiRequest, assessment_id: Id, payload: AnswersUpdateIn) -> Any:
    assessment = visible_assessment(request, assessment_id)
    return services.assessment_save(
        actor=request.auth,
        assessment=assessment,
        answers={**assessment.answers, **payload.answers},
        group=payload.group,
        notes={**assessment.notes, **payload.notes} if payload.notes is not None else None,
    )


@router.post(
    "/assessments/{assessment_id}/evaluate",
    response={200: EvaluationOut, **problems(400, 401, 404, 422)},
    summary="Score answers without storing them (the form's instant feedback)",
    operation_id="assessments_evaluate",
)
def assessments_evaluate(request: ApiRequest, assessment_id: Id, payload: EvaluateIn) -> Any:
    assessment = visible_assessment(request, assessment_id)
    return services.assessment_evaluate(
        version=assessment.framework_version,
        unit=assessment.unit,
        group=assessment.group if payload.group is None else payload.group,
        answers=payload.answers,
    )


@router.post(
    "/assessments/{assessment_id}/submit",
    response={200: AssessmentDetailOut, **problems(400, 401, 403, 404)},
    summary="Submit a complete self-assessment to its first review stage",
    operation_id="assessments_submit",
)
def assessments_submit(request: ApiRequest, assessment_id: Id) -> Any:
    return services.assessment_submit(
        actor=request.auth, assessment=visible_assessment(request, assessment_id)
    )
