"""Hamlets and residential groups: the commune's list, adding one, and its flags."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _

from learningcity.accounts import policy
from learningcity.territory import officer_services
from learningcity.territory.models import Level, Unit

from ..officer_forms import (
    HamletFlagForm,
    HamletForm,
    units_in_scope,
)
from ..officer_pages import Officer, add_errors, officer_page, render_officer


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
            add_errors(form, exc)
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
    return render_officer(
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
