from __future__ import annotations

import datetime as dt

from django.utils import timezone

from learningcity.accounts.models import AuditEntry, RoleAssignment, User
from learningcity.recognition.demo import DEMO_PASSWORD, demo_load
from learningcity.recognition.models import Assessment, Campaign, Certificate, Person, Status
from learningcity.territory.models import Level, Unit

SON_LA_WARDS = {"3646", "3664", "3670", "3679"}


def row_counts() -> dict[str, int]:
    models = (User, RoleAssignment, Person, Unit, Campaign, Assessment, Certificate, AuditEntry)
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
    campaign = Campaign.objects.get(is_demo=True)
    assert campaign.year == today.year
    assessments = Assessment.objects.filter(campaign=campaign)
    # The in-progress campaign holds every state of the citizen's path (appeals and revocations come with the
    # finished campaign of issue #3).
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

    before = row_counts()
    again = demo_load()
    assert row_counts() == before
    assert [login.username for login in again.logins] == usernames
