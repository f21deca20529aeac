"""People in the officer's area, enrolment on a citizen's behalf, and opening a self-assessment for one."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from learningcity.accounts import policy
from learningcity.accounts.models import User
from learningcity.frameworks.models import FrameworkVersion

from .. import selectors, services
from ..models import Campaign, Person
from ..officer_forms import (
    AssessmentStartForm,
    EnrolForm,
    PeopleSearchForm,
)
from ..officer_pages import PAGE_SIZE, Officer, add_errors, officer_page, render_officer


def _sensitive_ids(user: User, people: Sequence[Person]) -> set[int]:
    """`selectors.person_can_see_sensitive` for a page of people at once (the same rule, one query)."""
    ids = [person.pk for person in people]
    covered = policy.scoped(Person.objects.filter(pk__in=ids), user, policy.SENSITIVE_DATA_ROLES, "unit")
    own = {person.pk for person in people if person.user_id is not None and person.user_id == user.pk}
    return set(covered.values_list("pk", flat=True)) | own


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


@officer_page(methods=("GET",))
def people(request: HttpRequest, officer: Officer) -> HttpResponse:
    form = PeopleSearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    rows = selectors.people_search(officer.user, query).select_related("unit__parent")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    items = list(page)
    sensitive = _sensitive_ids(officer.user, items)
    return render_officer(
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
    return render_officer(
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


@officer_page(policy.ENROLMENT_ROLES)
def enrol(request: HttpRequest, officer: Officer) -> HttpResponse:
    form = EnrolForm(request.POST if request.method == "POST" else None, user=officer.user)
    if form.is_bound and form.is_valid():
        try:
            enrolled = services.person_enrol(actor=officer.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s is registered. Now open their assessment.") % {"name": enrolled.full_name},
            )
            return redirect("officer:start", pk=enrolled.pk)
    return render_officer(request, officer, "officer/enrol.html", {"form": form})


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
            add_errors(form, exc)
        else:
            # The officer fills it in with the citizen on the citizen's own assessment page.
            return redirect("recognition:assessment", pk=assessment.pk)
    return render_officer(request, officer, "officer/start.html", {"person": subject, "form": form})
