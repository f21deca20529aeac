"""Reads of the subjects beside citizens: households, clans, organisations, communities; duplicate people.

Officers (hamlet heads, commune officers, province coordinators) read the subjects of their units and every
unit below (`accounts.policy.scope_q`); a citizen reads the household they belong to or head. People merged
into another record (`Person.merged_into`) are never listed: their record stays only for the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from learningcity.accounts import policy
from learningcity.accounts.models import User
from learningcity.frameworks.models import FrameworkVersion
from learningcity.territory.models import Era, Level, Unit
from learningcity.text import fold

from ..models import (
    SUBJECT_FIELDS,
    Assessment,
    Campaign,
    Clan,
    Household,
    Organisation,
    OrganisationMembership,
    Person,
)
from ..services import subject_kind_of
from ..services.subjects import clan_commune
from .core import READER_ROLES, assessments_visible, campaigns_visible, people_visible

Subject = Person | Household | Clan | Organisation | Unit

# People still in use: not merged into another record.
CURRENT = Q(merged_into__isnull=True)


def _scope(user: User) -> Q:
    return policy.scope_q(user, READER_ROLES, "unit")


def _search(queryset: QuerySet, query: str) -> QuerySet:
    """Diacritic-folded search on the stored `name_folded` column ("chieng coi" finds "Chiềng Cơi")."""
    folded = fold(query or "")
    return queryset.filter(name_folded__contains=folded) if folded else queryset


def people_current(user: User) -> QuerySet[Person]:
    """The people a user may see, merged records left out."""
    return people_visible(user).filter(CURRENT)


# --------------------------------------------------------------------------------------------------------
# Households


def households_visible(user: User) -> QuerySet[Household]:
    """Households of the officer's units and below, and the citizen's own (as a member or as the head)."""
    own = Q(pk__in=[])
    if user.is_authenticated:
        # A subquery, not a join over members: a household must not come back once per member.
        own = Q(pk__in=Person.objects.filter(user=user, household__isnull=False).values("household_id"))
        own |= Q(head__user=user)
    return Household.objects.filter(_scope(user) | own).select_related("unit__parent", "head", "clan")


def households_search(user: User, query: str = "") -> QuerySet[Household]:
    """Visible households matching a folded name or their register number, with `member_count`."""
    households = households_visible(user)
    if (query or "").strip():
        households = households.filter(
            Q(name_folded__contains=fold(query)) | Q(register_number__iexact=query.strip())
        )
    return households.annotate(member_count=Count("members", filter=Q(members__merged_into__isnull=True)))


def household_members(household: Household) -> QuerySet[Person]:
    return (
        Person.objects.filter(CURRENT, household=household)
        .select_related("unit")
        .order_by("name_folded", "pk")
    )


def household_candidates(user: User, household: Household, query: str = "") -> QuerySet[Person]:
    """People who may join the household: of its unit, in no household, visible to the user, not merged."""
    people = people_current(user).filter(unit=household.unit, household__isnull=True)
    return _search(people, query)


# --------------------------------------------------------------------------------------------------------
# Clans


def clans_visible(user: User) -> QuerySet[Clan]:
    return Clan.objects.filter(_scope(user)).select_related("unit__parent")


def clans_search(user: User, query: str = "") -> QuerySet[Clan]:
    return _search(clans_visible(user), query).annotate(household_count=Count("households"))


def clan_households(clan: Clan) -> QuerySet[Household]:
    return (
        Household.objects.filter(clan=clan)
        .select_related("unit", "head")
        .annotate(member_count=Count("members", filter=Q(members__merged_into__isnull=True)))
        .order_by("name_folded", "pk")
    )


def clan_candidates(user: User, clan: Clan, query: str = "") -> QuerySet[Household]:
    """Households of the clan's commune in no clan, that the user may see."""
    commune = clan_commune(clan)
    households = households_visible(user).filter(unit__path__startswith=commune.path, clan__isnull=True)
    if (query or "").strip():
        households = households.filter(
            Q(name_folded__contains=fold(query)) | Q(register_number__iexact=query.strip())
        )
    return households


# --------------------------------------------------------------------------------------------------------
# Organisations


def organisations_visible(user: User) -> QuerySet[Organisation]:
    return Organisation.objects.filter(_scope(user)).select_related("unit__parent")


def organisations_search(user: User, query: str = "", kind: str = "") -> QuerySet[Organisation]:
    organisations = _search(organisations_visible(user), query)
    if kind:
        organisations = organisations.filter(kind=kind)
    return organisations.annotate(
        member_count=Count("memberships", filter=Q(memberships__person__merged_into__isnull=True))
    )


def organisation_memberships(organisation: Organisation) -> QuerySet[OrganisationMembership]:
    return (
        OrganisationMembership.objects.filter(organisation=organisation, person__merged_into__isnull=True)
        .select_related("person__unit")
        .order_by("person__name_folded", "pk")
    )


def organisation_candidates(user: User, organisation: Organisation, query: str = "") -> QuerySet[Person]:
    """People the user may see who are not yet members of the organisation."""
    members = OrganisationMembership.objects.filter(organisation=organisation).values("person_id")
    return _search(people_current(user).exclude(pk__in=members), query)


# --------------------------------------------------------------------------------------------------------
# Communities: a hamlet (residential group) or a commune is its own learning community


def communities_visible(user: User) -> QuerySet[Unit]:
    """Today's hamlets and communes in the officer's scope."""
    in_scope = Q(pk__in=[])
    for path in policy.scope_paths(user, READER_ROLES):
        in_scope |= Q(path__startswith=path)
    return Unit.objects.filter(
        in_scope, era=Era.CURRENT, level__in=[Level.HAMLET, Level.COMMUNE]
    ).select_related("parent")


def communities_search(user: User, query: str = "") -> QuerySet[Unit]:
    return _search(communities_visible(user), query).order_by("path")


# --------------------------------------------------------------------------------------------------------
# A subject's assessments and the campaigns it can be assessed in


def subject_assessments(user: User, subject: Subject) -> QuerySet[Assessment]:
    """The subject's assessments the user may read, newest campaign first."""
    kind = subject_kind_of(subject)
    return (
        assessments_visible(user)
        .filter(subject_kind=kind, **{SUBJECT_FIELDS[kind]: subject})
        .order_by("-campaign__year", "campaign__name", "pk")
    )


def subject_offers(user: User, subject: Subject) -> list[tuple[Campaign, FrameworkVersion]]:
    """(campaign, framework) pairs a subject can be assessed in today: open campaigns over its unit that
    include a framework for its kind. Two queries whatever the number of campaigns."""
    kind = subject_kind_of(subject)
    unit = subject if isinstance(subject, Unit) else subject.unit
    today = timezone.localdate()
    campaigns = (
        campaigns_visible(user)
        .filter(territory_id__in=unit.ancestor_ids, opens_on__lte=today, submission_deadline__gte=today)
        .order_by("-year", "name", "pk")
    )
    return [
        (campaign, version)
        for campaign in campaigns
        for version in campaign.frameworks.all()
        if version.subject == kind
    ]


# --------------------------------------------------------------------------------------------------------
# Duplicate people


class DuplicateReason:
    ID_NUMBER = "id_number"
    NAME_BIRTH_YEAR_UNIT = "name_birth_year_unit"


@dataclass
class DuplicateGroup:
    """People who are probably one person, with why they were grouped (one reason or both)."""

    people: list[Person]
    reasons: set[str] = field(default_factory=set)


def people_duplicates(user: User) -> list[DuplicateGroup]:
    """Groups of visible, unmerged people that share an ID card number (its keyed hash), or the same folded
    name, birth year and unit (hamlet). One query; people linked by either rule end in one group.

    A person without a birth year is matched by ID number only: two namesakes of unknown age on one hamlet
    (a father and his son) are not a finding.
    """
    current = people_current(user)
    same_id = current.filter(id_number_hash=OuterRef("id_number_hash")).exclude(pk=OuterRef("pk"))
    # People on the same unit as a visible person are visible too: scope is by unit.
    same_name = Person.objects.filter(
        CURRENT,
        name_folded=OuterRef("name_folded"),
        birth_year=OuterRef("birth_year"),
        unit_id=OuterRef("unit_id"),
    ).exclude(pk=OuterRef("pk"))
    found = list(
        current.filter(
            (~Q(id_number_hash="") & Exists(same_id)) | (Q(birth_year__isnull=False) & Exists(same_name))
        )
        .select_related("unit__parent")
        .order_by("name_folded", "pk")
    )
    # Union-find over the two keys: a person sharing an ID with one and a name with another joins both.
    parent: dict[int, int] = {person.pk: person.pk for person in found}

    def root(pk: int) -> int:
        while parent[pk] != pk:
            parent[pk] = parent[parent[pk]]
            pk = parent[pk]
        return pk

    reasons: dict[int, set[str]] = {}
    keys: dict[tuple[str, object], int] = {}
    for person in found:
        candidates: list[tuple[str, object]] = []
        if person.id_number_hash:
            candidates.append((DuplicateReason.ID_NUMBER, person.id_number_hash))
        if person.birth_year is not None:
            candidates.append(
                (
                    DuplicateReason.NAME_BIRTH_YEAR_UNIT,
                    (person.name_folded, person.birth_year, person.unit_id),
                )
            )
        for reason, key in candidates:
            other = keys.setdefault((reason, key), person.pk)
            if other != person.pk:
                reasons.setdefault(person.pk, set()).add(reason)
                reasons.setdefault(other, set()).add(reason)
                parent[root(person.pk)] = root(other)
    groups: dict[int, DuplicateGroup] = {}
    for person in found:
        if person.pk not in reasons:
            continue  # matched a key only with someone outside the result (cannot happen, kept safe)
        group = groups.setdefault(root(person.pk), DuplicateGroup([]))
        group.people.append(person)
        group.reasons |= reasons[person.pk]
    return [group for group in groups.values() if len(group.people) > 1]
