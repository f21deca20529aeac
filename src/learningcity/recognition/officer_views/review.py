"""The review queue (filters, tabs, bulk approval of a filtered list) and an assessment under review:
its indicators, evidence, trail, decision and certification."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from learningcity.accounts import policy
from learningcity.accounts.models import AuditEntry, Role, User
from learningcity.frameworks.models import FrameworkVersion
from learningcity.text import fold

from .. import selectors, services
from ..models import Assessment, Certificate, Evidence, Status
from ..officer_forms import (
    STAGE_CHOICES,
    BulkApproveForm,
    BulkScope,
    QueueFilterForm,
    QueueTab,
    ReviewForm,
)
from ..officer_pages import PAGE_SIZE, Officer, add_errors, days_left, localised, officer_page, render_officer
from ..selectors.decisions import name_q, overdue_q, review_deadline, with_review_due
from ..services import decisions as decision_services

# A bulk approval of a filtered list handles at most this many rows per request (one short transaction).
BULK_APPROVE_LIMIT = 500
# How many refused rows a bulk approval names in its message (the rest are counted).
BULK_REFUSED_SHOWN = 20

STAGE_LABELS = dict(STAGE_CHOICES)
AUDIT_LABELS = {
    "assessment.start": gettext_lazy("Assessment opened"),
    "assessment.submit": gettext_lazy("Submitted for review"),
    "assessment.approve": gettext_lazy("Approved"),
    "assessment.return": gettext_lazy("Returned for changes"),
    "assessment.reject": gettext_lazy("Rejected"),
    "assessment.certify": gettext_lazy("Recognised, certificate issued"),
    "assessment.revoke": gettext_lazy("Recognition revoked"),
    "assessment.appeal": gettext_lazy("Rejection appealed"),
    "assessment.appeal_upheld": gettext_lazy("Appeal upheld, back to review"),
    "assessment.appeal_dismissed": gettext_lazy("Appeal dismissed, rejection final"),
}
DECISION_MESSAGES = {
    services.Decision.APPROVE: gettext_lazy("Approved."),
    services.Decision.RETURN: gettext_lazy("Returned to the citizen with your reason."),
    services.Decision.REJECT: gettext_lazy("Rejected."),
}


def _certifiable(user: User) -> QuerySet[Assessment]:
    """Approved assessments in the user's area at the level that recognises them.

    A listing filter only: it mirrors `services.can_certify` per framework (the last stage of its review
    chain, or a province coordinator); the review page asks `can_certify` itself before offering the button.
    """
    approved = selectors.assessments_visible(user).filter(status=Status.APPROVED)
    versions = FrameworkVersion.objects.filter(pk__in=approved.values("framework_version")).only("pk", "spec")
    scope = Q(pk__in=[])
    for version in versions:
        chain = version.review_chain
        last = policy.STAGE_ROLES.get(chain[-1]) if chain else Role.COMMUNE_OFFICER
        roles = {Role.PROVINCE_COORDINATOR, *([last] if last else [])}
        scope |= Q(framework_version=version) & policy.scope_q(user, roles, "unit")
    return approved.filter(scope).order_by("decided_at", "pk")


def _audit_trail(assessment: Assessment) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(
        object_type=Assessment._meta.label_lower, object_id=str(assessment.pk)
    ).select_related("actor")


@dataclass
class QueueRow:
    assessment: Assessment
    framework_title: str
    due_on: dt.date
    days_left: int

    @property
    def days_overdue(self) -> int:
        return -self.days_left


def _queue_rows(officer: Officer, data: dict[str, Any]) -> QuerySet[Assessment]:
    """The queue's rows as its tab and filters select them, each with its review deadline (`due_on`)."""
    tab = data.get("tab") or QueueTab.DUE
    if tab == QueueTab.CERTIFY:
        rows = _certifiable(officer.user)
    elif tab == QueueTab.ALL:
        rows = selectors.assessments_visible(officer.user)
        if data.get("status"):
            rows = rows.filter(status=data["status"])
    else:
        rows = selectors.assessments_due(officer.user)
    rows = with_review_due(rows)
    if data.get("campaign"):
        rows = rows.filter(campaign=data["campaign"])
    if data.get("framework"):
        rows = rows.filter(framework_version=data["framework"])
    if data.get("kind"):
        rows = rows.filter(subject_kind=data["kind"])
    if data.get("unit"):
        rows = rows.filter(unit__path__startswith=data["unit"].path)
    if data.get("stage"):
        rows = rows.filter(review_stage=data["stage"])
    if data.get("overdue"):
        rows = rows.filter(overdue_q())
    if data.get("q"):
        rows = rows.filter(name_q(fold(data["q"])))
    if tab == QueueTab.DUE:
        rows = rows.order_by(F("due_on").asc(), "submitted_at", "pk")  # what is due first comes first
    return rows


def _bulk_approve(request: HttpRequest, officer: Officer, filters: QueueFilterForm) -> None:
    """Approve the ticked rows, or the filtered list (up to BULK_APPROVE_LIMIT), and say what happened."""
    data = filters.cleaned_data
    form = BulkApproveForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, str(message))
        return
    if form.cleaned_data["approve"] == BulkScope.FILTERED:
        if (data.get("tab") or QueueTab.DUE) != QueueTab.DUE or filters.errors:
            # Only the list waiting for this reviewer, and only as its filters were understood.
            messages.error(request, _("Correct the filters first; only a list waiting for you is approved."))
            return
        rows = list(_queue_rows(officer, data)[: BULK_APPROVE_LIMIT + 1])
    else:
        rows = list(
            selectors.assessments_visible(officer.user)
            .filter(pk__in=form.cleaned_data["assessments"])
            .order_by("pk")
        )
    more = len(rows) > BULK_APPROVE_LIMIT
    result = decision_services.assessments_bulk_approve(
        actor=officer.user, assessments=rows[:BULK_APPROVE_LIMIT]
    )
    if result.approved:
        messages.success(
            request,
            ngettext(
                "%(count)s assessment approved.", "%(count)s assessments approved.", len(result.approved)
            )
            % {"count": len(result.approved)},
        )
    for assessment, reason in result.refused[:BULK_REFUSED_SHOWN]:
        messages.warning(
            request,
            _("Not approved: %(name)s — %(reason)s") % {"name": assessment.subject_name, "reason": reason},
        )
    if len(result.refused) > BULK_REFUSED_SHOWN:
        messages.warning(
            request,
            _("%(count)s more were not approved.") % {"count": len(result.refused) - BULK_REFUSED_SHOWN},
        )
    if more:
        messages.info(
            request,
            _("Only the first %(limit)s were handled; approve again for the rest.")
            % {"limit": BULK_APPROVE_LIMIT},
        )


@officer_page()
def queue(request: HttpRequest, officer: Officer) -> HttpResponse:
    """What is waiting, by when (the framework's review deadline in the campaign, else the campaign's), and
    its status, with filters; a POST approves the ticked rows or the whole filtered list."""
    form = QueueFilterForm(request.GET, user=officer.user)
    form.is_valid()  # an out-of-scope choice is shown as an error and not applied
    data = form.cleaned_data
    tab = data.get("tab") or QueueTab.DUE
    if request.method == "POST":
        _bulk_approve(request, officer, form)
        return redirect(request.get_full_path())
    rows = _queue_rows(officer, data).select_related(
        "unit__parent", "household", "clan", "organisation", "community"
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    language = get_language() or "vi"
    today = timezone.localdate()
    items = []
    for a in page:
        due_on = review_deadline(a)  # annotated on the row: no query
        items.append(QueueRow(a, a.framework_version.title(language), due_on, (due_on - today).days))
    return render_officer(
        request,
        officer,
        "officer/queue.html",
        {
            "form": form,
            "tab": tab,
            "tabs": QueueTab.CHOICES,
            "page": page,
            "rows": items,
            "bulk": tab == QueueTab.DUE and bool(items),
            "bulk_limit": BULK_APPROVE_LIMIT,
            "can_issue_decisions": tab == QueueTab.CERTIFY
            and officer.holds({Role.COMMUNE_OFFICER, Role.PROVINCE_COORDINATOR}),
        },
    )


@dataclass
class Indicator:
    code: str
    title: str
    provisional: bool
    value: Any
    max: Any
    pass_min: Any
    short: bool
    note: str
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def missing(self) -> bool:
        return self.value is None

    @property
    def shortfall(self) -> Any:
        if self.value is None or self.pass_min is None or self.value >= self.pass_min:
            return None
        return self.pass_min - self.value


@dataclass
class Competency:
    title: str
    indicators: list[Indicator] = field(default_factory=list)


def _indicators(assessment: Assessment, language: str) -> list[Competency]:
    spec = assessment.framework_version.spec
    short = set((assessment.result or {}).get("short", []))
    files: dict[str, list[Evidence]] = defaultdict(list)
    for item in assessment.evidence.all():
        files[item.input_code].append(item)
    titles = {c["code"]: localised(c.get("title"), language) for c in spec.get("competencies", [])}
    groups: dict[str, Competency] = {}
    for item in spec["inputs"]:
        key = item.get("competency") or ""
        competency = groups.setdefault(key, Competency(titles.get(key, "")))
        competency.indicators.append(
            Indicator(
                code=item["code"],
                title=localised(item.get("title"), language),
                provisional=bool(item.get("provisional")),
                value=assessment.answers.get(item["code"]),
                max=item.get("max"),
                pass_min=item.get("pass_min"),
                short=item["code"] in short,
                note=assessment.notes.get(item["code"], ""),
                evidence=files.get(item["code"], []),
            )
        )
    return list(groups.values())


def _review_context(officer: Officer, assessment: Assessment, form: ReviewForm) -> dict[str, Any]:
    language = get_language() or "vi"
    version = assessment.framework_version
    spec = version.spec
    levels = {rule["code"]: localised(rule.get("title"), language) for rule in spec.get("levels", [])}
    levels[spec["otherwise"]["code"]] = localised(spec["otherwise"].get("title"), language)
    group_titles = {g["code"]: localised(g.get("title"), language) for g in spec.get("groups", [])}
    certificate = Certificate.objects.filter(assessment=assessment).select_related("decision").first()
    user = officer.user
    deadline = review_deadline(assessment)
    can_decide_appeal = decision_services.can_decide_appeal(user, assessment)
    return {
        "assessment": assessment,
        "person": assessment.person,
        "review_deadline": deadline,
        "framework_title": version.title(language),
        "group_title": group_titles.get(assessment.group, assessment.group),
        "result": assessment.result or {},
        "level_title": levels.get(assessment.level, assessment.level),
        "stage_label": STAGE_LABELS.get(assessment.review_stage, ""),
        "days_left": days_left(deadline),
        "days_overdue": -days_left(deadline),
        "competencies": _indicators(assessment, language),
        "show_sensitive": assessment.person is not None
        and selectors.person_can_see_sensitive(user, assessment.person),
        "audit": [
            (
                entry,
                AUDIT_LABELS.get(entry.action, entry.action),
                STAGE_LABELS.get(entry.data.get("stage", ""), ""),
            )
            for entry in _audit_trail(assessment)
        ],
        "form": form,
        "can_review": services.can_review(user, assessment),
        "can_certify": services.can_certify(user, assessment),
        "certificate": certificate,
        "can_revoke": decision_services.can_revoke(user, assessment),
        "can_appeal": decision_services.can_appeal(user, assessment),
        "can_decide_appeal": can_decide_appeal,
        "appeal_reason": _appeal_reason(assessment) if can_decide_appeal else "",
    }


def _appeal_reason(assessment: Assessment) -> str:
    entry = _audit_trail(assessment).filter(action="assessment.appeal").order_by("-at", "-pk").first()
    return entry.reason if entry is not None else ""


def _visible_assessment(officer: Officer, pk: int) -> Assessment:
    return get_object_or_404(
        selectors.assessments_visible(officer.user).select_related("unit__parent", "entered_by"), pk=pk
    )


@officer_page()
def review(request: HttpRequest, officer: Officer, pk: int) -> HttpResponse:
    assessment = _visible_assessment(officer, pk)
    form = ReviewForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        decision = form.cleaned_data["decision"]
        try:
            services.assessment_review(
                actor=officer.user,
                assessment=assessment,
                decision=decision,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, DECISION_MESSAGES[decision])
            return redirect("officer:review", pk=assessment.pk)
    return render_officer(request, officer, "officer/review.html", _review_context(officer, assessment, form))


@officer_page(methods=("POST",))
def certify(request: HttpRequest, officer: Officer, pk: int) -> HttpResponse:
    assessment = _visible_assessment(officer, pk)
    certificate = services.assessment_certify(actor=officer.user, assessment=assessment)
    messages.success(request, _("Recognised. Certificate %(code)s issued.") % {"code": certificate.code})
    return redirect("officer:review", pk=assessment.pk)
