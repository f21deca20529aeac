"""The intake: a complete submission accepted at once (202 with a receipt) and applied by the worker a moment
later, with others, set-wise (`recognition.services.intake`); the receipt then says whether it was submitted
or, if not, why (its answers are kept on the draft). For clients that send many citizens' submissions at a
campaign's peak; `POST /assessments/{id}/submit` remains the one-at-a-time path that answers with the
submitted assessment."""

import datetime as dt
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404
from ninja import Field, FilterSchema, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from learningcity.recognition import selectors
from learningcity.recognition.models import ReceiptState
from learningcity.recognition.services import intake

from .assessments import AnswersReplaceIn
from .auth import ApiRequest
from .errors import forbidden_detail, not_found_detail, problems
from .params import Id, Pagination

router = Router(tags=["submissions"])
MAX_ITEMS = 500  # submissions in one request: a request stays well under a second


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
    item = intake.Submission(assessment_id, payload.answers, payload.group, payload.notes)
    try:
        (receipt,) = intake.submissions_receive(actor=request.auth, items=[item])
    except intake.SubmissionsRefused as refused:
        raise refused.problems[0] from None
    return Status(202, receipt)


class SubmissionIn(AnswersReplaceIn):
    assessment_id: Id


class SubmissionsIn(Schema):
    items: list[SubmissionIn] = Field(min_length=1, max_length=MAX_ITEMS)


class ReceiptsOut(Schema):
    receipts: list[ReceiptOut] = Field(description="One per submission, in the order sent.")


@router.post(
    "/submissions",
    response={202: ReceiptsOut, **problems(400, 401, 422)},
    summary="Submit many assessments through the intake at once (all or none)",
    description=(
        f"Up to {MAX_ITEMS} submissions, each checked as `POST /assessments/{{id}}/submission` checks one: "
        "for a system that collects them for many citizens (a commune's tablets, a partner portal). All "
        "are received or none: a refused one is a 400 whose `errors` name it by its place in `items` (an "
        "assessment you may not read is reported as not found, one you may not submit as forbidden)."
    ),
    operation_id="submissions_create",
)
def submissions_create(request: ApiRequest, payload: SubmissionsIn) -> Any:
    items = [
        intake.Submission(item.assessment_id, item.answers, item.group, item.notes) for item in payload.items
    ]
    try:
        receipts = intake.submissions_receive(actor=request.auth, items=items)
    except intake.SubmissionsRefused as refused:
        raise _by_place(refused.problems) from None
    return Status(202, {"receipts": receipts})


def _by_place(problems: dict[int, Exception]) -> ValidationError:
    """One ValidationError naming each refused submission by its place in `items` (and the input, where the
    refusal was about one)."""
    errors: dict[str, list[str]] = {}
    for index, problem in sorted(problems.items()):
        if isinstance(problem, ValidationError) and hasattr(problem, "error_dict"):
            for field, messages in problem.message_dict.items():
                place = f"items.{index}" if field == NON_FIELD_ERRORS else f"items.{index}.{field}"
                errors.setdefault(place, []).extend(messages)
        elif isinstance(problem, ValidationError):
            errors.setdefault(f"items.{index}", []).extend(problem.messages)
        elif isinstance(problem, PermissionDenied):
            errors[f"items.{index}"] = [forbidden_detail(problem)]
        else:
            errors[f"items.{index}"] = [not_found_detail()]
    return ValidationError(errors)


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
