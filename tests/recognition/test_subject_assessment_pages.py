"""The assessment page for subjects other than a citizen: households first, then clans, organisations and
communities.

The household of person_a (Lò Thị Mai, who has the account citizen_a) lives in Tổ 1 of Phường Tô Hiệu
(commune A): she is its head and edits it herself; head_a and officer_a may enter it on its behalf; a province
coordinator reads it; commune B's people (head_b, officer_b) and those without a role never find it (404).
The framework files here are small test files in the engine's format (docs/frameworks.md), not the official
criteria, so these tests do not change when the criteria do.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from learningcity.frameworks.models import FrameworkVersion
from learningcity.frameworks.services import framework_version_load
from learningcity.recognition import services
from learningcity.recognition.models import (
    Assessment,
    CampaignFramework,
    Clan,
    Evidence,
    Household,
    Organisation,
    OrganisationKind,
    OrganisationMembership,
    Person,
    Status,
)
from learningcity.text import fold

from ..cast import GOOD_ANSWERS, Cast
from .test_citizen_pages import tiny_png

# Two yes/no criteria (đạt / không đạt) and a number with a minimum; score = criteria met, out of 3.
HOUSEHOLD_FRAMEWORK = """\
id: test.learning-family
version: "1"
subject: household
title: {vi: "Gia đình học tập", en: "Learning family"}
sources: [{doc: "QĐ 448/QĐ-KHVN", note: "a test file, not the official criteria"}]
inputs:
  - code: c1_members_learn
    type: bool
    evidence: optional
    title: {vi: "Mọi thành viên đều học tập thường xuyên", en: "Every member keeps learning"}
  - code: c2_children_school
    type: bool
    title: {vi: "Trẻ em trong độ tuổi đều đi học", en: "Every child of school age goes to school"}
  - code: c3_books
    type: int
    min: 0
    max: 500
    pass_min: 20
    provisional: true
    title: {vi: "Số đầu sách trong gia đình", en: "Books in the home"}
derived:
  answered: "(c1_members_learn IS NOT NULL)::int + (c2_children_school IS NOT NULL)::int
    + (c3_books IS NOT NULL)::int"
  met: "COALESCE(c1_members_learn, FALSE)::int + COALESCE(c2_children_school, FALSE)::int
    + (short_count = 0)::int"
levels:
  - code: recognised
    title: {vi: "Đạt Gia đình học tập", en: "Meets the learning-family criteria"}
    when: "answered = 3 AND met = 3"
otherwise: {code: not_yet, title: {vi: "Chưa đạt", en: "Not yet met"}}
feedback: {score: met, pass_mark: 3, max_score: 3}
review_chain: [hamlet, commune]
certificate: {level: recognised, title: {vi: "Gia đình học tập", en: "Learning family"}}
"""
ALL_MET = {"c1_members_learn": "true", "c2_children_school": "true", "c3_books": "40"}
# A roll-up rule as the framework files write them (`rollups:`), for the page to show read-only.
ROLLUP_RULES = [
    {
        "code": "members_recognised",
        "title": {
            "vi": "Tỷ lệ thành viên là Công dân học tập",
            "en": "Share of members who are learning citizens",
        },
        "over": "person",
        "framework": "vn.learning-citizen",
        "expr": "AVG(CASE WHEN level = 'recognised' THEN 1.0 ELSE 0.0 END)",
        "type": "float",
        "when_empty": 0.0,
        "provisional": True,
    },
    {
        "code": "members_counted",
        "title": {"vi": "Số thành viên", "en": "Members counted"},
        "over": "person",
        "framework": "vn.learning-citizen",
        "expr": "COUNT(*)",
        "type": "int",
        "when_empty": 0,
        "provisional": False,
    },
]


def one_criterion_framework(subject: str, code: str, title: str) -> FrameworkVersion:
    """A framework of one đạt / không đạt criterion, for a clan, an organisation or a community."""
    text = "\n".join(
        [
            f"id: test.{code}",
            'version: "1"',
            f"subject: {subject}",
            f"title: {{vi: {title}, en: {title}}}",
            "sources: [{doc: test}]",
            "inputs:",
            "  - {code: c1, type: bool, title: {vi: Tiêu chí 1, en: Criterion 1}}",
            'levels: [{code: recognised, title: {vi: Đạt, en: Met}, when: "COALESCE(c1, FALSE)"}]',
            "otherwise: {code: not_yet, title: {vi: Chưa đạt, en: Not yet met}}",
            "review_chain: [commune]",
        ]
    )
    version, _created = framework_version_load(text=text, source=f"{code}.yaml")
    return version


@dataclass
class Households:
    framework: FrameworkVersion
    household_a: Household  # Tổ 1 (commune A), headed by person_a (citizen_a); person_a and member live in it
    member: Person  # Lò Văn Tú, enrolled by head_a, without an account
    household_b: Household  # Tổ 2 (commune B), headed by person_b


def household(unit, name: str, head: Person | None) -> Household:  # noqa: ANN001
    return Household.objects.create(unit=unit, name=name, name_folded=fold(name), head=head)


def households_for(cast: Cast) -> Households:
    """The household framework in the cast's campaign, and a household in each commune."""
    version, _created = framework_version_load(text=HOUSEHOLD_FRAMEWORK, source="test-learning-family.yaml")
    CampaignFramework.objects.create(campaign=cast.campaign, framework_version=version)
    household_a = household(cast.hamlet_a, "Hộ bà Lò Thị Mai", cast.person_a)
    member = services.person_enrol(
        actor=cast.head_a,
        unit=cast.hamlet_a,
        full_name="Lò Văn Tú",
        consent_confirmed=True,
        sex="M",
        birth_date=dt.date(2010, 3, 4),
    )
    Person.objects.filter(pk__in=[cast.person_a.pk, member.pk]).update(household=household_a)
    household_b = household(cast.hamlet_b, "Hộ ông Nguyễn Văn Bình", cast.person_b)
    Person.objects.filter(pk=cast.person_b.pk).update(household=household_b)
    return Households(version, household_a, member, household_b)


def household_assessment(cast: Cast, households: Households, actor: str = "citizen_a") -> Assessment:
    return services.assessment_start(
        actor=getattr(cast, actor),
        campaign=cast.campaign,
        subject=households.household_a,
        version=households.framework,
    )


def page(assessment: Assessment) -> str:
    return reverse("recognition:assessment", kwargs={"pk": assessment.pk})


def preview(assessment: Assessment) -> str:
    return reverse("recognition:assessment-preview", kwargs={"pk": assessment.pk})


@pytest.fixture(autouse=True)
def _english(client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def households(cast: Cast) -> Households:
    return households_for(cast)


# ---------------------------------------------------------------------------------------------------------
# The head of the household, on their own account


def test_the_page_names_the_household_and_where_it_lives(client: Client, cast: Cast, households) -> None:  # noqa: ANN001
    assessment = household_assessment(cast, households)
    client.force_login(cast.citizen_a)
    response = client.get(page(assessment))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Learning family: Hộ bà Lò Thị Mai" in html
    assert "Household:</span> <strong>Hộ bà Lò Thị Mai</strong> · Tổ 1, Phường Tô Hiệu" in html
    assert "on behalf of" not in html and 'data-editable="true"' in html


def test_yes_no_criteria_are_radios_and_numbers_are_number_inputs(
    client: Client,
    cast: Cast,
    households,  # noqa: ANN001
) -> None:
    assessment = household_assessment(cast, households)
    client.force_login(cast.citizen_a)
    html = client.get(page(assessment)).content.decode()
    for code in ("c1_members_learn", "c2_children_school"):
        assert f'type="radio" name="{code}" value="true"' in html
        assert f'type="radio" name="{code}" value="false"' in html
    assert 'type="number" name="c3_books"' in html and 'max="500"' in html
    assert "<legend>Every member keeps learning" in html and "Not met" in html
    # no citizen group in this framework, so no group field
    assert 'name="group"' not in html
    # the provisional criterion is marked, and the note explains the mark
    assert html.count('class="badge provisional"') == 2 and 'id="about-provisional"' in html


def test_the_head_saves_yes_no_answers_and_they_are_scored(
    client: Client,
    cast: Cast,
    households,  # noqa: ANN001
) -> None:
    assessment = household_assessment(cast, households)
    client.force_login(cast.citizen_a)
    data = {"c1_members_learn": "true", "c2_children_school": "false", "c3_books": "30", "action": "save"}
    response = client.post(page(assessment), data)
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.answers == {"c1_members_learn": True, "c2_children_school": False, "c3_books": 30}
    assert (assessment.score, assessment.level) == (2.0, "not_yet")
    assert not assessment.entered_on_behalf and assessment.entered_by == cast.citizen_a
    html = client.get(page(assessment)).content.decode()
    assert (
        'value="true" data-code="c1_members_learn" class="answer" id="id_c1_members_learn_0" checked' in html
    )
    assert (
        'value="false" data-code="c2_children_school" class="answer" id="id_c2_children_school_1" checked'
        in html
    )
    assert '<strong data-level="not_yet">Not yet met</strong>' in html


def test_all_criteria_met_scores_full_marks_and_submits_to_the_hamlet(
    client: Client,
    cast: Cast,
    households,  # noqa: ANN001
) -> None:
    assessment = household_assessment(cast, households)
    client.force_login(cast.citizen_a)
    response = client.post(page(assessment), {**ALL_MET, "action": "submit"})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert (assessment.score, assessment.level, assessment.result["passes"]) == (3.0, "recognised", True)
    assert (assessment.status, assessment.review_stage) == (Status.SUBMITTED, "hamlet")
    html = client.get(page(assessment)).content.decode()
    assert 'data-editable="false"' in html and "disabled" in html


def test_an_unanswered_criterion_blocks_the_submission_but_the_rest_is_saved(
    client: Client,
    cast: Cast,
    households,  # noqa: ANN001
) -> None:
    assessment = household_assessment(cast, households)
    client.force_login(cast.citizen_a)
    response = client.post(
        page(assessment), {"c1_members_learn": "true", "c3_books": "40", "action": "submit"}
    )
    assert response.status_code == 400
    assert "missing: c2_children_school" in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.status == Status.DRAFT
    assert assessment.answers == {"c1_members_learn": True, "c3_books": 40}


def test_a_value_that_is_not_a_choice_is_refused_on_its_field(
    client: Client,
    cast: Cast,
    households,  # noqa: ANN001
) -> None:
    assessment = household_assessment(cast, households)
    client.force_login(cast.citizen_a)
    response = client.post(page(assessment), {**ALL_MET, "c2_children_school": "maybe", "action": "save"})
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.answers == {}


def test_the_preview_scores_yes_no_answers(client: Client, cast: Cast, households) -> None:  # noqa: ANN001
    assessment = household_assessment(cast, households)
    client.force_login(cast.citizen_a)
    body = client.post(preview(assessment), ALL_MET).json()
    assert body == {
        "score": 3,
        "pass_mark": 3,
        "max_score": 3,
        "passes": True,
        "level": "recognised",
        "short": [],
        "errors": {},
    }
    body = client.post(preview(assessment), {**ALL_MET, "c1_members_learn": "false", "c3_books": "5"}).json()
    assert (body["score"], body["passes"], body["level"], body["short"]) == (
        1,
        False,
        "not_yet",
        ["c3_books"],
    )
    assessment.refresh_from_db()
    assert assessment.answers == {}  # nothing stored


def test_the_head_attaches_and_downloads_evidence(client: Client, cast: Cast, households) -> None:  # noqa: ANN001
    assessment = household_assessment(cast, households)
    client.force_login(cast.citizen_a)
    png = SimpleUploadedFile("so-theo-doi.png", tiny_png(), content_type="image/png")
    upload = reverse("recognition:evidence-upload", kwargs={"pk": assessment.pk})
    response = client.post(upload, {"input_code": "c1_members_learn", "file": png})
    assert response.status_code == 302
    evidence = Evidence.objects.get(assessment=assessment)
    assert client.get(reverse("recognition:evidence", kwargs={"pk": evidence.pk})).status_code == 200
    client.force_login(cast.officer_b)
    assert client.get(reverse("recognition:evidence", kwargs={"pk": evidence.pk})).status_code == 404


# ---------------------------------------------------------------------------------------------------------
# Others


@pytest.mark.parametrize("who", ["head_b", "officer_b", "expert", "outsider"])
def test_people_outside_commune_a_never_find_it(client: Client, cast: Cast, households, who: str) -> None:  # noqa: ANN001
    assessment = household_assessment(cast, households)
    client.force_login(getattr(cast, who))
    assert client.get(page(assessment)).status_code == 404
    assert client.post(page(assessment), {**ALL_MET, "action": "save"}).status_code == 404
    assert client.post(preview(assessment), ALL_MET).status_code == 404
    assessment.refresh_from_db()
    assert assessment.answers == {}


def test_the_hamlet_head_enters_it_on_the_households_behalf(
    client: Client,
    cast: Cast,
    households,  # noqa: ANN001
) -> None:
    assessment = household_assessment(cast, households)
    client.force_login(cast.head_a)
    html = client.get(page(assessment)).content.decode()
    assert "You are entering this on behalf of Hộ bà Lò Thị Mai." in html
    response = client.post(page(assessment), {**ALL_MET, "action": "save"})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.answers == {"c1_members_learn": True, "c2_children_school": True, "c3_books": 40}
    assert assessment.score == 3.0 and assessment.entered_on_behalf and assessment.entered_by == cast.head_a
    client.force_login(cast.citizen_a)
    html = client.get(page(assessment)).content.decode()
    assert "Entered on behalf of Hộ bà Lò Thị Mai by head_a." in html


def test_a_coordinator_reads_it_but_cannot_change_it(client: Client, cast: Cast, households) -> None:  # noqa: ANN001
    assessment = household_assessment(cast, households)
    client.force_login(cast.province)
    html = client.get(page(assessment)).content.decode()
    assert 'data-editable="false"' in html and 'value="save"' not in html
    assert client.post(page(assessment), {**ALL_MET, "action": "save"}).status_code == 403


def test_a_member_who_is_not_the_head_cannot_edit(client: Client, cast: Cast, households) -> None:  # noqa: ANN001
    # Make the household's head someone else: citizen_a is now only a member, and sees nothing of it.
    Household.objects.filter(pk=households.household_a.pk).update(head=households.member)
    assessment = household_assessment(cast, households, actor="head_a")
    client.force_login(cast.citizen_a)
    assert client.get(page(assessment)).status_code == 404


# ---------------------------------------------------------------------------------------------------------
# Members and roll-ups


def test_the_members_are_listed_with_their_own_status_as_far_as_the_reader_sees(
    client: Client,
    cast: Cast,
    households,  # noqa: ANN001
) -> None:
    assessment = household_assessment(cast, households)
    own = services.assessment_start(
        actor=cast.citizen_a,
        campaign=cast.campaign,
        subject=cast.person_a,
        version=cast.framework,
        group="g1",
    )
    services.assessment_save(actor=cast.citizen_a, assessment=own, answers=GOOD_ANSWERS)
    member_own = services.assessment_start(
        actor=cast.head_a,
        campaign=cast.campaign,
        subject=households.member,
        version=cast.framework,
        group="g1",
    )
    client.force_login(cast.head_a)
    html = client.get(page(assessment)).content.decode()
    assert 'Members <span class="muted">(2)</span>' in html
    assert 'Lò Thị Mai <span class="muted">· Head of the household</span>' in html
    assert "Lò Văn Tú" in html
    assert html.count('class="status status-draft" href="') == 2
    assert page(own) in html and page(member_own) in html
    # The head sees their own assessment, not the other member's.
    client.force_login(cast.citizen_a)
    html = client.get(page(assessment)).content.decode()
    assert page(own) in html and page(member_own) not in html
    assert "no assessment you can see" in html


def test_roll_up_values_are_shown_read_only_with_their_titles_and_marks(
    client: Client,
    cast: Cast,
    households,  # noqa: ANN001
) -> None:
    version = households.framework
    FrameworkVersion.objects.filter(pk=version.pk).update(spec={**version.spec, "rollups": ROLLUP_RULES})
    households.framework.refresh_from_db()
    assessment = household_assessment(cast, households)
    Assessment.objects.filter(pk=assessment.pk).update(rollups={"members_recognised": 0.5})
    client.force_login(cast.citizen_a)
    html = client.get(page(assessment)).content.decode()
    assert "From the members' results" in html
    assert "Computed from the members' results by the platform, not typed in" in html
    assert 'Share of members who are learning citizens <span class="small">(members: Citizen)</span>' in html
    assert '<dd data-rollup="members_recognised">0.50</dd>' in html
    assert "Members counted" in html and "not computed yet" in html
    # the roll-ups are not inputs of the form
    assert 'name="members_recognised"' not in html
    # one provisional input and one provisional roll-up
    assert html.count('class="badge provisional"') == 3


def test_a_roll_up_the_engine_computed_from_the_members_is_on_the_page(
    client: Client,
    cast: Cast,
    households,  # noqa: ANN001
) -> None:
    text = HOUSEHOLD_FRAMEWORK.replace("id: test.learning-family", "id: test.learning-family-rollup").replace(
        "derived:",
        """rollups:
  - code: members_learning
    title: {vi: "Tỷ lệ thành viên là công dân học tập", en: "Share of learning citizens"}
    over: person
    framework: vn.learning-citizen
    expr: "AVG(CASE WHEN passes THEN 1.0 ELSE 0.0 END)"
    type: float
    when_empty: 0.0
derived:""",
    )
    version, _created = framework_version_load(text=text, source="test-learning-family-rollup.yaml")
    CampaignFramework.objects.create(campaign=cast.campaign, framework_version=version)
    own = services.assessment_start(
        actor=cast.citizen_a,
        campaign=cast.campaign,
        subject=cast.person_a,
        version=cast.framework,
        group="g1",
    )
    services.assessment_save(actor=cast.citizen_a, assessment=own, answers=GOOD_ANSWERS)  # she passes
    assessment = services.assessment_start(
        actor=cast.citizen_a, campaign=cast.campaign, subject=households.household_a, version=version
    )
    assessment.refresh_from_db()
    assert assessment.rollups == {"members_learning": 0.5}  # one of the two members
    client.force_login(cast.citizen_a)
    html = client.get(page(assessment)).content.decode()
    assert "Share of learning citizens" in html
    assert '<dd data-rollup="members_learning">0.50</dd>' in html


# ---------------------------------------------------------------------------------------------------------
# Starting, and the home page of the household's head


def test_the_home_page_offers_the_head_their_households_assessment(
    client: Client,
    cast: Cast,
    households,  # noqa: ANN001
) -> None:
    client.force_login(cast.citizen_a)
    html = client.get("/").content.decode()
    assert "Your household: Hộ bà Lò Thị Mai" in html
    assert 'name="subject_kind" value="household"' in html
    assert f'name="subject_id" value="{households.household_a.pk}"' in html
    data = {
        "campaign": cast.campaign.pk,
        "framework_version": households.framework.pk,
        "subject_kind": "household",
        "subject_id": households.household_a.pk,
    }
    response = client.post(reverse("recognition:assessment-start"), data)
    assessment = Assessment.objects.get(household=households.household_a)
    assert response.status_code == 302 and response["Location"] == page(assessment)
    assert not assessment.entered_on_behalf
    html = client.get("/").content.decode()
    assert page(assessment) in html and "Continue the assessment" in html
    # The citizen's own offer is still their own self-assessment.
    assert "Start self-assessment" in html


def test_a_citizen_who_heads_no_household_is_offered_none(client: Client, cast: Cast, households) -> None:  # noqa: ANN001
    Household.objects.filter(pk=households.household_a.pk).update(head=households.member)
    client.force_login(cast.citizen_a)
    html = client.get("/").content.decode()
    assert "Your household" not in html and 'name="subject_kind"' not in html


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("head_a", 302),
        ("officer_a", 302),
        ("province", 403),
        ("officer_b", 404),
        ("head_b", 404),
        ("outsider", 404),
    ],
)
def test_officers_start_a_households_assessment_within_their_scope(
    client: Client,
    cast: Cast,
    households,  # noqa: ANN001
    who: str,
    status: int,
) -> None:
    client.force_login(getattr(cast, who))
    data = {
        "campaign": cast.campaign.pk,
        "framework_version": households.framework.pk,
        "subject_kind": "household",
        "subject_id": households.household_a.pk,
    }
    response = client.post(reverse("recognition:assessment-start"), data)
    assert response.status_code == status
    started = Assessment.objects.filter(household=households.household_a).first()
    if status == 302:
        assert started is not None and started.entered_on_behalf and response["Location"] == page(started)
    else:
        assert started is None


def test_a_framework_for_another_kind_of_subject_is_refused_with_a_message(
    client: Client,
    cast: Cast,
    households,  # noqa: ANN001
) -> None:
    client.force_login(cast.citizen_a)
    data = {
        "campaign": cast.campaign.pk,
        "framework_version": cast.framework.pk,  # the citizen framework
        "subject_kind": "household",
        "subject_id": households.household_a.pk,
    }
    response = client.post(reverse("recognition:assessment-start"), data, follow=True)
    assert "This framework does not assess this kind of subject." in response.content.decode()
    assert not Assessment.objects.filter(household=households.household_a).exists()


def test_a_subject_id_without_its_kind_is_a_bad_request(client: Client, cast: Cast, households) -> None:  # noqa: ANN001
    client.force_login(cast.citizen_a)
    data = {
        "campaign": cast.campaign.pk,
        "framework_version": households.framework.pk,
        "subject_id": households.household_a.pk,
    }
    assert client.post(reverse("recognition:assessment-start"), data).status_code == 400


def test_the_household_page_reads_a_fixed_number_of_queries(
    client: Client,
    cast: Cast,
    households,  # noqa: ANN001
    django_assert_max_num_queries,  # noqa: ANN001
) -> None:
    assessment = household_assessment(cast, households)
    client.force_login(cast.head_a)
    with django_assert_max_num_queries(12):
        client.get(page(assessment))
    for index in range(5):
        person = services.person_enrol(
            actor=cast.head_a, unit=cast.hamlet_a, full_name=f"Lò Văn Thêm {index}", consent_confirmed=True
        )
        Person.objects.filter(pk=person.pk).update(household=households.household_a)
    with django_assert_max_num_queries(12):
        assert "Lò Văn Thêm 4" in client.get(page(assessment)).content.decode()


# ---------------------------------------------------------------------------------------------------------
# Clans, organisations, communities


def test_a_clans_page_lists_its_households(client: Client, cast: Cast, households) -> None:  # noqa: ANN001
    version = one_criterion_framework("clan", "learning-clan", "Dòng họ học tập")
    CampaignFramework.objects.create(campaign=cast.campaign, framework_version=version)
    clan = Clan.objects.create(unit=cast.commune_a, name="Dòng họ Lò", name_folded=fold("Dòng họ Lò"))
    Household.objects.filter(pk=households.household_a.pk).update(clan=clan)
    assessment = services.assessment_start(
        actor=cast.officer_a, campaign=cast.campaign, subject=clan, version=version
    )
    client.force_login(cast.officer_a)
    html = client.get(page(assessment)).content.decode()
    assert (
        "Dòng họ học tập: Dòng họ Lò" in html
        and "Clan:</span> <strong>Dòng họ Lò</strong> · Phường Tô Hiệu" in html
    )
    assert 'Households <span class="muted">(1)</span>' in html and "Hộ bà Lò Thị Mai" in html
    assert 'type="radio" name="c1" value="true"' in html
    response = client.post(page(assessment), {"c1": "true", "action": "save"})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.answers == {"c1": True} and assessment.level == "recognised"
    # A hamlet head does not reach a commune's clan; the household's head neither.
    for who in ("head_a", "citizen_a", "officer_b"):
        client.force_login(getattr(cast, who))
        assert client.get(page(assessment)).status_code == 404


def test_an_organisations_page_lists_its_members_with_their_positions(client: Client, cast: Cast) -> None:
    version = one_criterion_framework("organisation", "learning-organisation", "Đơn vị học tập")
    CampaignFramework.objects.create(campaign=cast.campaign, framework_version=version)
    name = "Trường Tiểu học Tô Hiệu"
    school = Organisation.objects.create(
        unit=cast.commune_a, name=name, name_folded=fold(name), kind=OrganisationKind.SCHOOL
    )
    OrganisationMembership.objects.create(organisation=school, person=cast.person_a, position="Giáo viên")
    assessment = services.assessment_start(
        actor=cast.officer_a, campaign=cast.campaign, subject=school, version=version
    )
    client.force_login(cast.officer_a)
    html = client.get(page(assessment)).content.decode()
    assert f"Organisation:</span> <strong>{name}</strong>" in html
    assert 'Lò Thị Mai <span class="muted">· Giáo viên</span>' in html
    assert "You are entering this on behalf of Trường Tiểu học Tô Hiệu." in html


def test_a_communitys_page_names_the_commune_and_has_no_member_list(client: Client, cast: Cast) -> None:
    version = one_criterion_framework("community", "learning-community-commune", "Cộng đồng học tập")
    CampaignFramework.objects.create(campaign=cast.campaign, framework_version=version)
    assessment = services.assessment_start(
        actor=cast.officer_a, campaign=cast.campaign, subject=cast.commune_a, version=version
    )
    client.force_login(cast.officer_a)
    response = client.get(page(assessment))
    html = response.content.decode()
    assert "Cộng đồng học tập: Phường Tô Hiệu" in html
    assert "Community:</span> <strong>Phường Tô Hiệu</strong></p>" in html  # the province is not repeated
    assert response.context["members"] is None
    client.force_login(cast.head_a)
    assert client.get(page(assessment)).status_code == 404


def test_an_officer_starts_a_community_assessment_from_the_start_form(client: Client, cast: Cast) -> None:
    version = one_criterion_framework("community", "learning-community-hamlet", "Cộng đồng học tập thôn")
    CampaignFramework.objects.create(campaign=cast.campaign, framework_version=version)
    data = {
        "campaign": cast.campaign.pk,
        "framework_version": version.pk,
        "subject_kind": "community",
        "subject_id": cast.hamlet_a.pk,
    }
    client.force_login(cast.officer_b)
    assert client.post(reverse("recognition:assessment-start"), data).status_code == 404
    client.force_login(cast.head_a)
    response = client.post(reverse("recognition:assessment-start"), data)
    assessment = Assessment.objects.get(community=cast.hamlet_a)
    assert response.status_code == 302 and response["Location"] == page(assessment)
    html = client.get(page(assessment)).content.decode()
    assert "Community:</span> <strong>Tổ 1</strong> · Phường Tô Hiệu" in html
