"""An import as a job: upload → check (dry run) → commit → stored, or cancelled; the page, the command line
and the background worker all go through these functions.

The job record carries the progress, the counts, the first errors and the workbook of all of them, so a page
can follow a long file while the worker reads it. Checking writes nothing but the job and, for a file without
errors, its typed rows beside the upload (Parquet): storing starts from them, re-runs the checks that read the
database (it may have changed since the dry run) and stores all of it in one transaction, or nothing.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import IO

import polars as pl
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from learningcity.accounts import policy
from learningcity.accounts.models import User
from learningcity.frameworks.models import FrameworkVersion

from ..models import Campaign, ImportJob
from .checking import (
    ERROR_SCHEMA,
    IMPORT_ROLES,
    PREVIEW,
    Checked,
    check_records,
    check_values,
    typed_compact,
    typed_restored,
)
from .columns import import_columns
from .reading import FileRefused, read_table
from .storing import ImportCancelled, store
from .templates import errors_workbook

logger = logging.getLogger(__name__)
State = ImportJob.State
OPEN_STATES = (State.QUEUED, State.CHECKING, State.CHECKED, State.COMMITTING)
# How far the dry run is when each of its steps begins (share of the rows' work done).
CHECK_STEPS = {"reading": 0.0, "values": 0.1, "units": 0.45, "duplicates": 0.65}


def can_import(user: User, campaign: Campaign) -> bool:
    """A commune officer or province coordinator whose units overlap the campaign's territory."""
    territory = campaign.territory.path
    return any(
        path.startswith(territory) or territory.startswith(path)
        for path in policy.scope_paths(user, IMPORT_ROLES)
    )


def jobs_own(user: User) -> QuerySet[ImportJob]:
    """The imports the user uploaded, newest first: nobody else reads, commits or cancels them."""
    return (
        ImportJob.objects.filter(created_by=user)
        .select_related("campaign", "framework_version")
        .order_by("-created_at", "-pk")
    )


def errors_download(job: ImportJob) -> FileResponse:
    """The workbook of every error of a checked import, named after the uploaded file; 404 when the check
    found none (or has not run)."""
    if not job.errors_name or not default_storage.exists(job.errors_name):
        raise Http404
    filename = f"loi-{job.original_name.rsplit('.', 1)[0]}.xlsx"
    return FileResponse(default_storage.open(job.errors_name, "rb"), as_attachment=True, filename=filename)


def import_start(
    *,
    actor: User,
    campaign: Campaign,
    version: FrameworkVersion,
    upload: IO[bytes],
    original_name: str,
    consent_confirmed: bool,
    max_bytes: int | None,
    language: str = "vi",
    queue: bool = True,
) -> ImportJob:
    """Keep the uploaded file in private storage and queue its check. Raises PermissionDenied outside the
    user's units, ValidationError for a framework outside the campaign, missing consent or a file too big.
    The command line runs the check itself (`queue=False`) instead of leaving it to the worker."""
    if not can_import(actor, campaign):
        raise PermissionDenied(_("You cannot import into this campaign."))
    if not campaign.frameworks.filter(pk=version.pk).exists():
        raise ValidationError({"framework": _("This framework is not part of the campaign.")})
    if not consent_confirmed:
        raise ValidationError(
            {"consent": _("Confirm that the people in the file agreed to their data being recorded.")}
        )
    size = getattr(upload, "size", None)
    if max_bytes is not None and size is not None and size > max_bytes:
        raise ValidationError(
            {"file": _("The file is larger than %(limit)s.") % {"limit": filesizeformat(max_bytes)}}
        )
    job_id = uuid.uuid4()
    suffix = (
        Path(original_name).suffix.lower()[:10]
        if Path(original_name).suffix.lower() in (".xlsx", ".csv")
        else ""
    )
    stored_name = default_storage.save(f"imports/{job_id}/upload{suffix}", File(upload))
    job = ImportJob.objects.create(
        id=job_id,
        created_by=actor,
        campaign=campaign,
        framework_version=version,
        original_name=original_name[:255],
        stored_name=stored_name,
        size=default_storage.size(stored_name),
        language=language,
    )
    if queue:
        _queue("check", job)
    return job


def _queue(step: str, job: ImportJob) -> None:
    # Imported here: the task module imports this one.
    from ..tasks import import_check, import_store

    task = import_check if step == "check" else import_store
    transaction.on_commit(lambda: task.enqueue(str(job.pk)))


def _update(job: ImportJob, **fields: object) -> None:
    """Write the job's progress at once (its own short transaction), so the page sees it."""
    for name, value in fields.items():
        setattr(job, name, value)
    ImportJob.objects.filter(pk=job.pk).update(**fields, updated_at=timezone.now())


def _cancel_requested(job: ImportJob) -> bool:
    return ImportJob.objects.filter(pk=job.pk, cancel_requested=True).exists()


def _finish(job: ImportJob, state: str, **fields: object) -> None:
    _update(job, state=state, step="", finished_at=timezone.now(), **fields)


def _typed_name(job: ImportJob) -> str:
    """Where the dry run keeps the typed rows of a file without errors, for storing."""
    return f"imports/{job.pk}/typed.parquet"


def _check(
    job: ImportJob, *, max_bytes: int | None, say: Callable[[str], None], keep: bool = False
) -> Checked | None:
    """Check the job's file; None (and the job failed or cancelled) when it cannot go on.

    The checks of the file alone run once: the dry run keeps their typed rows (`keep`) when the file has no
    error, and storing reads them back instead of the file. The checks that read the database always run.
    """
    version = job.framework_version
    kept = _typed_name(job)
    if not keep and default_storage.exists(kept):
        typed = typed_restored(pl.read_parquet(default_storage.path(kept)), import_columns(version))
        errors = pl.DataFrame(schema=ERROR_SCHEMA)
        _update(job, rows_total=typed.height, rows_done=0)
    else:
        path = Path(default_storage.path(job.stored_name))
        try:
            say("reading")
            table = read_table(path, columns=import_columns(version), max_bytes=max_bytes)
        except FileRefused as refused:
            _finish(job, State.FAILED, message=refused.reason)
            return None
        if table.missing:
            labels = ", ".join(f"“{column.label}”" for column in table.missing)
            _finish(
                job,
                State.FAILED,
                message=_("Columns missing from the file: %(labels)s.") % {"labels": labels},
            )
            return None
        _update(job, rows_total=table.frame.height, rows_done=0)
        if _cancel_requested(job):
            _finish(job, State.CANCELLED)
            return None
        say("values")
        typed, errors = check_values(table, version=version)
        del table
        if keep and not errors.height:
            typed_compact(typed, import_columns(version)).write_parquet(_private_path(kept))
    checked = check_records(
        typed, errors, version=version, campaign=job.campaign, user=job.created_by, progress=say
    )
    _update(job, rows_done=job.rows_total)
    return checked


def _private_path(name: str) -> str:
    """The file system path of a name in private storage, its folder made (the upload's folder)."""
    path = Path(default_storage.path(name))
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    return str(path)


def _forget_typed(job: ImportJob) -> None:
    if default_storage.exists(_typed_name(job)):
        default_storage.delete(_typed_name(job))


def _record_errors(job: ImportJob, checked: Checked) -> dict[str, object]:
    """The first errors for the page and the workbook of all of them, in private storage."""
    errors = checked.errors
    fields: dict[str, object] = {
        "errors_total": errors.height,
        "rows_bad": errors.get_column("row").n_unique() if errors.height else 0,
        "errors_preview": errors.head(PREVIEW).to_dicts(),
    }
    if errors.height:
        content = errors_workbook(errors.iter_rows(), original_name=job.original_name)
        name = f"imports/{job.pk}/errors.xlsx"
        if default_storage.exists(name):
            default_storage.delete(name)
        fields["errors_name"] = default_storage.save(name, ContentFile(content))
    return fields


def run_check(
    job_id: str, *, max_bytes: int | None = None, say: Callable[[str], None] | None = None
) -> ImportJob:
    """The dry run: every row checked, every error recorded; nothing stored."""
    job = ImportJob.objects.select_related("campaign__territory", "framework_version", "created_by").get(
        pk=job_id
    )
    if job.state != State.QUEUED:
        return job
    step = say or (lambda _s: None)

    def progress(name: str) -> None:
        # The rows are checked column by column, all at once: the bar moves by step, in the share of the
        # work each step takes.
        done = round(CHECK_STEPS.get(name, 0.0) * job.rows_total)
        _update(job, step=name, rows_done=done)
        step(name)

    with translation.override(job.language):
        _update(job, state=State.CHECKING)
        checked = _check(job, max_bytes=max_bytes, say=progress, keep=True)
        if checked is None:
            return job
        if _cancel_requested(job):
            _forget_typed(job)
            _finish(job, State.CANCELLED)
            return job
        _update(job, state=State.CHECKED, step="", counts=checked.counts, **_record_errors(job, checked))
    return job


def import_commit(*, actor: User, job: ImportJob, queue: bool = True) -> ImportJob:
    """Ask for the checked file to be stored (in the background); only its uploader, only without errors."""
    if job.created_by_id != actor.pk:
        raise PermissionDenied(_("Only the person who uploaded the file can store it."))
    if job.state != State.CHECKED or job.errors_total:
        raise ValidationError(_("Only a checked file without errors can be stored."))
    _update(job, state=State.COMMITTING, step="", rows_done=0)
    if queue:
        _queue("store", job)
    return job


def run_store(
    job_id: str, *, say: Callable[[str], None] | None = None, progress: Callable[[int], None] | None = None
) -> ImportJob:
    """Store the file: its database checks run again, then all rows in one transaction, or nothing."""
    job = ImportJob.objects.select_related("campaign__territory", "framework_version", "created_by").get(
        pk=job_id
    )
    if job.state != State.COMMITTING:
        return job
    step = say or (lambda _s: None)
    try:
        with translation.override(job.language):
            _store(job, step, progress)
    finally:
        _forget_typed(job)  # the job is over, whatever came of it
    return job


def _store(job: ImportJob, step: Callable[[str], None], progress: Callable[[int], None] | None) -> None:
    checked = _check(job, max_bytes=None, say=step)
    if checked is None:
        return
    if not checked.ok:
        _finish(
            job,
            State.FAILED,
            message=_(
                "The file no longer checks (the records changed since the dry run); nothing was stored."
            ),
            counts=checked.counts,
            **_record_errors(job, checked),
        )
        return

    def begun(name: str) -> None:
        _update(job, step=name, rows_done=0)
        step(name)

    def stored(done: int) -> None:
        _update(job, rows_done=done)
        if progress is not None:
            progress(done)

    try:
        counts = store(
            checked,
            user=job.created_by,
            campaign=job.campaign,
            original_name=job.original_name,
            cancelled=lambda: _cancel_requested(job),
            say=begun,
            progress=stored,
        )
    except ImportCancelled:
        _finish(job, State.CANCELLED, message=_("Cancelled while storing; nothing was stored."))
        return
    except Exception:
        logger.exception("import %s failed while storing", job.pk)
        _finish(job, State.FAILED, message=_("Storing failed; nothing was stored. Try again or report it."))
        return
    _finish(job, State.DONE, counts=counts, rows_done=checked.good.height)


def import_cancel(*, actor: User, job: ImportJob) -> ImportJob:
    """Cancel an import: at once when it waits; between two steps of the worker when it runs."""
    if job.created_by_id != actor.pk:
        raise PermissionDenied(_("Only the person who uploaded the file can cancel it."))
    if job.state in (State.QUEUED, State.CHECKED):
        _forget_typed(job)
        _finish(job, State.CANCELLED)
    elif job.state in (State.CHECKING, State.COMMITTING):
        _update(job, cancel_requested=True)
    else:
        raise ValidationError(_("This import is over; there is nothing to cancel."))
    return job


def web_limit() -> int:
    return int(settings.IMPORT_MAX_BYTES)
