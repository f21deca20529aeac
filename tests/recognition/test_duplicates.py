"""Duplicate people: found by ID card number or by name, birth year and hamlet; merged by an officer whose
area covers both, with everything moved to the record kept and both records kept in the audit log."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from learningcity.accounts.models import AuditEntry, Role, RoleAssignment
from learningcity.recognition import services
from learningcity.recognition.models import Assessment, Household, OrganisationMembership, Person
from learningcity.recognition.selectors import subjects as selectors
from learningcity.recognition.services import duplicates, subjects
from learningcity.recognition.services.duplicates import person_merge
from learningcity.territory.models import Unit

from ..cast import Cast, user
from .test_subjects import campaign_with, enrol, framework, household

REASON = "Cùng số CCCD, nhập hai lần"


def copy_with_same_id(cast: Cast, of: Person, unit: Unit | None = None, name: str | None = None) -> Person:
    """A second record with the same ID card number, as an import or older data leaves one (enrolment
    itself refuses a number already on file)."""
    return Person.objects.create(
        unit=unit or of.unit,
        full_name=name or of.full_name,
        name_folded=(name or of.full_name).lower(),
        id_number_hash=of.id_number_hash,
        id_number_last4=of.id_number_last4,
        consent_at=timezone.now(),
        entered_by=cast.head_a,
    )


def groups_of(user_: object) -> list[set[Person]]:
    return [set(group.people) for group in selectors.people_duplicates(user_)]  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------------------
# Finding them


def test_people_sharing_an_id_number_are_one_group_even_on_different_hamlets(cast: Cast) -> None:
    copy = copy_with_same_id(cast, cast.person_a, unit=cast.commune_a, name="Lo Thi Mai")
    (group,) = selectors.people_duplicates(cast.officer_a)
    assert set(group.people) == {cast.person_a, copy}
    assert group.reasons == {"id_number"}


def test_same_name_birth_year_and_hamlet_is_a_group_whatever_the_diacritics_form(cast: Cast) -> None:
    born = dt.date(1980, 3, 1)
    one = enrol(cast, "Cầm Văn Sơn", birth_date=born)
    two = enrol(cast, unicodedata.normalize("NFD", "cầm văn sơn"), birth_date=dt.date(1980, 12, 31))
    enrol(cast, "Cầm Văn Sơn", birth_date=dt.date(1981, 3, 1))  # another year
    enrol(cast, "Cầm Văn Sơn", unit=cast.commune_a, actor=cast.officer_a, birth_date=born)  # another unit
    enrol(cast, "Cầm Văn Sơn")  # no birth year: not a finding on its own
    enrol(cast, "Cầm Văn Sơn")
    (group,) = selectors.people_duplicates(cast.officer_a)
    assert set(group.people) == {one, two}
    assert group.reasons == {"name_birth_year_unit"}


def test_a_person_linked_by_both_rules_joins_one_group(cast: Cast) -> None:
    by_id = copy_with_same_id(cast, cast.person_a, unit=cast.commune_a)
    by_name = enrol(cast, "Lò Thị Mai", birth_date=dt.date(1990, 1, 1))
    assert groups_of(cast.officer_a) == [{cast.person_a, by_id, by_name}]
    (group,) = selectors.people_duplicates(cast.officer_a)
    assert group.reasons == {"id_number", "name_birth_year_unit"}


def test_each_officer_finds_the_duplicates_of_their_own_area_only(cast: Cast) -> None:
    copy_with_same_id(cast, cast.person_a)
    copy_with_same_id(cast, cast.person_b)
    assert [len(g) for g in groups_of(cast.officer_a)] == [2]
    assert all(p.unit == cast.hamlet_b for g in groups_of(cast.officer_b) for p in g)
    assert len(groups_of(cast.province)) == 2
    assert groups_of(cast.outsider) == [] and groups_of(cast.citizen_a) == []


def test_a_match_across_communes_is_seen_only_by_who_sees_both(cast: Cast) -> None:
    copy_with_same_id(cast, cast.person_a, unit=cast.hamlet_b)
    assert groups_of(cast.officer_a) == [] and groups_of(cast.officer_b) == []
    assert len(groups_of(cast.province)) == 1


# --------------------------------------------------------------------------------------------------------
# Merging


def test_a_merge_moves_everything_and_the_log_keeps_both_records(cast: Cast) -> None:
    version = framework("person", "m1")
    campaign = campaign_with(cast, version)
    keep = enrol(cast, "Lò Thị Mai", birth_date=dt.date(1990, 5, 17), id_number="014190009999")
    duplicate = cast.person_a  # registered herself: she has the account
    citizen_assessment = services.assessment_start(
        actor=cast.citizen_a, campaign=cast.campaign, subject=duplicate, version=cast.framework, group="g1"
    )
    other_assessment = services.assessment_start(
        actor=cast.head_a, campaign=campaign, subject=keep, version=version
    )
    home = household(cast)
    subjects.household_member_add(actor=cast.head_a, household=home, person=duplicate)
    subjects.household_update(
        actor=cast.head_a, household=home, name=home.name, register_number="", head=duplicate
    )
    school = subjects.organisation_create(
        actor=cast.officer_a, unit=cast.commune_a, name="Trường A", kind="school"
    )
    club = subjects.organisation_create(
        actor=cast.officer_a, unit=cast.commune_a, name="CLB A", kind="association"
    )
    subjects.organisation_member_add(
        actor=cast.officer_a, organisation=school, person=duplicate, position="GV"
    )
    subjects.organisation_member_add(actor=cast.officer_a, organisation=club, person=duplicate)
    subjects.organisation_member_add(
        actor=cast.officer_a, organisation=club, person=keep, position="Chủ nhiệm"
    )

    kept = person_merge(actor=cast.officer_a, keep=keep, duplicate=duplicate, reason=REASON)

    duplicate.refresh_from_db()
    kept.refresh_from_db()
    assert duplicate.merged_into == kept and duplicate.household is None and duplicate.user is None
    assert kept.user == cast.citizen_a and kept.household == home
    assert Household.objects.get(pk=home.pk).head == kept
    assert set(Assessment.objects.filter(person=kept)) == {citizen_assessment, other_assessment}
    assert not Assessment.objects.filter(person=duplicate).exists()
    memberships = {
        (m.organisation.name, m.position) for m in OrganisationMembership.objects.filter(person=kept)
    }
    assert memberships == {("Trường A", "GV"), ("CLB A", "Chủ nhiệm")}
    assert not OrganisationMembership.objects.filter(person=duplicate).exists()
    assert RoleAssignment.objects.filter(user=cast.citizen_a, role=Role.CITIZEN, unit=kept.unit).exists()

    merge, merged_into = AuditEntry.objects.filter(
        action__in=["person.merge", "person.merged_into"]
    ).order_by("pk")
    assert (merge.object_id, merged_into.object_id) == (str(kept.pk), str(duplicate.pk))
    assert merge.reason == REASON and merge.actor == cast.officer_a
    assert merge.data["keep"]["id"] == kept.pk and merge.data["duplicate"]["id"] == duplicate.pk
    assert merge.data["duplicate"]["full_name"] == "Lò Thị Mai"
    assert merge.data["duplicate"]["birth_year"] == 1990
    assert merge.data["duplicate"]["id_number"].endswith("1234") and "014190001234" not in str(merge.data)
    assert merge.data["keep"]["unit"] == "Tổ 1"
    assert merge.data["moved"]["assessments"] == 1 and merge.data["moved"]["account"] is True
    assert merged_into.data == merge.data


def test_merged_people_leave_every_list(cast: Cast) -> None:
    copy = copy_with_same_id(cast, cast.person_a)
    home = household(cast)
    subjects.household_member_add(actor=cast.head_a, household=home, person=copy)
    person_merge(actor=cast.officer_a, keep=cast.person_a, duplicate=copy, reason=REASON)
    assert selectors.people_duplicates(cast.officer_a) == []
    assert copy not in selectors.people_current(cast.officer_a)
    assert list(selectors.household_members(home)) == [cast.person_a]
    assert copy not in selectors.household_candidates(cast.officer_a, household(cast, "Hộ B"))


def test_a_merge_is_refused_when_both_have_an_assessment_in_the_same_campaign_and_framework(
    cast: Cast,
) -> None:
    copy = copy_with_same_id(cast, cast.person_a)
    for person, actor in ((cast.person_a, cast.citizen_a), (copy, cast.head_a)):
        services.assessment_start(
            actor=actor, campaign=cast.campaign, subject=person, version=cast.framework, group="g1"
        )
    with pytest.raises(ValidationError) as refused:
        person_merge(actor=cast.officer_a, keep=cast.person_a, duplicate=copy, reason=REASON)
    message = str(refused.value)
    assert "Công dân học tập" in message and cast.framework.title_en in message
    copy.refresh_from_db()
    assert copy.merged_into is None
    assert Assessment.objects.filter(person=copy).count() == 1
    assert not AuditEntry.objects.filter(action="person.merge").exists()


def test_a_merge_is_refused_for_records_in_different_households(cast: Cast) -> None:
    copy = copy_with_same_id(cast, cast.person_a)
    subjects.household_member_add(actor=cast.head_a, household=household(cast, "Hộ A"), person=cast.person_a)
    subjects.household_member_add(actor=cast.head_a, household=household(cast, "Hộ B"), person=copy)
    with pytest.raises(ValidationError):
        person_merge(actor=cast.officer_a, keep=cast.person_a, duplicate=copy, reason=REASON)
    assert Person.objects.get(pk=copy.pk).merged_into is None


def test_a_merge_needs_a_reason_two_records_and_no_earlier_merge(cast: Cast) -> None:
    copy = copy_with_same_id(cast, cast.person_a)
    with pytest.raises(ValidationError) as no_reason:
        person_merge(actor=cast.officer_a, keep=cast.person_a, duplicate=copy, reason="  ")
    assert "reason" in no_reason.value.message_dict
    with pytest.raises(ValidationError):
        person_merge(actor=cast.officer_a, keep=copy, duplicate=copy, reason=REASON)
    person_merge(actor=cast.officer_a, keep=cast.person_a, duplicate=copy, reason=REASON)
    with pytest.raises(ValidationError):
        person_merge(actor=cast.officer_a, keep=cast.person_a, duplicate=copy, reason=REASON)


def test_an_account_stays_where_it_is_when_both_records_have_one(cast: Cast) -> None:
    other = user("mai2")
    copy = copy_with_same_id(cast, cast.person_a)
    copy.user = other
    copy.save()
    person_merge(actor=cast.officer_a, keep=cast.person_a, duplicate=copy, reason=REASON)
    assert Person.objects.get(pk=cast.person_a.pk).user == cast.citizen_a
    assert Person.objects.get(pk=copy.pk).user == other


def test_earlier_merges_into_the_duplicate_follow_it(cast: Cast) -> None:
    first = copy_with_same_id(cast, cast.person_a)
    second = copy_with_same_id(cast, cast.person_a)
    person_merge(actor=cast.officer_a, keep=first, duplicate=second, reason=REASON)
    person_merge(actor=cast.officer_a, keep=cast.person_a, duplicate=first, reason=REASON)
    assert Person.objects.get(pk=second.pk).merged_into == cast.person_a


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("officer_a", True),
        ("province", True),
        ("admin", True),
        ("officer_b", False),
        ("head_a", False),  # hamlet heads find people, the commune decides who is who
        ("citizen_a", False),
        ("outsider", False),
    ],
)
def test_who_merges_two_records_of_commune_a(cast: Cast, who: str, allowed: bool) -> None:
    copy = copy_with_same_id(cast, cast.person_a)
    actor = getattr(cast, who)
    if allowed:
        person_merge(actor=actor, keep=cast.person_a, duplicate=copy, reason=REASON)
        assert Person.objects.get(pk=copy.pk).merged_into == cast.person_a
    else:
        with pytest.raises(PermissionDenied):
            person_merge(actor=actor, keep=cast.person_a, duplicate=copy, reason=REASON)
        assert Person.objects.get(pk=copy.pk).merged_into is None


def test_an_officer_cannot_merge_across_communes_but_the_province_can(cast: Cast) -> None:
    copy = copy_with_same_id(cast, cast.person_a, unit=cast.hamlet_b)
    for officer in (cast.officer_a, cast.officer_b):
        with pytest.raises(PermissionDenied):
            person_merge(actor=officer, keep=cast.person_a, duplicate=copy, reason=REASON)
    person_merge(actor=cast.province, keep=cast.person_a, duplicate=copy, reason=REASON)
    assert Person.objects.get(pk=copy.pk).merged_into == cast.person_a


def test_the_snapshot_masks_the_id_number(cast: Cast) -> None:
    snapshot = duplicates.person_snapshot(cast.person_a)
    assert snapshot["id_number"] == "••••••••1234"
    assert set(snapshot) >= {"id", "full_name", "unit", "birth_year", "id_number"}
