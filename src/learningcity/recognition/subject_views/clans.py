"""Clans and their households."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from learningcity.accounts import policy

from ..models import Clan
from ..officer_pages import Officer, add_errors, officer_page
from ..selectors import subjects as subject_selectors
from ..services import subjects
from ..subject_forms import (
    ClanForm,
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
def clans(request: HttpRequest, officer: Officer) -> HttpResponse:
    form, data = search_query(request)
    rows = subject_selectors.clans_search(officer.user, data.get("q", "")).order_by("name_folded", "pk")
    return subject_page(
        request,
        officer,
        "subjects/clans.html",
        {"form": form, "page": paged(request, rows), "can_create": officer.holds(subjects.CLAN_ROLES)},
    )


@officer_page(subjects.CLAN_ROLES)
def clan_create(request: HttpRequest, officer: Officer) -> HttpResponse:
    form = ClanForm(
        request.POST if request.method == "POST" else None,
        user=officer.user,
        roles=subjects.CLAN_ROLES,
        create=True,
    )
    if form.is_bound and form.is_valid():
        try:
            created = subjects.clan_create(actor=officer.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request, _("%(name)s was registered. Now add its households.") % {"name": created.name}
            )
            return redirect("subjects:clan", pk=created.pk)
    return subject_page(request, officer, "subjects/clan_form.html", {"form": form, "clan": None})


def _clan(officer: Officer, pk: int) -> Clan:
    return get_object_or_404(subject_selectors.clans_visible(officer.user), pk=pk)


@officer_page(READERS, methods=("GET",))
def clan(request: HttpRequest, officer: Officer, pk: int) -> HttpResponse:
    subject = _clan(officer, pk)
    can_edit = officer.holds(subjects.CLAN_ROLES) and policy.covers(
        officer.user, subjects.CLAN_ROLES, subject.unit
    )
    find, data = search_query(request)
    candidates = (
        list(
            subject_selectors.clan_candidates(officer.user, subject, data["q"]).select_related("unit")[
                :CANDIDATES_SHOWN
            ]
        )
        if can_edit and data.get("q")
        else []
    )
    return subject_page(
        request,
        officer,
        "subjects/clan.html",
        {
            "clan": subject,
            "households": list(subject_selectors.clan_households(subject)),
            "can_edit": can_edit,
            "find": find,
            "candidates": candidates,
            **subject_context(officer, subject),
        },
    )


@officer_page(subjects.CLAN_ROLES)
def clan_edit(request: HttpRequest, officer: Officer, pk: int) -> HttpResponse:
    subject = _clan(officer, pk)
    form = ClanForm(
        request.POST if request.method == "POST" else None,
        user=officer.user,
        roles=subjects.CLAN_ROLES,
        create=False,
        initial={"name": subject.name},
    )
    if form.is_bound and form.is_valid():
        try:
            subjects.clan_update(actor=officer.user, clan=subject, name=form.cleaned_data["name"])
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("subjects:clan", pk=subject.pk)
    return subject_page(request, officer, "subjects/clan_form.html", {"form": form, "clan": subject})


@officer_page(subjects.CLAN_ROLES, methods=("POST",))
def clan_household_add(request: HttpRequest, officer: Officer, pk: int) -> HttpResponse:
    subject = _clan(officer, pk)
    member = picked(request, subject_selectors.households_visible(officer.user))
    try:
        subjects.clan_household_add(actor=officer.user, clan=subject, household=member)
    except ValidationError as exc:
        service_error(request, exc)
    else:
        messages.success(request, _("%(name)s joined the clan.") % {"name": member.name})
    return redirect("subjects:clan", pk=subject.pk)


@officer_page(subjects.CLAN_ROLES, methods=("POST",))
def clan_household_remove(request: HttpRequest, officer: Officer, pk: int, household_pk: int) -> HttpResponse:
    subject = _clan(officer, pk)
    member = get_object_or_404(subject_selectors.clan_households(subject), pk=household_pk)
    subjects.clan_household_remove(actor=officer.user, clan=subject, household=member)
    messages.success(request, _("%(name)s left the clan.") % {"name": member.name})
    return redirect("subjects:clan", pk=subject.pk)


@officer_page(policy.ENROLMENT_ROLES, methods=("POST",))
def clan_start(request: HttpRequest, officer: Officer, pk: int) -> HttpResponse:
    subject = _clan(officer, pk)
    return subject_start(request, officer, subject, reverse("subjects:clan", kwargs={"pk": subject.pk}))
