"""Imports through the API: the officers' Import page for systems of their own, on the same job
(`recognition.imports.jobs`). Send the register (XLSX or CSV, the template's headers); it is checked in the
background, every row and every cell (202 now, the job to follow with `GET /imports/{id}`); a file with
bad rows lists each (row, column, value, reason) and stores nothing; one without is stored, all or nothing,
when its uploader commits it. Jobs are their uploader's: nobody else reads one."""

import datetime as dt
import uuid
from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import get_language
from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status

from learningcity.frameworks.models import FrameworkVersion
from learningcity.recognition import selectors
from learningcity.recognition.imports import jobs
from learningcity.recognition.models import ImportJob
from learningcity.spreadsheets import XLSX_TYPE

from .auth import ApiRequest
from .errors import fields_as, problems
from .params import Id, Pagination

router = Router(tags=["imports"])


class ImportIn(Schema):
    campaign_id: Id
    framework_id: Id
    consent_confirmed: bool = Field(
        description="The people in the file agreed to their data being recorded (their signed forms)."
    )


class RowErrorOut(Schema):
    row: int = Field(description="The row in the file (Excel's row; the CSV line).")
    column: str
    value: str | None
    reason: str


class ImportOut(Schema):
    id: uuid.UUID
    campaign_id: int
    framework_id: int = Field(alias="framework_version_id")
    original_name: str
    size: int
    state: ImportJob.State = Field(
        description="queued → checking → checked (errors listed, or ready to commit) → committing → done; "
        "or failed (a file that cannot be used: `message` says why) or cancelled."
    )
    step: str = Field(alias="step_label", description="What the job is doing now.")
    progress: int = Field(description="Percent of the current step's rows done.")
    message: str
    rows_total: int
    rows_done: int
    rows_bad: int
    errors_total: int
    errors: list[RowErrorOut] = Field(
        alias="errors_preview",
        description="The first 200 errors; all of them in `GET /imports/{id}/errors` (a workbook).",
    )
    counts: dict[str, Any] = Field(description="What storing it does (or did): new and changed records.")
    created_at: dt.datetime
    updated_at: dt.datetime


def _own(request: ApiRequest, import_id: uuid.UUID) -> ImportJob:
    return get_object_or_404(jobs.jobs_own(request.auth), pk=import_id)


@router.post(
    "/imports",
    response={202: ImportOut, **problems(400, 401, 403, 404, 422)},
    summary="Send a register to import: checked in the background, stored when you commit it",
    description=(
        "multipart/form-data: `file` and the fields below. Commune officers and province coordinators, for a "
        "campaign over their units. Up to the web's import limit (IMPORT_MAX_BYTES, 100 MB by default)."
    ),
    operation_id="imports_start",
)
def imports_start(request: ApiRequest, payload: Form[ImportIn], file: File[UploadedFile]) -> Any:
    campaign = get_object_or_404(selectors.campaigns_visible(request.auth), pk=payload.campaign_id)
    version = get_object_or_404(FrameworkVersion, pk=payload.framework_id)
    with fields_as({"framework": "framework_id", "consent": "consent_confirmed"}):
        job = jobs.import_start(
            actor=request.auth,
            campaign=campaign,
            version=version,
            upload=file,
            original_name=file.name or "",
            consent_confirmed=payload.consent_confirmed,
            max_bytes=jobs.web_limit(),
            language=get_language() or "vi",
        )
    return Status(202, job)


@router.get(
    "/imports",
    response={200: list[ImportOut], **problems(401, 422)},
    summary="Your imports, newest first",
    operation_id="imports_list",
)
@paginate(Pagination)
def imports_list(request: ApiRequest) -> Any:
    return jobs.jobs_own(request.auth)


@router.get(
    "/imports/{import_id}",
    response={200: ImportOut, **problems(401, 404)},
    summary="One of your imports: its state, progress and errors",
    operation_id="imports_get",
)
def imports_get(request: ApiRequest, import_id: uuid.UUID) -> Any:
    return _own(request, import_id)


@router.get(
    "/imports/{import_id}/errors",
    response={200: None, **problems(401, 404)},
    summary="Every error of a checked import, as a workbook (row, column, value, reason)",
    openapi_extra={
        "responses": {
            200: {"description": "The workbook.", "content": {XLSX_TYPE: {"schema": {"type": "string"}}}}
        }
    },
    operation_id="imports_errors",
)
def imports_errors(request: ApiRequest, import_id: uuid.UUID) -> Any:
    return jobs.errors_download(_own(request, import_id))


@router.post(
    "/imports/{import_id}/commit",
    response={202: ImportOut, **problems(400, 401, 403, 404)},
    summary="Store a checked import without errors, all or nothing (in the background)",
    operation_id="imports_commit",
)
def imports_commit(request: ApiRequest, import_id: uuid.UUID) -> Any:
    return Status(202, jobs.import_commit(actor=request.auth, job=_own(request, import_id)))


@router.post(
    "/imports/{import_id}/cancel",
    response={200: ImportOut, **problems(400, 401, 403, 404)},
    summary="Cancel an import: at once while it waits, between two steps while it runs; nothing is kept",
    operation_id="imports_cancel",
)
def imports_cancel(request: ApiRequest, import_id: uuid.UUID) -> Any:
    return jobs.import_cancel(actor=request.auth, job=_own(request, import_id))
