"""Households, clans and organisations: read-only, each reader within their scope.

The scope is the recognition selectors' (`recognition.selectors.subjects`): officers (hamlet heads, commune
officers, province coordinators) read the subjects of their units and every unit below
(`accounts.policy.scope_q`); a citizen reads their own household (the one they belong to or head) and no clan
or organisation. Out of scope and nonexistent are both 404. Members are people as `/api/people`
shows them: the ID card number masked, no birth date or ethnicity.

`subject_visible` is also how `POST /api/assessments` finds the subject it is asked to assess.
"""

from typing import Any

from django.db.models import Q
from django.shortcuts import get_object_or_404
from ninja import Field, FilterSchema, Query, Router, Schema
from ninja.pagination import paginate

from learningcity.accounts.models import User
from learningcity.recognition import selectors
from learningcity.recognition.models import (
    Clan,
    Household,
    Organisation,
    OrganisationKind,
    Person,
    SubjectKind,
)
from learningcity.recognition.selectors import subjects as subject_selectors
from learningcity.territory.models import Unit

from .auth import ApiRequest
from .errors import problems
from .params import Id, Pagination, Text
from .people import PersonOut

households_router = Router(tags=["households"])
clans_router = Router(tags=["clans"])
organisations_router = Router(tags=["organisations"])

# ---------------------------------------------------------------------------------------------------------
# Scope: the recognition selectors'


def subject_visible(user: User, kind: str, pk: int) -> Person | Household | Clan | Organisation | Unit:
    """The subject of that kind and id, as far as the user may see it; raises Http404 otherwise."""
    if kind == SubjectKind.PERSON:
        return get_object_or_404(selectors.people_visible(user), pk=pk)
    if kind == SubjectKind.HOUSEHOLD:
        return get_object_or_404(subject_selectors.households_visible(user), pk=pk)
    if kind == SubjectKind.CLAN:
        return get_object_or_404(subject_selectors.clans_visible(user), pk=pk)
    if kind == SubjectKind.ORGANISATION:
        return get_object_or_404(subject_selectors.organisations_visible(user), pk=pk)
    return get_object_or_404(subject_selectors.communities_visible(user), pk=pk)


def _in_unit(unit_id: int | None) -> Q:
    """Records on a unit or any unit below it."""
    if unit_id is None:
        return Q()
    unit = Unit.objects.filter(pk=unit_id).only("path").first()
    return Q(unit__path__startswith=unit.path) if unit is not None else Q(pk__in=[])


# ---------------------------------------------------------------------------------------------------------
# Households


class HouseholdOut(Schema):
    id: int
    name: str
    register_number: str = Field(description="The household's number in the commune's register, if any.")
    unit_id: int
    unit_name: str = Field(alias="unit.name")
    clan_id: int | None
    head_id: int | None
    head_name: str | None
    member_count: int

    @staticmethod
    def resolve_head_name(obj: Household) -> str | None:
        return obj.head.full_name if obj.head is not None else None


class HouseholdMemberOut(PersonOut):
    is_head: bool


class HouseholdDetailOut(HouseholdOut):
    clan_name: str | None
    members: list[HouseholdMemberOut]

    @staticmethod
    def resolve_clan_name(obj: Household) -> str | None:
        return obj.clan.name if obj.clan is not None else None

    @staticmethod
    def resolve_members(obj: Household) -> list[Person]:
        people = list(subject_selectors.household_members(obj))
        for person in people:
            setattr(person, "is_head", person.pk == obj.head_id)  # noqa: B010 - read by the schema
        return people


class HouseholdFilter(FilterSchema):
    q: Text | None = Field(
        None, max_length=150, description="Part of the name (diacritics are folded), or the register number."
    )
    unit: Id | None = Field(None, description="Households on this unit or any unit below it.")
    clan: Id | None = None

    def filter_q(self, value: str | None) -> Q:
        return Q()  # households_search does it (name or register number)

    def filter_unit(self, value: int | None) -> Q:
        return _in_unit(value)

    def filter_clan(self, value: int | None) -> Q:
        return Q(clan_id=value) if value is not None else Q()


@households_router.get(
    "/households",
    response={200: list[HouseholdOut], **problems(401, 422)},
    summary="List the households in your scope",
    description=(
        "Officers see the households of their units and the units below; a citizen sees their own household. "
        "Filter by name (`q`), unit (its subtree) and clan."
    ),
    operation_id="households_list",
)
@paginate(Pagination)
def households_list(request: ApiRequest, filters: Query[HouseholdFilter]) -> Any:
    households = subject_selectors.households_search(request.auth, filters.q or "")
    return filters.filter(households).order_by("name_folded", "pk")


@households_router.get(
    "/households/{household_id}",
    response={200: HouseholdDetailOut, **problems(401, 404)},
    summary="One household, with its members (ID card numbers masked)",
    operation_id="households_get",
)
def households_get(request: ApiRequest, household_id: Id) -> Any:
    return get_object_or_404(subject_selectors.households_search(request.auth), pk=household_id)


# ---------------------------------------------------------------------------------------------------------
# Clans


class ClanOut(Schema):
    id: int
    name: str
    unit_id: int
    unit_name: str = Field(alias="unit.name")
    household_count: int


class HouseholdRef(Schema):
    id: int
    name: str
    unit_id: int


class ClanDetailOut(ClanOut):
    households: list[HouseholdRef]

    @staticmethod
    def resolve_households(obj: Clan) -> list[Household]:
        return list(subject_selectors.clan_households(obj))


class NamedInUnitFilter(FilterSchema):
    q: Text | None = Field(None, max_length=200, description="Part of the name; diacritics are folded.")
    unit: Id | None = Field(None, description="Records on this unit or any unit below it.")

    def filter_q(self, value: str | None) -> Q:
        return Q()  # the selectors' *_search do it

    def filter_unit(self, value: int | None) -> Q:
        return _in_unit(value)


@clans_router.get(
    "/clans",
    response={200: list[ClanOut], **problems(401, 422)},
    summary="List the clans in your scope",
    description="Officers see the clans of their units and the units below; citizens see none.",
    operation_id="clans_list",
)
@paginate(Pagination)
def clans_list(request: ApiRequest, filters: Query[NamedInUnitFilter]) -> Any:
    clans = subject_selectors.clans_search(request.auth, filters.q or "")
    return filters.filter(clans).order_by("name_folded", "pk")


@clans_router.get(
    "/clans/{clan_id}",
    response={200: ClanDetailOut, **problems(401, 404)},
    summary="One clan, with its households",
    operation_id="clans_get",
)
def clans_get(request: ApiRequest, clan_id: Id) -> Any:
    return get_object_or_404(subject_selectors.clans_search(request.auth), pk=clan_id)


# ---------------------------------------------------------------------------------------------------------
# Organisations


class OrganisationOut(Schema):
    id: int
    name: str
    kind: OrganisationKind
    is_reviewing_body: bool = Field(description="A body that reviews others (a Hội Khuyến học branch).")
    unit_id: int
    unit_name: str = Field(alias="unit.name")
    member_count: int


class OrganisationFilter(NamedInUnitFilter):
    kind: OrganisationKind | None = None

    def filter_kind(self, value: str | None) -> Q:
        return Q()  # organisations_search does it


class OrganisationMemberOut(PersonOut):
    position: str


class OrganisationDetailOut(OrganisationOut):
    members: list[OrganisationMemberOut]

    @staticmethod
    def resolve_members(obj: Organisation) -> list[Person]:
        people = []
        for membership in subject_selectors.organisation_memberships(obj):
            setattr(membership.person, "position", membership.position)  # noqa: B010 - read by the schema
            people.append(membership.person)
        return people


@organisations_router.get(
    "/organisations",
    response={200: list[OrganisationOut], **problems(401, 422)},
    summary="List the organisations in your scope",
    description="Officers see the organisations of their units and the units below; citizens see none.",
    operation_id="organisations_list",
)
@paginate(Pagination)
def organisations_list(request: ApiRequest, filters: Query[OrganisationFilter]) -> Any:
    organisations = subject_selectors.organisations_search(request.auth, filters.q or "", filters.kind or "")
    return filters.filter(organisations).order_by("name_folded", "pk")


@organisations_router.get(
    "/organisations/{organisation_id}",
    response={200: OrganisationDetailOut, **problems(401, 404)},
    summary="One organisation, with its members (ID card numbers masked)",
    operation_id="organisations_get",
)
def organisations_get(request: ApiRequest, organisation_id: Id) -> Any:
    return get_object_or_404(subject_selectors.organisations_search(request.auth), pk=organisation_id)
