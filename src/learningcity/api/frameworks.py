"""Framework versions: what a client needs to build an assessment form (groups, inputs, bounds, evidence
rules). Frameworks are public rules, so every signed-in user reads them."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.pagination import paginate

from learningcity.frameworks.models import FrameworkVersion

from .errors import problems
from .params import Id, Pagination

router = Router(tags=["frameworks"])


class Title(Schema):
    vi: str
    en: str


class FrameworkGroupOut(Schema):
    code: str
    title: Title


class FrameworkInputOut(Schema):
    code: str
    type: str
    title: Title
    competency: str | None = None
    min: int | float | None = None
    max: int | float | None = None
    pass_min: int | float | None = None
    evidence: str
    provisional: bool


class FrameworkOut(Schema):
    id: int
    code: str
    version: str
    subject: str
    title_vi: str
    title_en: str
    provisional: bool
    loaded_at: dt.datetime

    @staticmethod
    def resolve_provisional(obj: FrameworkVersion) -> bool:
        return obj.is_provisional


class FrameworkDetailOut(FrameworkOut):
    groups: list[FrameworkGroupOut]
    inputs: list[FrameworkInputOut]
    review_chain: list[str]
    sources: list[dict[str, Any]]

    @staticmethod
    def resolve_groups(obj: FrameworkVersion) -> list[dict[str, Any]]:
        return list(obj.spec.get("groups", []))

    @staticmethod
    def resolve_inputs(obj: FrameworkVersion) -> list[dict[str, Any]]:
        return obj.inputs

    @staticmethod
    def resolve_review_chain(obj: FrameworkVersion) -> list[str]:
        return obj.review_chain

    @staticmethod
    def resolve_sources(obj: FrameworkVersion) -> list[dict[str, Any]]:
        return list(obj.spec.get("sources", []))


@router.get(
    "/frameworks",
    response={200: list[FrameworkOut], **problems(401, 422)},
    summary="List framework versions",
    operation_id="frameworks_list",
)
@paginate(Pagination)
def frameworks_list(request: HttpRequest) -> Any:
    return FrameworkVersion.objects.all()


@router.get(
    "/frameworks/{framework_id}",
    response={200: FrameworkDetailOut, **problems(401, 404)},
    summary="One framework version, with its groups and inputs",
    operation_id="frameworks_get",
)
def frameworks_get(request: HttpRequest, framework_id: Id) -> Any:
    return get_object_or_404(FrameworkVersion, pk=framework_id)
