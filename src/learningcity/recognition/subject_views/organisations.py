"""Organisations and their members."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from learningcity.accounts import policy

from ..models import Organisation
from ..officer_pages import Officer, add_errors, officer_page
from ..selectors import subjects as subject_selectors
from ..services import subjects
from ..subject_forms import (
    MemberForm,
    OrganisationForm,
    OrganisationSearchForm,
)
from .common import (
    CANDIDATES_SHOWN,
    READERS,
    paged,
    search_query,
    service_error,
    subject_context,
    subject_page,
    subject_start,
)


@officer_page(READERS, methods=("GET",))
def organisations(request: HttpRequest, officer: Officer) -> HttpResponse:
    form, data = search_query(request, OrganisationSearchForm)
    rows = subject_selectors.organisations_search(
        officer.user, data.get("q", ""), data.get("kind", "")
    ).order_by("name_folded", "pk")
    return subject_page(
        request,
        officer,
        "subjects/organisations.html",
        {
            "form": form,
            "page": paged(request, rows),
            "can_create": officer.holds(subjects.ORGANISATION_ROLES),
        },
    )


@officer_page(subjects.ORGANISATION_ROLES)
def organisation_create(request: HttpRequest, officer: Officer) -> HttpResponse:
    form = OrganisationForm(
        request.POST if request.method == "POST" else None,
        user=officer.user,
        roles=subjects.ORGANISATION_ROLES,
        create=True,
    )
    if form.is_bound and form.is_valid():
        try:
            created = subjects.organisation_create(actor=officer.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request, _("%(name)s was registered. Now add its members.") % {"name": created.name}
            )
            return redirect("subjects:organisation", pk=created.pk)
    return subject_page(
        request, officer, "subjects/organisation_form.html", {"form": form, "organisation": None}
    )


def _organisation(officer: Officer, pk: int) -> Organisation:
    return get_object_or_404(subject_selectors.organisations_visible(officer.user), pk=pk)


@officer_page(READERS, methods=("GET",))
def organisation(request: HttpRequest, officer: Officer, pk: int) -> HttpResponse:
    subject = _organisation(officer, pk)
    can_edit = officer.holds(subjects.ORGANISATION_ROLES) and policy.covers(
        officer.user, subjects.ORGANISATION_ROLES, subject.unit
    )
    find, data = search_query(request)
    candidates = (
        list(
            subject_selectors.organisation_candidates(officer.user, subject, data["q"]).select_related(
                "unit__parent"
            )[:CANDIDATES_SHOWN]
        )
        if can_edit and data.get("q")
        else []
    )
    return subject_page(
        request,
        officer,
        "subjects/organisation.html",
        {
            "organisation": subject,
            "memberships": list(subject_selectors.organisation_memberships(subject)),
            "can_edit": can_edit,
            "find": find,
            "candidates": candidates,
            **subject_context(officer, subject),
        },
    )


@officer_page(subjects.ORGANISATION_ROLES)
def organisation_edit(request: HttpRequest, officer: Officer, pk: int) -> HttpResponse:
    subject = _organisation(officer, pk)
    form = OrganisationForm(
        request.POST if request.method == "POST" else None,
        user=officer.user,
        roles=subjects.ORGANISATION_ROLES,
        create=False,
        initial={"name": subject.name, "kind": subject.kind, "is_reviewing_body": subject.is_reviewing_body},
    )
    if form.is_bound and form.is_valid():
        try:
            subjects.organisation_update(actor=officer.user, organisation=subject, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("subjects:organisation", pk=subject.pk)
    return subject_page(
        request, officer, "subjects/organisation_form.html", {"form": form, "organisation": subject}
    )


@officer_page(subjects.ORGANISATION_ROLES, methods=("POST",))
def organisation_member_add(request: HttpRequest, officer: Officer, pk: int) -> HttpResponse:
    subject = _organisation(officer, pk)
    form = MemberForm(request.POST)
    if not form.is_valid():
        raise Http404
    person = get_object_or_404(subject_selectors.people_current(officer.user), pk=form.cleaned_data["pk"])
    try:
        subjects.organisation_member_add(
            actor=officer.user, organisation=subject, person=person, position=form.cleaned_data["position"]
        )
    except ValidationError as exc:
        service_error(request, exc)
    else:
        messages.success(request, _("%(name)s is now a member.") % {"name": person.full_name})
    return redirect("subjects:organisation", pk=subject.pk)


@officer_page(subjects.ORGANISATION_ROLES, methods=("POST",))
def organisation_member_remove(
    request: HttpRequest, officer: Officer, pk: int, person_pk: int
) -> HttpResponse:
    subject = _organisation(officer, pk)
    membership = get_object_or_404(subject_selectors.organisation_memberships(subject), person_id=person_pk)
    subjects.organisation_member_remove(actor=officer.user, organisation=subject, person=membership.person)
    messages.success(request, _("%(name)s is no longer a member.") % {"name": membership.person.full_name})
    return redirect("subjects:organisation", pk=subject.pk)


@officer_page(policy.ENROLMENT_ROLES, methods=("POST",))
def organisation_start(request: HttpRequest, officer: Officer, pk: int) -> HttpResponse:
    subject = _organisation(officer, pk)
    return subject_start(
        request, officer, subject, reverse("subjects:organisation", kwargs={"pk": subject.pk})
    )
