"""People (citizens): each reader sees only their scope (recognition.selectors); the ID card number only
masked, birth dates and ethnicity only for the roles that need them (`selectors.person_can_see_sensitive`)."""

import datetime as dt
from typing import Any

from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from learningcity.accounts.models import User
from learningcity.recognition import selectors, services
from learningcity.recognition.models import Person, Sex
from learningcity.territory.models import Unit

from .auth import ApiRequest
from .errors import problems
from .params import Id, Pagination, Text

router = Router(tags=["people"])


class PersonOut(Schema):
    id: int
    full_name: str
    sex: str
    unit_id: int
    unit_name: str = Field(alias="unit.name")
    id_number_masked: str = Field(description="The last four digits only; the number itself is never stored.")
    has_account: bool

    @staticmethod
    def resolve_has_account(obj: Person) -> bool:
        return obj.user_id is not None


class PersonDetailOut(Schema):
    """One person, as the reader may see them."""

    id: int
    full_name: str
    sex: str
    unit_id: int
    unit_name: str
    id_number_masked: str = Field(description="The last four digits only; the number itself is never stored.")
    has_account: bool
    phone: str
    sensitive_visible: bool = Field(
        description="Whether you may see birth date and ethnicity; when false they are null, not unknown."
    )
    birth_date: dt.date | None
    birth_year: int | None
    ethnicity: str | None
    entered_on_behalf: bool
    consent_at: dt.datetime
    created_at: dt.datetime


def person_out(person: Person, reader: User) -> PersonDetailOut:
    sensitive = selectors.person_can_see_sensitive(reader, person)
    return PersonDetailOut(
        id=person.pk,
        full_name=person.full_name,
        sex=person.sex,
        unit_id=person.unit_id,
        unit_name=person.unit.name,
        id_number_masked=person.id_number_masked,
        has_account=person.user_id is not None,
        phone=person.phone,
        sensitive_visible=sensitive,
        birth_date=person.birth_date if sensitive else None,
        birth_year=person.birth_year if sensitive else None,
        ethnicity=person.ethnicity if sensitive else None,
        entered_on_behalf=person.entered_by_id is not None and person.entered_by_id != person.user_id,
        consent_at=person.consent_at,
        created_at=person.created_at,
    )


class PeopleFilter(Schema):
    q: Text = Field("", max_length=150, description="Part of the name; diacritics are folded.")


class PersonEnrolIn(Schema):
    unit_id: Id = Field(description="Today's commune, hamlet or residential group.")
    full_name: Text = Field(max_length=150)
    consent_confirmed: bool = Field(description="The officer confirms the citizen agreed to the processing.")
    sex: Sex = Sex.OTHER
    birth_date: dt.date | None = None
    ethnicity: Text = Field("", max_length=60)
    id_number: Text = Field(
        "", max_length=20, description="12 digits (9 for an old card); stored only hashed."
    )
    phone: Text = Field("", max_length=20)


@router.get(
    "/people",
    response={200: list[PersonOut], **problems(401, 422)},
    summary="List the people in your scope",
    description="Officers see the people of their units and the units below; a citizen sees themself.",
    operation_id="people_list",
)
@paginate(Pagination)
def people_list(request: ApiRequest, filters: Query[PeopleFilter]) -> Any:
    return selectors.people_search(request.auth, filters.q)


@router.get(
    "/people/{person_id}",
    response={200: PersonDetailOut, **problems(401, 404)},
    summary="One person",
    operation_id="people_get",
)
def people_get(request: ApiRequest, person_id: Id) -> Any:
    person = get_object_or_404(selectors.people_visible(request.auth), pk=person_id)
    return person_out(person, request.auth)


@router.post(
    "/people",
    response={201: PersonDetailOut, **problems(400, 401, 403, 404, 422)},
    summary="Enrol a citizen on their behalf (hamlet heads, commune officers)",
    operation_id="people_enrol",
)
def people_enrol(request: ApiRequest, payload: PersonEnrolIn) -> Any:
    person = services.person_enrol(
        actor=request.auth,
        unit=get_object_or_404(Unit, pk=payload.unit_id),
        full_name=payload.full_name,
        consent_confirmed=payload.consent_confirmed,
        sex=payload.sex,
        birth_date=payload.birth_date,
        ethnicity=payload.ethnicity,
        id_number=payload.id_number,
        phone=payload.phone,
    )
    return Status(201, person_out(person, request.auth))
