"""Citizen pages: the home page, starting and filling a self-assessment, its instant feedback, evidence files.

Views parse input, call one service or selector and render. What a user may see comes from the scoped
selectors (out of scope is 404); what they may change is decided by the services (refused is 403).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from learningcity.accounts.forms import apply_service_errors
from learningcity.accounts.models import User
from learningcity.frameworks.models import FrameworkVersion
from learningcity.territory.models import Unit

from . import selectors, services
from .forms import AssessmentForm, EvidenceForm, StartAssessmentForm, in_language
from .models import Assessment, Campaign, Person, Status

STAGE_LABELS = {
    "hamlet": gettext_lazy("Hamlet or residential group head"),
    "commune": gettext_lazy("Commune"),
    "province": gettext_lazy("Province or city"),
}


def _user(request: HttpRequest) -> User:
    """The logged-in user: every view that calls this requires a login first."""
    return cast(User, request.user)


@dataclass
class Offer:
    """A framework of an open campaign that a citizen can start (or has started) a self-assessment on."""

    campaign: Campaign
    version: FrameworkVersion
    title: str
    groups: list[tuple[str, str]]
    assessment: Assessment | None


def _own_person(request: HttpRequest) -> Person | None:
    if not request.user.is_authenticated:
        return None
    return selectors.people_visible(_user(request)).filter(user=request.user).first()


def _offers(request: HttpRequest, person: Person, assessments: list[Assessment]) -> list[Offer]:
    """Frameworks for people in the campaigns open today on the person's unit or a unit above it."""
    today = timezone.localdate()
    campaigns = selectors.campaigns_visible(_user(request)).filter(
        territory_id__in=person.unit.ancestor_ids, opens_on__lte=today, submission_deadline__gte=today
    )
    started = {(a.campaign_id, a.framework_version_id): a for a in assessments}
    offers = []
    for campaign in campaigns:
        for version in campaign.frameworks.all():
            if version.subject != "person":
                continue
            groups = [(g["code"], in_language(g["title"])) for g in version.spec.get("groups", [])]
            title = version.title(get_language() or "vi")
            offers.append(Offer(campaign, version, title, groups, started.get((campaign.pk, version.pk))))
    return offers


def home(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {}
    person = _own_person(request)
    if person is not None:
        assessments = list(
            selectors.assessments_visible(_user(request))
            .filter(person=person)
            .order_by("-campaign__year", "pk")
        )
        context.update(
            person=person,
            person_units=list(Unit.objects.filter(pk__in=person.unit.ancestor_ids).order_by("-path")),
            assessments=[(a, a.framework_version.title(get_language() or "vi")) for a in assessments],
            offers=_offers(request, person, assessments),
        )
    return render(request, "home.html", context)


@login_required
@require_POST
def assessment_start(request: HttpRequest) -> HttpResponse:
    """Open (or reopen) the current user's own self-assessment in a campaign.

    Officers start one for a person of their unit from the officer pages.
    """
    form = StartAssessmentForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Choose a campaign and a framework."))
    campaign = get_object_or_404(
        selectors.campaigns_visible(_user(request)), pk=form.cleaned_data["campaign"]
    )
    version = get_object_or_404(campaign.frameworks.all(), pk=form.cleaned_data["framework_version"])
    person = _own_person(request)
    if person is None:
        raise PermissionDenied(_("Register as a citizen first."))
    try:
        assessment = services.assessment_start(
            actor=_user(request),
            campaign=campaign,
            subject=person,
            version=version,
            group=form.cleaned_data["group"],
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("home")
    return redirect("recognition:assessment", pk=assessment.pk)


def _page(
    request: HttpRequest, assessment: Assessment, form: AssessmentForm, editable: bool, status: int = 200
) -> HttpResponse:
    version = assessment.framework_version
    result = assessment.result or {}
    context = {
        "assessment": assessment,
        "person": assessment.person,
        "version": version,
        "framework_title": version.title(get_language() or "vi"),
        "form": form,
        "competencies": form.competencies(list(assessment.evidence.all())),
        "editable": editable,
        "on_behalf": services.subject_user_id(assessment.subject) != request.user.pk,
        "result": result,
        "short": set(result.get("short", [])),
        "group_field": form["group"] if "group" in form.fields else None,
        "stage_label": STAGE_LABELS.get(assessment.review_stage, assessment.review_stage),
        "saved_at": assessment.updated_at.isoformat(),
        "show_reason": assessment.last_reason and assessment.status in (Status.RETURNED, Status.REJECTED),
        "entered_by_name": (
            (assessment.entered_by.get_full_name() or assessment.entered_by.get_username())
            if assessment.entered_by
            else ""
        ),
    }
    return render(request, "recognition/assessment.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The self-assessment page; POST saves (action=save) or saves and submits (action=submit)."""
    assessment = get_object_or_404(selectors.assessments_visible(_user(request)), pk=pk)
    editable = assessment.is_editable and services.can_edit_for(_user(request), assessment.subject)
    version = assessment.framework_version
    if request.method != "POST":
        form = AssessmentForm(
            initial=AssessmentForm.initial_of(assessment), version=version, disabled=not editable
        )
        return _page(request, assessment, form, editable)

    form = AssessmentForm(request.POST, version=version)
    if form.is_valid():
        try:
            # A submission sends what is on the screen: save first, so nothing typed is lost if it is refused.
            assessment = services.assessment_save(
                actor=_user(request),
                assessment=assessment,
                answers=form.answers(),
                group=form.group() or None,
                notes=form.notes(),
            )
            if request.POST.get("action") == "submit":
                assessment = services.assessment_submit(actor=_user(request), assessment=assessment)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if assessment.status == Status.DRAFT or assessment.status == Status.RETURNED:
                messages.success(request, _("Saved."))
            else:
                messages.success(
                    request, _("Submitted. Reviewers will look at it; this page shows the progress.")
                )
            return redirect("recognition:assessment", pk=assessment.pk)
    # Refused: show the page again with what was typed and why (the draft may have been saved already).
    assessment = get_object_or_404(selectors.assessments_visible(_user(request)), pk=pk)
    editable = assessment.is_editable and services.can_edit_for(_user(request), assessment.subject)
    return _page(request, assessment, form, editable, status=400)


@require_POST
def assessment_preview(request: HttpRequest, pk: int) -> JsonResponse:
    """Instant feedback: score the typed answers with the same engine, store nothing.

    Answers out of range are left out of the score and reported in `errors`, so the rest still scores.
    A lost session answers 401 (not a redirect) so the page can say so and keep the answers.
    """
    if not request.user.is_authenticated:
        return JsonResponse({"error": "login_required"}, status=401)
    assessment = get_object_or_404(selectors.assessments_visible(_user(request)), pk=pk)
    version = assessment.framework_version
    form = AssessmentForm(request.POST, version=version)
    answers = form.answers()
    group = form.group() or assessment.group
    errors: dict[str, str] = {}
    try:
        result = services.assessment_evaluate(
            version=version, unit=assessment.unit, group=group, answers=answers
        )
    except ValidationError as error:
        errors = {code: " ".join(texts) for code, texts in error.message_dict.items()}
        valid = {code: value for code, value in answers.items() if code not in errors}
        result = services.assessment_evaluate(
            version=version, unit=assessment.unit, group=group, answers=valid
        )
    return JsonResponse(
        {
            "score": result["score"],
            "pass_mark": result["pass_mark"],
            "max_score": result["max_score"],
            "passes": bool(result["passes"]),
            "level": result["level"],
            "short": list(result["short"]),
            "errors": errors,
        }
    )


@login_required
@require_POST
def evidence_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Attach one file to one indicator (multipart), then back to the page at that indicator."""
    assessment = get_object_or_404(selectors.assessments_visible(_user(request)), pk=pk)
    form = EvidenceForm(request.POST, request.FILES)
    target = reverse("recognition:assessment", kwargs={"pk": assessment.pk})
    if not form.is_valid():
        messages.error(request, _("Choose a file to attach."))
        return redirect(target)
    code = form.cleaned_data["input_code"]
    try:
        evidence = services.evidence_attach(
            actor=_user(request), assessment=assessment, input_code=code, upload=form.cleaned_data["file"]
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Attached %(name)s.") % {"name": evidence.original_name})
    known = {item["code"] for item in assessment.framework_version.inputs}
    return redirect(f"{target}#indicator-{code}" if code in known else target)


@login_required
@require_POST
def evidence_remove(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = get_object_or_404(
        selectors.evidence_visible(_user(request)).select_related("assessment"), pk=pk
    )
    assessment_pk, code = evidence.assessment_id, evidence.input_code
    services.evidence_remove(actor=_user(request), evidence=evidence)
    messages.success(request, _("Removed %(name)s.") % {"name": evidence.original_name})
    target = reverse("recognition:assessment", kwargs={"pk": assessment_pk})
    return redirect(f"{target}#indicator-{code}")


@login_required
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    """An evidence file, only for those who may read its assessment; always a download, never inline."""
    evidence = get_object_or_404(selectors.evidence_visible(_user(request)), pk=pk)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404(_("The file is missing.")) from exc
    response = FileResponse(
        handle, as_attachment=True, filename=evidence.original_name, content_type=evidence.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
