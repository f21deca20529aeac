"""What every subject page shares: the officer menu with the subject tabs, search and paging, a
subject's assessments and what it can be started in."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from learningcity.accounts import policy
from learningcity.territory import population
from learningcity.territory.models import Unit

from .. import services
from ..models import Assessment, Clan, Household, Organisation
from ..officer_pages import PAGE_SIZE, Officer, render_officer
from ..selectors import subjects as subject_selectors
from ..services import duplicates
from ..subject_forms import (
    OfferForm,
    PickForm,
    SearchForm,
)

READERS = policy.OFFICER_ROLES
# How many people or households a "find and add" search lists at once.
CANDIDATES_SHOWN = 20

Subject = Household | Clan | Organisation | Unit
# The tab each page belongs to, by the start of its URL name.
SECTIONS = ("household", "clan", "organisation", "communit", "duplicates", "population")


def subject_page(
    request: HttpRequest, officer: Officer, template: str, context: dict[str, Any]
) -> HttpResponse:
    """Render with the officer menu and the subject pages' tabs, each offered only to the roles it serves."""
    tabs = {
        "duplicates": officer.holds(duplicates.MERGE_ROLES),
        "population_import": officer.holds(population.POPULATION_ROLES),
    }
    name = request.resolver_match.url_name if request.resolver_match else ""
    section = next((tab for tab in SECTIONS if (name or "").startswith(tab)), "")
    return render_officer(request, officer, template, {**context, "subject_tabs": tabs, "section": section})


def search_query(
    request: HttpRequest, form_class: type[SearchForm] = SearchForm
) -> tuple[SearchForm, dict[str, Any]]:
    form = form_class(request.GET)
    return form, (form.cleaned_data if form.is_valid() else {})


def paged(request: HttpRequest, rows: QuerySet | Sequence[Any]) -> Any:
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


def service_error(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


# --------------------------------------------------------------------------------------------------------
# A subject's assessments and starting one


def _assessment_rows(officer: Officer, subject: Subject) -> list[tuple[Assessment, str]]:
    language = get_language() or "vi"
    return [
        (a, a.framework_version.title(language))
        for a in subject_selectors.subject_assessments(officer.user, subject).select_related("unit")
    ]


def _offer_rows(
    officer: Officer, subject: Subject, assessments: list[tuple[Assessment, str]]
) -> list[tuple[str, str, Assessment | None]]:
    """(form value, label, the assessment already started) per framework the subject can be assessed in."""
    language = get_language() or "vi"
    started = {(a.campaign_id, a.framework_version_id): a for a, _title in assessments}
    return [
        (
            f"{campaign.pk}:{version.pk}",
            f"{campaign.name} ({campaign.year}) · {version.title(language)}",
            started.get((campaign.pk, version.pk)),
        )
        for campaign, version in subject_selectors.subject_offers(officer.user, subject)
    ]


def subject_context(officer: Officer, subject: Subject) -> dict[str, Any]:
    """What every subject page shows below its members: its assessments, and what it can be assessed in by
    someone who may fill it in on its behalf (`services.can_edit_for`)."""
    assessments = _assessment_rows(officer, subject)
    can_start = officer.holds(policy.ENROLMENT_ROLES) and services.can_edit_for(officer.user, subject)
    return {
        "assessments": assessments,
        "can_start": can_start,
        "offers": _offer_rows(officer, subject, assessments) if can_start else [],
    }


def subject_start(request: HttpRequest, officer: Officer, subject: Subject, back: str) -> HttpResponse:
    """Open (or reopen) the subject's assessment in one of its offers, to fill in on the assessment page."""
    form = OfferForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a campaign and a framework."))
        return redirect(back)
    offers = {
        (campaign.pk, version.pk): (campaign, version)
        for campaign, version in subject_selectors.subject_offers(officer.user, subject)
    }
    chosen = offers.get(form.chosen())
    if chosen is None:
        raise Http404
    campaign, version = chosen
    try:
        assessment = services.assessment_start(
            actor=officer.user, campaign=campaign, subject=subject, version=version
        )
    except ValidationError as exc:
        service_error(request, exc)
        return redirect(back)
    return redirect("recognition:assessment", pk=assessment.pk)


def picked(request: HttpRequest, queryset: QuerySet) -> Any:
    """The record a "pick" form names, among those the page offered (404 otherwise)."""
    form = PickForm(request.POST)
    if not form.is_valid():
        raise Http404
    return get_object_or_404(queryset, pk=form.cleaned_data["pk"])
