"""Writes of the subjects beside citizens: households and their members, clans and their households,
organisations and their members. A learning community needs no record: the hamlet or commune is the subject.

Each write is one transaction that checks the actor's role on the record's unit (`accounts.policy`: a role on
a unit covers the units below), validates, saves (text in NFC, names folded for search) and appends to the
audit log. Who does what:

- households and clans: hamlet heads and commune officers (`policy.ENROLMENT_ROLES`), as they register people;
- organisations (schools, agencies, Hội Khuyến học branches): commune officers and province coordinators.
"""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from learningcity.accounts import policy
from learningcity.accounts.models import Role, User
from learningcity.accounts.services import audit_append
from learningcity.territory.models import Era, Level, Unit
from learningcity.text import fold, nfc

from ..models import Clan, Household, Organisation, OrganisationKind, OrganisationMembership, Person, Sex
from .people import person_enrol

HOUSEHOLD_ROLES = policy.ENROLMENT_ROLES
CLAN_ROLES = policy.ENROLMENT_ROLES
ORGANISATION_ROLES = frozenset({Role.COMMUNE_OFFICER, Role.PROVINCE_COORDINATOR})
# Only a learning-promotion association branch (chi hội / ban khuyến học) reviews grassroots recognition.
REVIEWING_BODY_KINDS = frozenset({OrganisationKind.LEARNING_PROMOTION})

M = TypeVar("M", bound=models.Model)


def _require(actor: User, roles: frozenset[str], unit: Unit, message: str) -> None:
    if not policy.covers(actor, roles, unit):
        raise PermissionDenied(message)


def _name(value: str, limit: int) -> str:
    name = nfc(value or "")
    if not name:
        raise ValidationError({"name": _("Enter the name.")})
    if len(name) > limit:
        raise ValidationError({"name": _("Keep the name under %(limit)s characters.") % {"limit": limit}})
    return name


def _check_grassroots_unit(unit: Unit) -> None:
    if unit.era != Era.CURRENT or unit.level not in (Level.COMMUNE, Level.HAMLET):
        raise ValidationError({"unit": _("Choose today's commune, hamlet or residential group.")})


def _lock(instance: M) -> M:
    """The row again, locked until the transaction ends: concurrent changes wait for this one."""
    return type(instance)._default_manager.select_for_update().get(pk=instance.pk)


# --------------------------------------------------------------------------------------------------------
# Households


def _register_number(household_unit: Unit, value: str, exclude_pk: int | None = None) -> str:
    number = nfc(value or "")
    if len(number) > 40:
        raise ValidationError({"register_number": _("Keep the register number under 40 characters.")})
    if number:
        taken = Household.objects.filter(unit=household_unit, register_number=number)
        if exclude_pk is not None:
            taken = taken.exclude(pk=exclude_pk)
        if taken.exists():
            raise ValidationError(
                {"register_number": _("Another household of this unit has this register number.")}
            )
    return number


@transaction.atomic
def household_create(
    *, actor: User, unit: Unit, name: str, register_number: str = "", is_demo: bool = False
) -> Household:
    """Register a household on a hamlet or commune in the actor's area; its head is chosen among its members
    once they are added. `register_number` (the commune register's own number) is unique within the unit."""
    _require(actor, HOUSEHOLD_ROLES, unit, _("You cannot register households in this unit."))
    _check_grassroots_unit(unit)
    clean = _name(name, 150)
    household = Household.objects.create(
        unit=unit,
        name=clean,
        name_folded=fold(clean),
        register_number=_register_number(unit, register_number),
        is_demo=is_demo,
    )
    audit_append(
        actor=actor,
        action="household.create",
        obj=household,
        unit=unit,
        data={"name": household.name, "register_number": household.register_number},
    )
    return household


@transaction.atomic
def household_update(
    *, actor: User, household: Household, name: str, register_number: str, head: Person | None
) -> Household:
    """Rename a household, change its register number, choose its head among its members (or none)."""
    household = _lock(household)
    _require(actor, HOUSEHOLD_ROLES, household.unit, _("You cannot change this household."))
    clean = _name(name, 150)
    number = _register_number(household.unit, register_number, exclude_pk=household.pk)
    # Asked of the database: the caller's copy of the person may predate their joining.
    if head is not None and not household.members.filter(pk=head.pk, merged_into__isnull=True).exists():
        raise ValidationError({"head": _("The head must be a member of the household.")})
    before = {"name": household.name, "register_number": household.register_number, "head": household.head_id}
    household.name, household.name_folded, household.register_number = clean, fold(clean), number
    household.head = head
    household.save(update_fields=["name", "name_folded", "register_number", "head"])
    after = {"name": household.name, "register_number": household.register_number, "head": household.head_id}
    audit_append(
        actor=actor,
        action="household.update",
        obj=household,
        unit=household.unit,
        data={"before": before, "after": after},
    )
    return household


@transaction.atomic
def household_member_add(*, actor: User, household: Household, person: Person) -> Person:
    """Add a person of the household's own unit who belongs to no household yet."""
    household = _lock(household)
    person = _lock(person)
    _require(actor, HOUSEHOLD_ROLES, household.unit, _("You cannot change this household."))
    if person.merged_into_id is not None:
        raise ValidationError({"person": _("This record was merged into another; add that one instead.")})
    if person.unit_id != household.unit_id:
        raise ValidationError(
            {"person": _("Only people registered on the household's own unit can join it.")}
        )
    if person.household_id == household.pk:
        return person
    if person.household_id is not None:
        message = _("%(name)s already belongs to another household; remove them there first.")
        raise ValidationError({"person": message % {"name": person.full_name}})
    person.household = household
    person.save(update_fields=["household"])
    audit_append(
        actor=actor,
        action="household.member_add",
        obj=household,
        unit=household.unit,
        on_behalf_of_person_id=person.pk,
        data={"person": person.pk},
    )
    return person


@transaction.atomic
def household_member_enrol(
    *,
    actor: User,
    household: Household,
    full_name: str,
    consent_confirmed: bool,
    sex: str = Sex.OTHER,
    birth_date: dt.date | None = None,
    ethnicity: str = "",
    id_number: str = "",
    phone: str = "",
    is_demo: bool = False,
) -> Person:
    """Register a new person on the household's unit on their behalf (`person_enrol`) and add them to it."""
    _require(actor, HOUSEHOLD_ROLES, household.unit, _("You cannot change this household."))
    person = person_enrol(
        actor=actor,
        unit=household.unit,
        full_name=full_name,
        consent_confirmed=consent_confirmed,
        sex=sex,
        birth_date=birth_date,
        ethnicity=ethnicity,
        id_number=id_number,
        phone=phone,
        is_demo=is_demo,
    )
    return household_member_add(actor=actor, household=household, person=person)


@transaction.atomic
def household_member_remove(*, actor: User, household: Household, person: Person) -> Person:
    """Take a person out of the household; a head who leaves leaves the household without a head."""
    household = _lock(household)
    person = _lock(person)
    _require(actor, HOUSEHOLD_ROLES, household.unit, _("You cannot change this household."))
    if person.household_id != household.pk:
        raise ValidationError({"person": _("This person is not a member of the household.")})
    person.household = None
    person.save(update_fields=["household"])
    was_head = household.head_id == person.pk
    if was_head:
        household.head = None
        household.save(update_fields=["head"])
    audit_append(
        actor=actor,
        action="household.member_remove",
        obj=household,
        unit=household.unit,
        on_behalf_of_person_id=person.pk,
        data={"person": person.pk, "was_head": was_head},
    )
    return person


# --------------------------------------------------------------------------------------------------------
# Clans


def _clan_name(unit: Unit, name: str, exclude_pk: int | None = None) -> str:
    clean = _name(name, 150)
    taken = Clan.objects.filter(unit=unit, name_folded=fold(clean))
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError({"name": _("This unit already has a clan of this name.")})
    return clean


@transaction.atomic
def clan_create(*, actor: User, unit: Unit, name: str, is_demo: bool = False) -> Clan:
    """Register a clan on the hamlet or commune where it gathers; its name is unique within the unit."""
    _require(actor, CLAN_ROLES, unit, _("You cannot register clans in this unit."))
    _check_grassroots_unit(unit)
    clean = _clan_name(unit, name)
    clan = Clan.objects.create(unit=unit, name=clean, name_folded=fold(clean), is_demo=is_demo)
    audit_append(actor=actor, action="clan.create", obj=clan, unit=unit, data={"name": clan.name})
    return clan


@transaction.atomic
def clan_update(*, actor: User, clan: Clan, name: str) -> Clan:
    clan = _lock(clan)
    _require(actor, CLAN_ROLES, clan.unit, _("You cannot change this clan."))
    clean = _clan_name(clan.unit, name, exclude_pk=clan.pk)
    before = clan.name
    clan.name, clan.name_folded = clean, fold(clean)
    clan.save(update_fields=["name", "name_folded"])
    audit_append(
        actor=actor, action="clan.update", obj=clan, unit=clan.unit, data={"before": before, "after": clean}
    )
    return clan


def clan_commune(clan: Clan) -> Unit:
    """The commune a clan gathers in: its households are that commune's (its hamlets' included)."""
    unit = clan.unit
    return unit.parent if unit.level == Level.HAMLET and unit.parent is not None else unit


@transaction.atomic
def clan_household_add(*, actor: User, clan: Clan, household: Household) -> Household:
    """Add a household of the clan's commune (its hamlets included) that belongs to no other clan.

    The actor needs the role on both the clan's unit and the household's.
    """
    clan = Clan.objects.select_related("unit__parent").get(pk=clan.pk)
    household = _lock(household)
    _require(actor, CLAN_ROLES, clan.unit, _("You cannot change this clan."))
    _require(actor, HOUSEHOLD_ROLES, household.unit, _("You cannot change this household."))
    if not household.unit.path.startswith(clan_commune(clan).path):
        raise ValidationError({"household": _("Only households of the clan's commune can join it.")})
    if household.clan_id == clan.pk:
        return household
    if household.clan_id is not None:
        raise ValidationError(
            {"household": _("This household already belongs to another clan; remove it there first.")}
        )
    household.clan = clan
    household.save(update_fields=["clan"])
    audit_append(
        actor=actor, action="clan.household_add", obj=clan, unit=clan.unit, data={"household": household.pk}
    )
    return household


@transaction.atomic
def clan_household_remove(*, actor: User, clan: Clan, household: Household) -> Household:
    household = _lock(household)
    _require(actor, CLAN_ROLES, clan.unit, _("You cannot change this clan."))
    if household.clan_id != clan.pk:
        raise ValidationError({"household": _("This household is not part of the clan.")})
    household.clan = None
    household.save(update_fields=["clan"])
    audit_append(
        actor=actor,
        action="clan.household_remove",
        obj=clan,
        unit=clan.unit,
        data={"household": household.pk},
    )
    return household


# --------------------------------------------------------------------------------------------------------
# Organisations


def _organisation_fields(*, unit: Unit, name: str, kind: str, is_reviewing_body: bool) -> dict[str, object]:
    if unit.era != Era.CURRENT or unit.level not in (Level.PROVINCE, Level.COMMUNE, Level.HAMLET):
        raise ValidationError({"unit": _("Choose today's province, commune, hamlet or residential group.")})
    if kind not in OrganisationKind.values:
        raise ValidationError({"kind": _("Choose a value from the list.")})
    if is_reviewing_body and kind not in REVIEWING_BODY_KINDS:
        raise ValidationError(
            {"is_reviewing_body": _("Only a learning-promotion association branch can be a reviewing body.")}
        )
    clean = _name(name, 200)
    return {"name": clean, "name_folded": fold(clean), "kind": kind, "is_reviewing_body": is_reviewing_body}


@transaction.atomic
def organisation_create(
    *, actor: User, unit: Unit, name: str, kind: str, is_reviewing_body: bool = False, is_demo: bool = False
) -> Organisation:
    """Register an organisation (a learning organisation, or a Hội Khuyến học branch that reviews)."""
    _require(actor, ORGANISATION_ROLES, unit, _("You cannot register organisations in this unit."))
    fields = _organisation_fields(unit=unit, name=name, kind=kind, is_reviewing_body=is_reviewing_body)
    organisation = Organisation.objects.create(unit=unit, is_demo=is_demo, **fields)
    audit_append(
        actor=actor,
        action="organisation.create",
        obj=organisation,
        unit=unit,
        data={"name": organisation.name, "kind": kind, "is_reviewing_body": is_reviewing_body},
    )
    return organisation


@transaction.atomic
def organisation_update(
    *, actor: User, organisation: Organisation, name: str, kind: str, is_reviewing_body: bool
) -> Organisation:
    """Rename an organisation, change its kind, or mark it as a reviewing body (or no longer one)."""
    organisation = _lock(organisation)
    _require(actor, ORGANISATION_ROLES, organisation.unit, _("You cannot change this organisation."))
    fields = _organisation_fields(
        unit=organisation.unit, name=name, kind=kind, is_reviewing_body=is_reviewing_body
    )
    before = {
        "name": organisation.name,
        "kind": organisation.kind,
        "is_reviewing_body": organisation.is_reviewing_body,
    }
    for key, value in fields.items():
        setattr(organisation, key, value)
    organisation.save(update_fields=list(fields))
    audit_append(
        actor=actor,
        action="organisation.update",
        obj=organisation,
        unit=organisation.unit,
        data={"before": before, "after": {k: v for k, v in fields.items() if k != "name_folded"}},
    )
    return organisation


@transaction.atomic
def organisation_member_add(
    *, actor: User, organisation: Organisation, person: Person, position: str = ""
) -> OrganisationMembership:
    """Add a person the actor may see (an officer of their unit) as a member, with an optional position."""
    _require(actor, ORGANISATION_ROLES, organisation.unit, _("You cannot change this organisation."))
    person = Person.objects.select_related("unit").get(pk=person.pk)
    if not policy.covers(actor, policy.OFFICER_ROLES, person.unit):
        raise PermissionDenied(_("You cannot add this person."))
    if person.merged_into_id is not None:
        raise ValidationError({"person": _("This record was merged into another; add that one instead.")})
    clean_position = nfc(position or "")
    if len(clean_position) > 100:
        raise ValidationError({"position": _("Keep the position under 100 characters.")})
    membership, created = OrganisationMembership.objects.get_or_create(
        organisation=organisation, person=person, defaults={"position": clean_position}
    )
    if not created:
        raise ValidationError({"person": _("%(name)s is already a member.") % {"name": person.full_name}})
    audit_append(
        actor=actor,
        action="organisation.member_add",
        obj=organisation,
        unit=organisation.unit,
        on_behalf_of_person_id=person.pk,
        data={"person": person.pk, "position": clean_position},
    )
    return membership


@transaction.atomic
def organisation_member_remove(*, actor: User, organisation: Organisation, person: Person) -> None:
    _require(actor, ORGANISATION_ROLES, organisation.unit, _("You cannot change this organisation."))
    deleted, _details = OrganisationMembership.objects.filter(
        organisation=organisation, person=person
    ).delete()
    if not deleted:
        raise ValidationError({"person": _("This person is not a member of the organisation.")})
    audit_append(
        actor=actor,
        action="organisation.member_remove",
        obj=organisation,
        unit=organisation.unit,
        on_behalf_of_person_id=person.pk,
        data={"person": person.pk},
    )
