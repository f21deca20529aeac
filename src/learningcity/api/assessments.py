"""Assessments of every kind of subject (a citizen, a household, a clan, an organisation, a community): read
within the reader's scope, opened, filled, previewed and submitted through the recognition services, which
check who may act. An assessment outside the reader's scope is a 404, one the reader sees but may not change
is a 403."""

import datetime as dt
from typing import Annotated, Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, FilterSchema, Query, Router, Schema
from ninja.pagination import paginate
from pydantic import model_validator

from learningcity.accounts.models import User
from learningcity.frameworks.models import FrameworkVersion
from learningcity.recognition import selectors, services
from learningcity.recognition.models import (
    SUBJECT_FIELDS,
    SUBJECT_RELATED,
    Assessment,
    Certificate,
    Status,
    SubjectKind,
)

from .auth import ApiRequest
from .campaigns import FrameworkRef
from .errors import problems
from .params import Id, Pagination, Text
from .subjects import subject_visible

router = Router(tags=["assessments"])

Answer = int | float | bool | Text | None
Code = Annotated[Text, Field(max_length=63)]


def assessments_readable(user: User) -> QuerySet[Assessment]:
    """The assessments the user may read, with every kind of subject joined (no query per row)."""
    return selectors.assessments_visible(user).select_related(*SUBJECT_RELATED)


class AssessmentOut(Schema):
    id: int
    campaign_id: int
    framework_id: int = Field(alias="framework_version_id")
    subject_kind: SubjectKind
    subject_id: int = Field(description="The id of the person, household, clan, organisation or unit.")
    subject_name: str
    person_id: int | None = Field(description="The citizen assessed; null for other kinds of subject.")
    person_name: str | None
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

    @staticmethod
    def resolve_subject_id(obj: Assessment) -> int:
        return int(getattr(obj, f"{SUBJECT_FIELDS[obj.subject_kind]}_id"))

    @staticmethod
    def resolve_person_name(obj: Assessment) -> str | None:
        return obj.person.full_name if obj.person is not None else None


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
    rollups: dict[str, Any] = Field(
        description="Values computed from the members' results (roll-up rules), as used for `result`."
    )
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
    subject_kind: SubjectKind | None = None
    person: Id | None = None
    household: Id | None = None
    clan: Id | None = None
    organisation: Id | None = None
    community: Id | None = Field(None, description="The hamlet or commune assessed as a community.")

    def filter_campaign(self, value: int | None) -> Q:
        return Q(campaign_id=value) if value is not None else Q()

    def filter_person(self, value: int | None) -> Q:
        return Q(person_id=value) if value is not None else Q()

    def filter_household(self, value: int | None) -> Q:
        return Q(household_id=value) if value is not None else Q()

    def filter_clan(self, value: int | None) -> Q:
        return Q(clan_id=value) if value is not None else Q()

    def filter_organisation(self, value: int | None) -> Q:
        return Q(organisation_id=value) if value is not None else Q()

    def filter_community(self, value: int | None) -> Q:
        return Q(community_id=value) if value is not None else Q()


class AssessmentStartIn(Schema):
    """The subject as `subject_kind` and `subject_id`; `person_id` alone is the older shortcut for a citizen,
    and `framework_id` the older name of `framework_version_id`."""

    campaign_id: Id
    framework_version_id: Id | None = None
    subject_kind: SubjectKind | None = None
    subject_id: Id | None = None
    group: Text = Field(
        "", max_length=20, description="The group code from the framework, when it has groups."
    )
    person_id: Id | None = Field(None, description="Shortcut for subject_kind=person and subject_id.")
    framework_id: Id | None = Field(None, description="The older name of framework_version_id.")

    @model_validator(mode="after")
    def _one_subject_and_framework(self) -> "AssessmentStartIn":
        if self.framework_version_id is None:
            self.framework_version_id = self.framework_id
        elif self.framework_id not in (None, self.framework_version_id):
            raise ValueError("framework_id and framework_version_id differ; send framework_version_id only")
        if self.framework_version_id is None:
            raise ValueError("framework_version_id is required")
        if self.person_id is not None:
            if self.subject_id not in (None, self.person_id) or self.subject_kind not in (
                None,
                SubjectKind.PERSON,
            ):
                raise ValueError("send either person_id or subject_kind and subject_id, not both")
            self.subject_kind, self.subject_id = SubjectKind.PERSON, self.person_id
        if self.subject_kind is None or self.subject_id is None:
            raise ValueError("subject_kind and subject_id are required (or person_id for a citizen)")
        return self

    def subject(self) -> tuple[str, int]:
        """(kind, id) of the subject; the validator above has made sure both are there."""
        if self.subject_kind is None or self.subject_id is None:
            raise ValueError("subject_kind and subject_id are required")
        return self.subject_kind, self.subject_id


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
    assessment = selectors.assessment_visible(request.auth, assessment_id)
    if assessment is None:
        raise Http404
    return assessment


@router.get(
    "/assessments",
    response={200: list[AssessmentOut], **problems(401, 422)},
    summary="List the assessments in your scope",
    description=(
        "Officers see their units' assessments; a citizen sees their own and those of the households they "
        "head. Filter by status, campaign, kind of subject, or one subject."
    ),
    operation_id="assessments_list",
)
@paginate(Pagination)
def assessments_list(request: ApiRequest, filters: Query[AssessmentFilter]) -> Any:
    return filters.filter(assessments_readable(request.auth))


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
    summary="Open a subject's assessment in a campaign (or return the one already open)",
    description=(
        "The subject's own account (a citizen; the head of a household), or a hamlet head / commune officer "
        "of its unit on its behalf. A subject you cannot see is a 404; the framework must assess that kind "
        "of subject and belong to the campaign (400)."
    ),
    operation_id="assessments_start",
)
def assessments_start(request: ApiRequest, payload: AssessmentStartIn) -> Any:
    return services.assessment_start(
        actor=request.auth,
        campaign=get_object_or_404(selectors.campaigns_visible(request.auth), pk=payload.campaign_id),
        subject=subject_visible(request.auth, *payload.subject()),
        version=get_object_or_404(FrameworkVersion, pk=payload.framework_version_id),
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
        rollups=assessment.rollups,
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
