"""The named cast every test uses: one user per role and level, on real units of Sơn La.

- `province`: coordinator of Sơn La province (today's code 14)
- `officer_a`: commune officer of Phường Tô Hiệu (3646); `officer_b`: of Phường Chiềng Cơi (3670)
- `head_a`: head of the residential group "Tổ 1" in Tô Hiệu; `head_b`: of "Tổ 2" in Chiềng Cơi
- `citizen_a`: a citizen with an account, living in Tổ 1 (`person_a`); `person_b`: a citizen of Tổ 2
- `expert`, `secretariat`, `outsider` (no role), `admin` (superuser)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from learningcity.accounts.models import Role, RoleAssignment, User
from learningcity.frameworks.models import FrameworkVersion
from learningcity.frameworks.services import frameworks_seed
from learningcity.recognition import services
from learningcity.recognition.models import Campaign, Person
from learningcity.territory.models import Era, Level, Unit
from learningcity.territory.services import hamlet_create

PASSWORD = "correct horse battery staple"  # noqa: S105 - test accounts only
CITIZEN_FRAMEWORK = "vn.learning-citizen"
GOOD_ANSWERS = {
    "i1_1": 9,
    "i1_2": 8,
    "i1_3": 8,
    "i1_4": 9,
    "i2_1": 8,
    "i2_2": 7,
    "i2_3": 8,
    "i2_4": 8,
    "i3_1": 9,
    "i3_2": 9,
}


def current(level: str, code: str) -> Unit:
    return Unit.objects.get(era=Era.CURRENT, level=level, code=code)


@dataclass
class Cast:
    son_la: Unit
    commune_a: Unit
    commune_b: Unit
    hamlet_a: Unit
    hamlet_b: Unit
    province: User
    officer_a: User
    officer_b: User
    head_a: User
    head_b: User
    citizen_a: User
    expert: User
    secretariat: User
    outsider: User
    admin: User
    person_a: Person
    person_b: Person
    framework: FrameworkVersion
    campaign: Campaign


def user(username: str, role: str | None = None, unit: Unit | None = None, **extra: Any) -> User:
    account = User.objects.create_user(username=username, password=PASSWORD, **extra)
    if role is not None:
        RoleAssignment.objects.create(user=account, role=role, unit=unit)
    return account


def make_cast() -> Cast:
    son_la = current(Level.PROVINCE, "14")
    commune_a = current(Level.COMMUNE, "3646")  # Phường Tô Hiệu
    commune_b = current(Level.COMMUNE, "3670")  # Phường Chiềng Cơi
    hamlet_a = hamlet_create(commune=commune_a, name="Tổ 1", code="to-1", division_type="tổ dân phố")
    hamlet_b = hamlet_create(commune=commune_b, name="Tổ 2", code="to-2", division_type="tổ dân phố")
    province = user("province", Role.PROVINCE_COORDINATOR, son_la)
    officer_a = user("officer_a", Role.COMMUNE_OFFICER, commune_a)
    officer_b = user("officer_b", Role.COMMUNE_OFFICER, commune_b)
    head_a = user("head_a", Role.HAMLET_HEAD, hamlet_a)
    head_b = user("head_b", Role.HAMLET_HEAD, hamlet_b)
    citizen_a = user("citizen_a")
    expert = user("expert", Role.EXPERT_REVIEWER, None)
    secretariat = user("secretariat", Role.NETWORK_SECRETARIAT, None)
    outsider = user("outsider")
    admin = User.objects.create_superuser(username="admin", password=PASSWORD)
    person_a = services.person_register_self(
        user=citizen_a,
        unit=hamlet_a,
        full_name="Lò Thị Mai",
        consent=True,
        sex="F",
        birth_date=dt.date(1990, 5, 17),
        ethnicity="Thái",
        id_number="014190001234",
    )
    person_b = services.person_enrol(
        actor=head_b,
        unit=hamlet_b,
        full_name="Nguyễn Văn Bình",
        consent_confirmed=True,
        sex="M",
        birth_date=dt.date(1975, 1, 2),
        ethnicity="Kinh",
        id_number="014075009876",
    )
    (framework,) = [v for v in frameworks_seed() if v.code == CITIZEN_FRAMEWORK]
    today = timezone.localdate()
    campaign = services.campaign_create(
        actor=province,
        name="Công dân học tập",
        year=today.year,
        territory=son_la,
        frameworks=[framework],
        opens_on=today - dt.timedelta(days=30),
        submission_deadline=today + dt.timedelta(days=30),
        review_deadline=today + dt.timedelta(days=60),
    )
    return Cast(
        son_la,
        commune_a,
        commune_b,
        hamlet_a,
        hamlet_b,
        province,
        officer_a,
        officer_b,
        head_a,
        head_b,
        citizen_a,
        expert,
        secretariat,
        outsider,
        admin,
        person_a,
        person_b,
        framework,
        campaign,
    )
