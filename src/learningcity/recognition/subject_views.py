"""Officer pages of the subjects beside citizens, mounted at /officer/subjects/: households and their members,
clans and their households, organisations and their members, communities (a hamlet or commune is its own
learning community), duplicate people, population figures, and next year's campaign (rollover).

The same rules as the other officer pages (`officer_views`): the page gate answers sign-in (redirect) and role
(403); the scoped selectors answer which records a user reaches (outside the area: 404, whatever the method);
the services check role and scope again on every write, and a refusal there is a 403.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from learningcity.accounts import policy
from learningcity.territory import population
from learningcity.territory.models import Unit

from . import selectors, services
from .models import Assessment, Clan, Household, Organisation, Person, SubjectKind
from .officer_views import PAGE_SIZE, Officer, _add_errors, _render, officer_page
from .selectors import subjects as subject_selectors
from .services import duplicates, rollover, subjects
from .subject_forms import (
    ClanForm,
    HouseholdForm,
    MemberEnrolForm,
    MemberForm,
    MergeForm,
    OfferForm,
    OrganisationForm,
    OrganisationSearchForm,
    PickForm,
    PopulationForm,
    PopulationImportForm,
    RolloverForm,
    SearchForm,
)

READERS = policy.OFFICER_ROLES
# How many people or households a "find and add" search lists at once.
CANDIDATES_SHOWN = 20

Subject = Household | Clan | Organisation | Unit
# The tab each page belongs to, by the start of its URL name.
SECTIONS = ("household", "clan", "organisation", "communit", "duplicates", "population")


def _page(request: HttpRequest, officer: Officer, template: str, context: dict[str, Any]) -> HttpResponse:
    """Render with the officer menu and the subject pages' tabs, each offered only to the roles it serves."""
    tabs = {
        "duplicates": officer.holds(duplicates.MERGE_ROLES),
        "population_import": officer.holds(population.POPULATION_ROLES),
    }
    name = request.resolver_match.url_name if request.resolver_match else ""
    section = next((tab for tab in SECTIONS if (name or "").startswith(tab)), "")
    return _render(request, officer, template, {**context, "subject_tabs": tabs, "section": section})


def _query(
    request: HttpRequest, form_class: type[SearchForm] = SearchForm
) -> tuple[SearchForm, dict[str, Any]]:
    form = form_class(request.GET)
    return form, (form.cleaned_data if form.is_valid() else {})


def _paged(request: HttpRequest, rows: QuerySet | Sequence[Any]) -> Any:
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


def _service_error(request: HttpRequest, exc: ValidationError) -> None:
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


def _subject_context(officer: Officer, subject: Subject) -> dict[str, Any]:
    """What every subject page shows below its members: its assessments, and what it can be assessed in by
    someone who may fill it in on its behalf (`services.can_edit_for`)."""
    assessments = _assessment_rows(officer, subject)
    can_start = officer.holds(policy.ENROLMENT_ROLES) and services.can_edit_for(officer.user, subject)
    return {
        "assessments": assessments,
        "can_start": can_start,
        "offers": _offer_rows(officer, subject, assessments) if can_start else [],
    }


def _start(request: HttpRequest, officer: Officer, subject: Subject, back: str) -> HttpResponse:
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
        _service_error(request, exc)
        return redirect(back)
    return redirect("recognition:assessment", pk=assessment.pk)


def _picked(request: HttpRequest, queryset: QuerySet) -> Any:
    """The record a "pick" form names, among those the page offered (404 otherwise)."""
    form = PickForm(request.POST)
    if not form.is_valid():
        raise Http404
    return get_object_or_404(queryset, pk=form.cleaned_data["pk"])


# --------------------------------------------------------------------------------------------------------
# Households


@officer_page(READERS, methods=("GET",))
def households(request: HttpRequest, officer: Officer) -> HttpResponse:
    form, data = _query(request)
    rows = subject_selectors.households_search(officer.user, data.get("q", "")).order_by("name_folded", "pk")
    return _page(
        request,
        officer,
        "subjects/households.html",
        {"form": form, "page": _paged(request, rows), "can_create": officer.holds(subjects.HOUSEHOLD_ROLES)},
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
            _add_errors(form, exc)
        else:
            messages.success(
                request, _("%(name)s was registered. Now add its members.") % {"name": created.name}
            )
            return redirect("subjects:household", pk=created.pk)
    return _page(request, officer, "subjects/household_form.html", {"form": form, "household": None})


def _household(officer: Officer, pk: int) -> Household:
    return get_object_or_404(subject_selectors.households_visible(officer.user), pk=pk)


@officer_page(READERS, methods=("GET",))
def household(request: HttpRequest, officer: Officer, pk: int) -> HttpResponse:
    subject = _household(officer, pk)
    can_edit = officer.holds(subjects.HOUSEHOLD_ROLES) and policy.covers(
        officer.user, subjects.HOUSEHOLD_ROLES, subject.unit
    )
    find, data = _query(request)
    candidates = (
        list(subject_selectors.household_candidates(officer.user, subject, data["q"])[:CANDIDATES_SHOWN])
        if can_edit and data.get("q")
        else []
    )
    return _page(
        request,
        officer,
        "subjects/household.html",
        {
            "household": subject,
            "members": list(subject_selectors.household_members(subject)),
            "can_edit": can_edit,
            "find": find,
            "candidates": candidates,
            **_subject_context(officer, subject),
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
            _add_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("subjects:household", pk=subject.pk)
    return _page(request, officer, "subjects/household_form.html", {"form": form, "household": subject})


@officer_page(subjects.HOUSEHOLD_ROLES, methods=("POST",))
def household_member_add(request: HttpRequest, officer: Officer, pk: int) -> HttpResponse:
    subject = _household(officer, pk)
    person = _picked(request, subject_selectors.people_current(officer.user))
    try:
        subjects.household_member_add(actor=officer.user, household=subject, person=person)
    except ValidationError as exc:
        _service_error(request, exc)
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
            _add_errors(form, exc)
        else:
            messages.success(
                request, _("%(name)s is registered and joined the household.") % {"name": person.full_name}
            )
            return redirect("subjects:household", pk=subject.pk)
    return _page(request, officer, "subjects/member_enrol.html", {"form": form, "household": subject})


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
    return _start(request, officer, subject, reverse("subjects:household", kwargs={"pk": subject.pk}))


# --------------------------------------------------------------------------------------------------------
# Clans


@officer_page(READERS, methods=("GET",))
def clans(request: HttpRequest, officer: Officer) -> HttpResponse:
    form, data = _query(request)
    rows = subject_selectors.clans_search(officer.user, data.get("q", "")).order_by("name_folded", "pk")
    return _page(
        request,
        officer,
        "subjects/clans.html",
        {"form": form, "page": _paged(request, rows), "can_create": officer.holds(subjects.CLAN_ROLES)},
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
            _add_errors(form, exc)
        else:
            messages.success(
                request, _("%(name)s was registered. Now add its households.") % {"name": created.name}
            )
            return redirect("subjects:clan", pk=created.pk)
    return _page(request, officer, "subjects/clan_form.html", {"form": form, "clan": None})


def _clan(officer: Officer, pk: int) -> Clan:
    return get_object_or_404(subject_selectors.clans_visible(officer.user), pk=pk)


@officer_page(READERS, methods=("GET",))
def clan(request: HttpRequest, officer: Officer, pk: int) -> HttpResponse:
    subject = _clan(officer, pk)
    can_edit = officer.holds(subjects.CLAN_ROLES) and policy.covers(
        officer.user, subjects.CLAN_ROLES, subject.unit
    )
    find, data = _query(request)
    candidates = (
        list(
            subject_selectors.clan_candidates(officer.user, subject, data["q"]).select_related("unit")[
                :CANDIDATES_SHOWN
            ]
        )
        if can_edit and data.get("q")
        else []
    )
    return _page(
        request,
        officer,
        "subjects/clan.html",
        {
            "clan": subject,
            "households": list(subject_selectors.clan_households(subject)),
            "can_edit": can_edit,
            "find": find,
            "candidates": candidates,
            **_subject_context(officer, subject),
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
            _add_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("subjects:clan", pk=subject.pk)
    return _page(request, officer, "subjects/clan_form.html", {"form": form, "clan": subject})


@officer_page(subjects.CLAN_ROLES, methods=("POST",))
def clan_household_add(request: HttpRequest, officer: Officer, pk: int) -> HttpResponse:
    subject = _clan(officer, pk)
    member = _picked(request, subject_selectors.households_visible(officer.user))
    try:
        subjects.clan_household_add(actor=officer.user, clan=subject, household=member)
    except ValidationError as exc:
        _service_error(request, exc)
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
    return _start(request, officer, subject, reverse("subjects:clan", kwargs={"pk": subject.pk}))


# --------------------------------------------------------------------------------------------------------
# Organisations


@officer_page(READERS, methods=("GET",))
def organisations(request: HttpRequest, officer: Officer) -> HttpResponse:
    form, data = _query(request, OrganisationSearchForm)
    rows = subject_selectors.organisations_search(
        officer.user, data.get("q", ""), data.get("kind", "")
    ).order_by("name_folded", "pk")
    return _page(
        request,
        officer,
        "subjects/organisations.html",
        {
            "form": form,
            "page": _paged(request, rows),
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
            _add_errors(form, exc)
        else:
            messages.success(
                request, _("%(name)s was registered. Now add its members.") % {"name": created.name}
            )
            return redirect("subjects:organisation", pk=created.pk)
    return _page(request, officer, "subjects/organisation_form.html", {"form": form, "organisation": None})


def _organisation(officer: Officer, pk: int) -> Organisation:
    return get_object_or_404(subject_selectors.organisations_visible(officer.user), pk=pk)


@officer_page(READERS, methods=("GET",))
def organisation(request: HttpRequest, officer: Officer, pk: int) -> HttpResponse:
    subject = _organisation(officer, pk)
    can_edit = officer.holds(subjects.ORGANISATION_ROLES) and policy.covers(
        officer.user, subjects.ORGANISATION_ROLES, subject.unit
    )
    find, data = _query(request)
    candidates = (
        list(
            subject_selectors.organisation_candidates(officer.user, subject, data["q"]).select_related(
                "unit__parent"
            )[:CANDIDATES_SHOWN]
        )
        if can_edit and data.get("q")
        else []
    )
    return _page(
        request,
        officer,
        "subjects/organisation.html",
        {
            "organisation": subject,
            "memberships": list(subject_selectors.organisation_memberships(subject)),
            "can_edit": can_edit,
            "find": find,
            "candidates": candidates,
            **_subject_context(officer, subject),
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
            _add_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("subjects:organisation", pk=subject.pk)
    return _page(request, officer, "subjects/organisation_form.html", {"form": form, "organisation": subject})


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
        _service_error(request, exc)
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
    return _start(request, officer, subject, reverse("subjects:organisation", kwargs={"pk": subject.pk}))


# --------------------------------------------------------------------------------------------------------
# Communities: a hamlet or commune


@officer_page(READERS, methods=("GET",))
def communities(request: HttpRequest, officer: Officer) -> HttpResponse:
    form, data = _query(request)
    rows = subject_selectors.communities_search(officer.user, data.get("q", "")).annotate(
        household_count=Count("households")
    )
    return _page(request, officer, "subjects/communities.html", {"form": form, "page": _paged(request, rows)})


def _community(officer: Officer, pk: int) -> Unit:
    return get_object_or_404(subject_selectors.communities_visible(officer.user), pk=pk)


@officer_page(READERS, methods=("GET",))
def community(request: HttpRequest, officer: Officer, pk: int) -> HttpResponse:
    unit = _community(officer, pk)
    counts = {
        "households": Household.objects.filter(unit__path__startswith=unit.path).count(),
        "people": Person.objects.filter(unit__path__startswith=unit.path, merged_into__isnull=True).count(),
    }
    return _page(
        request,
        officer,
        "subjects/community.html",
        {"community": unit, "counts": counts, **_subject_context(officer, unit)},
    )


@officer_page(policy.ENROLMENT_ROLES, methods=("POST",))
def community_start(request: HttpRequest, officer: Officer, pk: int) -> HttpResponse:
    unit = _community(officer, pk)
    return _start(request, officer, unit, reverse("subjects:community", kwargs={"pk": unit.pk}))


# --------------------------------------------------------------------------------------------------------
# Duplicate people


@officer_page(duplicates.MERGE_ROLES)
def duplicate_people(request: HttpRequest, officer: Officer) -> HttpResponse:
    """The groups of probable duplicates, each with a merge form; POST merges two records of one group."""
    form = MergeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        people = subject_selectors.people_current(officer.user)
        keep = get_object_or_404(people, pk=form.cleaned_data["keep"])
        duplicate = get_object_or_404(people, pk=form.cleaned_data["duplicate"])
        try:
            duplicates.person_merge(
                actor=officer.user, keep=keep, duplicate=duplicate, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(duplicate)s was merged into %(keep)s.")
                % {"duplicate": duplicate.full_name, "keep": keep.full_name},
            )
            return redirect("subjects:duplicates")
    groups = subject_selectors.people_duplicates(officer.user)
    page = _paged(request, groups)
    shown = [person.pk for group in page for person in group.people]
    assessment_counts = Counter(
        dict(
            Assessment.objects.filter(person_id__in=shown)
            .values("person_id")
            .annotate(n=Count("pk"))
            .values_list("person_id", "n")
        )
    )
    posted = {form.data.get("keep"), form.data.get("duplicate")} if form.is_bound else set()
    rows = [
        (
            group,
            [(person, assessment_counts[person.pk]) for person in group.people],
            # The form with the officer's input and its errors goes back to the group it was sent from.
            form if posted & {str(p.pk) for p in group.people} else MergeForm(),
        )
        for group in page
    ]
    return _page(request, officer, "subjects/duplicates.html", {"page": page, "rows": rows, "form": form})


# --------------------------------------------------------------------------------------------------------
# Population figures


@officer_page(READERS, methods=("GET",))
def population_units(request: HttpRequest, officer: Officer) -> HttpResponse:
    form, data = _query(request)
    rows = population.population_units(officer.user, data.get("q", ""))
    return _page(request, officer, "subjects/population.html", {"form": form, "page": _paged(request, rows)})


@officer_page(READERS)
def population_unit(request: HttpRequest, officer: Officer, pk: int) -> HttpResponse:
    unit = population.population_unit_visible(officer.user, pk)
    if unit is None:
        raise Http404
    can_edit = population.population_can_edit(officer.user, unit)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied
    figures = list(population.population_figures(unit))
    initial: dict[str, Any] = {"year": timezone.localdate().year}
    wanted = request.GET.get("year", "")
    for figure in figures:
        if str(figure.year) == wanted:
            initial = {name: getattr(figure, name) for name in ("year", *population.COUNTS, "source")}
    form = PopulationForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_bound and form.is_valid():
        try:
            figure = population.population_set(actor=officer.user, unit=unit, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The figures of %(year)s were saved.") % {"year": figure.year})
            return redirect("subjects:population_unit", pk=unit.pk)
    return _page(
        request,
        officer,
        "subjects/population_unit.html",
        {"unit": unit, "figures": figures, "form": form, "can_edit": can_edit},
    )


@officer_page(population.POPULATION_ROLES)
def population_import(request: HttpRequest, officer: Officer) -> HttpResponse:
    form = PopulationImportForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    errors: list[population.RowError] = []
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > population.MAX_FILE_BYTES:
            form.add_error("file", _("The file is larger than 5 MB; split it into several files."))
        else:
            try:
                summary = population.population_import(actor=officer.user, data=upload.read())
            except population.PopulationImportError as exc:
                errors = exc.errors
                form.add_error(None, exc.messages[0])
            else:
                messages.success(
                    request,
                    _("%(rows)s rows imported: %(created)s new, %(updated)s updated, for %(units)s communes.")
                    % {
                        "rows": summary.rows,
                        "created": summary.created,
                        "updated": summary.updated,
                        "units": summary.units,
                    },
                )
                return redirect("subjects:population")
    return _page(
        request,
        officer,
        "subjects/population_import.html",
        {"form": form, "errors": errors, "columns": population.CSV_COLUMNS},
    )


# --------------------------------------------------------------------------------------------------------
# Next year's campaign


def _a_year_later(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


@officer_page(policy.CAMPAIGN_ROLES)
def campaign_rollover(request: HttpRequest, officer: Officer, pk: int) -> HttpResponse:
    campaign = get_object_or_404(selectors.campaigns_visible(officer.user), pk=pk)
    initial = {
        "year": campaign.year + 1,
        "opens_on": _a_year_later(campaign.opens_on),
        "submission_deadline": _a_year_later(campaign.submission_deadline),
        "review_deadline": _a_year_later(campaign.review_deadline),
    }
    form = RolloverForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_bound and form.is_valid():
        try:
            new = rollover.campaign_rollover(actor=officer.user, campaign=campaign, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            drafts = new.assessments.count()
            messages.success(
                request,
                _("Campaign %(name)s (%(year)s) was created with %(drafts)s drafts to fill in.")
                % {"name": new.name, "year": new.year, "drafts": drafts},
            )
            return redirect("officer:campaigns")
    counts = Counter(
        dict(
            campaign.assessments.filter(Q(person__isnull=True) | Q(person__merged_into__isnull=True))
            .values("subject_kind")
            .annotate(n=Count("pk"))
            .values_list("subject_kind", "n")
        )
    )
    return _page(
        request,
        officer,
        "subjects/rollover.html",
        {
            "campaign": campaign,
            "form": form,
            "subject_counts": [(SubjectKind(kind).label, n) for kind, n in sorted(counts.items())],
        },
    )
