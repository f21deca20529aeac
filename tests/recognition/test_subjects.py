"""Households, clans and organisations: who may register and change them, what is checked, what is logged, and
who reads them. The helpers at the top (test frameworks for each kind of subject, a campaign with them) are
shared by the other subject test modules."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from learningcity.accounts.models import AuditEntry, User
from learningcity.frameworks.models import FrameworkVersion
from learningcity.frameworks.services import framework_version_load
from learningcity.recognition import services
from learningcity.recognition.models import (
    Campaign,
    Clan,
    Household,
    Organisation,
    OrganisationKind,
    OrganisationMembership,
    Person,
    Status,
)
from learningcity.recognition.selectors import subjects as selectors
from learningcity.recognition.services import subjects
from learningcity.territory.models import Era, Level, Unit

from ..cast import Cast

SUBJECT_FRAMEWORK = """\
id: test.{subject}
version: "{version}"
subject: {subject}
title: {{vi: "Khung thử {subject}", en: "Test {subject} framework"}}
sources:
  - {{doc: "Test source"}}
inputs:
  - {{code: a, type: int, min: 0, max: 10, pass_min: 5, title: {{vi: "Chỉ số A", en: "Indicator A"}}}}
derived:
  total: "COALESCE(a, 0)"
levels:
  - {{code: passed, title: {{vi: "Đạt", en: "Passed"}}, when: "short_count = 0 AND total >= 5"}}
otherwise: {{code: not_yet, title: {{vi: "Chưa đạt", en: "Not yet"}}}}
review_chain: [hamlet, commune]
feedback: {{score: total, pass_mark: 5, max_score: 10}}
certificate: {{level: passed, title: {{vi: "Giấy chứng nhận", en: "Certificate"}}}}
"""


def framework(subject: str, version: str = "1") -> FrameworkVersion:
    """A one-indicator test framework for a kind of subject (`test.<subject>`)."""
    loaded, _created = framework_version_load(
        text=SUBJECT_FRAMEWORK.format(subject=subject, version=version), source=f"test/{subject}.yaml"
    )
    return loaded


def campaign_with(cast: Cast, *versions: FrameworkVersion, name: str = "Gia đình học tập") -> Campaign:
    today = timezone.localdate()
    return services.campaign_create(
        actor=cast.province,
        name=name,
        year=today.year,
        territory=cast.son_la,
        frameworks=list(versions),
        opens_on=today - dt.timedelta(days=30),
        submission_deadline=today + dt.timedelta(days=30),
        review_deadline=today + dt.timedelta(days=60),
    )


def enrol(
    cast: Cast, name: str, unit: Unit | None = None, actor: User | None = None, **extra: object
) -> Person:
    return services.person_enrol(
        actor=actor or cast.head_a,
        unit=unit or cast.hamlet_a,
        full_name=name,
        consent_confirmed=True,
        **extra,  # type: ignore[arg-type]
    )


def household(
    cast: Cast, name: str = "Hộ ông Lò Văn Hùng", unit: Unit | None = None, number: str = ""
) -> Household:
    unit = unit or cast.hamlet_a
    actor = (
        cast.head_a if unit == cast.hamlet_a else cast.officer_a if unit == cast.commune_a else cast.head_b
    )
    return subjects.household_create(actor=actor, unit=unit, name=name, register_number=number)


def entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("pk"))


# --------------------------------------------------------------------------------------------------------
# Households


def test_a_hamlet_head_registers_a_household_in_nfc_with_an_audit_entry(cast: Cast) -> None:
    decomposed = unicodedata.normalize("NFD", "  Hộ ông Lò Văn Hùng ")
    created = subjects.household_create(
        actor=cast.head_a, unit=cast.hamlet_a, name=decomposed, register_number=" 12/A "
    )
    created.refresh_from_db()
    assert created.name == "Hộ ông Lò Văn Hùng" and unicodedata.is_normalized("NFC", created.name)
    assert created.name_folded == "ho ong lo van hung"
    assert created.register_number == "12/A"
    (entry,) = entries("household.create")
    assert (entry.actor, entry.object_id, entry.unit) == (cast.head_a, str(created.pk), cast.hamlet_a)


@pytest.mark.parametrize(
    ("who", "where", "allowed"),
    [
        ("head_a", "hamlet_a", True),
        ("officer_a", "hamlet_a", True),
        ("officer_a", "commune_a", True),
        ("head_a", "commune_a", False),
        ("officer_b", "hamlet_a", False),
        ("head_b", "hamlet_a", False),
        ("province", "hamlet_a", False),  # coordinators run campaigns; the grassroots register households
        ("citizen_a", "hamlet_a", False),
        ("outsider", "hamlet_a", False),
    ],
)
def test_who_registers_households_where(cast: Cast, who: str, where: str, allowed: bool) -> None:
    actor, unit = getattr(cast, who), getattr(cast, where)
    if allowed:
        assert subjects.household_create(actor=actor, unit=unit, name="Hộ A").unit == unit
    else:
        with pytest.raises(PermissionDenied):
            subjects.household_create(actor=actor, unit=unit, name="Hộ A")
        assert not Household.objects.exists()


def test_a_register_number_is_unique_within_its_unit_only(cast: Cast) -> None:
    household(cast, "Hộ A", number="7")
    with pytest.raises(ValidationError) as refused:
        household(cast, "Hộ B", number="7")
    assert "register_number" in refused.value.message_dict
    assert household(cast, "Hộ C", unit=cast.hamlet_b, number="7").register_number == "7"
    assert household(cast, "Hộ D").register_number == ""  # blank numbers never clash
    assert household(cast, "Hộ E").register_number == ""


def test_households_live_on_todays_hamlets_and_communes_and_have_a_name(cast: Cast) -> None:
    legacy = Unit.objects.filter(era=Era.LEGACY, level=Level.COMMUNE).first()
    assert legacy is not None
    with pytest.raises(ValidationError):
        subjects.household_create(actor=cast.admin, unit=legacy, name="Hộ A")
    with pytest.raises(ValidationError):
        subjects.household_create(actor=cast.admin, unit=cast.son_la, name="Hộ A")
    with pytest.raises(ValidationError) as blank:
        subjects.household_create(actor=cast.head_a, unit=cast.hamlet_a, name="   ")
    assert "name" in blank.value.message_dict


def test_members_join_from_the_households_own_unit_and_the_head_is_one_of_them(cast: Cast) -> None:
    home = household(cast)
    lan = enrol(cast, "Lò Thị Lan")
    subjects.household_member_add(actor=cast.head_a, household=home, person=lan)
    subjects.household_member_add(actor=cast.head_a, household=home, person=cast.person_a)
    assert set(selectors.household_members(home)) == {lan, cast.person_a}
    on_the_commune = enrol(cast, "Lò Văn Khánh", unit=cast.commune_a, actor=cast.officer_a)
    with pytest.raises(ValidationError) as elsewhere:
        subjects.household_member_add(actor=cast.officer_a, household=home, person=on_the_commune)
    assert "person" in elsewhere.value.message_dict

    outsider = enrol(cast, "Lò Văn Tâm")
    with pytest.raises(ValidationError):
        subjects.household_update(
            actor=cast.head_a, household=home, name=home.name, register_number="", head=outsider
        )
    updated = subjects.household_update(
        actor=cast.head_a, household=home, name="Hộ bà Lò Thị Lan", register_number="3", head=lan
    )
    assert (updated.name, updated.register_number, updated.head) == ("Hộ bà Lò Thị Lan", "3", lan)
    (entry,) = entries("household.update")
    assert entry.data["before"]["head"] is None and entry.data["after"]["head"] == lan.pk


def test_a_person_belongs_to_one_household_at_a_time(cast: Cast) -> None:
    first, second = household(cast, "Hộ A"), household(cast, "Hộ B")
    subjects.household_member_add(actor=cast.head_a, household=first, person=cast.person_a)
    with pytest.raises(ValidationError) as refused:
        subjects.household_member_add(actor=cast.head_a, household=second, person=cast.person_a)
    assert "Lò Thị Mai" in str(refused.value)
    cast.person_a.refresh_from_db()
    assert cast.person_a.household == first


def test_removing_the_head_leaves_the_household_without_one(cast: Cast) -> None:
    home = household(cast)
    subjects.household_member_add(actor=cast.head_a, household=home, person=cast.person_a)
    subjects.household_update(
        actor=cast.head_a, household=home, name=home.name, register_number="", head=cast.person_a
    )
    subjects.household_member_remove(actor=cast.head_a, household=home, person=cast.person_a)
    home.refresh_from_db()
    cast.person_a.refresh_from_db()
    assert home.head is None and cast.person_a.household is None
    assert entries("household.member_remove")[0].data == {"person": cast.person_a.pk, "was_head": True}
    with pytest.raises(ValidationError):
        subjects.household_member_remove(actor=cast.head_a, household=home, person=cast.person_a)


def test_a_new_member_is_enrolled_on_the_households_unit_in_one_step(cast: Cast) -> None:
    home = household(cast)
    person = subjects.household_member_enrol(
        actor=cast.head_a, household=home, full_name="Lò Văn Nam", consent_confirmed=True
    )
    assert (person.unit, person.household) == (cast.hamlet_a, home)
    assert [e.action for e in AuditEntry.objects.filter(on_behalf_of_person_id=person.pk).order_by("pk")] == [
        "person.enrol",
        "household.member_add",
    ]
    with pytest.raises(ValidationError):
        subjects.household_member_enrol(
            actor=cast.head_a, household=home, full_name="X Y", consent_confirmed=False
        )
    assert not Person.objects.filter(full_name="X Y").exists()


def test_officers_of_another_commune_cannot_change_a_household(cast: Cast) -> None:
    home = household(cast)
    for actor in (cast.officer_b, cast.head_b, cast.citizen_a, cast.outsider):
        with pytest.raises(PermissionDenied):
            subjects.household_update(actor=actor, household=home, name="X", register_number="", head=None)
        with pytest.raises(PermissionDenied):
            subjects.household_member_add(actor=actor, household=home, person=cast.person_a)
        with pytest.raises(PermissionDenied):
            subjects.household_member_enrol(
                actor=actor, household=home, full_name="Lò A", consent_confirmed=True
            )
    home.refresh_from_db()
    assert home.name == "Hộ ông Lò Văn Hùng" and not home.members.exists()


# --------------------------------------------------------------------------------------------------------
# Clans


def test_a_clan_gathers_households_of_its_commune_hamlets_included(cast: Cast) -> None:
    clan = subjects.clan_create(actor=cast.officer_a, unit=cast.commune_a, name="Dòng họ Lò")
    in_hamlet, on_commune = household(cast, "Hộ A"), household(cast, "Hộ B", unit=cast.commune_a)
    subjects.clan_household_add(actor=cast.officer_a, clan=clan, household=in_hamlet)
    subjects.clan_household_add(actor=cast.officer_a, clan=clan, household=on_commune)
    assert set(selectors.clan_households(clan)) == {in_hamlet, on_commune}
    other_commune = household(cast, "Hộ C", unit=cast.hamlet_b)
    with pytest.raises(ValidationError) as refused:
        subjects.clan_household_add(actor=cast.admin, clan=clan, household=other_commune)
    assert "household" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        subjects.clan_household_add(actor=cast.officer_a, clan=clan, household=other_commune)
    subjects.clan_household_remove(actor=cast.officer_a, clan=clan, household=in_hamlet)
    assert list(selectors.clan_households(clan)) == [on_commune]
    assert [e.action for e in AuditEntry.objects.filter(object_type="recognition.clan").order_by("pk")] == [
        "clan.create",
        "clan.household_add",
        "clan.household_add",
        "clan.household_remove",
    ]


def test_a_household_belongs_to_one_clan_and_clan_names_are_unique_in_a_unit(cast: Cast) -> None:
    lo = subjects.clan_create(actor=cast.officer_a, unit=cast.commune_a, name="Dòng họ Lò")
    with pytest.raises(ValidationError):
        subjects.clan_create(actor=cast.officer_a, unit=cast.commune_a, name="dòng họ lò")
    cam = subjects.clan_create(actor=cast.officer_a, unit=cast.commune_a, name="Dòng họ Cầm")
    home = household(cast)
    subjects.clan_household_add(actor=cast.officer_a, clan=lo, household=home)
    with pytest.raises(ValidationError):
        subjects.clan_household_add(actor=cast.officer_a, clan=cam, household=home)
    renamed = subjects.clan_update(actor=cast.officer_a, clan=cam, name="Dòng họ Cầm Bá")
    assert renamed.name_folded == "dong ho cam ba"


@pytest.mark.parametrize(
    ("who", "where", "allowed"),
    [
        ("officer_a", "commune_a", True),
        ("head_a", "hamlet_a", True),
        ("head_a", "commune_a", False),
        ("officer_b", "commune_a", False),
        ("citizen_a", "hamlet_a", False),
        ("outsider", "commune_a", False),
    ],
)
def test_who_registers_clans_where(cast: Cast, who: str, where: str, allowed: bool) -> None:
    actor, unit = getattr(cast, who), getattr(cast, where)
    if allowed:
        assert subjects.clan_create(actor=actor, unit=unit, name="Dòng họ Lò").unit == unit
    else:
        with pytest.raises(PermissionDenied):
            subjects.clan_create(actor=actor, unit=unit, name="Dòng họ Lò")
        assert not Clan.objects.exists()


# --------------------------------------------------------------------------------------------------------
# Organisations


@pytest.mark.parametrize(
    ("who", "where", "allowed"),
    [
        ("officer_a", "commune_a", True),
        ("province", "son_la", True),
        ("province", "commune_b", True),
        ("officer_a", "son_la", False),
        ("officer_b", "commune_a", False),
        ("head_a", "hamlet_a", False),
        ("citizen_a", "commune_a", False),
        ("outsider", "commune_a", False),
    ],
)
def test_who_registers_organisations_where(cast: Cast, who: str, where: str, allowed: bool) -> None:
    actor, unit = getattr(cast, who), getattr(cast, where)
    if allowed:
        made = subjects.organisation_create(
            actor=actor, unit=unit, name="Trường Tiểu học Tô Hiệu", kind="school"
        )
        assert (made.unit, made.kind, made.name_folded) == (unit, "school", "truong tieu hoc to hieu")
    else:
        with pytest.raises(PermissionDenied):
            subjects.organisation_create(actor=actor, unit=unit, name="Trường Tiểu học", kind="school")
        assert not Organisation.objects.exists()


def test_only_a_learning_promotion_branch_is_a_reviewing_body(cast: Cast) -> None:
    with pytest.raises(ValidationError) as refused:
        subjects.organisation_create(
            actor=cast.officer_a, unit=cast.commune_a, name="Trường A", kind="school", is_reviewing_body=True
        )
    assert "is_reviewing_body" in refused.value.message_dict
    branch = subjects.organisation_create(
        actor=cast.officer_a,
        unit=cast.commune_a,
        name="Chi hội Khuyến học Tổ 1",
        kind=OrganisationKind.LEARNING_PROMOTION,
    )
    assert not branch.is_reviewing_body
    marked = subjects.organisation_update(
        actor=cast.officer_a, organisation=branch, name=branch.name, kind=branch.kind, is_reviewing_body=True
    )
    assert Organisation.objects.get(pk=marked.pk).is_reviewing_body
    (entry,) = entries("organisation.update")
    assert (entry.data["before"]["is_reviewing_body"], entry.data["after"]["is_reviewing_body"]) == (
        False,
        True,
    )
    with pytest.raises(ValidationError):
        subjects.organisation_create(actor=cast.officer_a, unit=cast.commune_a, name="X", kind="club")


def test_organisation_members_are_people_the_officer_may_see(cast: Cast) -> None:
    school = subjects.organisation_create(
        actor=cast.officer_a, unit=cast.commune_a, name="Trường A", kind="school"
    )
    membership = subjects.organisation_member_add(
        actor=cast.officer_a, organisation=school, person=cast.person_a, position="  Giáo viên "
    )
    assert membership.position == "Giáo viên"
    with pytest.raises(ValidationError):
        subjects.organisation_member_add(actor=cast.officer_a, organisation=school, person=cast.person_a)
    with pytest.raises(PermissionDenied):  # a person of commune B is outside officer A's area
        subjects.organisation_member_add(actor=cast.officer_a, organisation=school, person=cast.person_b)
    with pytest.raises(PermissionDenied):
        subjects.organisation_member_add(actor=cast.officer_b, organisation=school, person=cast.person_b)
    assert [m.person for m in selectors.organisation_memberships(school)] == [cast.person_a]
    subjects.organisation_member_remove(actor=cast.officer_a, organisation=school, person=cast.person_a)
    assert not OrganisationMembership.objects.exists()
    with pytest.raises(ValidationError):
        subjects.organisation_member_remove(actor=cast.officer_a, organisation=school, person=cast.person_a)


# --------------------------------------------------------------------------------------------------------
# Reading: each officer their own area


def test_an_officer_of_one_commune_sees_none_of_anothers_households_clans_or_organisations(
    cast: Cast,
) -> None:
    home_a, home_b = household(cast, "Hộ A"), household(cast, "Hộ B", unit=cast.hamlet_b)
    clan_a = subjects.clan_create(actor=cast.officer_a, unit=cast.commune_a, name="Dòng họ Lò")
    org_a = subjects.organisation_create(
        actor=cast.officer_a, unit=cast.commune_a, name="Trường A", kind="school"
    )
    org_b = subjects.organisation_create(
        actor=cast.officer_b, unit=cast.commune_b, name="Trường B", kind="school"
    )
    assert list(selectors.households_visible(cast.officer_b)) == [home_b]
    assert list(selectors.clans_visible(cast.officer_b)) == []
    assert list(selectors.organisations_visible(cast.officer_b)) == [org_b]
    assert list(selectors.households_visible(cast.head_b)) == [home_b]
    assert list(selectors.households_visible(cast.head_a)) == [home_a]
    assert (
        list(selectors.clans_visible(cast.head_a)) == []
    )  # the clan gathers on the commune, above the hamlet
    assert set(selectors.households_visible(cast.province)) == {home_a, home_b}
    assert set(selectors.organisations_visible(cast.officer_a)) == {org_a}
    assert list(selectors.clans_visible(cast.officer_a)) == [clan_a]
    for nobody in (cast.outsider, cast.expert, cast.citizen_a):
        assert not selectors.clans_visible(nobody).exists()
        assert not selectors.organisations_visible(nobody).exists()
    assert not selectors.households_visible(cast.citizen_a).exists()
    subjects.household_member_add(actor=cast.head_a, household=home_a, person=cast.person_a)
    assert list(selectors.households_visible(cast.citizen_a)) == [home_a]  # their own


def test_search_folds_diacritics_and_counts_current_members(cast: Cast) -> None:
    home = household(cast, "Hộ ông Đỗ Văn Hùng", number="A-12")
    household(cast, "Hộ bà Lò Thị Lan")
    subjects.household_member_add(actor=cast.head_a, household=home, person=cast.person_a)
    (found,) = selectors.households_search(cast.officer_a, "do van hung")
    assert (found, found.member_count) == (home, 1)
    assert list(selectors.households_search(cast.officer_a, "a-12")) == [home]
    assert list(selectors.households_search(cast.officer_b, "do van hung")) == []
    hamlets = selectors.communities_search(cast.officer_a, "to 1")
    assert cast.hamlet_a in hamlets and cast.hamlet_b not in hamlets
    assert set(selectors.communities_visible(cast.head_a)) == {cast.hamlet_a}


def test_a_household_is_assessed_in_a_campaign_that_includes_a_household_framework(cast: Cast) -> None:
    version = framework("household")
    campaign = campaign_with(cast, version)
    home = household(cast)
    assert selectors.subject_offers(cast.head_a, home) == [(campaign, version)]
    assert selectors.subject_offers(cast.head_a, cast.hamlet_a) == []  # no community framework in it
    started = services.assessment_start(actor=cast.head_a, campaign=campaign, subject=home, version=version)
    assert (started.subject_kind, started.household, started.status) == ("household", home, Status.DRAFT)
    assert list(selectors.subject_assessments(cast.officer_a, home)) == [started]
    assert list(selectors.subject_assessments(cast.officer_b, home)) == []
