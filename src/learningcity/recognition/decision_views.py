"""Recognition decisions, revocations and appeals, mounted at /officer/decisions/.

Views parse input, call one service or selector and render. Who may open an officer page is the page gate's
(`officer_pages.officer_page`: sign-in, then 403 for a role that may never use it); which records are reached
comes from the scoped selectors (out of scope is 404, whatever the method); the services check role and scope
again on every write. The appeal page is the citizen's (and an enrolment officer's on their behalf).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from learningcity.accounts.models import Role, User

from . import selectors
from .certificates import certificate_verify_url, certificates_batch_pdf, pdf_response
from .decision_forms import (
    AppealDecisionForm,
    AppealForm,
    AppealOutcome,
    DecisionIssueForm,
    DecisionScopeForm,
    ReasonForm,
)
from .decision_pdf import decision_pdf
from .models import Assessment, Certificate, RecognitionDecision
from .officer_pages import PAGE_SIZE, Officer, add_errors, officer_page, render_officer
from .selectors.decisions import decision_candidates, decision_items, decisions_visible
from .services import decisions as services

# The roles that issue decisions (on a commune or a province); the page lists only the units they may use.
ISSUER_ROLES = frozenset({Role.COMMUNE_OFFICER, Role.PROVINCE_COORDINATOR})
# Certificates printed in one PDF: a file of a commune's hundreds would outlast a request's time limit.
CERTIFICATES_PER_PDF = 100


def _visible_decision(officer: Officer, pk: int) -> RecognitionDecision:
    return get_object_or_404(decisions_visible(officer.user), pk=pk)


# --------------------------------------------------------------------------------------------------------
# Decisions


@officer_page(methods=("GET",))
def decision_list(request: HttpRequest, officer: Officer) -> HttpResponse:
    page = Paginator(decisions_visible(officer.user), PAGE_SIZE).get_page(request.GET.get("page"))
    language = get_language() or "vi"
    rows = [(decision, decision.framework_version.title(language)) for decision in page]
    return render_officer(
        request,
        officer,
        "decisions/list.html",
        {"page": page, "rows": rows, "can_create": officer.holds(ISSUER_ROLES)},
    )


@officer_page(ISSUER_ROLES)
def decision_create(request: HttpRequest, officer: Officer) -> HttpResponse:
    """Choose campaign, framework and issuing unit (GET); the approved assessments in scope are listed, all
    ticked; the POST (to the same address) issues the decision."""
    user = officer.user
    scope = DecisionScopeForm(request.GET if "offer" in request.GET else None, user=user)
    context: dict[str, Any] = {"scope": scope, "candidates": None, "form": None}
    if scope.is_valid():
        campaign, version = scope.chosen()
        unit = scope.cleaned_data["unit"]
        if not services.can_issue_decision(user, version, unit):
            scope.add_error(
                None, _("Recognition decisions for this framework are issued by another level of government.")
            )
        else:
            candidates = list(
                decision_candidates(user, campaign=campaign, framework_version=version, issuing_unit=unit)
            )
            form = DecisionIssueForm(request.POST if request.method == "POST" else None)
            if form.is_bound and form.is_valid():
                ids = form.cleaned_data["assessments"]
                chosen = list(selectors.assessments_visible(user).filter(pk__in=ids))
                try:
                    if len(chosen) != len(ids):
                        raise ValidationError(
                            {"assessments": _("Some of the chosen assessments are not in your area.")}
                        )
                    decision = services.decision_issue(
                        actor=user,
                        campaign=campaign,
                        framework_version=version,
                        issuing_unit=unit,
                        assessments=chosen,
                        issued_on=form.cleaned_data["issued_on"],
                        signer_name=form.cleaned_data["signer_name"],
                        signer_title=form.cleaned_data["signer_title"],
                    )
                except ValidationError as exc:
                    add_errors(form, exc)
                else:
                    messages.success(
                        request,
                        _("Decision %(number)s issued: %(count)s recognised.")
                        % {"number": decision.number, "count": len(chosen)},
                    )
                    return redirect("decisions:detail", pk=decision.pk)
            checked = (
                set(form.cleaned_data.get("assessments", []))
                if form.is_bound and hasattr(form, "cleaned_data")
                else {a.pk for a in candidates}
            )
            context.update(
                {
                    "candidates": [(a, a.pk in checked) for a in candidates],
                    "form": form,
                    "campaign": campaign,
                    "framework_title": version.title(get_language() or "vi"),
                    "issuing_unit": unit,
                }
            )
    response = render_officer(request, officer, "decisions/create.html", context)
    if request.method == "POST":
        response.status_code = 400  # refused: the page again, with what was chosen and why
    return response


@officer_page(methods=("GET",))
def decision_detail(request: HttpRequest, officer: Officer, pk: int) -> HttpResponse:
    decision = _visible_decision(officer, pk)
    valid = _valid_certificates(decision).count()
    return render_officer(
        request,
        officer,
        "decisions/detail.html",
        {
            "decision": decision,
            "items": list(decision_items(decision)),
            "framework_title": decision.framework_version.title(get_language() or "vi"),
            "certificate_parts": list(range(1, -(-valid // CERTIFICATES_PER_PDF) + 1)),
        },
    )


@officer_page(methods=("GET",))
def decision_pdf_view(request: HttpRequest, officer: Officer, pk: int) -> HttpResponse:
    decision = _visible_decision(officer, pk)
    return pdf_response(decision_pdf(decision=decision), f"decision-{decision.pk}.pdf")


def _valid_certificates(decision: RecognitionDecision) -> QuerySet[Certificate]:
    return (
        Certificate.objects.filter(decision=decision, revoked_at__isnull=True)
        .select_related("assessment__campaign")
        .order_by("assessment__decision_item__position")
    )


@officer_page(methods=("GET",))
def decision_certificates_pdf(request: HttpRequest, officer: Officer, pk: int) -> HttpResponse:
    """The valid certificates of the decision, one page each, in the decision's order (revoked ones left
    out), CERTIFICATES_PER_PDF to a file: `?part=2` is the second file (printing takes about 0.1 s a page)."""
    decision = _visible_decision(officer, pk)
    part = request.GET.get("part", "1")
    if not part.isdigit() or int(part) < 1:
        raise Http404
    start = (int(part) - 1) * CERTIFICATES_PER_PDF
    certificates = list(_valid_certificates(decision)[start : start + CERTIFICATES_PER_PDF])
    if not certificates:
        raise Http404
    pdf = certificates_batch_pdf(
        certificates=certificates,
        verify_url_for=lambda code: certificate_verify_url(code=code, request=request),
    )
    suffix = f"-{part}" if part != "1" else ""
    return pdf_response(pdf, f"decision-{decision.pk}-certificates{suffix}.pdf")


# --------------------------------------------------------------------------------------------------------
# Revocation and appeals


def _visible_assessment(user: User, pk: int) -> Assessment:
    return get_object_or_404(selectors.assessments_visible(user), pk=pk)


def _refused(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@officer_page(methods=("POST",))
def revoke(request: HttpRequest, officer: Officer, pk: int) -> HttpResponse:
    assessment = _visible_assessment(officer.user, pk)
    form = ReasonForm(request.POST)
    try:
        services.assessment_revoke(
            actor=officer.user,
            assessment=assessment,
            reason=form.cleaned_data["reason"] if form.is_valid() else "",
        )
    except ValidationError as exc:
        _refused(request, exc)
        return redirect(reverse("officer:review", kwargs={"pk": pk}) + "#revoke")
    messages.success(request, _("The recognition was revoked; its certificate no longer checks out."))
    return redirect("officer:review", pk=pk)


@officer_page(methods=("POST",))
def appeal_decide(request: HttpRequest, officer: Officer, pk: int) -> HttpResponse:
    assessment = _visible_assessment(officer.user, pk)
    if not services.can_decide_appeal(officer.user, assessment):
        raise PermissionDenied
    form = AppealDecisionForm(request.POST)
    valid = form.is_valid()
    uphold = valid and form.cleaned_data["outcome"] == AppealOutcome.UPHOLD
    try:
        if not valid and "outcome" in form.errors:
            raise ValidationError(_("Choose to uphold or to dismiss the appeal."))
        services.appeal_decide(
            actor=officer.user,
            assessment=assessment,
            uphold=uphold,
            reason=form.cleaned_data.get("reason", "") if valid else "",
        )
    except ValidationError as exc:
        _refused(request, exc)
        return redirect(reverse("officer:review", kwargs={"pk": pk}) + "#appeal")
    if uphold:
        messages.success(request, _("Appeal upheld: the assessment goes back to review."))
    else:
        messages.success(request, _("Appeal dismissed: the rejection is final."))
    return redirect("officer:review", pk=pk)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def appeal(request: HttpRequest, pk: int) -> HttpResponse:
    """The applicant's appeal against a rejection (or an enrolment officer's on their behalf)."""
    user: User = request.user  # type: ignore[assignment]
    assessment = _visible_assessment(user, pk)
    form = AppealForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        target = form.cleaned_data["next"]
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = reverse("recognition:assessment", kwargs={"pk": pk})
        try:
            services.assessment_appeal(actor=user, assessment=assessment, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request, _("Your appeal was sent. The level above the one that rejected decides.")
            )
            return redirect(target)
    context = {
        "assessment": assessment,
        "appeal_form": form,
        "can_appeal": services.can_appeal(user, assessment),
    }
    return render(request, "decisions/appeal.html", context, status=400 if form.is_bound else 200)
