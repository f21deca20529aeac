"""Roll-ups on real data: a subject's values come from its members' stored results in the same campaign;
the one-subject path (`rollup_values`, used when an assessment is saved) and the bulk refresh agree; a clan
with no households is never recognised."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from learningcity.frameworks.engine import parse
from learningcity.frameworks.models import FrameworkVersion
from learningcity.frameworks.services import frameworks_seed
from learningcity.recognition import services
from learningcity.recognition.models import (
    Assessment,
    Campaign,
    Clan,
    Household,
    Organisation,
    OrganisationKind,
    OrganisationMembership,
    Person,
    Status,
)
from learningcity.recognition.services.decisions import assessment_revoke
from learningcity.recognition.services.rollups import members_frame, rollup_values, rollups_refresh
from learningcity.territory.services import hamlet_create
from learningcity.text import fold

from ..cast import GOOD_ANSWERS, Cast

SEEDS = Path(__file__).resolve().parents[2] / "src/learningcity/frameworks/data"
CITIZEN = "vn.learning-citizen"
FAMILY = "vn.learning-family"
CLAN = "vn.learning-clan"
HAMLET = "vn.learning-community-hamlet"
COMMUNE = "vn.learning-community-commune"
ORGANISATION = "vn.learning-organisation"
ORGANISATION_MARKS = {
    "t1_1": 10,
    "t1_2": 10,
    "t1_3": 10,
    "t2_1": 10,
    "t2_2": 5,
    "t2_3": 10,
    "t2_4": 5,
    "t3_1": 25,
    "t3_2": 10,
}


@dataclass
class World:
    cast: Cast
    campaign: Campaign
    versions: dict[str, FrameworkVersion]

    def person(self, name: str, born: int, sex: str = "M") -> Person:
        return services.person_enrol(
            actor=self.cast.head_a,
            unit=self.cast.hamlet_a,
            full_name=name,
            consent_confirmed=True,
            sex=sex,
            birth_date=dt.date(born, 3, 1),
        )

    def household(self, name: str, members: Sequence[Person] = (), clan: Clan | None = None) -> Household:
        household = Household.objects.create(
            unit=self.cast.hamlet_a, name=name, name_folded=fold(name), clan=clan
        )
        Person.objects.filter(pk__in=[p.pk for p in members]).update(household=household)
        return household

    def clan(self, name: str) -> Clan:
        return Clan.objects.create(unit=self.cast.hamlet_a, name=name, name_folded=fold(name))

    def assess(
        self, subject: Any, code: str, status: str | None = None, answers: dict[str, Any] | None = None
    ) -> Assessment:
        actor = self.cast.officer_a
        group = "g1" if code == CITIZEN else ""
        assessment = services.assessment_start(
            actor=actor, campaign=self.campaign, subject=subject, version=self.versions[code], group=group
        )
        if answers is not None:
            assessment = services.assessment_save(actor=actor, assessment=assessment, answers=answers)
        if status is not None:
            Assessment.objects.filter(pk=assessment.pk).update(status=status)
        return Assessment.objects.select_related("campaign", "framework_version").get(pk=assessment.pk)


def make_world(cast: Cast) -> World:
    """A campaign of every shipped framework on Sơn La (the one-subject and bulk paths are compared on it)."""
    versions = {version.code: version for version in frameworks_seed()}
    today = timezone.localdate()
    campaign = services.campaign_create(
        actor=cast.province,
        name="Gia đình, dòng họ, cộng đồng, đơn vị học tập",
        year=today.year,
        territory=cast.son_la,
        frameworks=[versions[code] for code in (CITIZEN, FAMILY, CLAN, HAMLET, COMMUNE, ORGANISATION)],
        opens_on=today - dt.timedelta(days=30),
        submission_deadline=today + dt.timedelta(days=30),
        review_deadline=today + dt.timedelta(days=60),
    )
    return World(cast, campaign, versions)


@pytest.fixture
def world(cast: Cast) -> World:
    return make_world(cast)


def refreshed(world: World, code: str, **options: Any) -> dict[int, Assessment]:
    rollups_refresh(campaign=world.campaign, version=world.versions[code], **options)
    found = Assessment.objects.filter(campaign=world.campaign, framework_version=world.versions[code])
    return {a.pk: a for a in found.select_related("campaign", "framework_version")}


def test_every_shipped_framework_loads_into_the_database(db: None) -> None:
    codes = {version.code for version in frameworks_seed()}
    assert {CITIZEN, FAMILY, CLAN, HAMLET, COMMUNE, ORGANISATION} <= codes
    assert all(FrameworkVersion.objects.get(code=code).is_provisional for code in (FAMILY, CLAN, HAMLET))


def test_a_household_rolls_up_its_people_and_the_bulk_refresh_agrees(world: World) -> None:
    year = world.campaign.year
    father = world.person("Lò Văn Hùng", 1985)
    child = world.person("Lò Thị Hoa", year - 8, sex="F")
    household = world.household("Hộ ông Lò Văn Hùng", [world.cast.person_a, father, child])
    # person_a holds the title in this campaign; the father has no assessment; the child's is a draft.
    world.assess(world.cast.person_a, CITIZEN, Status.RECOGNISED, GOOD_ANSWERS)
    world.assess(child, CITIZEN)
    family = world.assess(household, FAMILY)
    # Two adults (15 or more), one a learning citizen: 50%; the child is left out of the share.
    assert family.rollups == {"members": 3, "adults_citizen_share": 0.5}
    assert rollup_values(family) == family.rollups
    result, level = family.result, family.level

    assert refreshed(world, FAMILY)[family.pk].rollups == family.rollups
    stored = Assessment.objects.get(pk=family.pk)
    assert (stored.result, stored.level) == (result, level)

    # The father becomes a learning citizen: the bulk refresh and the next save agree on 100%.
    world.assess(father, CITIZEN, Status.RECOGNISED, GOOD_ANSWERS)
    assert refreshed(world, FAMILY)[family.pk].rollups == {"members": 3, "adults_citizen_share": 1.0}
    saved = services.assessment_save(actor=world.cast.officer_a, assessment=family, answers={"c1_1": 10})
    assert saved.rollups == {"members": 3, "adults_citizen_share": 1.0}
    assert saved.result == Assessment.objects.get(pk=family.pk).result


def test_only_the_same_campaign_counts_and_merged_duplicates_are_not_members(world: World) -> None:
    twin = world.person("Lò Thị Mai (bản trùng)", 1990, sex="F")
    household = world.household("Hộ bà Lò Thị Mai", [world.cast.person_a, twin])
    Person.objects.filter(pk=twin.pk).update(merged_into=world.cast.person_a)
    # A recognised assessment in another campaign (the cast's) does not count in this one.
    services.assessment_start(
        actor=world.cast.citizen_a,
        campaign=world.cast.campaign,
        subject=world.cast.person_a,
        version=world.cast.framework,
        group="g1",
    )
    Assessment.objects.filter(campaign=world.cast.campaign).update(status=Status.RECOGNISED)
    family = world.assess(household, FAMILY)
    assert family.rollups == {"members": 1, "adults_citizen_share": 0.0}


def test_a_clan_with_no_households_is_never_recognised(world: World) -> None:
    empty = world.clan("Họ Cầm")
    clan = world.assess(empty, CLAN)
    assert clan.rollups == {"households": 0, "learning_families": 0, "learning_family_share": None}
    assert clan.level == "not_yet" and clan.result["passes"] is False and clan.score is None
    bulk = refreshed(world, CLAN)[clan.pk]
    assert (bulk.rollups, bulk.level, bulk.result) == (clan.rollups, clan.level, clan.result)


def test_clans_single_and_bulk_agree_on_many_subjects(world: World) -> None:
    statuses = [Status.RECOGNISED, None, Status.DRAFT, Status.SUBMITTED, Status.REJECTED, Status.APPROVED]
    clans = [world.clan(f"Họ {name}") for name in ("Lò", "Cầm", "Quàng", "Hà", "Vì")]
    # The households of each clan, by their family assessment's status (an index into `statuses`).
    plan = {0: [0, 0], 1: [], 2: [1, 2, 4], 3: [0, 0, 0, 1], 4: [3, 5, 0, 0, 0]}
    for i, members in plan.items():
        for j, status in enumerate(members):
            household = world.household(f"Hộ {i}-{j}", clan=clans[i])
            if statuses[status] is not None:
                world.assess(household, FAMILY, statuses[status])
    one_by_one = {a.pk: a for a in (world.assess(clan, CLAN) for clan in clans)}
    bulk = refreshed(world, CLAN)
    assert set(bulk) == set(one_by_one)
    for pk, assessment in one_by_one.items():
        assert rollup_values(assessment) == bulk[pk].rollups
        assert (bulk[pk].result, bulk[pk].level, bulk[pk].score) == (
            assessment.result,
            assessment.level,
            assessment.score,
        )
    shares = [bulk[a.pk].rollups["learning_family_share"] for a in one_by_one.values()]
    assert shares == [1.0, None, 0.0, 0.75, 0.6]
    assert [bulk[a.pk].level for a in one_by_one.values()] == [
        "recognised",
        "not_yet",
        "not_yet",
        "recognised",
        "not_yet",
    ]


def test_communities_roll_up_households_and_hamlets(world: World) -> None:
    other_hamlet = hamlet_create(commune=world.cast.commune_a, name="Tổ 3", code="to-3")
    recognised = world.household("Hộ Lò Văn Pản")
    world.household("Hộ Quàng Văn Sơn")
    world.assess(recognised, FAMILY, Status.RECOGNISED)
    hamlet = world.assess(world.cast.hamlet_a, HAMLET, Status.RECOGNISED)
    assert hamlet.rollups == {"households": 2, "learning_families": 1, "learning_family_share": 0.5}
    empty_hamlet = world.assess(other_hamlet, HAMLET)
    assert empty_hamlet.rollups["learning_family_share"] is None and empty_hamlet.level == "not_yet"

    commune = world.assess(world.cast.commune_a, COMMUNE)
    assert commune.rollups == {"hamlets": 2, "hamlet_community_share": 0.5}
    assert refreshed(world, COMMUNE)[commune.pk].rollups == commune.rollups
    refreshed_hamlets = refreshed(world, HAMLET)  # the recognised one is decided and keeps its result
    assert refreshed_hamlets[empty_hamlet.pk].rollups == empty_hamlet.rollups


def test_an_organisation_needs_members_of_whom_ninety_percent_are_learning_citizens(world: World) -> None:
    organisation = Organisation.objects.create(
        unit=world.cast.commune_a,
        name="UBND phường Tô Hiệu",
        name_folded=fold("UBND phường Tô Hiệu"),
        kind=OrganisationKind.AGENCY,
    )
    assessment = world.assess(organisation, ORGANISATION, answers=ORGANISATION_MARKS)
    assert assessment.rollups == {"members": 0, "citizen_share": None}
    assert assessment.result["derived"]["rating"] == "tot" and assessment.level == "not_yet"

    OrganisationMembership.objects.create(organisation=organisation, person=world.cast.person_a)
    world.assess(world.cast.person_a, CITIZEN, Status.RECOGNISED, GOOD_ANSWERS)
    again = services.assessment_save(
        actor=world.cast.officer_a, assessment=assessment, answers=ORGANISATION_MARKS
    )
    assert again.rollups == {"members": 1, "citizen_share": 1.0} and again.level == "recognised"

    colleague = world.person("Cầm Văn Toán", 1980)
    OrganisationMembership.objects.create(organisation=organisation, person=colleague)
    # person_a is a member of a second organisation too: each counts her once.
    school = Organisation.objects.create(
        unit=world.cast.commune_a,
        name="Trường Tiểu học Tô Hiệu",
        name_folded="truong",
        kind=OrganisationKind.SCHOOL,
    )
    OrganisationMembership.objects.create(organisation=school, person=world.cast.person_a)
    other = world.assess(school, ORGANISATION)
    bulk = refreshed(world, ORGANISATION)
    assert bulk[assessment.pk].rollups == {"members": 2, "citizen_share": 0.5}
    assert bulk[assessment.pk].level == "not_yet"
    assert bulk[other.pk].rollups == {"members": 1, "citizen_share": 1.0} == rollup_values(other)
    assert rollup_values(bulk[assessment.pk]) == bulk[assessment.pk].rollups


def test_a_decided_assessment_keeps_its_result_unless_asked(world: World) -> None:
    clan = world.clan("Họ Lường")
    decided = world.assess(clan, CLAN, Status.RECOGNISED)
    household = world.household("Hộ Lường Văn Chiến", clan=clan)
    world.assess(household, FAMILY, Status.RECOGNISED)
    assert refreshed(world, CLAN)[decided.pk].rollups == decided.rollups  # still no households
    assert refreshed(world, CLAN, include_decided=True)[decided.pk].rollups["households"] == 1


def test_members_count_even_when_their_framework_was_never_loaded(world: World) -> None:
    text = (SEEDS / "vn/learning-family.yaml").read_text(encoding="utf-8")
    framework = parse(
        text.replace("framework: vn.learning-citizen", "framework: vn.not-loaded"), "inline.yaml"
    )
    household = world.household("Hộ bà Lò Thị Mai", [world.cast.person_a])
    members = members_frame(framework, kind="household", campaign=world.campaign, subjects=[household.pk])
    values = framework.rollup(members, "subject", groups=[household.pk]).row(0, named=True)
    assert (values["members"], values["adults_citizen_share"]) == (1, 0.0)


def test_a_framework_without_rollups_has_none(world: World) -> None:
    citizen = world.assess(world.cast.person_a, CITIZEN)
    assert rollup_values(citizen) == {} and citizen.rollups == {}
    assert rollups_refresh(campaign=world.campaign, version=world.versions[CITIZEN]) == 0


def test_a_recognition_or_a_revocation_refreshes_the_open_assessments_that_read_it(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    """Through the services and the background job: the family's open assessment follows its members' titles
    without anyone saving it again; a decided one keeps the result it was decided on."""
    father = world.person("Lò Văn Hùng", 1985)
    world.household("Hộ ông Lò Văn Hùng", [father])
    family = world.assess(Household.objects.get(name="Hộ ông Lò Văn Hùng"), FAMILY)
    assert family.rollups["adults_citizen_share"] == 0.0
    citizen = world.assess(father, CITIZEN, Status.APPROVED, GOOD_ANSWERS)
    Assessment.objects.filter(pk=citizen.pk).update(review_stage="")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.assessment_certify(actor=world.cast.officer_a, assessment=citizen)
    assert len(refreshes(callbacks)) == 1
    assert Assessment.objects.get(pk=family.pk).rollups["adults_citizen_share"] == 1.0

    with django_capture_on_commit_callbacks(execute=True):
        assessment_revoke(actor=world.cast.officer_a, assessment=citizen, reason="Minh chứng không xác thực.")
    assert Assessment.objects.get(pk=family.pk).rollups["adults_citizen_share"] == 0.0


def refreshes(callbacks: list[Any]) -> list[Any]:
    """The roll-up refreshes among the callbacks (not the analytics rebuild every decision queues)."""
    return [callback for callback in callbacks if not hasattr(callback, "campaign_id")]


def test_nothing_is_queued_when_no_framework_of_the_campaign_reads_the_result(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    family = world.assess(world.household("Hộ bà Lò Thị Ón", [world.cast.person_a]), FAMILY, Status.APPROVED)
    Assessment.objects.filter(pk=family.pk).update(review_stage="")
    # The clan and the hamlet community read families: a refresh is queued.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.assessment_certify(actor=world.cast.officer_a, assessment=family)
    assert len(refreshes(callbacks)) == 1
    organisation = Organisation.objects.create(
        unit=world.cast.commune_a,
        name="Trường Tiểu học Tô Hiệu",
        name_folded="truong",
        kind=OrganisationKind.SCHOOL,
    )
    decided = world.assess(organisation, ORGANISATION, Status.APPROVED, ORGANISATION_MARKS)
    Assessment.objects.filter(pk=decided.pk).update(review_stage="")
    # Nothing reads organisations' results: nothing is queued.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.assessment_certify(actor=world.cast.officer_a, assessment=decided)
    assert refreshes(callbacks) == []
