"""Reads of the analytics table for the dashboards, their exports and the public figures.

Every function here reads the aggregate rows (`RecognitionFigure`) and the unit tree, never assessments: a
page costs the same few queries for a hamlet as for the country.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from learningcity.accounts import policy
from learningcity.accounts.models import User
from learningcity.frameworks.models import FrameworkVersion
from learningcity.recognition.models import Campaign, CampaignFramework
from learningcity.recognition.selectors import READER_ROLES, campaigns_visible
from learningcity.territory.models import Era, LearningCity, LearningCityUnit, Unit, UnitBoundary

from .models import Dimension, RecognitionFigure

DASHBOARD_ROLES = READER_ROLES


@dataclass
class Figure:
    """One area's counts and rates, ready to show (rates as fractions, None when there is no denominator)."""

    name: str
    unit: Unit | None = None
    registered: int = 0
    assessed: int = 0
    submitted: int = 0
    approved: int = 0
    recognised: int = 0
    population: int | None = None
    partial: bool = False
    target: float | None = None
    suppressed: bool = False  # public pages: too few to show without singling someone out

    @property
    def rate(self) -> float | None:
        """Recognised over registered subjects."""
        return self.recognised / self.registered if self.registered else None

    @property
    def population_rate(self) -> float | None:
        """Recognised over the official population figure."""
        return self.recognised / self.population if self.population else None

    @property
    def meets_target(self) -> bool | None:
        rate = self.population_rate if self.population_rate is not None else self.rate
        return None if self.target is None or rate is None else rate >= self.target

    @property
    def rate_pct(self) -> float | None:
        return _pct(self.rate)

    @property
    def population_rate_pct(self) -> float | None:
        return _pct(self.population_rate)

    @property
    def target_pct(self) -> float | None:
        return _pct(self.target)

    @property
    def bar(self) -> float:
        """The bar's length in percent of the chart (the rate, or 0)."""
        rate = self.population_rate if self.population_rate is not None else self.rate
        return round(100 * min(rate or 0.0, 1.0), 1)


def _pct(rate: float | None) -> float | None:
    return None if rate is None else round(100 * rate, 1)


@dataclass
class Dashboard:
    campaign: Campaign
    version: FrameworkVersion
    unit: Unit
    area: Figure
    children: list[Figure]
    breakdowns: dict[str, list[Figure]]
    trend: list[tuple[int, Figure]]
    ancestors: list[Unit] = field(default_factory=list)
    cities: list[Figure] = field(default_factory=list)  # learning cities lying within the unit
    target: float | None = None
    target_source: str = ""
    built_at: dt.datetime | None = None

    @property
    def target_pct(self) -> float | None:
        return _pct(self.target)

    @property
    def children_key(self) -> str:
        """What the cached table of the units below shows besides the figures: which units, named how (a unit
        added or renamed since the last rebuild appears at once)."""
        names = "\n".join(f"{child.unit.pk if child.unit else ''}:{child.name}" for child in self.children)
        return hashlib.blake2b(names.encode(), digest_size=8).hexdigest()


def _figure(row: RecognitionFigure | None, name: str, unit: Unit | None, target: float | None) -> Figure:
    if row is None:
        return Figure(name=name, unit=unit, target=target)
    return Figure(
        name=name,
        unit=unit,
        registered=row.registered,
        assessed=row.assessed,
        submitted=row.submitted,
        approved=row.approved,
        recognised=row.recognised,
        population=row.population,
        partial=row.partial,
        target=target,
    )


def dashboard_campaigns(user: User) -> QuerySet[Campaign]:
    return campaigns_visible(user).order_by("-year", "name", "pk")


def dashboard_can_read(user: User, unit: Unit) -> bool:
    """Officers read the units their roles cover (and everything below)."""
    return policy.covers(user, DASHBOARD_ROLES, unit)


def dashboard_home(user: User, campaign: Campaign) -> Unit | None:
    """The unit a user's dashboard opens on: the campaign's territory when their role covers it, else the
    highest of their own units inside it."""
    territory = campaign.territory
    if dashboard_can_read(user, territory):
        return territory
    inside = [path for path in policy.scope_paths(user, DASHBOARD_ROLES) if path.startswith(territory.path)]
    if not inside:
        return None
    return Unit.objects.filter(path=min(inside, key=len)).first()


class NotReadable(LookupError):
    """No such campaign, framework or unit, or not one the user may read."""


def dashboard_for(
    user: User,
    *,
    campaign_id: int | None = None,
    version_id: int | None = None,
    unit_id: int | None = None,
    campaigns: list[Campaign] | None = None,
    whole: bool = True,
) -> Dashboard:
    """The dashboard the page and the API show: the named (or latest) campaign the user can see, the named (or
    first) of its frameworks, the named unit (or the user's home unit in it). Raises NotReadable.

    `campaigns`: the user's `dashboard_campaigns`, when the caller has read them already; `whole`: as for
    `dashboard` (the API reads the area and its children only)."""
    if campaigns is None:
        found = dashboard_campaigns(user)
        campaign = found.filter(pk=campaign_id).first() if campaign_id is not None else found.first()
    else:
        campaign = next((c for c in campaigns if campaign_id is None or c.pk == campaign_id), None)
    if campaign is None:
        raise NotReadable
    versions = sorted(campaign.frameworks.all(), key=lambda v: v.code)
    version = next((v for v in versions if version_id is None or v.pk == version_id), None)
    if version is None:
        raise NotReadable
    if unit_id is None:
        unit = dashboard_home(user, campaign)
    else:
        unit = Unit.objects.filter(pk=unit_id, path__startswith=campaign.territory.path).first()
        if unit is not None and not dashboard_can_read(user, unit):
            unit = None
    if unit is None:
        raise NotReadable
    return dashboard(campaign, version, unit, whole=whole)


def _target(campaign: Campaign, version: FrameworkVersion) -> tuple[float | None, str]:
    link = CampaignFramework.objects.filter(campaign=campaign, framework_version=version).first()
    if link is None or link.target_rate is None:
        return None, ""
    return float(Decimal(link.target_rate)), link.target_source


def dashboard(campaign: Campaign, version: FrameworkVersion, unit: Unit, *, whole: bool = True) -> Dashboard:
    """The figures of `unit` and its child units, the breakdowns of `unit`, and (`whole`, the page) its trend
    across the years of campaigns with the same framework, the learning cities within it and the units above
    it. The caller checks that the user may read `unit`."""
    target, source = _target(campaign, version)
    child_units = list(Unit.objects.filter(parent=unit, era=unit.era).order_by("name_folded", "pk"))
    # The unit's own rows and its children's as one UNION of two lookups in the (campaign, framework version,
    # unit, dimension) index, the children named by id: as one OR, or with the children as a subquery, the
    # database scans every figure of the campaign.
    figures = RecognitionFigure.objects.filter(campaign=campaign, framework_version=version)
    rows = figures.filter(unit=unit).union(
        figures.filter(unit_id__in=[child.pk for child in child_units], dimension=Dimension.ALL), all=True
    )
    own: dict[tuple[str, str], RecognitionFigure] = {}
    by_child: dict[int, RecognitionFigure] = {}
    built_at = None
    for row in rows:
        built_at = row.built_at if built_at is None else max(built_at, row.built_at)
        if row.unit_id == unit.pk:
            own[(row.dimension, row.value)] = row
        elif row.unit_id is not None:
            by_child[row.unit_id] = row
    children = [_figure(by_child.get(child.pk), child.name, child, target) for child in child_units]
    breakdowns: dict[str, list[Figure]] = {}
    for (dimension, value), row in sorted(own.items()):
        if dimension != Dimension.ALL:
            breakdowns.setdefault(dimension, []).append(_figure(row, value, None, None))
    return Dashboard(
        campaign=campaign,
        version=version,
        unit=unit,
        cities=_cities_within(campaign, version, unit, target) if whole else [],
        area=_figure(own.get((Dimension.ALL, "")), unit.name, unit, target),
        children=children,
        breakdowns=breakdowns,
        trend=_trend(version, unit) if whole else [],
        ancestors=list(Unit.objects.filter(pk__in=unit.ancestor_ids[:-1]).order_by("path")) if whole else [],
        target=target,
        target_source=source,
        built_at=built_at,
    )


def _trend(version: FrameworkVersion, unit: Unit) -> list[tuple[int, Figure]]:
    """The unit's figures in every campaign of the same framework, by year."""
    return [
        (row.campaign.year, _figure(row, str(row.campaign.year), unit, None))
        for row in RecognitionFigure.objects.filter(
            unit=unit, dimension=Dimension.ALL, framework_version__code=version.code
        )
        .select_related("campaign")
        .order_by("campaign__year", "campaign_id")
    ]


def _cities_within(
    campaign: Campaign, version: FrameworkVersion, unit: Unit, target: float | None
) -> list[Figure]:
    """The figures of the learning cities whose units of today all lie within `unit`."""
    outside = LearningCityUnit.objects.filter(city=OuterRef("pk"), unit__era=Era.CURRENT).exclude(
        unit__path__startswith=unit.path
    )
    within = (
        LearningCity.objects.filter(
            memberships__unit__era=Era.CURRENT, memberships__unit__path__startswith=unit.path
        )
        .exclude(Exists(outside))
        .values("pk")
    )
    return [
        _figure(row, row.city.name, None, target)
        for row in RecognitionFigure.objects.filter(
            campaign=campaign, framework_version=version, dimension=Dimension.ALL, city__in=within
        )
        .select_related("city")
        .order_by("city__name")
        if row.city is not None
    ]


# --------------------------------------------------------------------------------------------------------
# The map

MAP_WIDTH = 1000
RATE_BANDS = (0.2, 0.4, 0.6, 0.8)  # rate-0 below 20%, … rate-4 from 80%


@dataclass
class Shape:
    figure: Figure
    path: str  # SVG path data in the map's coordinates
    band: str  # CSS class: rate-0 … rate-4, or rate-none


@dataclass
class MapView:
    width: int
    height: int
    shapes: list[Shape]
    sources: list[tuple[str, str]]  # (source, licence) of the boundaries drawn
    missing: list[str]  # units below without a boundary


def _band(figure: Figure) -> str:
    rate = figure.population_rate if figure.population_rate is not None else figure.rate
    if rate is None:
        return "rate-none"
    return f"rate-{sum(rate >= edge for edge in RATE_BANDS)}"


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return [ring for polygon in polygons for ring in polygon]


def dashboard_map(children: list[Figure]) -> MapView | None:
    """The units below as an SVG map coloured by rate, when their boundaries are loaded (None otherwise).

    An equirectangular projection scaled by the cosine of the middle latitude: true enough in shape at a
    province's size, and it needs no map library. Points closer than a map unit to the last one are dropped,
    so a detailed outline stays a light page.
    """
    by_unit = {figure.unit.pk: figure for figure in children if figure.unit is not None}
    boundaries = list(UnitBoundary.objects.filter(unit_id__in=by_unit))
    if not boundaries:
        return None
    west, east = min(b.min_lon for b in boundaries), max(b.max_lon for b in boundaries)
    south, north = min(b.min_lat for b in boundaries), max(b.max_lat for b in boundaries)
    squeeze = math.cos(math.radians((south + north) / 2))
    scale = MAP_WIDTH / max((east - west) * squeeze, 1e-9)
    height = max(1, round((north - south) * scale))
    shapes = []
    for boundary in sorted(boundaries, key=lambda b: by_unit[b.unit_id].name):
        parts = []
        for ring in _rings(boundary.geometry):
            points: list[tuple[float, float]] = []
            for lon, lat, *_rest in ring:
                point = (round((lon - west) * squeeze * scale, 1), round((north - lat) * scale, 1))
                if not points or abs(point[0] - points[-1][0]) + abs(point[1] - points[-1][1]) >= 1:
                    points.append(point)
            if len(points) >= 3:
                parts.append("M" + " L".join(f"{x:g},{y:g}" for x, y in points) + " Z")
        figure = by_unit[boundary.unit_id]
        shapes.append(Shape(figure=figure, path=" ".join(parts), band=_band(figure)))
    drawn = {b.unit_id for b in boundaries}
    return MapView(
        width=MAP_WIDTH,
        height=height,
        shapes=shapes,
        sources=sorted({(b.source, b.licence) for b in boundaries}),
        missing=[figure.name for pk, figure in by_unit.items() if pk not in drawn],
    )


# --------------------------------------------------------------------------------------------------------
# Public figures


def public_min_count() -> int:
    """Counts below this are not shown on public pages, so that nobody can be singled out."""
    return int(settings.PUBLIC_MIN_COUNT)


def campaigns_published() -> QuerySet[Campaign]:
    """Campaigns whose review is over: their figures are final and public."""
    return Campaign.objects.filter(review_deadline__lt=timezone.localdate()).order_by("-year", "name", "pk")


def _public_figure(row: RecognitionFigure, name: str) -> Figure:
    """A figure as public pages show it: hidden when the rebuild withheld it (small, or beside one that is:
    `services.withholding`), or when a count is under today's threshold, should it have been raised since."""
    figure = _figure(row, name, row.unit, None)
    least = public_min_count()
    shown = (figure.registered, figure.recognised, figure.registered - figure.recognised)
    if row.withheld or figure.registered < least or any(0 < count < least for count in shown):
        return Figure(name=figure.name, unit=figure.unit, suppressed=True, partial=figure.partial)
    return figure


@dataclass
class PublicFigures:
    """A public page: for each published campaign and framework, the area's figure and its parts."""

    title: str
    sections: list[tuple[Campaign, FrameworkVersion, Figure, list[Figure]]]
    as_of: dt.date


def public_unit(unit: Unit) -> PublicFigures:
    campaigns = list(campaigns_published().filter(territory__path__in=_ancestor_paths(unit)))
    # The unit and its children named by id, read in the (unit, framework version) index: with the children
    # as a subquery in an OR, PostgreSQL scanned every figure of every campaign for each public page.
    children = list(Unit.objects.filter(parent=unit).values_list("pk", flat=True))
    rows = _public_rows(campaigns).filter(unit_id__in=[unit.pk, *children])
    return _public(unit.name, campaigns, list(rows), lambda row: row.unit_id == unit.pk)


def public_city(city: LearningCity) -> PublicFigures:
    campaigns = list(campaigns_published())
    members = list(city.memberships.filter(unit__era=Era.CURRENT).values_list("unit_id", flat=True))
    # The city's rows and its member units' as two lookups in their indexes (not one OR, scanned).
    rows = [*_public_rows(campaigns).filter(city=city), *_public_rows(campaigns).filter(unit_id__in=members)]
    return _public(city.name, campaigns, rows, lambda row: row.city_id == city.pk)


def _public_rows(campaigns: list[Campaign]) -> QuerySet[RecognitionFigure]:
    # The page shows a framework's title only: its spec and source text are not read (nor decoded) per row.
    return (
        RecognitionFigure.objects.filter(campaign__in=campaigns, dimension=Dimension.ALL)
        .select_related("unit", "framework_version")
        .defer("framework_version__spec", "framework_version__source_text")
    )


def _ancestor_paths(unit: Unit) -> list[str]:
    ids = unit.ancestor_ids
    return ["/" + "/".join(str(i) for i in ids[:n]) + "/" for n in range(1, len(ids) + 1)]


def _public(
    title: str,
    campaigns: list[Campaign],
    rows: list[RecognitionFigure],
    is_area: Callable[[RecognitionFigure], bool],
) -> PublicFigures:
    by_section: dict[tuple[int, int], tuple[Figure | None, list[Figure]]] = {}
    versions: dict[int, FrameworkVersion] = {}
    for row in rows:
        key = (row.campaign_id, row.framework_version_id)
        versions[row.framework_version_id] = row.framework_version
        area, parts = by_section.get(key, (None, []))
        name = row.unit.name if row.unit is not None else title
        figure = _public_figure(row, name)
        if is_area(row):
            area = figure
        else:
            parts.append(figure)
        by_section[key] = (area, parts)
    sections = []
    for campaign in campaigns:
        for (campaign_id, version_id), (area, parts) in sorted(by_section.items()):
            if campaign_id == campaign.pk and area is not None:
                sections.append((campaign, versions[version_id], area, sorted(parts, key=lambda f: f.name)))
    return PublicFigures(title=title, sections=sections, as_of=timezone.localdate())
