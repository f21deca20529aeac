"""Campaign rollover: next year's campaign from this year's subjects, never from its assessments; and the
per-framework deadlines and targets a campaign carries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from learningcity.accounts.models import AuditEntry
from learningcity.frameworks.services import framework_version_load
from learningcity.recognition import services
from learningcity.recognition.models import Assessment, Campaign, CampaignFramework, Evidence, Person, Status
from learningcity.recognition.officer_forms import CampaignForm
from learningcity.recognition.services import subjects
from learningcity.recognition.services.rollover import campaign_rollover

from ..cast import GOOD_ANSWERS, Cast
from .test_subjects import enrol, framework, household

NOTES = {code: "Giấy xác nhận" for code in GOOD_ANSWERS}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def next_year(cast: Cast, campaign: Campaign, actor: object = None, **extra: object) -> Campaign:
    year = campaign.year + 1
    return campaign_rollover(
        actor=actor or cast.province,  # type: ignore[arg-type]
        campaign=campaign,
        year=year,
        opens_on=dt.date(year, 3, 1),
        submission_deadline=dt.date(year, 9, 30),
        review_deadline=dt.date(year, 11, 30),
        **extra,  # type: ignore[arg-type]
    )


@pytest.fixture
def season(cast: Cast) -> Campaign:
    """This year's campaign for citizens and households, with targets, and subjects at every stage."""
    household_version = framework("household")
    community_version = framework("community")
    today = timezone.localdate()
    campaign = services.campaign_create(
        actor=cast.province,
        name=f"Xây dựng xã hội học tập {today.year}",
        year=today.year,
        territory=cast.son_la,
        frameworks=[cast.framework, household_version, community_version],
        opens_on=today - dt.timedelta(days=30),
        submission_deadline=today + dt.timedelta(days=30),
        review_deadline=today + dt.timedelta(days=60),
        targets={
            household_version.pk: {
                "target_rate": Decimal("0.70"),
                "target_source": "QĐ 387/QĐ-TTg",
                "submission_deadline": today + dt.timedelta(days=20),
                "review_deadline": today + dt.timedelta(days=50),
            },
            cast.framework.pk: {"target_rate": "0.65"},
        },
    )
    cast.hamlet_a.flags = {"disadvantaged_area": True}
    cast.hamlet_a.save()
    submitted = services.assessment_start(
        actor=cast.citizen_a, campaign=campaign, subject=cast.person_a, version=cast.framework, group="g1"
    )
    services.assessment_save(actor=cast.citizen_a, assessment=submitted, answers=GOOD_ANSWERS, notes=NOTES)
    services.evidence_attach(
        actor=cast.citizen_a,
        assessment=submitted,
        input_code="i1_1",
        upload=SimpleUploadedFile("a.png", PNG, content_type="image/png"),
    )
    services.assessment_submit(actor=cast.citizen_a, assessment=submitted)
    services.assessment_start(
        actor=cast.head_b, campaign=campaign, subject=cast.person_b, version=cast.framework, group="g2"
    )
    home = household(cast)
    services.assessment_start(actor=cast.head_a, campaign=campaign, subject=home, version=household_version)
    services.assessment_start(
        actor=cast.head_a, campaign=campaign, subject=cast.hamlet_a, version=community_version
    )
    # A person merged into another record since: the record kept carries on, the merged one does not.
    merged = enrol(cast, "Lò Văn Cũ")
    services.assessment_start(actor=cast.head_a, campaign=campaign, subject=merged, version=cast.framework)
    Person.objects.filter(pk=merged.pk).update(merged_into=cast.person_a)
    return campaign


def frozen(campaign: Campaign) -> list[tuple]:
    return list(
        Assessment.objects.filter(campaign=campaign)
        .order_by("pk")
        .values_list(
            "pk", "person", "household", "community", "status", "answers", "notes", "score", "updated_at"
        )
    )


def test_rollover_creates_one_fresh_draft_per_subject_and_copies_no_answers(
    cast: Cast, season: Campaign
) -> None:
    before = frozen(season)
    evidence = Evidence.objects.count()
    new = next_year(cast, season)
    drafts = list(Assessment.objects.filter(campaign=new).select_related("framework_version"))
    subjects_now = sorted((a.subject_kind, a.person_id or a.household_id or a.community_id) for a in drafts)
    home = season.assessments.get(subject_kind="household").household
    assert subjects_now == sorted(
        [
            ("person", cast.person_a.pk),
            ("person", cast.person_b.pk),
            ("household", home.pk),
            ("community", cast.hamlet_a.pk),
        ]
    )
    for draft in drafts:
        assert draft.status == Status.DRAFT and draft.review_stage == ""
        assert draft.answers == {} and draft.notes == {} and draft.rollups == {}
        assert not draft.evidence.exists() and draft.submitted_at is None and draft.last_reason == ""
        assert draft.result["level"] == draft.level and draft.level != ""
    mai = next(a for a in drafts if a.person_id == cast.person_a.pk)
    assert mai.group == "g1" and mai.unit == cast.hamlet_a
    # Scored as an empty form would be on her hamlet: the disadvantaged area's lower pass mark.
    assert mai.result["pass_mark"] == 70 and mai.score == 0
    binh = next(a for a in drafts if a.person_id == cast.person_b.pk)
    assert binh.result["pass_mark"] == 80
    assert frozen(season) == before and Evidence.objects.count() == evidence


def test_the_new_campaign_keeps_territory_frameworks_targets_and_relative_deadlines(
    cast: Cast, season: Campaign
) -> None:
    new = next_year(cast, season)
    assert (new.territory, new.year) == (cast.son_la, season.year + 1)
    assert new.name == f"Xây dựng xã hội học tập {season.year + 1}"
    assert (new.opens_on, new.submission_deadline, new.review_deadline) == (
        dt.date(new.year, 3, 1),
        dt.date(new.year, 9, 30),
        dt.date(new.year, 11, 30),
    )
    settings = {cf.framework_version.code: cf for cf in CampaignFramework.objects.filter(campaign=new)}
    assert set(settings) == {"vn.learning-citizen", "test.household", "test.community"}
    families = settings["test.household"]
    assert (families.target_rate, families.target_source) == (Decimal("0.7000"), "QĐ 387/QĐ-TTg")
    # Ten days before the campaign's deadlines, as it was this year.
    assert families.submission_deadline == dt.date(new.year, 9, 20)
    assert families.review_deadline == dt.date(new.year, 11, 20)
    assert settings["vn.learning-citizen"].target_rate == Decimal("0.6500")
    assert settings["vn.learning-citizen"].submission_deadline is None
    entry = AuditEntry.objects.get(action="campaign.rollover")
    assert entry.object_id == str(new.pk) and entry.data["from_campaign"] == season.pk
    assert sum(entry.data["drafts"].values()) == 4


def test_rollover_takes_the_latest_version_of_each_framework(cast: Cast, season: Campaign) -> None:
    newer = framework("household", "2")
    new = next_year(cast, season)
    assert newer in new.frameworks.all()
    assert not new.frameworks.filter(code="test.household", version="1").exists()
    (draft,) = Assessment.objects.filter(campaign=new, subject_kind="household")
    assert draft.framework_version == newer


def test_rollover_runs_a_fixed_number_of_queries_whatever_the_number_of_subjects(
    cast: Cast, season: Campaign
) -> None:
    with CaptureQueriesContext(connection) as few:
        next_year(cast, season)
    version = season.frameworks.get(code="test.household")
    for n in range(12):
        home = subjects.household_create(actor=cast.head_a, unit=cast.hamlet_a, name=f"Hộ số {n}")
        services.assessment_start(actor=cast.head_a, campaign=season, subject=home, version=version)
    with CaptureQueriesContext(connection) as many:
        next_year(cast, season, name="Đợt hai")
    assert Assessment.objects.filter(campaign__name="Đợt hai").count() == 4 + 12
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.parametrize("who", ["officer_a", "head_a", "citizen_a", "outsider", "expert"])
def test_rollover_is_for_province_coordinators_only(cast: Cast, season: Campaign, who: str) -> None:
    with pytest.raises(PermissionDenied):
        next_year(cast, season, actor=getattr(cast, who))
    assert Campaign.objects.count() == 2  # the cast's and this season's


def test_rollover_goes_forward_and_only_once(cast: Cast, season: Campaign) -> None:
    with pytest.raises(ValidationError) as same_year:
        campaign_rollover(
            actor=cast.province,
            campaign=season,
            year=season.year,
            opens_on=season.opens_on,
            submission_deadline=season.submission_deadline,
            review_deadline=season.review_deadline,
        )
    assert "year" in same_year.value.message_dict
    next_year(cast, season)
    with pytest.raises(ValidationError):
        next_year(cast, season)
    assert Campaign.objects.filter(year=season.year + 1).count() == 1


def test_rollover_refuses_deadlines_out_of_order_and_stores_nothing(cast: Cast, season: Campaign) -> None:
    year = season.year + 1
    with pytest.raises(ValidationError):
        campaign_rollover(
            actor=cast.province,
            campaign=season,
            year=year,
            opens_on=dt.date(year, 9, 1),
            submission_deadline=dt.date(year, 9, 5),  # the families' own deadline would fall before opening
            review_deadline=dt.date(year, 12, 1),
        )
    assert not Campaign.objects.filter(year=year).exists()
    assert Assessment.objects.count() == 5


# --------------------------------------------------------------------------------------------------------
# Per-framework targets and deadlines


def test_a_campaign_refuses_a_target_that_is_not_a_share(cast: Cast) -> None:
    today = timezone.localdate()
    for rate in ("70", "-0.1", "abc"):
        with pytest.raises(ValidationError):
            services.campaign_create(
                actor=cast.province,
                name="X",
                year=today.year,
                territory=cast.son_la,
                frameworks=[cast.framework],
                opens_on=today,
                submission_deadline=today,
                review_deadline=today,
                targets={cast.framework.pk: {"target_rate": rate}},
            )
    assert not Campaign.objects.filter(name="X").exists()


def test_a_campaign_without_targets_still_has_its_frameworks(cast: Cast) -> None:
    (setting,) = CampaignFramework.objects.filter(campaign=cast.campaign)
    assert setting.framework_version == cast.framework
    assert setting.target_rate is None and setting.submission_deadline is None and setting.target_source == ""


def test_the_campaign_form_reads_each_ticked_frameworks_target_as_a_share(cast: Cast) -> None:
    families = framework("household")
    year = timezone.localdate().year
    data = {
        "name": "Gia đình học tập",
        "year": year,
        "territory": cast.son_la.pk,
        "frameworks": [families.pk],
        "opens_on": f"{year}-01-01",
        "submission_deadline": f"{year}-09-30",
        "review_deadline": f"{year}-11-30",
        f"fw{families.pk}_target_rate": "70",
        f"fw{families.pk}_target_source": "QĐ 387/QĐ-TTg",
        f"fw{families.pk}_submission_deadline": f"{year}-09-15",
        f"fw{cast.framework.pk}_target_rate": "65",  # not ticked: not read
    }
    form = CampaignForm(data, user=cast.province)
    assert form.is_valid(), form.errors
    targets = form.targets()
    assert targets == {
        families.pk: {
            "target_rate": Decimal("0.7"),
            "target_source": "QĐ 387/QĐ-TTg",
            "submission_deadline": dt.date(year, 9, 15),
        }
    }
    fields = {name: value for name, value in form.cleaned_data.items() if not name.startswith("fw")}
    campaign = services.campaign_create(actor=cast.province, **fields, targets=targets)
    (setting,) = CampaignFramework.objects.filter(campaign=campaign)
    assert (setting.target_rate, setting.submission_deadline) == (Decimal("0.7000"), dt.date(year, 9, 15))
    assert (
        CampaignForm(dict(data, **{f"fw{families.pk}_target_rate": "120"}), user=cast.province).is_valid()
        is False
    )


FAMILY_WITH_ROLLUPS = """\
id: test.family-rollups
version: "1"
subject: household
title: {vi: "Gia đình thử", en: "Test family"}
sources:
  - {doc: "Test source"}
inputs:
  - {code: a, type: int, min: 0, max: 10, title: {vi: "Chỉ số A", en: "Indicator A"}}
rollups:
  - code: members
    title: {vi: "Số người", en: "Members"}
    over: person
    framework: vn.learning-citizen
    expr: "COUNT(*)"
    type: int
    when_empty: 0
levels:
  - {code: passed, title: {vi: "Đạt", en: "Passed"}, when: "members >= 1 AND COALESCE(a, 0) >= 5"}
otherwise: {code: not_yet, title: {vi: "Chưa đạt", en: "Not yet"}}
review_chain: [hamlet, commune]
"""


def test_rollover_computes_the_roll_ups_of_the_new_drafts_from_their_members(cast: Cast) -> None:
    family, _created = framework_version_load(text=FAMILY_WITH_ROLLUPS, source="test/family-rollups.yaml")
    today = timezone.localdate()
    campaign = services.campaign_create(
        actor=cast.province,
        name="Gia đình học tập",
        year=today.year,
        territory=cast.son_la,
        frameworks=[cast.framework, family],
        opens_on=today - dt.timedelta(days=30),
        submission_deadline=today + dt.timedelta(days=30),
        review_deadline=today + dt.timedelta(days=60),
    )
    home = household(cast)
    subjects.household_member_add(actor=cast.head_a, household=home, person=cast.person_a)
    subjects.household_member_add(actor=cast.head_a, household=home, person=enrol(cast, "Lò Văn Nam"))
    services.assessment_start(actor=cast.head_a, campaign=campaign, subject=home, version=family)
    new = next_year(cast, campaign)
    (draft,) = Assessment.objects.filter(campaign=new, subject_kind="household")
    assert draft.rollups == {"members": 2} and draft.level == "not_yet"
