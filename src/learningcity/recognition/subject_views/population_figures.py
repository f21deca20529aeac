"""Population figures per unit and year, entered or imported: the denominators of the rates."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from learningcity.territory import population

from ..officer_pages import Officer, add_errors, officer_page
from ..subject_forms import (
    PopulationForm,
    PopulationImportForm,
)
from .common import (
    READERS,
    paged,
    search_query,
    subject_page,
)


@officer_page(READERS, methods=("GET",))
def population_units(request: HttpRequest, officer: Officer) -> HttpResponse:
    form, data = search_query(request)
    rows = population.population_units(officer.user, data.get("q", ""))
    return subject_page(
        request, officer, "subjects/population.html", {"form": form, "page": paged(request, rows)}
    )


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
            add_errors(form, exc)
        else:
            messages.success(request, _("The figures of %(year)s were saved.") % {"year": figure.year})
            return redirect("subjects:population_unit", pk=unit.pk)
    return subject_page(
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
    return subject_page(
        request,
        officer,
        "subjects/population_import.html",
        {"form": form, "errors": errors, "columns": population.CSV_COLUMNS},
    )
