"""Merging duplicate people: one citizen entered twice (by themself and by an officer, or in two hamlets).

The record kept takes over everything that hangs on the duplicate; the duplicate's row stays, pointing to the
record kept (`Person.merged_into`), and the audit log holds a snapshot of both, so the merge can be read back.
`recognition.selectors.subjects.people_duplicates` finds the candidates.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from learningcity.accounts import policy
from learningcity.accounts.models import Role, User
from learningcity.accounts.services import audit_append
from learningcity.text import nfc

from ..models import Assessment, Household, OrganisationMembership, Person
from .people import policy_grant_citizen

MERGE_ROLES = frozenset({Role.COMMUNE_OFFICER, Role.PROVINCE_COORDINATOR})


def person_snapshot(person: Person) -> dict[str, Any]:
    """What the audit log keeps of a record: enough to tell the two apart later, the ID number masked."""
    return {
        "id": person.pk,
        "full_name": person.full_name,
        "unit_id": person.unit_id,
        "unit": person.unit.name,
        "birth_year": person.birth_year,
        "sex": person.sex,
        "id_number": person.id_number_masked,
        "household_id": person.household_id,
        "user_id": person.user_id,
        "created_at": person.created_at.isoformat(),
    }


def _conflicts(keep: Person, duplicate: Person) -> list[str]:
    """Campaign × framework pairs in which both records have an assessment, as a reader names them."""
    theirs = set(
        Assessment.objects.filter(person=duplicate).values_list("campaign_id", "framework_version_id")
    )
    language = get_language() or "vi"
    return [
        f"{a.campaign.name} ({a.campaign.year}) · {a.framework_version.title(language)}"
        for a in Assessment.objects.filter(person=keep)
        .select_related("campaign", "framework_version")
        .order_by("campaign__year", "pk")
        if (a.campaign_id, a.framework_version_id) in theirs
    ]


@transaction.atomic
def person_merge(*, actor: User, keep: Person, duplicate: Person, reason: str) -> Person:
    """Merge `duplicate` into `keep`: a commune officer or province coordinator whose area covers both.

    Moves the duplicate's assessments, household membership (and headship), organisation memberships, and its
    account when only the duplicate has one; then marks it merged. Refused (ValidationError, nothing changed)
    when both have an assessment in the same campaign and framework (the message names them), when they
    belong to different households, or when either was merged already. Returns the record kept.
    """
    if keep.pk == duplicate.pk:
        raise ValidationError({"duplicate": _("Choose two different records.")})
    # Lock both rows in a fixed order so two officers merging the same pair cannot deadlock.
    locked = {
        p.pk: p
        for p in Person.objects.select_for_update(of=("self",))
        .select_related("unit")
        .filter(pk__in=[keep.pk, duplicate.pk])
        .order_by("pk")
    }
    keep, duplicate = locked[keep.pk], locked[duplicate.pk]
    if not (
        policy.covers(actor, MERGE_ROLES, keep.unit) and policy.covers(actor, MERGE_ROLES, duplicate.unit)
    ):
        raise PermissionDenied(_("You cannot merge these records."))
    reason = nfc(reason or "")
    if not reason:
        raise ValidationError({"reason": _("Say why these records are the same person.")})
    if keep.merged_into_id is not None or duplicate.merged_into_id is not None:
        raise ValidationError(_("One of these records was already merged into another."))
    conflicts = _conflicts(keep, duplicate)
    if conflicts:
        raise ValidationError(
            _(
                "Both records have an assessment in %(assessments)s. Keep one of them (return or reject the "
                "other) before merging."
            )
            % {"assessments": "; ".join(conflicts)}
        )
    if keep.household_id and duplicate.household_id and keep.household_id != duplicate.household_id:
        raise ValidationError(
            _("The records belong to different households: remove one of them from its household first.")
        )
    snapshots = {"keep": person_snapshot(keep), "duplicate": person_snapshot(duplicate)}

    moved_assessments = Assessment.objects.filter(person=duplicate).update(person=keep)
    household_id = keep.household_id or duplicate.household_id
    headships = Household.objects.filter(head=duplicate).update(head=keep)
    # Memberships both hold are kept once, as the record kept has them.
    shared = OrganisationMembership.objects.filter(
        person=duplicate, organisation__in=keep.organisations.values("pk")
    ).delete()[0]
    moved_memberships = OrganisationMembership.objects.filter(person=duplicate).update(person=keep)
    # Records merged into the duplicate earlier now point to the record kept: chains stay one step long.
    Person.objects.filter(merged_into=duplicate).update(merged_into=keep)

    account_moved = False
    if duplicate.user_id is not None and keep.user_id is None:
        user = duplicate.user
        duplicate.user = None
        duplicate.save(update_fields=["user"])  # the one-to-one link is free before it moves
        keep.user = user
        account_moved = True
        policy_grant_citizen(user=user, unit=keep.unit)  # type: ignore[arg-type]
    keep.household_id = household_id
    keep.save(update_fields=["user", "household"])
    duplicate.household = None
    duplicate.merged_into = keep
    duplicate.save(update_fields=["household", "merged_into"])

    data = {
        **snapshots,
        "moved": {
            "assessments": moved_assessments,
            "household": household_id,
            "headships": headships,
            "organisation_memberships": moved_memberships,
            "organisation_memberships_already_held": shared,
            "account": account_moved,
        },
    }
    audit_append(
        actor=actor,
        action="person.merge",
        obj=keep,
        unit=keep.unit,
        reason=reason,
        on_behalf_of_person_id=keep.pk,
        data=data,
    )
    # The same entry under the duplicate too: its history ends with where it went.
    audit_append(
        actor=actor,
        action="person.merged_into",
        obj=duplicate,
        unit=duplicate.unit,
        reason=reason,
        on_behalf_of_person_id=duplicate.pk,
        data=data,
    )
    return keep
