"""Writes commune officers make to the territory: hamlets and residential groups, and their flags.

Each is one transaction that checks the officer's role and scope, validates, writes, and appends to the audit
log. Flags are read by framework rules (`context: from: unit.flag.<name>`): a hamlet flagged as a
disadvantaged or ethnic-minority area lowers the learning-citizen pass mark from 80 to 70.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from learningcity.accounts import policy
from learningcity.accounts.models import Role, User
from learningcity.accounts.services import audit_append
from learningcity.text import fold, nfc

from .models import Era, Level, Unit
from .services import hamlet_create

DISADVANTAGED_AREA = "disadvantaged_area"
HAMLET_MANAGER_ROLES = frozenset({Role.COMMUNE_OFFICER})
CODE_LENGTH = Unit._meta.get_field("code").max_length or 20


def _hamlet_code(commune: Unit, name: str) -> str:
    """A code unique within the commune that fits the column: the folded name, shortened and numbered."""
    base = fold(name).replace(" ", "-")[:CODE_LENGTH].strip("-") or "h"
    taken = set(Unit.objects.filter(parent=commune, level=Level.HAMLET).values_list("code", flat=True))
    code, n = base, 2
    while code in taken:
        suffix = f"-{n}"
        code, n = f"{base[: CODE_LENGTH - len(suffix)]}{suffix}", n + 1
    return code


@transaction.atomic
def hamlet_create_by_officer(
    *, actor: User, commune: Unit, name: str, division_type: str, disadvantaged_area: bool = False
) -> Unit:
    """A commune officer adds a hamlet or residential group below one of their communes.

    Raises PermissionDenied outside the officer's communes, ValidationError for an empty name or a name the
    commune already has.
    """
    if not policy.covers(actor, HAMLET_MANAGER_ROLES, commune):
        raise PermissionDenied(_("You cannot add hamlets to this commune."))
    if commune.era != Era.CURRENT or commune.level != Level.COMMUNE:
        raise ValidationError({"commune": _("Hamlets hang below one of today's communes.")})
    clean = nfc(name)
    if not clean:
        raise ValidationError({"name": _("Enter the name.")})
    if Unit.objects.filter(parent=commune, level=Level.HAMLET, name_folded=fold(clean)).exists():
        raise ValidationError(
            {"name": _("This commune already has a hamlet or residential group of this name.")}
        )
    hamlet = hamlet_create(
        commune=commune, name=clean, code=_hamlet_code(commune, clean), division_type=nfc(division_type)
    )
    if disadvantaged_area:
        hamlet.flags = {**hamlet.flags, DISADVANTAGED_AREA: True}
        hamlet.save(update_fields=["flags"])
    audit_append(
        actor=actor,
        action="unit.hamlet_create",
        obj=hamlet,
        unit=hamlet,
        data={"commune": commune.pk, DISADVANTAGED_AREA: disadvantaged_area},
    )
    return hamlet


@transaction.atomic
def hamlet_flag_disadvantaged(*, actor: User, hamlet: Unit, value: bool, reason: str = "") -> Unit:
    """Set or clear the "disadvantaged or ethnic-minority area" flag of a hamlet in the officer's scope.

    Assessments already stored keep their result until they are next saved or reviewed (approval re-scores).
    """
    hamlet = Unit.objects.select_for_update().get(pk=hamlet.pk)
    if hamlet.level != Level.HAMLET or not policy.covers(actor, HAMLET_MANAGER_ROLES, hamlet):
        raise PermissionDenied(_("You cannot change this hamlet."))
    if bool(hamlet.flags.get(DISADVANTAGED_AREA)) == value:
        return hamlet
    flags = dict(hamlet.flags)
    if value:
        flags[DISADVANTAGED_AREA] = True
    else:
        flags.pop(DISADVANTAGED_AREA, None)
    hamlet.flags = flags
    hamlet.save(update_fields=["flags"])
    audit_append(
        actor=actor,
        action="unit.flag_set" if value else "unit.flag_clear",
        obj=hamlet,
        unit=hamlet,
        reason=nfc(reason),
        data={"flag": DISADVANTAGED_AREA},
    )
    return hamlet
