"""Officer pages of households, clans, organisations, communities, duplicate people, population figures and
campaign rollover (/officer/subjects/).

Every page: sign-in redirect, 403 for a role that may never use it, 404 for a record outside the officer's
area (whatever the method), and the allowed flows. Content is checked in English (the clients ask for it).
List pages have their query counts pinned: they do not grow with the rows shown.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from learningcity.accounts.models import User
from learningcity.recognition import services
from learningcity.recognition.models import (
    Assessment,
    Campaign,
    Clan,
    Household,
    Organisation,
    OrganisationMembership,
    Person,
    Status,
)
from learningcity.recognition.services import subjects
from learningcity.territory import population
from learningcity.territory.models import PopulationFigure
from learningcity.territory.officer_services import hamlet_create_by_officer

from ..cast import Cast
from .test_duplicates import copy_with_same_id
from .test_subjects import campaign_with, enrol, framework, household

HEADER = "unit_code,year,people,adults,households,clans,hamlets,organisations,source\n"


@pytest.fixture
def web() -> Client:
    return Client(headers={"accept-language": "en"})


def login(user: User) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


class World:
    """A household, a clan and an organisation of commune A, for the page matrix."""

    def __init__(self, cast: Cast) -> None:
        self.household = household(cast)
        subjects.household_member_add(actor=cast.head_a, household=self.household, person=cast.person_a)
        self.clan = subjects.clan_create(actor=cast.officer_a, unit=cast.commune_a, name="Dòng họ Lò")
        subjects.clan_household_add(actor=cast.officer_a, clan=self.clan, household=self.household)
        self.organisation = subjects.organisation_create(
            actor=cast.officer_a, unit=cast.commune_a, name="Trường Tiểu học Tô Hiệu", kind="school"
        )
        subjects.organisation_member_add(
            actor=cast.officer_a, organisation=self.organisation, person=cast.person_a
        )


@pytest.fixture
def world(cast: Cast) -> World:
    return World(cast)


def pages(cast: Cast, w: World) -> list[tuple[str, str]]:
    """Every subject page, with the method that reaches it; the records are commune A's."""
    return [
        ("get", reverse("subjects:households")),
        ("get", reverse("subjects:household_create")),
        *record_pages(cast, w),
        ("get", reverse("subjects:clans")),
        ("get", reverse("subjects:clan_create")),
        ("get", reverse("subjects:organisations")),
        ("get", reverse("subjects:organisation_create")),
        ("get", reverse("subjects:communities")),
        ("get", reverse("subjects:duplicates")),
        ("get", reverse("subjects:population")),
        ("get", reverse("subjects:population_import")),
        ("get", reverse("subjects:campaign_rollover", kwargs={"pk": cast.campaign.pk})),
    ]


def record_pages(cast: Cast, w: World) -> list[tuple[str, str]]:
    """The pages of one record of commune A (its household, clan, organisation, hamlet community, figures)."""
    h, c, o, p = w.household.pk, w.clan.pk, w.organisation.pk, cast.person_a.pk
    return [
        ("get", reverse("subjects:household", kwargs={"pk": h})),
        ("get", reverse("subjects:household_edit", kwargs={"pk": h})),
        ("post", reverse("subjects:household_member_add", kwargs={"pk": h})),
        ("get", reverse("subjects:household_member_enrol", kwargs={"pk": h})),
        ("post", reverse("subjects:household_member_remove", kwargs={"pk": h, "person_pk": p})),
        ("post", reverse("subjects:household_start", kwargs={"pk": h})),
        ("get", reverse("subjects:clan", kwargs={"pk": c})),
        ("get", reverse("subjects:clan_edit", kwargs={"pk": c})),
        ("post", reverse("subjects:clan_household_add", kwargs={"pk": c})),
        ("post", reverse("subjects:clan_household_remove", kwargs={"pk": c, "household_pk": h})),
        ("post", reverse("subjects:clan_start", kwargs={"pk": c})),
        ("get", reverse("subjects:organisation", kwargs={"pk": o})),
        ("get", reverse("subjects:organisation_edit", kwargs={"pk": o})),
        ("post", reverse("subjects:organisation_member_add", kwargs={"pk": o})),
        ("post", reverse("subjects:organisation_member_remove", kwargs={"pk": o, "person_pk": p})),
        ("post", reverse("subjects:organisation_start", kwargs={"pk": o})),
        ("get", reverse("subjects:community", kwargs={"pk": cast.hamlet_a.pk})),
        ("post", reverse("subjects:community_start", kwargs={"pk": cast.hamlet_a.pk})),
        ("get", reverse("subjects:population_unit", kwargs={"pk": cast.commune_a.pk})),
        ("post", reverse("subjects:population_unit", kwargs={"pk": cast.commune_a.pk})),
    ]


def status_of(client: Client, method: str, url: str, data: dict[str, Any] | None = None) -> int:
    return getattr(client, method)(url, data or {}).status_code


def unchanged(cast: Cast, w: World) -> None:
    home = Household.objects.get(pk=w.household.pk)
    assert (home.name, home.clan_id) == ("Hộ ông Lò Văn Hùng", w.clan.pk)
    assert Person.objects.get(pk=cast.person_a.pk).household_id == w.household.pk
    assert OrganisationMembership.objects.filter(organisation=w.organisation).count() == 1
    assert not Assessment.objects.exclude(subject_kind="person").exists()
    assert not PopulationFigure.objects.exists()


# --------------------------------------------------------------------------------------------------------
# Gates


def test_every_page_sends_an_anonymous_visitor_to_the_login(cast: Cast, world: World, web: Client) -> None:
    for method, url in pages(cast, world):
        response = getattr(web, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login")), url


def test_every_page_is_forbidden_to_citizens_experts_secretariat_and_people_without_a_role(
    cast: Cast, world: World
) -> None:
    for user in (cast.citizen_a, cast.expert, cast.secretariat, cast.outsider):
        client = login(user)
        for method, url in pages(cast, world):
            assert status_of(client, method, url, {"pk": cast.person_a.pk}) == 403, (user.username, url)
    unchanged(cast, world)


def test_an_officer_of_another_commune_gets_404_for_every_record_of_commune_a(
    cast: Cast, world: World
) -> None:
    for user in (cast.officer_b, cast.head_b):
        client = login(user)
        for method, url in record_pages(cast, world):
            status = status_of(
                client, method, url, {"pk": cast.person_a.pk, "year": 2024, "source": "x", "people": 1}
            )
            assert status in (403, 404), (user.username, url)
            if user == cast.officer_b:
                assert status == 404, url
    unchanged(cast, world)


def test_an_officer_of_another_commune_lists_none_of_commune_as_records(cast: Cast, world: World) -> None:
    client = login(cast.officer_b)
    for name in ("households", "clans", "organisations", "communities", "population"):
        page = client.get(reverse(f"subjects:{name}")).content.decode()
        for text in ("Hộ ông Lò Văn Hùng", "Dòng họ Lò", "Trường Tiểu học Tô Hiệu", "Tổ 1", "Phường Tô Hiệu"):
            assert text not in page, (name, text)


def test_pages_outside_a_role_are_forbidden(cast: Cast, world: World) -> None:
    o = world.organisation.pk
    head = login(cast.head_a)
    for name, kwargs in (
        ("organisation_create", {}),
        ("organisation_edit", {"pk": o}),
        ("duplicates", {}),
        ("population_import", {}),
        ("campaign_rollover", {"pk": cast.campaign.pk}),
    ):
        assert head.get(reverse(f"subjects:{name}", kwargs=kwargs)).status_code == 403, name
    assert (
        head.post(reverse("subjects:organisation_member_add", kwargs={"pk": o}), {"pk": 1}).status_code == 403
    )
    figures = reverse("subjects:population_unit", kwargs={"pk": cast.hamlet_a.pk})
    assert head.get(figures).status_code == 200  # a hamlet head reads their hamlet's figures
    assert head.post(figures, {"year": 2024, "people": 5, "source": "x"}).status_code == 403
    province = login(cast.province)
    for name in ("household_create", "clan_create"):
        assert province.get(reverse(f"subjects:{name}")).status_code == 403, name
    for name, pk in (
        ("household_start", world.household.pk),
        ("clan_start", world.clan.pk),
        ("organisation_start", o),
    ):
        assert province.post(reverse(f"subjects:{name}", kwargs={"pk": pk})).status_code == 403, name
    officer = login(cast.officer_a)
    rollover = reverse("subjects:campaign_rollover", kwargs={"pk": cast.campaign.pk})
    assert officer.get(rollover).status_code == 403
    assert officer.post(rollover, {"year": 2099}).status_code == 403
    unchanged(cast, world)
    assert Campaign.objects.count() == 1


def test_every_page_opens_for_the_roles_it_serves_in_vietnamese_by_default(cast: Cast, world: World) -> None:
    version = framework("household")
    campaign_with(cast, version)
    served = {
        cast.officer_a: [
            url for method, url in pages(cast, world) if method == "get" and "rollover" not in url
        ],
        cast.province: [
            reverse("subjects:households"),
            reverse("subjects:household", kwargs={"pk": world.household.pk}),
            reverse("subjects:duplicates"),
            reverse("subjects:population_import"),
            reverse("subjects:campaign_rollover", kwargs={"pk": cast.campaign.pk}),
        ],
        cast.head_a: [
            reverse("subjects:household", kwargs={"pk": world.household.pk}),
            reverse("subjects:household_edit", kwargs={"pk": world.household.pk}),
            reverse("subjects:community", kwargs={"pk": cast.hamlet_a.pk}),
            reverse("subjects:organisations"),
        ],
    }
    for user, urls in served.items():
        client = Client()
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (user.username, url)
            assert '<html lang="vi">' in response.content.decode(), url


def test_the_new_campaign_page_asks_each_frameworks_target_and_deadlines(cast: Cast) -> None:
    page = login(cast.province).get(reverse("officer:campaign_create")).content.decode()
    assert f'name="fw{cast.framework.pk}_target_rate"' in page
    assert f'name="fw{cast.framework.pk}_submission_deadline"' in page
    assert "Targets and deadlines per framework" in page


def test_the_subject_tabs_follow_the_role(cast: Cast, world: World) -> None:
    head_page = login(cast.head_a).get(reverse("subjects:households")).content.decode()
    assert reverse("subjects:duplicates") not in head_page
    assert reverse("subjects:household_create") in head_page
    officer_page = login(cast.officer_a).get(reverse("subjects:households")).content.decode()
    assert reverse("subjects:duplicates") in officer_page
    province_page = login(cast.province).get(reverse("subjects:households")).content.decode()
    assert reverse("subjects:household_create") not in province_page


# --------------------------------------------------------------------------------------------------------
# Households


def test_a_hamlet_head_registers_a_household_and_adds_its_members(cast: Cast) -> None:
    client = login(cast.head_a)
    form = client.get(reverse("subjects:household_create")).content.decode()
    assert "Tổ 1" in form and "Tổ 2" not in form
    response = client.post(
        reverse("subjects:household_create"),
        {"unit": cast.hamlet_a.pk, "name": "Hộ ông Lò Văn Hùng", "register_number": "15"},
    )
    created = Household.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "subjects:household", kwargs={"pk": created.pk}
    )
    detail = reverse("subjects:household", kwargs={"pk": created.pk})

    found = client.get(detail, {"q": "lo thi mai"}).content.decode()
    assert "Lò Thị Mai" in found
    add = reverse("subjects:household_member_add", kwargs={"pk": created.pk})
    assert client.post(add, {"pk": cast.person_a.pk}).status_code == 302
    assert client.post(add, {"pk": cast.person_b.pk}).status_code == 404  # a person of commune B
    enrolled = client.post(
        reverse("subjects:household_member_enrol", kwargs={"pk": created.pk}),
        {"full_name": "Lò Văn Hùng", "sex": "M", "consent_confirmed": "on"},
    )
    assert enrolled.status_code == 302
    hung = Person.objects.get(full_name="Lò Văn Hùng")
    assert (hung.unit, hung.household) == (cast.hamlet_a, created)

    edit = reverse("subjects:household_edit", kwargs={"pk": created.pk})
    assert (
        client.post(
            edit, {"name": "Hộ ông Lò Văn Hùng", "register_number": "15", "head": hung.pk}
        ).status_code
        == 302
    )
    page = client.get(detail).content.decode()
    assert "Lò Thị Mai" in page and "Lò Văn Hùng" in page and "Head of the household" in page
    remove = reverse("subjects:household_member_remove", kwargs={"pk": created.pk, "person_pk": hung.pk})
    assert client.post(remove).status_code == 302
    created.refresh_from_db()
    assert created.head is None and set(created.members.all()) == {cast.person_a}


def test_a_household_form_keeps_the_input_on_error(cast: Cast) -> None:
    household(cast, "Hộ A", number="15")
    client = login(cast.head_a)
    response = client.post(
        reverse("subjects:household_create"),
        {"unit": cast.hamlet_a.pk, "name": "Hộ bà Cầm Thị Hoa", "register_number": "15"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert (
        'value="Hộ bà Cầm Thị Hoa"' in page
        and "Another household of this unit has this register number." in page
    )
    enrol_page = client.post(
        reverse("subjects:household_member_enrol", kwargs={"pk": Household.objects.get().pk}),
        {"full_name": "Cầm Văn Tâm", "sex": "M"},
    ).content.decode()
    assert 'value="Cầm Văn Tâm"' in enrol_page and "Confirm that the citizen agreed" in enrol_page
    assert Household.objects.count() == 1 and not Person.objects.filter(full_name="Cầm Văn Tâm").exists()


def test_a_person_in_another_household_is_refused_with_a_message(cast: Cast) -> None:
    first, second = household(cast, "Hộ A"), household(cast, "Hộ B")
    subjects.household_member_add(actor=cast.head_a, household=first, person=cast.person_a)
    client = login(cast.head_a)
    response = client.post(
        reverse("subjects:household_member_add", kwargs={"pk": second.pk}),
        {"pk": cast.person_a.pk},
        follow=True,
    )
    assert "already belongs to another household" in response.content.decode()
    assert Person.objects.get(pk=cast.person_a.pk).household == first


def test_a_household_assessment_is_started_from_its_page(cast: Cast) -> None:
    version = framework("household")
    campaign = campaign_with(cast, version)
    home = household(cast)
    client = login(cast.head_a)
    detail = reverse("subjects:household", kwargs={"pk": home.pk})
    page = client.get(detail).content.decode()
    value = f"{campaign.pk}:{version.pk}"
    assert f'value="{value}"' in page and "Test household framework" in page
    start = reverse("subjects:household_start", kwargs={"pk": home.pk})
    assert client.post(start, {"offer": f"{cast.campaign.pk}:{cast.framework.pk}"}).status_code == 404
    response = client.post(start, {"offer": value})
    started = Assessment.objects.get(household=home)
    assert response.status_code == 302
    assert response["Location"] == reverse("recognition:assessment", kwargs={"pk": started.pk})
    assert (started.campaign, started.status, started.entered_by) == (campaign, Status.DRAFT, cast.head_a)
    again = client.get(detail).content.decode()
    assert reverse("recognition:assessment", kwargs={"pk": started.pk}) in again and "Draft" in again
    assert login(cast.officer_b).post(start, {"offer": value}).status_code == 404


# --------------------------------------------------------------------------------------------------------
# Clans, organisations, communities


def test_an_officer_registers_a_clan_and_gathers_households_of_the_commune(cast: Cast) -> None:
    in_hamlet = household(cast, "Hộ A")
    client = login(cast.officer_a)
    response = client.post(reverse("subjects:clan_create"), {"unit": cast.commune_a.pk, "name": "Dòng họ Lò"})
    clan = Clan.objects.get()
    assert response.status_code == 302
    detail = reverse("subjects:clan", kwargs={"pk": clan.pk})
    assert "Hộ A" in client.get(detail, {"q": "ho a"}).content.decode()
    assert (
        client.post(
            reverse("subjects:clan_household_add", kwargs={"pk": clan.pk}), {"pk": in_hamlet.pk}
        ).status_code
        == 302
    )
    assert Household.objects.get(pk=in_hamlet.pk).clan == clan
    taken = client.post(reverse("subjects:clan_create"), {"unit": cast.commune_a.pk, "name": "dòng họ lò"})
    assert taken.status_code == 200 and "already has a clan of this name" in taken.content.decode()
    renamed = client.post(reverse("subjects:clan_edit", kwargs={"pk": clan.pk}), {"name": "Dòng họ Lò Văn"})
    assert renamed.status_code == 302 and Clan.objects.get().name == "Dòng họ Lò Văn"
    remove = reverse("subjects:clan_household_remove", kwargs={"pk": clan.pk, "household_pk": in_hamlet.pk})
    assert client.post(remove).status_code == 302
    assert Household.objects.get(pk=in_hamlet.pk).clan is None


def test_an_officer_registers_a_learning_promotion_branch_as_a_reviewing_body(cast: Cast) -> None:
    client = login(cast.officer_a)
    refused = client.post(
        reverse("subjects:organisation_create"),
        {"unit": cast.commune_a.pk, "name": "Trường A", "kind": "school", "is_reviewing_body": "on"},
    )
    assert (
        refused.status_code == 200
        and "Only a learning-promotion association branch" in refused.content.decode()
    )
    assert 'value="Trường A"' in refused.content.decode()
    created = client.post(
        reverse("subjects:organisation_create"),
        {
            "unit": cast.commune_a.pk,
            "name": "Chi hội Khuyến học phường",
            "kind": "hkh_branch",
            "is_reviewing_body": "on",
        },
    )
    branch = Organisation.objects.get()
    assert created.status_code == 302 and branch.is_reviewing_body
    listed = client.get(reverse("subjects:organisations"), {"kind": "hkh_branch"}).content.decode()
    assert "Chi hội Khuyến học phường" in listed and "Reviewing body" in listed
    assert "Chi hội" not in client.get(reverse("subjects:organisations"), {"kind": "school"}).content.decode()
    add = reverse("subjects:organisation_member_add", kwargs={"pk": branch.pk})
    assert client.post(add, {"pk": cast.person_a.pk, "position": "Chi hội trưởng"}).status_code == 302
    assert client.post(add, {"pk": cast.person_b.pk}).status_code == 404
    assert OrganisationMembership.objects.get().position == "Chi hội trưởng"
    page = client.get(reverse("subjects:organisation", kwargs={"pk": branch.pk})).content.decode()
    assert "Lò Thị Mai" in page and "Chi hội trưởng" in page


def test_a_hamlets_community_assessment_starts_from_its_community_page(cast: Cast) -> None:
    version = framework("community")
    campaign = campaign_with(cast, version, name="Cộng đồng học tập")
    client = login(cast.head_a)
    listed = client.get(reverse("subjects:communities")).content.decode()
    detail = reverse("subjects:community", kwargs={"pk": cast.hamlet_a.pk})
    assert detail in listed
    assert f'value="{campaign.pk}:{version.pk}"' in client.get(detail).content.decode()
    response = client.post(
        reverse("subjects:community_start", kwargs={"pk": cast.hamlet_a.pk}),
        {"offer": f"{campaign.pk}:{version.pk}"},
    )
    started = Assessment.objects.get(subject_kind="community")
    assert response["Location"] == reverse("recognition:assessment", kwargs={"pk": started.pk})
    assert started.community == cast.hamlet_a
    commune = reverse("subjects:community", kwargs={"pk": cast.commune_a.pk})
    assert client.get(commune).status_code == 404  # the commune is above a hamlet head
    page = login(cast.officer_a).get(commune).content.decode()
    assert f'value="{campaign.pk}:{version.pk}"' in page


# --------------------------------------------------------------------------------------------------------
# Duplicates


def test_the_duplicates_page_lists_a_group_and_merges_it(cast: Cast) -> None:
    copy = copy_with_same_id(cast, cast.person_a, name="Lò Thị Mai (nhập lại)")
    client = login(cast.officer_a)
    page = client.get(reverse("subjects:duplicates")).content.decode()
    assert "Same ID card number" in page and "Lò Thị Mai (nhập lại)" in page
    assert login(cast.officer_b).get(reverse("subjects:duplicates")).content.decode().count("nhập lại") == 0
    response = client.post(
        reverse("subjects:duplicates"),
        {"keep": cast.person_a.pk, "duplicate": copy.pk, "reason": "Cùng CCCD"},
    )
    assert response.status_code == 302
    assert Person.objects.get(pk=copy.pk).merged_into == cast.person_a
    assert "No probable duplicates" in client.get(reverse("subjects:duplicates")).content.decode()


def test_a_refused_merge_shows_why_and_keeps_the_input(cast: Cast) -> None:
    copy = copy_with_same_id(cast, cast.person_a)
    for person, actor in ((cast.person_a, cast.citizen_a), (copy, cast.head_a)):
        services.assessment_start(
            actor=actor, campaign=cast.campaign, subject=person, version=cast.framework, group="g1"
        )
    response = login(cast.officer_a).post(
        reverse("subjects:duplicates"),
        {"keep": cast.person_a.pk, "duplicate": copy.pk, "reason": "Cùng CCCD"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Both records have an assessment in" in page and "Cùng CCCD" in page
    assert Person.objects.get(pk=copy.pk).merged_into is None


def test_a_merge_of_someone_outside_the_area_is_404(cast: Cast) -> None:
    copy = copy_with_same_id(cast, cast.person_b)
    response = login(cast.officer_a).post(
        reverse("subjects:duplicates"), {"keep": cast.person_b.pk, "duplicate": copy.pk, "reason": "x"}
    )
    assert response.status_code == 404
    assert Person.objects.get(pk=copy.pk).merged_into is None


# --------------------------------------------------------------------------------------------------------
# Population figures


def test_an_officer_enters_figures_and_corrects_them(cast: Cast) -> None:
    client = login(cast.officer_a)
    url = reverse("subjects:population_unit", kwargs={"pk": cast.commune_a.pk})
    bad = client.post(url, {"year": 2024, "people": 10, "adults": 11, "source": "Sổ hộ khẩu"})
    assert bad.status_code == 200 and "There cannot be more adults than people." in bad.content.decode()
    assert 'value="Sổ hộ khẩu"' in bad.content.decode()
    assert (
        client.post(url, {"year": 2024, "people": 12500, "adults": 9000, "source": "Sổ hộ khẩu"}).status_code
        == 302
    )
    correct = client.get(url, {"year": 2024}).content.decode()
    assert 'value="12500"' in correct
    assert client.post(url, {"year": 2024, "people": 12600, "source": "Sổ hộ khẩu"}).status_code == 302
    (figure,) = PopulationFigure.objects.all()
    assert (figure.people, figure.adults) == (12600, None)
    assert login(cast.officer_b).get(url).status_code == 404


def test_a_good_csv_imports_and_a_bad_one_lists_every_problem(cast: Cast) -> None:
    client = login(cast.officer_a)
    url = reverse("subjects:population_import")
    bad = HEADER + "3646,2024,100,200,,,,,x\n3670,2024,100,,,,,,x\n9999,2024,1,,,,,,x\n"
    response = client.post(url, {"file": _upload(bad)})
    page = response.content.decode()
    assert response.status_code == 200
    assert "3 problems to fix" in page
    for text in ("There cannot be more adults than people.", "This commune is outside your area.", "9999"):
        assert text in page
    assert not PopulationFigure.objects.exists()
    good = HEADER + "3646,2024,12500,9100,3200,14,12,20,Tổng điều tra\n"
    assert client.post(url, {"file": _upload(good)}).status_code == 302
    assert PopulationFigure.objects.get().people == 12500


def _upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("figures.csv", text.encode(), content_type="text/csv")


# --------------------------------------------------------------------------------------------------------
# Rollover


def test_a_coordinator_starts_next_years_campaign_from_this_ones(cast: Cast) -> None:
    services.assessment_start(
        actor=cast.citizen_a,
        campaign=cast.campaign,
        subject=cast.person_a,
        version=cast.framework,
        group="g1",
    )
    client = login(cast.province)
    url = reverse("subjects:campaign_rollover", kwargs={"pk": cast.campaign.pk})
    form = client.get(url).content.decode()
    assert f'value="{cast.campaign.year + 1}"' in form
    year = cast.campaign.year + 1
    bad = client.post(
        url,
        {
            "year": year,
            "opens_on": f"{year}-09-01",
            "submission_deadline": f"{year}-03-01",
            "review_deadline": f"{year}-10-01",
        },
    )
    assert bad.status_code == 200 and "Dates must run in order" in bad.content.decode()
    response = client.post(
        url,
        {
            "year": year,
            "opens_on": f"{year}-03-01",
            "submission_deadline": f"{year}-09-30",
            "review_deadline": f"{year}-11-30",
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("officer:campaigns")
    new = Campaign.objects.get(year=year)
    assert new.opens_on == dt.date(year, 3, 1)
    assert list(new.assessments.values_list("person", "status")) == [(cast.person_a.pk, Status.DRAFT)]


# --------------------------------------------------------------------------------------------------------
# Query counts of the list pages


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


# Session, user, the gate's roles, the scope's unit paths, the page's count and rows (duplicates: the people
# and their assessment counts), and the menu's roles (the context processor).
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("households", 5),
        ("clans", 5),
        ("organisations", 5),
        ("communities", 5),
        ("population", 5),
        ("duplicates", 5),
    ],
)
def test_list_pages_run_a_fixed_number_of_queries(cast: Cast, name: str, expected: int) -> None:
    client = login(cast.officer_a)
    url = reverse(f"subjects:{name}")
    grow(cast, 2)
    few = _queries(client, url)
    grow(cast, 10)
    assert _queries(client, url) == few == expected


def grow(cast: Cast, n: int) -> None:
    """n more of everything the lists show, in commune A."""
    start = Household.objects.count()
    for i in range(start, start + n):
        home = household(cast, f"Hộ số {i}")
        member = enrol(cast, f"Lò Văn {i}", birth_date=dt.date(1970, 1, 1))
        enrol(cast, f"Lò Văn {i}", birth_date=dt.date(1970, 6, 1))  # a probable duplicate of the member
        subjects.household_member_add(actor=cast.head_a, household=home, person=member)
        clan = subjects.clan_create(actor=cast.officer_a, unit=cast.commune_a, name=f"Dòng họ {i}")
        subjects.clan_household_add(actor=cast.officer_a, clan=clan, household=home)
        school = subjects.organisation_create(
            actor=cast.officer_a, unit=cast.commune_a, name=f"Trường {i}", kind="school"
        )
        subjects.organisation_member_add(actor=cast.officer_a, organisation=school, person=member)
        hamlet = hamlet_create_by_officer(
            actor=cast.officer_a, commune=cast.commune_a, name=f"Tổ {i + 10}", division_type="tổ dân phố"
        )
        population.population_set(actor=cast.officer_a, unit=hamlet, year=2024, people=i + 1, source="x")
