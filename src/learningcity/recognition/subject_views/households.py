"""Households and their members."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from learningcity.accounts import policy

from ..models import Household
from ..officer_pages import Officer, add_errors, officer_page
from ..selectors import subjects as subject_selectors
from ..services import subjects
from ..subject_forms import (
    HouseholdForm,
    MemberEnrolForm,
)
from .common import (
    CANDIDATES_SHOWN,
    READERS,
    paged,
    picked,
    search_query,
    service_error,
    subject_context,
    subject_page,
    subject_start,
)


@officer_page(READERS, methods=("GET",))
def households(request: HttpRequest, officer: Officer) -> HttpResponse:
    form, data = search_query(request)
    rows = subject_selectors.households_search(officer.user, data.get("q", "")).order_by("name_folded", "pk")
    return subject_page(
        request,
        officer,
        "subjects/households.html",
        {"form": form, "page": paged(request, rows), "can_create": officer.holds(subjects.HOUSEHOLD_ROLES)},
    )


@officer_page(subjects.HOUSEHOLD_ROLES)
def household_create(request: HttpRequest, officer: Officer) -> HttpResponse:
    form = HouseholdForm(
        request.POST if request.method == "POST" else None, user=officer.user, roles=subjects.HOUSEHOLD_ROLES
    )
    if form.is_bound and form.is_valid():
        try:
            created = subjects.household_create(actor=officer.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request, _("%(name)s was registered. Now add its members.") % {"name": created.name}
            )
            return redirect("subjects:household", pk=created.pk)
    return subject_page(request, officer, "subjects/household_form.html", {"form": form, "household": None})


def _household(officer: Officer, pk: int) -> Household:
    return get_object_or_404(subject_selectors.households_visible(officer.user), pk=pk)


@officer_page(READERS, methods=("GET",))
def household(request: HttpRequest, officer: Officer, pk: int) -> HttpResponse:
    subject = _household(officer, pk)
    can_edit = officer.holds(subjects.HOUSEHOLD_ROLES) and policy.covers(
        officer.user, subjects.HOUSEHOLD_ROLES, subject.unit
    )
    find, data = search_query(request)
    candidates = (
        list(subject_selectors.household_candidates(officer.user, subject, data["q"])[:CANDIDATES_SHOWN])
        if can_edit and data.get("q")
        else []
    )
    return subject_page(
        request,
        officer,
        "subjects/household.html",
        {
            "household": subject,
            "members": list(subject_selectors.household_members(subject)),
            "can_edit": can_edit,
            "find": find,
            "candidates": candidates,
            **subject_context(officer, subject),
        },
    )


@officer_page(subjects.HOUSEHOLD_ROLES)
def household_edit(request: HttpRequest, officer: Officer, pk: int) -> HttpResponse:
    subject = _household(officer, pk)
    members = subject_selectors.household_members(subject)
    initial = {"name": subject.name, "register_number": subject.register_number, "head": subject.head_id}
    form = HouseholdForm(
        request.POST if request.method == "POST" else None,
        user=officer.user,
        roles=subjects.HOUSEHOLD_ROLES,
        members=members,
        initial=initial,
    )
    if form.is_bound and form.is_valid():
        try:
            subjects.household_update(actor=officer.user, household=subject, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("subjects:household", pk=subject.pk)
    return subject_page(
        request, officer, "subjects/household_form.html", {"form": form, "household": subject}
    )


@officer_page(subjects.HOUSEHOLD_ROLES, methods=("POST",))
def household_member_add(request: HttpRequest, officer: Officer, pk: int) -> HttpResponse:
    subject = _household(officer, pk)
    person = picked(request, subject_selectors.people_current(officer.user))
    try:
        subjects.household_member_add(actor=officer.user, household=subject, person=person)
    except ValidationError as exc:
        service_error(request, exc)
    else:
        messages.success(request, _("%(name)s joined the household.") % {"name": person.full_name})
    return redirect("subjects:household", pk=subject.pk)


@officer_page(subjects.HOUSEHOLD_ROLES)
def household_member_enrol(request: HttpRequest, officer: Officer, pk: int) -> HttpResponse:
    subject = _household(officer, pk)
    form = MemberEnrolForm(request.POST if request.method == "POST" else None, user=officer.user)
    if form.is_bound and form.is_valid():
        try:
            person = subjects.household_member_enrol(
                actor=officer.user, household=subject, **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request, _("%(name)s is registered and joined the household.") % {"name": person.full_name}
            )
            return redirect("subjects:household", pk=subject.pk)
    return subject_page(request, officer, "subjects/member_enrol.html", {"form": form, "household": subject})


@officer_page(subjects.HOUSEHOLD_ROLES, methods=("POST",))
def household_member_remove(request: HttpRequest, officer: Officer, pk: int, person_pk: int) -> HttpResponse:
    subject = _household(officer, pk)
    person = get_object_or_404(subject_selectors.household_members(subject), pk=person_pk)
    subjects.household_member_remove(actor=officer.user, household=subject, person=person)
    messages.success(request, _("%(name)s left the household.") % {"name": person.full_name})
    return redirect("subjects:household", pk=subject.pk)


@officer_page(policy.ENROLMENT_ROLES, methods=("POST",))
def household_start(request: HttpRequest, officer: Officer, pk: int) -> HttpResponse:
    subject = _household(officer, pk)
    return subject_start(request, officer, subject, reverse("subjects:household", kwargs={"pk": subject.pk}))
