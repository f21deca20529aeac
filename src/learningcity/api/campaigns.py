"""Recognition campaigns: read by everyone whose units they cover, created by province/city coordinators."""

import datetime as dt
from typing import Any

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from learningcity.frameworks.models import FrameworkVersion
from learningcity.recognition import selectors, services
from learningcity.recognition.models import Campaign
from learningcity.territory.models import Unit

from .auth import ApiRequest
from .errors import problems
from .params import Id, Pagination, Text

router = Router(tags=["campaigns"])


class FrameworkRef(Schema):
    id: int
    code: str
    version: str


class CampaignOut(Schema):
    id: int
    name: str
    year: int
    territory_id: int
    territory_name: str = Field(alias="territory.name")
    frameworks: list[FrameworkRef]
    opens_on: dt.date
    submission_deadline: dt.date
    review_deadline: dt.date
    is_demo: bool

    @staticmethod
    def resolve_frameworks(obj: Campaign) -> list[FrameworkVersion]:
        return list(obj.frameworks.all())


class CampaignIn(Schema):
    name: Text = Field(min_length=2, max_length=200)
    year: int
    territory_id: Id
    framework_ids: list[Id] = Field(min_length=1, max_length=20)
    opens_on: dt.date
    submission_deadline: dt.date
    review_deadline: dt.date


@router.get(
    "/campaigns",
    response={200: list[CampaignOut], **problems(401, 422)},
    summary="List the campaigns that cover your units",
    operation_id="campaigns_list",
)
@paginate(Pagination)
def campaigns_list(request: ApiRequest) -> Any:
    return selectors.campaigns_visible(request.auth)


@router.get(
    "/campaigns/{campaign_id}",
    response={200: CampaignOut, **problems(401, 404)},
    summary="One campaign",
    operation_id="campaigns_get",
)
def campaigns_get(request: ApiRequest, campaign_id: Id) -> Any:
    return get_object_or_404(selectors.campaigns_visible(request.auth), pk=campaign_id)


@router.post(
    "/campaigns",
    response={201: CampaignOut, **problems(400, 401, 403, 404, 422)},
    summary="Create a campaign on a territory (province/city coordinators)",
    description="Units and frameworks are public, so an unknown `territory_id` or framework id is a 404.",
    operation_id="campaigns_create",
)
def campaigns_create(request: ApiRequest, payload: CampaignIn) -> Any:
    frameworks = list(FrameworkVersion.objects.filter(pk__in=payload.framework_ids))
    if len(frameworks) != len(set(payload.framework_ids)):
        raise FrameworkVersion.DoesNotExist
    campaign = services.campaign_create(
        actor=request.auth,
        name=payload.name,
        year=payload.year,
        territory=get_object_or_404(Unit, pk=payload.territory_id),
        frameworks=frameworks,
        opens_on=payload.opens_on,
        submission_deadline=payload.submission_deadline,
        review_deadline=payload.review_deadline,
    )
    return Status(201, campaign)
