"""The officer's dashboard of recognition rates and the public figures pages.

Thin: the figures come from `selectors` (aggregate rows only); these views pick the campaign, framework and
unit from the query string, check the unit against the user's roles, and render or export.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from learningcity.frameworks.selectors import title_text
from learningcity.recognition.models import Sex
from learningcity.recognition.officer_pages import Officer, officer_page, render_officer
from learningcity.spreadsheets import CSV_TYPE, XLSX_TYPE, csv_chunks, xlsx_bytes
from learningcity.territory.models import LearningCity, Unit

from . import selectors
from .models import Dimension


def _table(board: selectors.Dashboard) -> tuple[list[str], list[list[Any]]]:
    """The dashboard's table as an export has it: the area, then each child unit."""
    headers = [
        _("Unit"),
        _("Code"),
        _("Registered"),
        _("Self-assessed"),
        _("Sent for review"),
        _("Approved"),
        _("Recognised"),
        _("Rate of registered (%)"),
        _("Population figure"),
        _("Rate of population (%)"),
        _("Target (%)"),
    ]
    rows = [
        [
            figure.name,
            figure.unit.code if figure.unit is not None else "",
            figure.registered,
            figure.assessed,
            figure.submitted,
            figure.approved,
            figure.recognised,
            figure.rate_pct,
            figure.population,
            figure.population_rate_pct,
            figure.target_pct,
        ]
        for figure in [board.area, *board.children]
    ]
    return headers, rows


def _export(board: selectors.Dashboard, fmt: str) -> HttpResponse:
    headers, rows = _table(board)
    filename = f"ty-le-{board.campaign.year}-{board.version.code}-{board.unit.code or board.unit.pk}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(b"".join(csv_chunks(headers, rows)), content_type=CSV_TYPE)
    else:
        response = HttpResponse(xlsx_bytes([(board.unit.name, headers, rows)]), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _id(request: HttpRequest, name: str) -> int | None:
    """A primary key from the query string; 404 for anything that is not one."""
    value = request.GET.get(name)
    if not value:
        return None
    if not value.isdigit() or len(value) > 18:
        raise Http404
    return int(value)


@officer_page(selectors.DASHBOARD_ROLES, methods=("GET",))
def dashboard(request: HttpRequest, officer: Officer) -> HttpResponse:
    campaigns = list(selectors.dashboard_campaigns(officer.user))
    if not campaigns:
        return render_officer(request, officer, "analytics/dashboard.html", {"campaigns": []})
    try:
        board = selectors.dashboard_for(
            officer.user,
            campaign_id=_id(request, "campaign"),
            version_id=_id(request, "framework"),
            unit_id=_id(request, "unit"),
            campaigns=campaigns,
        )
    except selectors.NotReadable:
        raise Http404 from None
    campaign, version = board.campaign, board.version
    versions = sorted(campaign.frameworks.all(), key=lambda v: v.code)
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        return _export(board, fmt)
    if fmt:
        raise Http404
    language = get_language() or "vi"
    crumbs = [
        (
            ancestor,
            ancestor.path.startswith(campaign.territory.path)
            and selectors.dashboard_can_read(officer.user, ancestor),
        )
        for ancestor in board.ancestors
    ]
    labels = dict(Dimension.choices)
    return render_officer(
        request,
        officer,
        "analytics/dashboard.html",
        {
            "campaigns": campaigns,
            "campaign": campaign,
            "versions": [(v, v.title(language)) for v in versions],
            "version": version,
            "board": board,
            "crumbs": crumbs,
            "breakdowns": [
                (labels[dimension], _named(dimension, figures, board, language))
                for dimension, figures in board.breakdowns.items()
            ],
            "map": selectors.dashboard_map(board.children),
        },
    )


def _named(
    dimension: str, figures: list[selectors.Figure], board: selectors.Dashboard, language: str
) -> list[selectors.Figure]:
    """A breakdown's values as people read them: a level's title, a sex in words; codes elsewhere."""
    spec = board.version.spec
    names: dict[str, str] = {}
    if dimension == Dimension.LEVEL:
        for level in [*spec.get("levels", []), spec.get("otherwise") or {}]:
            names[level.get("code", "")] = title_text(level.get("title"), language) or level.get("code", "")
    elif dimension == Dimension.SEX:
        names = {code: str(label) for code, label in Sex.choices}
    elif dimension == Dimension.GROUP:
        for group in spec.get("groups", []):
            names[group["code"]] = title_text(group.get("title"), language) or group["code"]
    for figure in figures:
        figure.name = names.get(figure.name, figure.name)
    return figures


def public_city(request: HttpRequest, slug: str) -> HttpResponse:
    city = get_object_or_404(LearningCity, slug=slug)
    return _public_page(request, selectors.public_city(city), city=city)


def public_unit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_object_or_404(Unit, pk=pk)
    return _public_page(request, selectors.public_unit(unit), unit=unit)


def _public_page(request: HttpRequest, figures: selectors.PublicFigures, **context: Any) -> HttpResponse:
    language = get_language() or "vi"
    sections = [
        (campaign, version.title(language), area, parts)
        for campaign, version, area, parts in figures.sections
    ]
    return render(
        request,
        "analytics/public.html",
        {**context, "figures": figures, "sections": sections, "least": selectors.public_min_count()},
    )
