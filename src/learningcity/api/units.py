"""Units of the territory tree (both eras) and the hamlets users created. Every signed-in user reads them: the
official list is public data, and a citizen needs it to say where they live."""

import datetime as dt
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, FilterSchema, Query, Router, Schema
from ninja.pagination import paginate

from learningcity.territory.models import Era, Level, Unit
from learningcity.text import fold

from .errors import problems
from .params import Id, Pagination, Text

router = Router(tags=["units"])


class UnitOut(Schema):
    id: int
    era: str
    level: str
    code: str
    name: str
    division_type: str
    parent_id: int | None
    valid_from: dt.date | None
    valid_until: dt.date | None
    flags: dict[str, Any]


class UnitFilter(FilterSchema):
    q: Text | None = Field(None, max_length=200)
    era: Era | None = None
    level: Level | None = None
    parent: Id | None = None

    def filter_q(self, value: str | None) -> Q:
        # Folded on both sides: "chieng coi", "Chiềng Cơi" and NFD input all find Phường Chiềng Cơi.
        return Q(name_folded__contains=fold(value)) if value and value.strip() else Q()

    def filter_parent(self, value: int | None) -> Q:
        return Q(parent_id=value) if value is not None else Q()


@router.get(
    "/units",
    response={200: list[UnitOut], **problems(401, 422)},
    summary="List and search units",
    description=(
        "Search folds diacritics and đ (`q=chieng coi` finds Chiềng Cơi); filter by era, level and parent."
    ),
    operation_id="units_list",
)
@paginate(Pagination)
def units_list(request: HttpRequest, filters: Query[UnitFilter]) -> Any:
    return filters.filter(Unit.objects.all())


@router.get(
    "/units/{unit_id}",
    response={200: UnitOut, **problems(401, 404)},
    summary="One unit",
    operation_id="units_get",
)
def units_get(request: HttpRequest, unit_id: Id) -> Any:
    return get_object_or_404(Unit, pk=unit_id)


@router.get(
    "/units/{unit_id}/children",
    response={200: list[UnitOut], **problems(401, 404, 422)},
    summary="The units directly below a unit",
    operation_id="units_children",
)
@paginate(Pagination)
def units_children(request: HttpRequest, unit_id: Id) -> Any:
    return get_object_or_404(Unit, pk=unit_id).children.all()
