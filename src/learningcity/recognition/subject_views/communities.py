"""Communities: a hamlet or a commune is its own learning community."""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse

from learningcity.accounts import policy
from learningcity.territory.models import Unit

from ..models import Household, Person
from ..officer_pages import Officer, officer_page
from ..selectors import subjects as subject_selectors
from .common import (
    READERS,
    paged,
    search_query,
    subject_context,
    subject_page,
    subject_start,
)


@officer_page(READERS, methods=("GET",))
def communities(request: HttpRequest, officer: Officer) -> HttpResponse:
    form, data = search_query(request)
    rows = subject_selectors.communities_search(officer.user, data.get("q", "")).annotate(
        household_count=Count("households")
    )
    return subject_page(
        request, officer, "subjects/communities.html", {"form": form, "page": paged(request, rows)}
    )


def _community(officer: Officer, pk: int) -> Unit:
    return get_object_or_404(subject_selectors.communities_visible(officer.user), pk=pk)


@officer_page(READERS, methods=("GET",))
def community(request: HttpRequest, officer: Officer, pk: int) -> HttpResponse:
    unit = _community(officer, pk)
    counts = {
        "households": Household.objects.filter(unit__path__startswith=unit.path).count(),
        "people": Person.objects.filter(unit__path__startswith=unit.path, merged_into__isnull=True).count(),
    }
    return subject_page(
        request,
        officer,
        "subjects/community.html",
        {"community": unit, "counts": counts, **subject_context(officer, unit)},
    )


@officer_page(policy.ENROLMENT_ROLES, methods=("POST",))
def community_start(request: HttpRequest, officer: Officer, pk: int) -> HttpResponse:
    unit = _community(officer, pk)
    return subject_start(request, officer, unit, reverse("subjects:community", kwargs={"pk": unit.pk}))
