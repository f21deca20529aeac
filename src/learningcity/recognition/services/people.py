"""Writes of people: registration by the citizen, entry on a citizen's behalf."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from learningcity.accounts import policy
from learningcity.accounts.models import Role, RoleAssignment, User
from learningcity.accounts.services import audit_append
from learningcity.territory.models import Era, Level, Unit
from learningcity.text import fold, nfc

from ..models import Person, Sex


def id_number_hash(id_number: str) -> str:
    """Keyed hash of an ID card number: equal numbers match, the number itself is not recoverable."""
    return id_number_hashes([re.sub(r"\D", "", id_number)])[0] or ""


def id_number_hashes(numbers: list[str | None]) -> list[str | None]:
    """`id_number_hash` of many numbers already reduced to their digits (an import's million; None stays
    None): the keyed state is made once and copied for each number, half the cost of keying it again."""
    keyed = hmac.new(settings.ID_NUMBER_PEPPER.encode(), digestmod=hashlib.sha256)

    def hashed(digits: str) -> str:
        state = keyed.copy()
        state.update(digits.encode())
        return state.hexdigest()

    return [None if digits is None else hashed(digits) for digits in numbers]


def _clean_id_number(id_number: str) -> str:
    digits = re.sub(r"\s", "", id_number or "")
    if digits and not re.fullmatch(r"\d{9}|\d{12}", digits):
        raise ValidationError({"id_number": _("An ID card number has 12 digits (or 9 for an old card).")})
    return digits


def _person_fields(
    *, full_name: str, sex: str, birth_date: dt.date | None, ethnicity: str, id_number: str, phone: str
) -> dict[str, Any]:
    name = nfc(full_name)
    if len(name) < 2:
        raise ValidationError({"full_name": _("Enter the full name.")})
    if sex not in Sex.values:
        raise ValidationError({"sex": _("Choose a value from the list.")})
    if birth_date is not None and not (dt.date(1900, 1, 1) <= birth_date <= timezone.localdate()):
        raise ValidationError({"birth_date": _("Enter a birth date between 1900 and today.")})
    digits = _clean_id_number(id_number)
    return {
        "full_name": name,
        "name_folded": fold(name),
        "sex": sex,
        "birth_date": birth_date,
        "birth_year": birth_date.year if birth_date else None,
        "ethnicity": nfc(ethnicity),
        "id_number_hash": id_number_hash(digits) if digits else "",
        "id_number_last4": digits[-4:] if digits else "",
        "phone": nfc(phone),
    }


def _check_not_registered(id_hash: str) -> None:
    """One person, one record: an ID card number already on file is refused (matched by its keyed hash).

    The message does not say where the other record is: the actor may not be allowed to see it.
    """
    if id_hash and Person.objects.filter(id_number_hash=id_hash).exists():
        raise ValidationError({"id_number": _("A person with this ID card number is already registered.")})


def _check_person_unit(unit: Unit) -> None:
    if unit.era != Era.CURRENT or unit.level not in (Level.COMMUNE, Level.HAMLET):
        raise ValidationError({"unit": _("Choose today's commune, hamlet or residential group.")})


@transaction.atomic
def person_register_self(
    *,
    user: User,
    unit: Unit,
    full_name: str,
    consent: bool,
    sex: str = Sex.OTHER,
    birth_date: dt.date | None = None,
    ethnicity: str = "",
    id_number: str = "",
    phone: str = "",
) -> Person:
    """A citizen registers themself; consent to processing their personal data is required."""
    if not consent:
        raise ValidationError(
            {"consent": _("Registration needs your consent to the processing of your data.")}
        )
    if hasattr(user, "person"):
        raise ValidationError(_("This account is already registered as a citizen."))
    _check_person_unit(unit)
    fields = _person_fields(
        full_name=full_name,
        sex=sex,
        birth_date=birth_date,
        ethnicity=ethnicity,
        id_number=id_number,
        phone=phone,
    )
    _check_not_registered(fields["id_number_hash"])
    person = Person.objects.create(unit=unit, user=user, consent_at=timezone.now(), entered_by=user, **fields)
    policy_grant_citizen(user=user, unit=unit)
    audit_append(actor=user, action="person.register", obj=person, unit=unit)
    return person


def policy_grant_citizen(*, user: User, unit: Unit) -> None:
    RoleAssignment.objects.get_or_create(user=user, role=Role.CITIZEN, unit=unit)
    policy.forget(user)


@transaction.atomic
def person_enrol(
    *,
    actor: User,
    unit: Unit,
    full_name: str,
    consent_confirmed: bool,
    sex: str = Sex.OTHER,
    birth_date: dt.date | None = None,
    ethnicity: str = "",
    id_number: str = "",
    phone: str = "",
    is_demo: bool = False,
) -> Person:
    """A hamlet head or commune officer enters a citizen who cannot use the web, on their behalf.

    The officer confirms that the citizen consented; the audit log records who entered them.
    """
    if not policy.covers(actor, policy.ENROLMENT_ROLES, unit):
        raise PermissionDenied(_("You cannot register people in this unit."))
    if not consent_confirmed:
        raise ValidationError(
            {"consent_confirmed": _("Confirm that the citizen agreed to the processing of their data.")}
        )
    _check_person_unit(unit)
    fields = _person_fields(
        full_name=full_name,
        sex=sex,
        birth_date=birth_date,
        ethnicity=ethnicity,
        id_number=id_number,
        phone=phone,
    )
    _check_not_registered(fields["id_number_hash"])
    person = Person.objects.create(
        unit=unit, consent_at=timezone.now(), entered_by=actor, is_demo=is_demo, **fields
    )
    audit_append(actor=actor, action="person.enrol", obj=person, unit=unit, on_behalf_of_person_id=person.pk)
    return person
