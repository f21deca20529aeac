"""Officer pages: the review queue and decisions, people, enrolment on a citizen's behalf, hamlets, campaigns.

Views parse input, call a service or selector, and render. Who may open a page is asked of `accounts.policy`
(a page the role may never use is a 403); which records they reach comes from the scoped selectors (a record
outside their scope is a 404, whatever the method). The services check role and scope again on every write.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from learningcity.accounts import policy
from learningcity.accounts.models import AuditEntry, Role, User
from learningcity.frameworks.models import FrameworkVersion
from learningcity.territory import officer_services
from learningcity.territory.models import Level, Unit
from learningcity.text import fold

from . import selectors, services
from .models import Assessment, Campaign, Certificate, Evidence, Person, Status
from .officer_forms import (
    STAGE_CHOICES,
    AssessmentStartForm,
    BulkApproveForm,
    BulkScope,
    CampaignForm,
    EnrolForm,
    HamletFlagForm,
    HamletForm,
    PeopleSearchForm,
    QueueFilterForm,
    QueueTab,
    ReviewForm,
    units_in_scope,
)
from .selectors.decisions import name_q, overdue_q, review_deadline, with_review_due
from .services import decisions as decision_services

PAGE_SIZE = 25
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


# --------------------------------------------------------------------------------------------------------
# Page gate and helpers


@dataclass(frozen=True)
class Officer:
    """The signed-in user and the roles they hold, as the page gate found them."""

    user: User
    roles: frozenset[str]

    def holds(self, roles: Iterable[str]) -> bool:
        return self.user.is_superuser or not self.roles.isdisjoint(roles)


OfficerView = Callable[..., HttpResponseBase]


def officer_page(
    roles: Iterable[str] = policy.OFFICER_ROLES, methods: Sequence[str] = ("GET", "POST")
) -> Callable[[OfficerView], Callable[..., HttpResponseBase]]:
    """Sign-in (redirect) and role (403) gate; the view receives an `Officer` after the request."""
    allowed = frozenset(roles)

    def decorator(view: OfficerView) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            user: User = request.user  # type: ignore[assignment]
            officer = Officer(user, frozenset(policy.roles_of(user)))
            if not officer.holds(allowed):
                raise PermissionDenied
            return view(request, officer, *args, **kwargs)

        return require_http_methods(list(methods))(wrapped)

    return decorator


def _render(request: HttpRequest, officer: Officer, template: str, context: dict[str, Any]) -> HttpResponse:
    menu = {
        "enrol": officer.holds(policy.ENROLMENT_ROLES),
        "hamlets": officer.holds(officer_services.HAMLET_MANAGER_ROLES),
        "campaign_create": officer.holds(policy.CAMPAIGN_ROLES),
        "imports": officer.holds(policy.IMPORT_ROLES),
        "exports": officer.holds(policy.OFFICER_ROLES),
        "dashboard": officer.holds(policy.OFFICER_ROLES),
    }
    return render(request, template, {**context, "menu": menu})


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when the form has one, else above it."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _text(title: dict[str, str] | None, language: str) -> str:
    if not title:
        return ""
    return (title.get("en") if language.startswith("en") else title.get("vi")) or ""


def _days_left(deadline: dt.date) -> int:
    return (deadline - timezone.localdate()).days


# --------------------------------------------------------------------------------------------------------
# Reads these pages need beyond the selectors (candidates for recognition.selectors)


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


def _sensitive_ids(user: User, people: Sequence[Person]) -> set[int]:
    """`selectors.person_can_see_sensitive` for a page of people at once (the same rule, one query)."""
    ids = [person.pk for person in people]
    covered = policy.scoped(Person.objects.filter(pk__in=ids), user, policy.SENSITIVE_DATA_ROLES, "unit")
    own = {person.pk for person in people if person.user_id is not None and person.user_id == user.pk}
    return set(covered.values_list("pk", flat=True)) | own


def _audit_trail(assessment: Assessment) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(
        object_type=Assessment._meta.label_lower, object_id=str(assessment.pk)
    ).select_related("actor")


def _open_offers(user: User, person: Person) -> list[tuple[Campaign, FrameworkVersion]]:
    """(campaign, framework) pairs a person can be assessed in today: open campaigns over their unit."""
    today = timezone.localdate()
    campaigns = (
        selectors.campaigns_visible(user)
        .filter(
            territory_id__in=person.unit.ancestor_ids, opens_on__lte=today, submission_deadline__gte=today
        )
        .prefetch_related("frameworks")
        .order_by("-year", "name")
    )
    return [
        (campaign, version)
        for campaign in campaigns
        for version in campaign.frameworks.all()
        if version.subject == "person"
    ]


# --------------------------------------------------------------------------------------------------------
# Review queue


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
    return _render(
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


# --------------------------------------------------------------------------------------------------------
# Review detail, decisions, certification


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
    titles = {c["code"]: _text(c.get("title"), language) for c in spec.get("competencies", [])}
    groups: dict[str, Competency] = {}
    for item in spec["inputs"]:
        key = item.get("competency") or ""
        competency = groups.setdefault(key, Competency(titles.get(key, "")))
        competency.indicators.append(
            Indicator(
                code=item["code"],
                title=_text(item.get("title"), language),
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
    levels = {rule["code"]: _text(rule.get("title"), language) for rule in spec.get("levels", [])}
    levels[spec["otherwise"]["code"]] = _text(spec["otherwise"].get("title"), language)
    group_titles = {g["code"]: _text(g.get("title"), language) for g in spec.get("groups", [])}
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
        "days_left": _days_left(deadline),
        "days_overdue": -_days_left(deadline),
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
            _add_errors(form, exc)
        else:
            messages.success(request, DECISION_MESSAGES[decision])
            return redirect("officer:review", pk=assessment.pk)
    return _render(request, officer, "officer/review.html", _review_context(officer, assessment, form))


@officer_page(methods=("POST",))
def certify(request: HttpRequest, officer: Officer, pk: int) -> HttpResponse:
    assessment = _visible_assessment(officer, pk)
    certificate = services.assessment_certify(actor=officer.user, assessment=assessment)
    messages.success(request, _("Recognised. Certificate %(code)s issued.") % {"code": certificate.code})
    return redirect("officer:review", pk=assessment.pk)


# --------------------------------------------------------------------------------------------------------
# People


@officer_page(methods=("GET",))
def people(request: HttpRequest, officer: Officer) -> HttpResponse:
    form = PeopleSearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    rows = selectors.people_search(officer.user, query).select_related("unit__parent")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    items = list(page)
    sensitive = _sensitive_ids(officer.user, items)
    return _render(
        request,
        officer,
        "officer/people.html",
        {"form": form, "page": page, "rows": [(p, p.pk in sensitive) for p in items]},
    )


@officer_page(methods=("GET",))
def person(request: HttpRequest, officer: Officer, pk: int) -> HttpResponse:
    subject = get_object_or_404(selectors.people_visible(officer.user).select_related("unit__parent"), pk=pk)
    assessments = list(
        selectors.assessments_visible(officer.user).filter(person=subject).order_by("-campaign__year", "pk")
    )
    can_edit = officer.holds(policy.ENROLMENT_ROLES) and services.can_edit_for(officer.user, subject)
    language = get_language() or "vi"
    rows = [(a, a.framework_version.title(language), can_edit and a.is_editable) for a in assessments]
    return _render(
        request,
        officer,
        "officer/person.html",
        {
            "person": subject,
            "rows": rows,
            "show_sensitive": selectors.person_can_see_sensitive(officer.user, subject),
            "can_edit": can_edit,
        },
    )


# --------------------------------------------------------------------------------------------------------
# Enrolment on a citizen's behalf


@officer_page(policy.ENROLMENT_ROLES)
def enrol(request: HttpRequest, officer: Officer) -> HttpResponse:
    form = EnrolForm(request.POST if request.method == "POST" else None, user=officer.user)
    if form.is_bound and form.is_valid():
        try:
            enrolled = services.person_enrol(actor=officer.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s is registered. Now open their assessment.") % {"name": enrolled.full_name},
            )
            return redirect("officer:start", pk=enrolled.pk)
    return _render(request, officer, "officer/enrol.html", {"form": form})


@officer_page(policy.ENROLMENT_ROLES)
def start(request: HttpRequest, officer: Officer, pk: int) -> HttpResponse:
    subject = get_object_or_404(selectors.people_visible(officer.user).select_related("unit__parent"), pk=pk)
    form = AssessmentStartForm(
        request.POST if request.method == "POST" else None, offers=_open_offers(officer.user, subject)
    )
    if form.is_bound and form.is_valid():
        campaign, version = form.chosen()
        try:
            assessment = services.assessment_start(
                actor=officer.user,
                campaign=campaign,
                subject=subject,
                version=version,
                group=form.cleaned_data["group"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            # The officer fills it in with the citizen on the citizen's own assessment page.
            return redirect("recognition:assessment", pk=assessment.pk)
    return _render(request, officer, "officer/start.html", {"person": subject, "form": form})


# --------------------------------------------------------------------------------------------------------
# Hamlets and residential groups


@officer_page(officer_services.HAMLET_MANAGER_ROLES)
def hamlets(request: HttpRequest, officer: Officer) -> HttpResponse:
    communes = list(units_in_scope(officer.user, officer_services.HAMLET_MANAGER_ROLES, [Level.COMMUNE]))
    form = HamletForm(request.POST if request.method == "POST" else None, communes=communes)
    if form.is_bound and form.is_valid():
        commune: Unit = form.cleaned_data["commune"]
        if not policy.covers(officer.user, officer_services.HAMLET_MANAGER_ROLES, commune):
            raise PermissionDenied
        try:
            hamlet = officer_services.hamlet_create_by_officer(
                actor=officer.user,
                commune=commune,
                name=form.cleaned_data["name"],
                division_type=form.cleaned_data["division_type"],
                disadvantaged_area=form.cleaned_data["disadvantaged_area"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("%(name)s was added.") % {"name": hamlet.name})
            return redirect("officer:hamlets")
    hamlet_rows = units_in_scope(
        officer.user, officer_services.HAMLET_MANAGER_ROLES, [Level.HAMLET]
    ).annotate(people_count=Count("people"))
    by_commune: dict[int | None, list[Unit]] = defaultdict(list)
    for hamlet in hamlet_rows:
        by_commune[hamlet.parent_id].append(hamlet)
    groups = [(commune, by_commune[commune.pk]) for commune in communes if by_commune.get(commune.pk)]
    return _render(
        request,
        officer,
        "officer/hamlets.html",
        {"form": form, "groups": groups, "flag": officer_services.DISADVANTAGED_AREA},
    )


@officer_page(officer_services.HAMLET_MANAGER_ROLES, methods=("POST",))
def hamlet_flag(request: HttpRequest, officer: Officer, pk: int) -> HttpResponse:
    hamlet = get_object_or_404(
        units_in_scope(officer.user, officer_services.HAMLET_MANAGER_ROLES, [Level.HAMLET]), pk=pk
    )
    form = HamletFlagForm(request.POST)
    value = bool(form.cleaned_data.get("disadvantaged_area")) if form.is_valid() else False
    officer_services.hamlet_flag_disadvantaged(actor=officer.user, hamlet=hamlet, value=value)
    if value:
        messages.success(
            request, _("%(name)s is now marked as a disadvantaged area.") % {"name": hamlet.name}
        )
    else:
        messages.success(
            request, _("%(name)s is no longer marked as a disadvantaged area.") % {"name": hamlet.name}
        )
    return redirect("officer:hamlets")


# --------------------------------------------------------------------------------------------------------
# Campaigns


@officer_page(methods=("GET",))
def campaigns(request: HttpRequest, officer: Officer) -> HttpResponse:
    page = Paginator(
        selectors.campaigns_visible(officer.user)
        .prefetch_related("frameworks")
        .order_by("-year", "name", "pk"),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    language = get_language() or "vi"
    rows = [
        (campaign, [f"{v.title(language)} · {v.version}" for v in campaign.frameworks.all()])
        for campaign in page
    ]
    return _render(request, officer, "officer/campaigns.html", {"page": page, "rows": rows})


@officer_page(policy.CAMPAIGN_ROLES)
def campaign_create(request: HttpRequest, officer: Officer) -> HttpResponse:
    form = CampaignForm(
        request.POST if request.method == "POST" else None,
        user=officer.user,
        initial={"year": timezone.localdate().year},
    )
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = services.campaign_create(
                actor=officer.user,
                name=data["name"],
                year=data["year"],
                territory=data["territory"],
                frameworks=list(data["frameworks"]),
                opens_on=data["opens_on"],
                submission_deadline=data["submission_deadline"],
                review_deadline=data["review_deadline"],
                targets=form.targets(),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Campaign %(name)s was created.") % {"name": campaign.name})
            return redirect("officer:campaigns")
    return _render(request, officer, "officer/campaign_form.html", {"form": form})
