"""The officer's import pages: upload a file, follow its check, read every bad row, store it or cancel.

Thin: the work is in `imports.jobs` (the same functions the command line and the worker call).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.views.decorators.cache import never_cache

from learningcity.frameworks.models import FrameworkVersion

from . import selectors
from .imports import jobs
from .imports.checking import IMPORT_ROLES
from .imports.sample import FRAMEWORK as SAMPLE_FRAMEWORK
from .imports.sample import sample_workbook
from .models import Campaign, ImportJob
from .officer_pages import Officer, add_errors, officer_page, render_officer

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def import_targets(officer: Officer) -> list[tuple[Campaign, FrameworkVersion]]:
    """(campaign, framework) pairs the officer can import into: open campaigns over their units."""
    today = timezone.localdate()
    campaigns = (
        selectors.campaigns_visible(officer.user)
        .filter(opens_on__lte=today, submission_deadline__gte=today)
        .select_related("territory")
        .prefetch_related("frameworks")
        .order_by("-year", "name", "pk")
    )
    return [
        (campaign, version)
        for campaign in campaigns
        if jobs.can_import(officer.user, campaign)
        for version in campaign.frameworks.all()
    ]


class ImportForm(forms.Form):
    target = forms.ChoiceField(label=gettext_lazy("Campaign and framework"))
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "Excel (.xlsx) or CSV, with the template's headers. Title rows above are fine."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    consent = forms.BooleanField(
        label=gettext_lazy(
            "The people in this file agreed to their data being recorded (their signed forms)."
        ),
        required=False,
    )

    def __init__(self, *args: Any, targets: list[tuple[Campaign, FrameworkVersion]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = get_language() or "vi"
        self.targets = {f"{c.pk}:{v.pk}": (c, v) for c, v in targets}
        target = self.fields["target"]
        assert isinstance(target, forms.ChoiceField)
        target.choices = [
            (key, f"{c.name} ({c.year}) · {v.title(language)}") for key, (c, v) in self.targets.items()
        ]


def _job(officer: Officer, pk: str) -> ImportJob:
    """The officer's own import (nobody else's: 404)."""
    return get_object_or_404(jobs.jobs_own(officer.user), pk=pk)


@officer_page(IMPORT_ROLES, methods=("GET",))
def import_list(request: HttpRequest, officer: Officer) -> HttpResponse:
    recent = jobs.jobs_own(officer.user)[:50]
    targets = import_targets(officer)
    # The demo offers its sample file with mistakes, made for the learning-citizen framework.
    sample = next((v for _c, v in targets if settings.DEMO_MODE and v.code == SAMPLE_FRAMEWORK), None)
    return render_officer(
        request, officer, "imports/index.html", {"jobs": recent, "targets": targets, "sample": sample}
    )


@officer_page(IMPORT_ROLES)
def import_new(request: HttpRequest, officer: Officer) -> HttpResponse:
    targets = import_targets(officer)
    initial = {"target": request.GET.get("target", "")}
    form = ImportForm(request.POST or None, request.FILES or None, targets=targets, initial=initial)
    if form.is_bound and form.is_valid():
        campaign, version = form.targets[form.cleaned_data["target"]]
        upload = form.cleaned_data["file"]
        try:
            job = jobs.import_start(
                actor=officer.user,
                campaign=campaign,
                version=version,
                upload=upload,
                original_name=upload.name,
                consent_confirmed=form.cleaned_data["consent"],
                max_bytes=jobs.web_limit(),
                language=get_language() or "vi",
            )
        except ValidationError as exc:
            add_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("imports:job", pk=job.pk)
    limit = round(jobs.web_limit() / 1024 / 1024)
    return render_officer(
        request, officer, "imports/new.html", {"form": form, "targets": targets, "limit_mb": limit}
    )


@never_cache
@officer_page(IMPORT_ROLES, methods=("GET",))
def import_job(request: HttpRequest, officer: Officer, pk: str) -> HttpResponse:
    job = _job(officer, pk)
    language = get_language() or "vi"
    return render_officer(
        request,
        officer,
        "imports/job.html",
        {
            "job": job,
            "framework_title": job.framework_version.title(language),
            "running": job.state
            in (ImportJob.State.QUEUED, ImportJob.State.CHECKING, ImportJob.State.COMMITTING),
            "can_commit": job.state == ImportJob.State.CHECKED and not job.errors_total,
            "can_cancel": job.state in jobs.OPEN_STATES,
            "more_errors": max(0, job.errors_total - len(job.errors_preview)),
            "target": f"{job.campaign_id}:{job.framework_version_id}",
        },
    )


@never_cache
@officer_page(IMPORT_ROLES, methods=("GET",))
def import_status(request: HttpRequest, officer: Officer, pk: str) -> JsonResponse:
    job = _job(officer, pk)
    return JsonResponse(
        {
            "state": job.state,
            "label": job.get_state_display(),
            "step": job.step_label,
            "rows_total": job.rows_total,
            "rows_done": job.rows_done,
            "progress": job.progress,
            "errors_total": job.errors_total,
        }
    )


@officer_page(IMPORT_ROLES, methods=("GET",))
def import_errors(request: HttpRequest, officer: Officer, pk: str) -> FileResponse:
    job = _job(officer, pk)
    return jobs.errors_download(job)


@officer_page(IMPORT_ROLES, methods=("GET",))
def import_sample(request: HttpRequest, officer: Officer, version_id: int) -> HttpResponse:
    """The demo's sample file with mistakes to try the import on; only in the demo."""
    version = get_object_or_404(FrameworkVersion, pk=version_id, code=SAMPLE_FRAMEWORK)
    if not settings.DEMO_MODE:
        raise Http404
    response = HttpResponse(sample_workbook(version), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="mau-thu-co-loi.xlsx"'
    return response


@officer_page(IMPORT_ROLES, methods=("POST",))
def import_commit(request: HttpRequest, officer: Officer, pk: str) -> HttpResponse:
    job = _job(officer, pk)
    try:
        jobs.import_commit(actor=officer.user, job=job)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    return redirect("imports:job", pk=job.pk)


@officer_page(IMPORT_ROLES, methods=("POST",))
def import_cancel(request: HttpRequest, officer: Officer, pk: str) -> HttpResponse:
    job = _job(officer, pk)
    try:
        jobs.import_cancel(actor=officer.user, job=job)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    return redirect("imports:job", pk=job.pk)
