"""The one permission policy: roles on units, covering their subtrees.

Views, API routes, file views and exports ask this module; none hand-rolls its own check. Scope is a set of
materialised unit paths; a record is in scope when its unit's path starts with one of them.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from learningcity.territory.models import Unit

from .models import Role, RoleAssignment, User

# The roles that read personal details (birth date, ethnicity) of the people in their scope:
# the levels that recognise and report by age band and ethnicity.
SENSITIVE_DATA_ROLES = frozenset({Role.COMMUNE_OFFICER, Role.PROVINCE_COORDINATOR})
# Who may register a citizen on their behalf, and create hamlets.
ENROLMENT_ROLES = frozenset({Role.HAMLET_HEAD, Role.COMMUNE_OFFICER})
CAMPAIGN_ROLES = frozenset({Role.PROVINCE_COORDINATOR})
# Who imports files of self-assessments: the commune's officers and the province's coordinators.
IMPORT_ROLES = frozenset({Role.COMMUNE_OFFICER, Role.PROVINCE_COORDINATOR})
# A review stage named in a framework's review_chain is acted on by this role.
STAGE_ROLES = {
    "hamlet": Role.HAMLET_HEAD,
    "commune": Role.COMMUNE_OFFICER,
    "province": Role.PROVINCE_COORDINATOR,
}
OFFICER_ROLES = frozenset({Role.HAMLET_HEAD, Role.COMMUNE_OFFICER, Role.PROVINCE_COORDINATOR})


MEMO = "_policy_assignments"


def _assignments(user: User) -> list[tuple[str, str | None]]:
    """The user's (role, unit path) pairs, read once per user object: a request loads its user afresh, so a
    page that asks the policy five times reads them once, and a role given now is seen by the next request
    (or at once after `forget`)."""
    memo: list[tuple[str, str | None]] | None = getattr(user, MEMO, None)
    if memo is None:
        memo = list(RoleAssignment.objects.filter(user=user).values_list("role", "unit__path"))
        setattr(user, MEMO, memo)
    return memo


def remember(users: Iterable[User]) -> None:
    """Read the roles of many users at once (one query), for the questions asked next about each of them."""
    found: dict[int, list[tuple[str, str | None]]] = {user.pk: [] for user in users}
    rows = RoleAssignment.objects.filter(user_id__in=list(found)).values_list("user_id", "role", "unit__path")
    for user_id, role, path in rows:
        found[user_id].append((role, path))
    for user in users:
        setattr(user, MEMO, found[user.pk])


def forget(user: User) -> None:
    """Read the user's roles again on the next question (after giving or taking one in the same request)."""
    setattr(user, MEMO, None)


def roles_of(user: User) -> set[str]:
    if not user.is_authenticated:
        return set()
    return {role for role, _path in _assignments(user)}


def scope_paths(user: User, roles: Iterable[str]) -> list[str]:
    """Paths of the units on which `user` holds any of `roles` (superusers: the whole tree)."""
    if not user.is_authenticated:
        return []
    if user.is_superuser:
        return ["/"]
    wanted = set(roles)
    return [path for role, path in _assignments(user) if role in wanted and path is not None]


def covers(user: User, roles: Iterable[str], unit: Unit) -> bool:
    """Whether `user` holds one of `roles` on `unit` or on a unit above it."""
    return covers_path(user, roles, unit.path)


def covers_path(user: User, roles: Iterable[str], unit_path: str) -> bool:
    """`covers`, for a unit known by its path only (read with many records at once)."""
    return any(unit_path.startswith(path) for path in scope_paths(user, roles))


def scope_q(user: User, roles: Iterable[str], unit_field: str) -> Q:
    """Rows whose `unit_field` lies in the user's scope; matches nothing when out of scope."""
    paths = scope_paths(user, roles)
    if not paths:
        return Q(pk__in=[])
    q = Q()
    for path in paths:
        q |= Q(**{f"{unit_field}__path__startswith": path})
    return q


def scoped(queryset: QuerySet, user: User, roles: Iterable[str], unit_field: str = "unit") -> QuerySet:
    return queryset.filter(scope_q(user, roles, unit_field))


def is_officer(user: User) -> bool:
    return user.is_authenticated and (user.is_superuser or bool(roles_of(user) & OFFICER_ROLES))


def can_manage_frameworks(user: User) -> bool:
    """Loading framework versions changes every score the platform gives: administrators (superusers) only."""
    return bool(user.is_authenticated and user.is_active and user.is_superuser)
