"""Citizen pages: the home page, starting and filling an assessment, its instant feedback, evidence files.

One assessment page serves every kind of subject: a citizen, a household, a clan, an organisation, a hamlet or
commune community. Views parse input, call one service or selector and render. What a user may see comes from
the scoped selectors (out of scope is 404); what they may change is decided by the services (refused is 403):
`services.can_edit_for` lets the subject's own account (a citizen, a household's head) or an enrolment officer
in scope (on the subject's behalf) edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from learningcity.accounts.forms import apply_service_errors
from learningcity.accounts.models import User
from learningcity.frameworks.models import FrameworkVersion
from learningcity.territory.models import Level, Unit

from . import selectors, services
from .forms import AssessmentForm, EvidenceForm, StartAssessmentForm, in_language
from .models import (
    SUBJECT_FIELDS,
    Assessment,
    Campaign,
    Clan,
    Household,
    Organisation,
    Person,
    ReceiptState,
    Status,
    SubjectKind,
)
from .selectors import subjects as subject_selectors
from .services.decisions import can_appeal

STAGE_LABELS = {
    "hamlet": gettext_lazy("Hamlet or residential group head"),
    "commune": gettext_lazy("Commune"),
    "province": gettext_lazy("Province or city"),
}
# How many members an assessment page lists; the rest are counted.
MEMBERS_SHOWN = 200


def _user(request: HttpRequest) -> User:
    """The logged-in user: every view that calls this requires a login first."""
    return cast(User, request.user)


def _assessment_or_404(user: User, pk: int) -> Assessment:
    """One assessment the user may read, with its framework, unit, campaign and subject (404 otherwise)."""
    assessment = selectors.assessment_visible(user, pk)
    if assessment is None:
        raise Http404
    return assessment


def _households_headed(user: User) -> QuerySet[Household]:
    if not user.is_authenticated:
        return Household.objects.none()
    return Household.objects.filter(head__user=user).select_related("unit")


@dataclass
class Offer:
    """A framework of an open campaign that the user can start (or has started) an assessment on."""

    campaign: Campaign
    version: FrameworkVersion
    title: str
    groups: list[tuple[str, str]]
    assessment: Assessment | None
    subject_kind: str = SubjectKind.PERSON
    subject_id: int | None = None


def _own_person(request: HttpRequest) -> Person | None:
    if not request.user.is_authenticated:
        return None
    return selectors.people_visible(_user(request)).filter(user=request.user).first()


def _offers(request: HttpRequest, subject: Person | Household, assessments: list[Assessment]) -> list[Offer]:
    """Frameworks for this subject in the campaigns open today on its unit or a unit above it."""
    kind = services.subject_kind_of(subject)
    field = SUBJECT_FIELDS[kind]
    started = {
        (a.campaign_id, a.framework_version_id): a
        for a in assessments
        if getattr(a, f"{field}_id") == subject.pk
    }
    language = get_language() or "vi"
    return [
        Offer(
            campaign=campaign,
            version=version,
            title=version.title(language),
            groups=[(g["code"], in_language(g["title"])) for g in version.spec.get("groups", [])],
            assessment=started.get((campaign.pk, version.pk)),
            subject_kind=kind,
            # The citizen's own record needs no id: the start view takes the signed-in user's.
            subject_id=None if kind == SubjectKind.PERSON else subject.pk,
        )
        for campaign, version in subject_selectors.subject_offers(_user(request), subject)
    ]


def home(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {}
    person = _own_person(request)
    if person is not None:
        user = _user(request)
        households = list(_households_headed(user))
        assessments = list(
            selectors.assessments_visible(user)
            .filter(Q(person=person) | Q(household__in=[h.pk for h in households]))
            .order_by("-campaign__year", "pk")
        )
        language = get_language() or "vi"
        context.update(
            person=person,
            person_units=list(Unit.objects.filter(pk__in=person.unit.ancestor_ids).order_by("-path")),
            assessments=[
                (a, a.framework_version.title(language)) for a in assessments if a.person_id is not None
            ],
            offers=_offers(request, person, assessments),
            households=[
                (
                    household,
                    [
                        (a, a.framework_version.title(language))
                        for a in assessments
                        if a.household_id == household.pk
                    ],
                    _offers(request, household, assessments),
                )
                for household in households
            ],
        )
    return render(request, "home.html", context)


def _subject_to_start(user: User, kind: str, pk: int) -> Model:
    """The subject named by a start form, as far as the user may see it (404 otherwise).

    Officers reach the subjects of their units and below; a citizen only their own record and their household.
    Whether the user may assess the subject is for `services.assessment_start` to say (a household's member
    who is not its head is refused there).
    """
    if kind == SubjectKind.PERSON:
        return get_object_or_404(selectors.people_visible(user), pk=pk)
    found: QuerySet[Any] = {
        SubjectKind.HOUSEHOLD: subject_selectors.households_visible,
        SubjectKind.CLAN: subject_selectors.clans_visible,
        SubjectKind.ORGANISATION: subject_selectors.organisations_visible,
        SubjectKind.COMMUNITY: subject_selectors.communities_visible,
    }[SubjectKind(kind)](user)
    return get_object_or_404(found, pk=pk)


@login_required
@require_POST
def assessment_start(request: HttpRequest) -> HttpResponse:
    """Open (or reopen) an assessment in a campaign.

    Without a subject: the current user's own self-assessment. With `subject_kind` and `subject_id`: a
    household the user heads, or (officers) any subject of their units, which they then fill in on its behalf.
    """
    form = StartAssessmentForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Choose a campaign and a framework."))
    user = _user(request)
    campaign = get_object_or_404(selectors.campaigns_visible(user), pk=form.cleaned_data["campaign"])
    version = get_object_or_404(campaign.frameworks.all(), pk=form.cleaned_data["framework_version"])
    kind = form.cleaned_data["subject_kind"] or SubjectKind.PERSON
    subject: Any
    if form.cleaned_data["subject_id"] is not None:
        subject = _subject_to_start(user, kind, form.cleaned_data["subject_id"])
    else:
        subject = _own_person(request)
        if subject is None:
            raise PermissionDenied(_("Register as a citizen first."))
    try:
        assessment = services.assessment_start(
            actor=user, campaign=campaign, subject=subject, version=version, group=form.cleaned_data["group"]
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        back = request.POST.get("next", "")
        safe = url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure())
        return redirect(back if back and safe else "home")
    return redirect("recognition:assessment", pk=assessment.pk)


# ---------------------------------------------------------------------------------------------------------
# The assessment page


@dataclass
class RollupValue:
    """A value computed from the members' results (a roll-up rule), shown read-only."""

    code: str
    title: str
    value: str  # as shown; empty when not computed yet
    over: str  # what the members are, e.g. "Household"
    provisional: bool


@dataclass
class Member:
    """A member of the subject (a person of a household or organisation, a household of a clan)."""

    name: str
    note: str  # "Head of the household", a position in the organisation…
    assessment: Assessment | None  # its own assessment in the same campaign, when the reader may see it


@dataclass
class Members:
    title: str
    rows: list[Member]
    total: int


def _rollup_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, float):
        return str(floatformat(value, -2))
    return str(value)


def _rollups(assessment: Assessment) -> list[RollupValue]:
    values = assessment.rollups or {}
    return [
        RollupValue(
            code=rule["code"],
            title=in_language(rule.get("title")) or rule["code"],
            value=_rollup_text(values.get(rule["code"])),
            over=str(SubjectKind(rule["over"]).label) if rule.get("over") in SubjectKind.values else "",
            provisional=bool(rule.get("provisional")),
        )
        for rule in assessment.framework_version.spec.get("rollups", [])
    ]


def _member_assessments(
    user: User, assessment: Assessment, field: str, ids: list[int]
) -> dict[int, Assessment]:
    """The members' own assessments in the same campaign, as far as the reader may see them.

    When the framework's roll-up rules name the frameworks they read (`framework`), only those count.
    """
    frameworks = {
        rule["framework"]
        for rule in assessment.framework_version.spec.get("rollups", [])
        if rule.get("framework") and rule.get("over") == field
    }
    found = selectors.assessments_visible(user).filter(
        campaign_id=assessment.campaign_id, **{f"{field}_id__in": ids}
    )
    if frameworks:
        found = found.filter(framework_version__code__in=frameworks)
    return {getattr(a, f"{field}_id"): a for a in found.order_by("-updated_at")[: len(ids) * 4]}


def _members(user: User, assessment: Assessment) -> Members | None:
    """Who the subject is made of, each with their own status in the campaign; None for citizens and
    communities (a community's members are too many to list here; its roll-ups say how they did)."""
    subject = assessment.subject
    if isinstance(subject, Household):
        people = subject_selectors.household_members(subject)
        found = list(people[:MEMBERS_SHOWN])
        statuses = _member_assessments(user, assessment, "person", [p.pk for p in found])
        head = _("Head of the household")
        rows = [
            Member(p.full_name, head if p.pk == subject.head_id else "", statuses.get(p.pk)) for p in found
        ]
        return Members(_("Members"), rows, people.count() if len(found) == MEMBERS_SHOWN else len(found))
    if isinstance(subject, Clan):
        households = subject_selectors.clan_households(subject)
        listed = list(households[:MEMBERS_SHOWN])
        statuses = _member_assessments(user, assessment, "household", [h.pk for h in listed])
        rows = [Member(h.name, h.unit.name, statuses.get(h.pk)) for h in listed]
        total = households.count() if len(listed) == MEMBERS_SHOWN else len(listed)
        return Members(_("Households"), rows, total)
    if isinstance(subject, Organisation):
        memberships = subject_selectors.organisation_memberships(subject)
        listed_m = list(memberships[:MEMBERS_SHOWN])
        statuses = _member_assessments(user, assessment, "person", [m.person_id for m in listed_m])
        rows = [Member(m.person.full_name, m.position, statuses.get(m.person_id)) for m in listed_m]
        total = memberships.count() if len(listed_m) == MEMBERS_SHOWN else len(listed_m)
        return Members(_("Members"), rows, total)
    return None


def _levels(version: FrameworkVersion) -> list[tuple[str, str]]:
    """Every level the engine can give (the `otherwise` one last), with its title in the current language."""
    rules = [*version.spec.get("levels", []), version.spec.get("otherwise") or {}]
    return [
        (rule["code"], in_language(rule.get("title")) or rule["code"]) for rule in rules if rule.get("code")
    ]


def _page(
    request: HttpRequest, assessment: Assessment, form: AssessmentForm, editable: bool, status: int = 200
) -> HttpResponse:
    version = assessment.framework_version
    result = assessment.result or {}
    feedback = version.spec.get("feedback") or {}
    # Where the subject is (the unit the record was made on); a community is that unit, so its place starts
    # at the unit above.
    place_ids = assessment.unit.ancestor_ids
    if assessment.subject_kind == SubjectKind.COMMUNITY:
        place_ids = place_ids[:-1]
    place = list(
        Unit.objects.filter(pk__in=place_ids)
        .exclude(level=Level.PROVINCE)
        .order_by("-path")
        .values_list("name", flat=True)
    )
    rollups = _rollups(assessment)
    receipt = selectors.receipt_to_show(assessment)
    context = {
        "assessment": assessment,
        "subject_name": assessment.subject_name,
        "subject_kind": SubjectKind(assessment.subject_kind).label,
        "is_person": assessment.subject_kind == SubjectKind.PERSON,
        "place": ", ".join(place),
        "version": version,
        "framework_title": version.title(get_language() or "vi"),
        "form": form,
        "competencies": form.competencies(list(assessment.evidence.all())),
        "editable": editable,
        "on_behalf": services.subject_user_id(assessment.subject) != request.user.pk,
        "result": result,
        "short": set(result.get("short", [])),
        "has_score": feedback.get("score") is not None,
        "has_pass_mark": feedback.get("pass_mark") is not None,
        "levels": _levels(version),
        "rollups": rollups,
        "any_provisional": version.is_provisional or any(rollup.provisional for rollup in rollups),
        "members": _members(_user(request), assessment),
        "group_field": form["group"] if "group" in form.fields else None,
        "stage_label": STAGE_LABELS.get(assessment.review_stage, assessment.review_stage),
        "saved_at": assessment.updated_at.isoformat(),
        # A submission sent through the API's intake (another application) and not yet applied, or refused.
        "receipt_waiting": receipt if receipt is not None and receipt.state == ReceiptState.PENDING else None,
        "receipt_refused": receipt if receipt is not None and receipt.state == ReceiptState.REFUSED else None,
        "show_reason": assessment.last_reason and assessment.status in (Status.RETURNED, Status.REJECTED),
        "can_appeal": can_appeal(_user(request), assessment),
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
    """The assessment page; POST saves (action=save) or saves and submits (action=submit)."""
    assessment = _assessment_or_404(_user(request), pk)
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
            # A submission sends what is on the screen, saved even when the submission is refused.
            assessment = services.assessment_save(
                actor=_user(request),
                assessment=assessment,
                answers=form.answers(),
                group=form.group() or None,
                notes=form.notes(),
                submit=request.POST.get("action") == "submit",
            )
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
    assessment = _assessment_or_404(_user(request), pk)
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
    # Only what scoring reads: no subject.
    found = selectors.assessments_visible(_user(request)).select_related(None)
    assessment = get_object_or_404(found.select_related("framework_version", "unit"), pk=pk)
    version = assessment.framework_version
    form = AssessmentForm(request.POST, version=version)
    answers = form.answers()
    group = form.group() or assessment.group
    errors: dict[str, str] = {}
    try:
        result = services.assessment_evaluate(
            version=version, unit=assessment.unit, group=group, answers=answers, rollups=assessment.rollups
        )
    except ValidationError as error:
        errors = {code: " ".join(texts) for code, texts in error.message_dict.items()}
        valid = {code: value for code, value in answers.items() if code not in errors}
        result = services.assessment_evaluate(
            version=version, unit=assessment.unit, group=group, answers=valid, rollups=assessment.rollups
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
    assessment = _assessment_or_404(_user(request), pk)
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
