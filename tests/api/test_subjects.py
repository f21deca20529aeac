"""Households, clans and organisations through the API, and assessments of subjects other than citizens.

Who may call each route is pinned in test_permissions.py; these tests check what comes back: which records
each reader lists, what a household shows of its members (masked), and a household's assessment opened,
filled with yes/no answers, scored and submitted.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from learningcity.recognition import services
from learningcity.recognition.models import (
    Assessment,
    CampaignFramework,
    Clan,
    Household,
    Organisation,
    OrganisationKind,
    OrganisationMembership,
    Status,
)
from learningcity.text import fold

from ..cast import Cast
from ..recognition.test_subject_assessment_pages import (
    Households,
    household,
    households_for,
    one_criterion_framework,
)
from .conftest import assert_problem, call, client_for


@pytest.fixture
def households(cast: Cast) -> Households:
    return households_for(cast)


def _ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


VISIBLE_HOUSEHOLDS = {
    "citizen_a": {"household_a"},  # her own: she heads it
    "head_a": {"household_a"},
    "officer_a": {"household_a"},
    "officer_b": {"household_b"},
    "head_b": {"household_b"},
    "province": {"household_a", "household_b"},
    "expert": set(),
    "outsider": set(),
}


@pytest.mark.parametrize(("member", "names"), VISIBLE_HOUSEHOLDS.items())
def test_each_reader_lists_only_the_households_in_their_scope(
    cast: Cast, households: Households, member: str, names: set[str]
) -> None:
    listed = _ids(call(client_for(cast, member), "GET", "/api/households"))
    assert listed == {getattr(households, name).pk for name in names}


def test_an_officer_of_commune_b_cannot_read_commune_a_households(cast: Cast, households: Households) -> None:
    client = client_for(cast, "officer_b")
    hidden = call(client, "GET", f"/api/households/{households.household_a.pk}")
    nonexistent = call(client, "GET", "/api/households/999999")
    assert_problem(hidden, 404)
    # Out of scope and nonexistent read the same.
    assert hidden.json()["detail"] == assert_problem(nonexistent, 404)["detail"]
    assert households.household_a.pk not in _ids(
        call(client, "GET", f"/api/households?unit={cast.commune_a.pk}")
    )


def test_a_member_who_is_not_the_head_reads_their_household(cast: Cast, households: Households) -> None:
    Household.objects.filter(pk=households.household_a.pk).update(head=households.member)
    response = call(client_for(cast, "citizen_a"), "GET", f"/api/households/{households.household_a.pk}")
    assert response.status_code == 200 and response.json()["head_name"] == "Lò Văn Tú"


def test_a_household_shows_its_members_masked(cast: Cast, households: Households) -> None:
    response = call(client_for(cast, "head_a"), "GET", f"/api/households/{households.household_a.pk}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["name"], body["unit_id"], body["head_id"], body["head_name"], body["member_count"]) == (
        "Hộ bà Lò Thị Mai",
        cast.hamlet_a.pk,
        cast.person_a.pk,
        "Lò Thị Mai",
        2,
    )
    members = {member["full_name"]: member for member in body["members"]}
    assert set(members) == {"Lò Thị Mai", "Lò Văn Tú"}
    mai = members["Lò Thị Mai"]
    assert mai["is_head"] is True and members["Lò Văn Tú"]["is_head"] is False
    assert mai["id_number_masked"] == "••••••••1234" and mai["has_account"] is True
    text = response.content.decode()
    assert "014190001234" not in text and "1990" not in text and "birth" not in text and "Thái" not in text


def test_households_are_found_by_folded_name_unit_and_clan(cast: Cast, households: Households) -> None:
    client = client_for(cast, "province")
    assert _ids(call(client, "GET", "/api/households?q=lo thi mai")) == {households.household_a.pk}
    assert _ids(call(client, "GET", f"/api/households?unit={cast.commune_b.pk}")) == {
        households.household_b.pk
    }
    clan = Clan.objects.create(unit=cast.commune_a, name="Dòng họ Lò", name_folded=fold("Dòng họ Lò"))
    Household.objects.filter(pk=households.household_a.pk).update(clan=clan)
    assert _ids(call(client, "GET", f"/api/households?clan={clan.pk}")) == {households.household_a.pk}
    body = call(client, "GET", f"/api/clans/{clan.pk}").json()
    assert body["household_count"] == 1 and [h["name"] for h in body["households"]] == ["Hộ bà Lò Thị Mai"]
    assert _ids(call(client, "GET", "/api/clans?q=dong ho lo")) == {clan.pk}


def test_organisations_list_their_members_with_positions(cast: Cast) -> None:
    school = Organisation.objects.create(
        unit=cast.commune_a, name="Trường Tiểu học Tô Hiệu", name_folded=fold("Trường Tiểu học Tô Hiệu"),
        kind=OrganisationKind.SCHOOL,
    )  # fmt: skip
    OrganisationMembership.objects.create(organisation=school, person=cast.person_a, position="Giáo viên")
    officer = client_for(cast, "officer_a")
    listed = call(officer, "GET", "/api/organisations?kind=school").json()["items"]
    assert [(o["name"], o["member_count"], o["kind"]) for o in listed] == [
        ("Trường Tiểu học Tô Hiệu", 1, "school")
    ]
    assert call(officer, "GET", "/api/organisations?kind=enterprise").json()["count"] == 0
    body = call(officer, "GET", f"/api/organisations/{school.pk}").json()
    assert [(m["full_name"], m["position"], m["id_number_masked"]) for m in body["members"]] == [
        ("Lò Thị Mai", "Giáo viên", "••••••••1234")
    ]
    assert _ids(call(client_for(cast, "officer_b"), "GET", "/api/organisations")) == set()
    assert _ids(call(client_for(cast, "citizen_a"), "GET", "/api/organisations")) == set()


# ---------------------------------------------------------------------------------------------------------
# Assessments of a household


def _start(client: Any, cast: Cast, households: Households, **extra: Any) -> Any:
    body = {
        "campaign_id": cast.campaign.pk,
        "framework_version_id": households.framework.pk,
        "subject_kind": "household",
        "subject_id": households.household_a.pk,
        **extra,
    }
    return call(client, "POST", "/api/assessments", body)


def test_the_head_opens_fills_and_submits_the_households_assessment(
    cast: Cast, households: Households
) -> None:
    client = client_for(cast, "citizen_a")
    started = _start(client, cast, households)
    assert started.status_code == 200, started.content
    body = started.json()
    assert (body["subject_kind"], body["subject_id"], body["subject_name"]) == (
        "household",
        households.household_a.pk,
        "Hộ bà Lò Thị Mai",
    )
    assert (body["person_id"], body["person_name"], body["entered_on_behalf"], body["rollups"]) == (
        None,
        None,
        False,
        {},
    )
    path = f"/api/assessments/{body['id']}"
    preview = call(client, "POST", f"{path}/evaluate", {"answers": {"c1_members_learn": True, "c3_books": 5}})
    assert preview.status_code == 200, preview.content
    assert (preview.json()["score"], preview.json()["passes"], preview.json()["short"]) == (
        1,
        False,
        ["c3_books"],
    )
    answers = {"c1_members_learn": True, "c2_children_school": False, "c3_books": 40}
    saved = call(client, "PUT", path, {"answers": answers})
    assert saved.status_code == 200, saved.content
    assert (saved.json()["answers"], saved.json()["score"], saved.json()["level"]) == (
        answers,
        2.0,
        "not_yet",
    )
    updated = call(client, "PATCH", path, {"answers": {"c2_children_school": True}})
    assert (updated.json()["score"], updated.json()["level"]) == (3.0, "recognised")
    submitted = call(client, "POST", f"{path}/submit")
    assert submitted.status_code == 200, submitted.content
    assert (submitted.json()["status"], submitted.json()["review_stage"]) == ("submitted", "hamlet")
    # The hamlet head sees it in their queue, with its subject named.
    due = call(client_for(cast, "head_a"), "GET", "/api/reviews/due").json()["items"]
    assert [(item["id"], item["subject_name"], item["subject_kind"]) for item in due] == [
        (body["id"], "Hộ bà Lò Thị Mai", "household")
    ]


def test_the_hamlet_head_opens_it_on_the_households_behalf(cast: Cast, households: Households) -> None:
    response = _start(client_for(cast, "head_a"), cast, households)
    assert response.status_code == 200, response.content
    assert response.json()["entered_on_behalf"] is True
    assessment = Assessment.objects.get(pk=response.json()["id"])
    assert assessment.entered_by == cast.head_a and assessment.status == Status.DRAFT


def test_lists_carry_the_subject_and_filter_by_kind_and_household(cast: Cast, households: Households) -> None:
    services.assessment_start(
        actor=cast.citizen_a,
        campaign=cast.campaign,
        subject=cast.person_a,
        version=cast.framework,
        group="g1",
    )
    _start(client_for(cast, "citizen_a"), cast, households)
    client = client_for(cast, "citizen_a")
    items = call(client, "GET", "/api/assessments").json()["items"]
    assert sorted((i["subject_kind"], i["subject_name"], i["person_name"]) for i in items) == [
        ("household", "Hộ bà Lò Thị Mai", None),
        ("person", "Lò Thị Mai", "Lò Thị Mai"),
    ]
    only = call(client, "GET", "/api/assessments?subject_kind=household").json()["items"]
    assert [i["subject_id"] for i in only] == [households.household_a.pk]
    by_household = call(client, "GET", f"/api/assessments?household={households.household_a.pk}").json()
    assert by_household["count"] == 1
    # officer_b sees neither
    assert call(client_for(cast, "officer_b"), "GET", "/api/assessments").json()["count"] == 0


def test_the_old_person_id_form_still_starts_a_citizens_assessment(cast: Cast) -> None:
    body = {"campaign_id": cast.campaign.pk, "person_id": cast.person_a.pk, "framework_id": cast.framework.pk}
    response = call(client_for(cast, "citizen_a"), "POST", "/api/assessments", {**body, "group": "g1"})
    assert response.status_code == 200, response.content
    assert (response.json()["subject_kind"], response.json()["subject_id"]) == ("person", cast.person_a.pk)


@pytest.mark.parametrize(
    "extra",
    [
        {"person_id": 1},  # a person and a household at once
        {"subject_kind": None},  # a household id without its kind
        {"subject_kind": "village"},  # not a kind of subject
        {"framework_version_id": None},  # no framework at all
        {"framework_id": 999},  # two different frameworks
    ],
)
def test_a_start_that_does_not_name_one_subject_and_one_framework_is_malformed(
    cast: Cast, households: Households, extra: dict[str, Any]
) -> None:
    response = _start(client_for(cast, "citizen_a"), cast, households, **extra)
    assert_problem(response, 422)
    assert not Assessment.objects.exists()


def test_a_framework_for_another_kind_of_subject_is_refused(cast: Cast, households: Households) -> None:
    client = client_for(cast, "citizen_a", headers={"Accept-Language": "en"})
    response = _start(client, cast, households, framework_version_id=cast.framework.pk)
    problem = assert_problem(response, 400)
    assert problem["errors"] == [
        {"loc": ["framework"], "msg": "This framework does not assess this kind of subject."}
    ]


def test_a_community_is_started_by_an_officer_of_its_commune(cast: Cast) -> None:
    version = one_criterion_framework("community", "learning-community-commune", "Cộng đồng học tập")
    CampaignFramework.objects.create(campaign=cast.campaign, framework_version=version)
    body = {
        "campaign_id": cast.campaign.pk,
        "framework_version_id": version.pk,
        "subject_kind": "community",
        "subject_id": cast.commune_a.pk,
    }
    assert_problem(call(client_for(cast, "officer_b"), "POST", "/api/assessments", body), 404)
    assert_problem(call(client_for(cast, "head_a"), "POST", "/api/assessments", body), 404)
    response = call(client_for(cast, "officer_a"), "POST", "/api/assessments", body)
    assert response.status_code == 200, response.content
    assert (response.json()["subject_kind"], response.json()["subject_name"]) == (
        "community",
        "Phường Tô Hiệu",
    )


# ---------------------------------------------------------------------------------------------------------
# Query counts


def _queries(client: Any, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = call(client, "GET", path)
    assert response.status_code == 200, response.content
    return len(captured)


@pytest.mark.parametrize(
    "path", ["/api/households", "/api/clans", "/api/organisations", "/api/assessments?subject_kind=household"]
)
def test_subject_lists_take_a_fixed_number_of_queries(cast: Cast, households: Households, path: str) -> None:
    client = client_for(cast, "province")
    _start(client_for(cast, "head_a"), cast, households)
    before = _queries(client, path)
    for index in range(4):
        name = f"Hộ ông Lò Văn Thêm {index}"
        more = household(cast.hamlet_a, name, None)
        clan = Clan.objects.create(
            unit=cast.commune_a, name=f"Dòng họ {index}", name_folded=f"dong ho {index}"
        )
        Household.objects.filter(pk=more.pk).update(clan=clan)
        Organisation.objects.create(
            unit=cast.commune_a, name=name, name_folded=fold(name), kind=OrganisationKind.ENTERPRISE
        )
        services.assessment_start(
            actor=cast.head_a, campaign=cast.campaign, subject=more, version=households.framework
        )
    assert _queries(client, path) == before


def test_a_household_reads_in_a_fixed_number_of_queries(cast: Cast, households: Households) -> None:
    client = client_for(cast, "province")
    path = f"/api/households/{households.household_a.pk}"
    before = _queries(client, path)
    for index in range(4):
        person = services.person_enrol(
            actor=cast.head_a, unit=cast.hamlet_a, full_name=f"Lò Văn Thêm {index}", consent_confirmed=True
        )
        person.household = households.household_a
        person.save(update_fields=["household"])
    assert _queries(client, path) == before
