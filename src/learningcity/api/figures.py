"""Recognition figures: the dashboard's numbers for a unit and its child units, read from the analytics table
(never from the assessments), for the units the caller's officer roles cover."""

import datetime as dt
from typing import Any

from django.http import Http404
from ninja import Query, Router, Schema

from learningcity.analytics import selectors

from .auth import ApiRequest
from .errors import problems
from .params import Id

router = Router(tags=["figures"])


class FigureOut(Schema):
    unit_id: int | None
    name: str
    registered: int
    assessed: int
    submitted: int
    approved: int
    recognised: int
    population: int | None
    partial: bool
    rate: float | None
    population_rate: float | None


class FiguresOut(Schema):
    campaign_id: int
    framework_id: int
    framework_code: str
    target_rate: float | None
    built_at: dt.datetime | None
    area: FigureOut
    children: list[FigureOut]


class FiguresQuery(Schema):
    campaign_id: Id | None = None
    framework_id: Id | None = None
    unit_id: Id | None = None


def _figure(figure: selectors.Figure) -> dict[str, Any]:
    return {
        "unit_id": figure.unit.pk if figure.unit is not None else None,
        "name": figure.name,
        "registered": figure.registered,
        "assessed": figure.assessed,
        "submitted": figure.submitted,
        "approved": figure.approved,
        "recognised": figure.recognised,
        "population": figure.population,
        "partial": figure.partial,
        "rate": figure.rate,
        "population_rate": figure.population_rate,
    }


@router.get(
    "/figures",
    response={200: FiguresOut, **problems(401, 404, 422)},
    summary="Recognition figures of a unit and its child units (by default: latest campaign, your unit)",
    operation_id="figures_get",
)
def figures_get(request: ApiRequest, query: Query[FiguresQuery]) -> Any:
    try:
        board = selectors.dashboard_for(
            request.auth,
            campaign_id=query.campaign_id,
            version_id=query.framework_id,
            unit_id=query.unit_id,
            whole=False,  # the area and its children: no trend, cities or units above
        )
    except selectors.NotReadable:
        raise Http404 from None
    return {
        "campaign_id": board.campaign.pk,
        "framework_id": board.version.pk,
        "framework_code": board.version.code,
        "target_rate": board.target,
        "built_at": board.built_at,
        "area": _figure(board.area),
        "children": [_figure(child) for child in board.children],
    }
