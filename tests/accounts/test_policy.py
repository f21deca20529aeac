"""The permission policy: a role on a unit covers its subtree, nothing beside or above it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from learningcity.accounts import policy
from learningcity.accounts.models import Role
from learningcity.recognition import selectors, services
from learningcity.recognition.models import Person
from learningcity.territory.models import Unit

from ..cast import GOOD_ANSWERS, Cast

pytestmark = pytest.mark.django_db
OFFICERS = policy.OFFICER_ROLES


def test_a_role_covers_its_unit_and_everything_below(cast: Cast) -> None:
    assert policy.covers(cast.officer_a, [Role.COMMUNE_OFFICER], cast.commune_a)
    assert policy.covers(cast.officer_a, [Role.COMMUNE_OFFICER], cast.hamlet_a)
    assert policy.covers(cast.province, [Role.PROVINCE_COORDINATOR], cast.hamlet_b)
    assert policy.covers(cast.head_a, [Role.HAMLET_HEAD], cast.hamlet_a)


def test_a_role_covers_nothing_beside_or_above_its_unit(cast: Cast) -> None:
    assert not policy.covers(cast.officer_a, [Role.COMMUNE_OFFICER], cast.commune_b)
    assert not policy.covers(cast.officer_a, [Role.COMMUNE_OFFICER], cast.hamlet_b)
    assert not policy.covers(cast.officer_a, [Role.COMMUNE_OFFICER], cast.son_la)
    assert not policy.covers(cast.head_a, [Role.HAMLET_HEAD], cast.commune_a)
    other_province = Unit.objects.get(era="2025", level="province", code="1")
    assert not policy.covers(cast.province, [Role.PROVINCE_COORDINATOR], other_province)


def test_a_role_counts_only_when_asked_for(cast: Cast) -> None:
    assert not policy.covers(cast.officer_a, [Role.HAMLET_HEAD], cast.hamlet_a)
    assert not policy.covers(cast.province, [Role.COMMUNE_OFFICER], cast.commune_a)
    assert not policy.covers(cast.citizen_a, OFFICERS, cast.hamlet_a)
    assert policy.covers(cast.citizen_a, [Role.CITIZEN], cast.hamlet_a)


def test_roles_without_a_unit_and_no_roles_cover_nothing(cast: Cast) -> None:
    for user in (cast.expert, cast.secretariat, cast.outsider, AnonymousUser()):
        assert not policy.covers(user, list(Role), cast.hamlet_a)
        assert policy.scope_paths(user, list(Role)) == []
        assert not Unit.objects.filter(policy.scope_q(user, list(Role), "parent")).exists()


def test_roles_are_read_once_per_user_object_and_again_after_forget(
    cast: Cast,
    django_assert_num_queries,  # noqa: ANN001
) -> None:
    """A request's user asks the policy many times for one read of its roles; a role given in the same
    request counts once the policy is told to forget."""
    from learningcity.accounts.models import RoleAssignment, User

    user = User.objects.get(pk=cast.outsider.pk)
    with django_assert_num_queries(1):
        assert policy.roles_of(user) == set()
        assert not policy.covers(user, OFFICERS, cast.hamlet_a)
        assert policy.scope_paths(user, [Role.COMMUNE_OFFICER]) == []
    RoleAssignment.objects.create(user=user, role=Role.COMMUNE_OFFICER, unit=cast.commune_a)
    assert not policy.covers(user, [Role.COMMUNE_OFFICER], cast.hamlet_a)  # as read for this request
    policy.forget(user)
    assert policy.covers(user, [Role.COMMUNE_OFFICER], cast.hamlet_a)
    assert policy.covers(User.objects.get(pk=user.pk), [Role.COMMUNE_OFFICER], cast.hamlet_a)  # next request


def test_an_administrator_covers_the_whole_tree(cast: Cast) -> None:
    assert policy.scope_paths(cast.admin, [Role.COMMUNE_OFFICER]) == ["/"]
    assert policy.covers(cast.admin, [Role.HAMLET_HEAD], cast.hamlet_b)


def test_scoped_filters_rows_to_the_subtree(cast: Cast) -> None:
    people = policy.scoped(Person.objects.all(), cast.officer_a, OFFICERS)
    assert list(people) == [cast.person_a]
    assert set(policy.scoped(Person.objects.all(), cast.province, OFFICERS)) == {cast.person_a, cast.person_b}
    assert not policy.scoped(Person.objects.all(), cast.expert, OFFICERS).exists()


def test_only_an_active_administrator_manages_frameworks(cast: Cast) -> None:
    assert policy.can_manage_frameworks(cast.admin)
    for user in (cast.province, cast.officer_a, cast.head_a, cast.citizen_a, cast.expert, cast.outsider):
        assert not policy.can_manage_frameworks(user)
    assert not policy.can_manage_frameworks(AnonymousUser())
    cast.admin.is_active = False
    assert not policy.can_manage_frameworks(cast.admin)


def test_who_counts_as_an_officer(cast: Cast) -> None:
    assert all(policy.is_officer(u) for u in (cast.province, cast.officer_a, cast.head_b, cast.admin))
    assert not any(
        policy.is_officer(u) for u in (cast.citizen_a, cast.expert, cast.outsider, AnonymousUser())
    )


def test_people_and_assessments_are_read_within_scope_or_ones_own(cast: Cast) -> None:
    a = services.assessment_start(
        actor=cast.citizen_a,
        campaign=cast.campaign,
        subject=cast.person_a,
        version=cast.framework,
        group="g1",
    )
    b = services.assessment_start(
        actor=cast.head_b, campaign=cast.campaign, subject=cast.person_b, version=cast.framework, group="g2"
    )
    expected = {
        "province": {a, b},
        "officer_a": {a},
        "officer_b": {b},
        "head_a": {a},
        "head_b": {b},
        "citizen_a": {a},
        "expert": set(),
        "secretariat": set(),
        "outsider": set(),
    }
    for name, visible in expected.items():
        user = getattr(cast, name)
        assert set(selectors.assessments_visible(user)) == visible, name
        assert {x.person for x in visible} == set(selectors.people_visible(user)), name
    assert not selectors.assessments_visible(AnonymousUser()).exists()


def test_the_review_queue_holds_only_the_stage_and_scope_of_the_reviewer(cast: Cast) -> None:
    a = services.assessment_start(
        actor=cast.citizen_a,
        campaign=cast.campaign,
        subject=cast.person_a,
        version=cast.framework,
        group="g1",
    )
    services.assessment_save(
        actor=cast.citizen_a, assessment=a, answers=GOOD_ANSWERS, notes={c: "ok" for c in GOOD_ANSWERS}
    )
    a = services.assessment_submit(actor=cast.citizen_a, assessment=a)
    assert list(selectors.assessments_due(cast.head_a)) == [a]
    for name in ("head_b", "officer_a", "officer_b", "province", "expert", "citizen_a", "outsider"):
        assert not selectors.assessments_due(getattr(cast, name)).exists(), name
    services.assessment_review(actor=cast.head_a, assessment=a, decision="approve")
    assert list(selectors.assessments_due(cast.officer_a)) == [a]
    assert not selectors.assessments_due(cast.head_a).exists()
    assert not selectors.assessments_due(cast.officer_b).exists()


def test_birth_dates_and_ethnicity_are_for_the_person_and_the_roles_that_need_them(cast: Cast) -> None:
    person = cast.person_a
    assert selectors.person_can_see_sensitive(cast.citizen_a, person)
    assert selectors.person_can_see_sensitive(cast.officer_a, person)
    assert selectors.person_can_see_sensitive(cast.province, person)
    for name in ("head_a", "officer_b", "head_b", "expert", "outsider"):
        assert not selectors.person_can_see_sensitive(getattr(cast, name), person), name
