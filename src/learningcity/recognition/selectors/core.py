"""Reads of recognition data, always scoped to what the reader's role and unit allow."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce

from learningcity.accounts import policy
from learningcity.accounts.models import User
from learningcity.text import fold

from ..models import (
    SUBJECT_RELATED_OF_KIND,
    Assessment,
    Campaign,
    Certificate,
    Evidence,
    Person,
    ReceiptState,
    Status,
    SubmissionReceipt,
)
from ..services import id_number_hash

# Officers read the people and assessments of their subtree; a citizen reads their own.
READER_ROLES = policy.OFFICER_ROLES


def people_visible(user: User) -> QuerySet[Person]:
    """People the user may read; a person merged into another is read through the one it was merged into."""
    own = Q(user=user) if user.is_authenticated else Q(pk__in=[])
    return (
        Person.objects.filter(policy.scope_q(user, READER_ROLES, "unit") | own)
        .filter(merged_into__isnull=True)
        .select_related("unit")
    )


def people_search(user: User, query: str) -> QuerySet[Person]:
    people = people_visible(user)
    if query.strip():
        people = people.filter(name_folded__contains=fold(query))
    return people


def people_matching_id_number(user: User, id_number: str) -> QuerySet[Person]:
    """People the user may see whose ID card number is `id_number` (matched by its keyed hash)."""
    digits = "".join(ch for ch in id_number if ch.isdigit())
    if not digits:
        return Person.objects.none()
    return people_visible(user).filter(id_number_hash=id_number_hash(digits))


def _own(user: User) -> Q:
    """A citizen's own assessments: their person's, and their household's when they head it."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    return Q(person__user_id=user.pk) | Q(household__head__user_id=user.pk)


def assessments_visible(user: User) -> QuerySet[Assessment]:
    return Assessment.objects.filter(policy.scope_q(user, READER_ROLES, "unit") | _own(user)).select_related(
        "person", "unit", "campaign", "framework_version"
    )


@dataclass(frozen=True)
class Submittable:
    """What receiving a submission checks of an assessment the user may read."""

    status: str
    framework_version_id: int
    subject_user_id: int | None  # the citizen's account, or the household head's
    subject_unit_path: str  # the subject's unit (a community is its own)


def assessments_submittable(user: User, pks: Iterable[int]) -> dict[int, Submittable]:
    """Of the assessments `pks`, those the user may read, by id, with what receiving a submission checks
    (who may submit for the subject, whether it is still open, its framework version). One query for any
    number of them."""
    rows = (
        assessments_visible(user)
        .filter(pk__in=list(pks))
        .annotate(
            subject_user_id=Coalesce("person__user_id", "household__head__user_id"),
            subject_unit_path=Coalesce(
                "person__unit__path",
                "household__unit__path",
                "clan__unit__path",
                "organisation__unit__path",
                "community__path",
            ),
        )
        .values_list("pk", "status", "framework_version_id", "subject_user_id", "subject_unit_path")
    )
    return {pk: Submittable(*values) for pk, *values in rows}


def receipt_to_show(assessment: Assessment) -> SubmissionReceipt | None:
    """The intake's latest receipt for the assessment when its page should mention it: still waiting, or
    refused with nothing changed on the record since (its reason is then what the reader needs)."""
    latest = SubmissionReceipt.objects.filter(assessment=assessment).order_by("-pk").first()
    if latest is None or latest.state == ReceiptState.PENDING:
        return latest
    refused_last = latest.applied_at is not None and latest.applied_at >= assessment.updated_at
    if latest.state == ReceiptState.REFUSED and assessment.is_editable and refused_last:
        return latest
    return None


def receipts_own(user: User) -> QuerySet[SubmissionReceipt]:
    """The intake's receipts of the submissions the user sent, newest first."""
    if not user.is_authenticated:
        return SubmissionReceipt.objects.none()
    return SubmissionReceipt.objects.filter(actor=user).order_by("-pk")


# What reading one assessment joins besides its subject.
ASSESSMENT_RELATED = ("framework_version", "unit", "campaign", "entered_by")


def assessment_visible(user: User, pk: int) -> Assessment | None:
    """The assessment `pk` if the user may read it (None otherwise), with its framework version, unit,
    campaign, who entered it and its subject read along.

    Two small queries rather than one large one: which kind of subject it has, as far as the user may see
    it, then the row with that subject's relations only (`SUBJECT_RELATED_OF_KIND`)."""
    kind = assessments_visible(user).filter(pk=pk).values_list("subject_kind", flat=True).first()
    if kind is None:
        return None
    return (
        Assessment.objects.filter(pk=pk)
        .select_related(*ASSESSMENT_RELATED, *SUBJECT_RELATED_OF_KIND[kind])
        .first()
    )


def assessments_due(user: User) -> QuerySet[Assessment]:
    """Submitted assessments waiting at a stage this user reviews, within the scope of that role.

    Never the user's own assessment: nobody reviews themself (recognition.services.can_review).
    """
    q = Q(pk__in=[])
    for stage, role in policy.STAGE_ROLES.items():
        q |= Q(review_stage=stage) & policy.scope_q(user, [role], "unit")
    return (
        Assessment.objects.filter(Q(status=Status.SUBMITTED) & q)
        .exclude(_own(user))
        .select_related("person", "unit", "campaign", "framework_version")
        .order_by("submitted_at", "pk")
    )


def evidence_visible(user: User) -> QuerySet[Evidence]:
    return Evidence.objects.filter(assessment__in=assessments_visible(user).values("pk"))


def campaigns_visible(user: User) -> QuerySet[Campaign]:
    """Campaigns whose territory contains or lies within the user's units (a citizen: their own campaigns)."""
    if not user.is_authenticated:
        return Campaign.objects.none()
    if user.is_superuser:
        return Campaign.objects.all()
    paths = policy.scope_paths(user, [*READER_ROLES, "citizen"])
    q = Q(pk__in=[])
    for path in paths:
        ancestors = [part for part in path.strip("/").split("/") if part]
        q |= Q(territory__path__startswith=path) | Q(territory_id__in=[int(a) for a in ancestors])
    return Campaign.objects.filter(q).select_related("territory").prefetch_related("frameworks")


def certificate_public(code: str) -> Certificate | None:
    """The public check: a certificate by its code, with only the snapshot fields to show."""
    return (
        Certificate.objects.filter(code=code.strip().upper(), revoked_at__isnull=True)
        .only("code", "holder_name", "unit_name", "title_vi", "title_en", "year", "issued_at")
        .first()
    )


def person_can_see_sensitive(user: User, person: Person) -> bool:
    """Birth dates and ethnicity: the person themself, or the roles that need them (SENSITIVE_DATA_ROLES)."""
    return (person.user_id is not None and person.user_id == user.pk) or policy.covers(
        user, policy.SENSITIVE_DATA_ROLES, person.unit
    )
