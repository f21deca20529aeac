from __future__ import annotations

import datetime as dt

from django.db.models import F
from django.utils import timezone

from learningcity.accounts.models import AuditEntry, RoleAssignment, User
from learningcity.recognition.demo import DEMO_PASSWORD, demo_load
from learningcity.recognition.models import (
    Assessment,
    Campaign,
    Certificate,
    Clan,
    DecisionItem,
    Household,
    Organisation,
    Person,
    RecognitionDecision,
    Status,
    SubjectKind,
)
from learningcity.territory.models import Level, Unit

SON_LA_WARDS = {"3646", "3664", "3670", "3679"}


def row_counts() -> dict[str, int]:
    models = (
        User,
        RoleAssignment,
        Person,
        Unit,
        Campaign,
        Assessment,
        Certificate,
        AuditEntry,
        Household,
        Clan,
        Organisation,
        RecognitionDecision,
    )
    return {model.__name__: model.objects.count() for model in models}


def test_the_demo_city_holds_every_workflow_state_and_loads_only_once(db) -> None:  # noqa: ANN001
    messages: list[str] = []
    result = demo_load(progress=messages.append)
    assert messages

    # Sơn La's four wards, with hamlets below them, one of them flagged as disadvantaged.
    hamlets = Unit.objects.filter(level=Level.HAMLET, parent__code__in=SON_LA_WARDS)
    assert set(hamlets.values_list("parent__code", flat=True)) == SON_LA_WARDS
    assert {"Tổ 1", "Bản Hài"} <= set(hamlets.values_list("name", flat=True))
    assert [h.name for h in hamlets if h.flags.get("disadvantaged_area")] == ["Bản Co Pục"]

    # ~300 synthetic people, all labelled demo, Kinh and Thái, adults, on those hamlets.
    people = Person.objects.filter(is_demo=True)
    assert 280 <= people.count() <= 320
    assert not Person.objects.filter(is_demo=False).exists()
    assert set(people.values_list("ethnicity", flat=True)) == {"Kinh", "Thái"}
    assert set(people.values_list("unit__parent__code", flat=True)) == SON_LA_WARDS
    today = timezone.localdate()
    births = [b for b in people.values_list("birth_date", flat=True) if b is not None]
    assert len(births) == people.count()
    assert all(
        today - dt.timedelta(days=76 * 365) <= b <= today - dt.timedelta(days=18 * 365) for b in births
    )
    assert {"Lò", "Quàng", "Cầm", "Nguyễn"} <= {
        name.split()[0] for name in people.values_list("full_name", flat=True)
    }

    # The campaign of this year, with people in every state, reached through the real services.
    campaign = Campaign.objects.get(is_demo=True, year=today.year)
    assessments = Assessment.objects.filter(campaign=campaign)
    # The in-progress campaign holds every state of the citizen's path up to recognition.
    path = set(Status.values) - {Status.APPEALED, Status.REVOKED}
    assert set(assessments.values_list("status", flat=True)) == path
    submitted_at = set(assessments.filter(status=Status.SUBMITTED).values_list("review_stage", flat=True))
    assert submitted_at == {"hamlet", "commune"}
    assert all(a.last_reason for a in assessments.filter(status__in=[Status.RETURNED, Status.REJECTED]))
    recognised = assessments.filter(status=Status.RECOGNISED)
    assert Certificate.objects.filter(assessment__in=recognised).count() == recognised.count() > 0
    assert AuditEntry.objects.filter(action="assessment.return").exists()
    assert all(a.notes for a in assessments.exclude(status=Status.DRAFT))

    # One login per role, all with the documented password; everyone else cannot log in.
    usernames = [login.username for login in result.logins]
    assert usernames == [
        "demo-admin",
        "demo-province",
        "demo-commune",
        "demo-hamlet",
        "demo-citizen",
        "demo-expert",
        "demo-secretariat",
    ]
    for user in User.objects.filter(username__in=usernames):
        assert user.is_demo and user.check_password(DEMO_PASSWORD), user.username
    others = User.objects.exclude(username__in=usernames)
    assert others.exists() and not any(user.has_usable_password() for user in others)
    assert User.objects.get(username="demo-admin").is_superuser
    citizen = Assessment.objects.get(person__user__username="demo-citizen")
    assert citizen.status == Status.DRAFT

    # Last year's campaign is finished: every framework, every kind of subject, decided by numbered decisions.
    finished = Campaign.objects.get(is_demo=True, year=today.year - 1)
    assert finished.review_deadline < today
    last_year = Assessment.objects.filter(campaign=finished)
    assert set(last_year.values_list("subject_kind", flat=True)) == set(SubjectKind.values)
    assert not last_year.filter(status__in=[Status.DRAFT, Status.SUBMITTED, Status.RETURNED]).exists()
    assert {Status.RECOGNISED, Status.REJECTED, Status.APPEALED, Status.REVOKED} <= set(
        last_year.values_list("status", flat=True)
    )
    # Every recognition of last year came with a decision that lists it, and nothing else is listed.
    listed = set(
        DecisionItem.objects.filter(decision__campaign=finished).values_list("assessment", flat=True)
    )
    assert listed == set(
        last_year.filter(status__in=[Status.RECOGNISED, Status.REVOKED]).values_list("pk", flat=True)
    )
    assert (
        RecognitionDecision.objects.filter(campaign=finished).values("issuing_unit").distinct().count() == 5
    )
    # Households are made of people of one hamlet; clans of households of one ward.
    households = Household.objects.filter(is_demo=True)
    assert households.count() >= 60
    assert all(h.head_id and h.members.filter(pk=h.head_id).exists() for h in households)
    members = Person.objects.filter(household__in=households)
    assert members.count() == people.count() - 1  # everyone but the demo citizen, who lives alone
    assert not members.exclude(unit=F("household__unit")).exists()
    clans = Clan.objects.filter(is_demo=True)
    assert clans.count() >= 10
    assert not households.filter(clan__in=clans).exclude(unit__parent=F("clan__unit")).exists()
    assert Organisation.objects.filter(is_demo=True, is_reviewing_body=True).count() == 4
    # The share rules were computed from members: a recognised clan has at least 70% learning families.
    for clan in last_year.filter(subject_kind=SubjectKind.CLAN, status=Status.RECOGNISED):
        assert clan.rollups["learning_family_share"] >= 0.7

    before = row_counts()
    again = demo_load()
    assert row_counts() == before
    assert [login.username for login in again.logins] == usernames

    # The dashboards: figures for both years, rates over the (demo-scale) population, a public city page.
    from django.test import Client

    from learningcity.analytics.models import Dimension, RecognitionFigure
    from learningcity.analytics.services import figures_rebuild_all
    from learningcity.territory.models import PopulationFigure

    assert PopulationFigure.objects.filter(unit__code="3646", year=campaign.year).exists()
    figures_rebuild_all()
    province = Unit.objects.get(level=Level.PROVINCE, code="14", era="2025")
    citizen_rows = RecognitionFigure.objects.filter(
        unit=province, dimension=Dimension.ALL, framework_version__code="vn.learning-citizen"
    )
    assert sorted(citizen_rows.values_list("campaign__year", flat=True)) == [campaign.year - 1, campaign.year]
    finished = citizen_rows.get(campaign__year=campaign.year - 1)
    assert 0 < finished.recognised < finished.registered
    assert finished.population is None  # only the four demo wards have (demo-scale) figures
    ward = RecognitionFigure.objects.get(
        unit__code="3646",
        unit__era="2025",
        campaign__year=campaign.year - 1,
        dimension=Dimension.ALL,
        framework_version__code="vn.learning-citizen",
    )
    assert ward.population and 0.3 < ward.recognised / ward.population < 1
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get("/figures/city/son-la/").content.decode()
    assert "demo data" in page
    city_row = RecognitionFigure.objects.get(
        city__slug="son-la",
        campaign__year=campaign.year - 1,
        dimension=Dimension.ALL,
        framework_version__code="vn.learning-citizen",
    )
    assert f"<strong>{city_row.recognised}</strong>" in page
