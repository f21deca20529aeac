"""Reads of the territory."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Q, QuerySet

from learningcity import bulk
from learningcity.text import fold

from .models import Era, LearningCity, LearningCityUnit, Level, Unit, UnitConversion


def units_flags(units: Iterable[Unit]) -> dict[int, dict[str, bool]]:
    """The flags that hold for each unit: its own and those of every unit above it (a flagged commune covers
    its hamlets). One query, however many units."""
    ancestors = {unit.pk: unit.ancestor_ids for unit in units}
    own = {
        pk: {name for name, value in flags.items() if value}
        for pk, flags in Unit.objects.filter(
            pk__in=bulk.values_in(sorted({a for ids in ancestors.values() for a in ids}))
        ).values_list("pk", "flags")
        if flags
    }
    return {pk: {name: True for a in ids for name in own.get(a, ())} for pk, ids in ancestors.items()}


def unit_subtree(unit: Unit) -> QuerySet[Unit]:
    return Unit.objects.filter(path__startswith=unit.path)


def unit_restate_current(unit: Unit) -> list[tuple[Unit, bool]]:
    """Today's commune(s) a record made on `unit` belongs to, each with whether it is only partly the old one.

    A current unit (or a hamlet below one) restates to itself.
    """
    if unit.era == Era.CURRENT:
        return [(unit, False)]
    if unit.level != Level.COMMUNE:
        raise ValueError("Only communes restate through the old→new table; restate their communes instead.")
    rows = UnitConversion.objects.filter(old_unit=unit).select_related("new_unit")
    return [(row.new_unit, row.is_partly_merged) for row in rows]


def units_search(query: str, *, era: str = Era.CURRENT, limit: int = 20) -> QuerySet[Unit]:
    return Unit.objects.filter(era=era, name_folded__contains=fold(query))[:limit]


def learning_cities() -> QuerySet[LearningCity]:
    return LearningCity.objects.annotate(
        units_today=Count("memberships", filter=Q(memberships__basis=LearningCityUnit.Basis.DERIVED)),
        units_partial=Count("memberships", filter=Q(memberships__partial=True)),
    ).order_by("gnlc_joined", "name")


def learning_city_units(city: LearningCity, basis: str) -> QuerySet[LearningCityUnit]:
    """A city's units on one basis: as it joined, or today's derived through the old→new table."""
    return (
        LearningCityUnit.objects.filter(city=city, basis=basis)
        .select_related("unit", "unit__parent")
        .order_by("unit__name_folded")
    )
