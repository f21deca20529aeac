"""The intake: a complete submission accepted at once (202 with a receipt) and applied by the worker a moment
later, with others, set-wise (`recognition.services.intake`); the receipt then says whether it was submitted
or, if not, why (its answers are kept on the draft). For clients that send many citizens' submissions at a
campaign's peak; `POST /assessments/{id}/submit` remains the one-at-a-time path that answers with the
submitted assessment."""

import datetime as dt
from typing import Any

from django.db.models import Q
from django.shortcuts import get_object_or_404
from ninja import Field, FilterSchema, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from learningcity.recognition import selectors
from learningcity.recognition.models import ReceiptState
from learningcity.recognition.services import intake

from .assessments import AnswersReplaceIn, visible_assessment
from .auth import ApiRequest
from .errors import problems
from .params import Id, Pagination

router = Router(tags=["submissions"])


class ReceiptOut(Schema):
    id: int
    assessment_id: int
    state: ReceiptState = Field(
        description="pending: waiting to be applied; applied: submitted to its first review stage (or "
        "approved when it has none); refused: not submitted, the answers kept on the draft."
    )
    reason: str = Field(description="Why it was refused; empty otherwise.")
    received_at: dt.datetime
    applied_at: dt.datetime | None


class ReceiptFilter(FilterSchema):
    assessment: Id | None = None
    state: ReceiptState | None = None

    def filter_assessment(self, value: int | None) -> Q:
        return Q(assessment_id=value) if value is not None else Q()


@router.post(
    "/assessments/{assessment_id}/submission",
    response={202: ReceiptOut, **problems(400, 401, 403, 404, 422)},
    summary="Submit every answer through the intake: a receipt now, applied in a moment",
    description=(
        "Checked at once: who may submit for the subject, that the assessment is still a draft or returned, "
        "and the answers (known inputs, types, ranges, the group). Applied by the worker shortly after, in "
        "the order received: every answer given, the required evidence, the deadline; a refused one keeps "
        "its answers on the draft. Read the outcome with `GET /receipts/{id}`."
    ),
    operation_id="assessments_submission",
)
def assessments_submission(request: ApiRequest, assessment_id: Id, payload: AnswersReplaceIn) -> Any:
    return Status(
        202,
        intake.submission_receive(
            actor=request.auth,
            assessment=visible_assessment(request, assessment_id),
            answers=payload.answers,
            group=payload.group,
            notes=payload.notes,
        ),
    )


@router.get(
    "/receipts",
    response={200: list[ReceiptOut], **problems(401, 422)},
    summary="Your receipts of submissions through the intake, newest first",
    operation_id="receipts_list",
)
@paginate(Pagination)
def receipts_list(request: ApiRequest, filters: Query[ReceiptFilter]) -> Any:
    return filters.filter(selectors.receipts_own(request.auth))


@router.get(
    "/receipts/{receipt_id}",
    response={200: ReceiptOut, **problems(401, 404)},
    summary="One of your receipts: pending, applied, or refused and why",
    operation_id="receipts_get",
)
def receipts_get(request: ApiRequest, receipt_id: Id) -> Any:
    return get_object_or_404(selectors.receipts_own(request.auth), pk=receipt_id)
