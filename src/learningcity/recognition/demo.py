"""The demo city: Sơn La's four wards with synthetic, clearly labelled people and a campaign in progress.

Everything is built through the real services (enrolment, registration, campaign, self-assessment, review,
certification), so the demo exercises the same rules, permissions and audit log as real use; nothing writes a
workflow status directly. The data are generated from a fixed seed, so every run builds the same city, and a
second run finds everything in place and creates nothing.

Every demo person and account has `is_demo=True`; the demo campaign too. Demo people who never log in get an
unusable password (hashing ~300 passwords would take minutes); the logins printed at the end share one
documented password.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from learningcity.accounts import policy
from learningcity.accounts.models import Role, RoleAssignment, User
from learningcity.frameworks.models import FrameworkVersion
from learningcity.frameworks.services import frameworks_seed
from learningcity.territory.models import Era, LearningCity, LearningCityUnit, Level, PopulationFigure, Unit
from learningcity.territory.officer_services import hamlet_create_by_officer
from learningcity.territory.population import population_set
from learningcity.territory.services import learning_cities_seed, territory_load_official
from learningcity.text import fold

from . import demo_last_year, services
from .models import Assessment, Campaign, Clan, Household, Organisation, Person, Sex

Progress = Callable[[str], None]

DEMO_PASSWORD = "hoctap-demo-2026"  # noqa: S105 - documented demo password, printed for the user
SEED = 2026
CITY_SLUG = "son-la"
PROVINCE_CODE = "14"  # Tỉnh Sơn La, today's code
FRAMEWORK_CODE = "vn.learning-citizen"
PEOPLE_PER_HAMLET = 12

# The four wards that were Sơn La city, with the hamlets (bản) and residential groups (tổ dân phố) the demo
# gives them. Names are plausible, not an official list. (commune code, ward slug, [hamlet names]).
WARDS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("3646", "to-hieu", ("Tổ 1", "Tổ 2", "Tổ 3", "Tổ 4", "Tổ 5", "Tổ 6", "Bản Cọ", "Bản Hẹo")),
    ("3664", "chieng-an", ("Tổ 1", "Tổ 2", "Tổ 3", "Bản Hài", "Bản Phiêng Ngần", "Bản Lay")),
    ("3670", "chieng-coi", ("Tổ 1", "Tổ 2", "Bản Bó", "Bản Hốc", "Bản Púng")),
    ("3679", "chieng-sinh", ("Tổ 1", "Tổ 2", "Tổ 3", "Bản Noong Đúc", "Bản Sàng", "Bản Co Pục")),
)
# A remote ethnic-minority hamlet: its citizens pass at 70 points instead of 80.
DISADVANTAGED = ("3679", "Bản Co Pục")

# Names are written as space-separated words (every name part here is one word).
KINH_FAMILY = tuple("Nguyễn Trần Lê Phạm Hoàng Vũ Đặng Bùi Đỗ Ngô Dương Đinh".split())
KINH_MIDDLE: dict[str, tuple[str, ...]] = {
    Sex.MALE: tuple("Văn Đức Minh Quang Hữu Xuân".split()),
    Sex.FEMALE: tuple("Thị Thu Ngọc Thanh".split()),
}
KINH_GIVEN: dict[str, tuple[str, ...]] = {
    Sex.MALE: tuple("An Bình Cường Dũng Hùng Hải Long Nam Phong Quân Sơn Thắng Tuấn Việt Khánh Toàn".split()),
    Sex.FEMALE: tuple(
        "Anh Hà Hằng Hoa Hương Lan Linh Mai Nga Nhung Phương Thảo Trang Yến Hạnh Huyền".split()
    ),
}
# Thái family names of Sơn La; given names mix Thái ones (Ún, Khăm, Ón, Piêng…) with common Vietnamese ones.
THAI_FAMILY = tuple("Lò Quàng Cầm Lường Tòng Vì Điêu Hà Lù Sa".split())
THAI_MIDDLE: dict[str, tuple[str, ...]] = {Sex.MALE: ("Văn",), Sex.FEMALE: ("Thị",)}
THAI_GIVEN: dict[str, tuple[str, ...]] = {
    Sex.MALE: tuple("Ún Xiển Khăm Pọm Panh Sương Thoong Hặc Chiến Quyết Tiến Ngoan Biên Hiêng".split()),
    Sex.FEMALE: tuple("Ón Piêng Bun Hom Ươi Xuân Lả Pánh Dịu Ánh Ngân Ọn Xoan Lự".split()),
}

# What people write as evidence (minh chứng), per indicator.
EVIDENCE_NOTES = {
    "i1_1": (
        "Đọc báo Sơn La hằng ngày; có thẻ thư viện tỉnh",
        "Theo dõi thời sự trên VTV1 và ứng dụng báo điện tử",
    ),
    "i1_2": (
        "Kế hoạch học tập năm nay có xác nhận của tổ trưởng",
        "Đăng ký lớp kỹ thuật trồng cà phê của xã",
    ),
    "i1_3": ("Thành viên câu lạc bộ xòe Thái của bản", "Giấy xác nhận sinh hoạt tại nhà văn hóa tổ dân phố"),
    "i1_4": (
        "Con đạt học sinh giỏi cấp tỉnh; gia đình học tập năm trước",
        "Hướng dẫn đồng nghiệp dùng phần mềm",
    ),
    "i2_1": ("Chứng chỉ ứng dụng công nghệ thông tin cơ bản", "Dùng dịch vụ công trực tuyến và VNeID"),
    "i2_2": (
        "Học tiếng Anh giao tiếp tại trung tâm GDNN-GDTX",
        "Giao tiếp được tiếng Thái, tiếng Việt, tiếng Trung",
    ),
    "i2_3": ("Ghi chép sổ sách thu chi của hộ kinh doanh", "Tính toán chi phí, lãi lỗ vụ ngô, vụ cà phê"),
    "i2_4": ("Góp ý dự thảo quy ước tại hội nghị tổ dân phố", "Sáng kiến cải tiến được công nhận cấp cơ sở"),
    "i3_1": ("Hòa giải viên ở cơ sở", "Gia đình văn hóa nhiều năm liền, không vi phạm quy ước của bản"),
    "i3_2": ("Tham gia làm đường giao thông nông thôn", "Thành viên tổ hợp tác sản xuất rau an toàn"),
}
RETURN_REASONS = (
    "Cần bổ sung minh chứng cho chỉ số 1.2: kế hoạch học tập chưa có xác nhận.",
    "Điểm tự đánh giá chỉ số 2.2 (ngoại ngữ) chưa khớp với minh chứng; đề nghị xem lại.",
    "Đề nghị ghi rõ tên câu lạc bộ đã tham gia ở chỉ số 1.3.",
)
REJECT_REASONS_LOW = (
    "Tổng điểm chưa đạt mức công nhận; hẹn đánh giá lại vào đợt sau.",
    "Có chỉ số dưới 5 điểm nên chưa đủ điều kiện công nhận.",
)
REJECT_REASONS_EVIDENCE = ("Minh chứng không xác thực được (đã xác minh với tổ dân phố).",)

# How the ~300 people stand in the campaign: (target, how many), the rest have not started.
PLAN: tuple[tuple[str, int], ...] = (
    ("draft", 45),
    ("submitted_hamlet", 40),
    ("submitted_commune", 35),
    ("returned", 20),
    ("rejected", 12),
    ("approved", 33),
    ("recognised", 70),
)


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    unit: str


@dataclass
class DemoLogins:
    """What the demo built: its logins (one per role, one shared password) and a short summary."""

    password: str
    logins: list[DemoLogin]
    city: str = ""
    campaign: str = ""
    people: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    finished: str = ""


@dataclass
class _Ward:
    unit: Unit
    slug: str
    officer: User
    hamlets: list[tuple[Unit, User]]


def demo_load(*, progress: Progress | None = None) -> DemoLogins:
    """Load (or find in place) the demo city; returns its logins. Idempotent: a second run creates nothing."""
    say = progress or (lambda _message: None)
    say("official territory (first run only)")
    territory_load_official(progress=say)
    learning_cities_seed()
    say("frameworks")
    shipped = frameworks_seed()
    versions = [v for v in shipped if v.code == FRAMEWORK_CODE]
    if not versions:
        raise RuntimeError(f"The framework {FRAMEWORK_CODE} is not among the shipped framework files.")
    version = versions[0]
    password_hash = make_password(DEMO_PASSWORD)
    rng = random.Random(SEED)
    with transaction.atomic():
        say("accounts, wards and hamlets of Sơn La")
        province = Unit.objects.get(era=Era.CURRENT, level=Level.PROVINCE, code=PROVINCE_CODE)
        staff = _staff(province, password_hash)
        wards = _wards(password_hash)
        say("demo people")
        people = _people(rng, province, wards)
        citizen = _demo_citizen(wards[0], password_hash)
        say("campaign and self-assessments")
        campaign = _campaign(staff["province"], province, version)
        if campaign is not None:
            _assessments(rng, campaign, version, wards, people)
            _citizen_draft(campaign, version, citizen)
        else:
            campaign = _existing_campaign(province)
        say("households, clans, organisations")
        place = demo_last_year.Place(
            coordinator=staff["province"],
            hamlet_heads={hamlet.pk: head for ward in wards for hamlet, head in ward.hamlets},
            ward_officers={ward.unit.pk: ward.officer for ward in wards},
            signers={
                ward.unit.pk: signer for ward, signer in zip(wards, demo_last_year.SIGNERS, strict=True)
            },
        )
        ward_units = [ward.unit for ward in wards]
        found = demo_last_year.subjects_build(random.Random(f"{SEED}:subjects"), place, ward_units, people)
        demo_last_year.last_year_campaign(
            rng=random.Random(f"{SEED}:last-year"),
            place=place,
            province=province,
            wards=ward_units,
            hamlets=[hamlet for ward in wards for hamlet, _head in ward.hamlets],
            people=people,
            subjects_=found,
            versions=shipped,
            say=say,
        )
        say("population figures (demo scale)")
        _population(staff["admin"], ward_units, [campaign.year - 1, campaign.year] if campaign else [])
    city = LearningCity.objects.get(slug=CITY_SLUG)
    finished = (
        Campaign.objects.filter(is_demo=True, territory=province, year__lt=campaign.year)
        .order_by("-year")
        .first()
        if campaign
        else None
    )
    rows = Assessment.objects.filter(campaign=campaign, person__is_demo=True).values_list(
        "status", "review_stage"
    )
    counts = Counter(f"{status} at {stage}" if stage else status for status, stage in rows)
    statuses = {key: counts[key] for key in sorted(counts, key=_workflow_order)}
    home_ward, (home_hamlet, home_head) = wards[0], wards[0].hamlets[0]
    logins = [
        DemoLogin("administrator (superuser)", staff["admin"].username, ""),
        DemoLogin("province coordinator", staff["province"].username, province.name),
        DemoLogin("commune officer", home_ward.officer.username, home_ward.unit.name),
        DemoLogin("hamlet head", home_head.username, f"{home_hamlet.name}, {home_ward.unit.name}"),
        DemoLogin(
            "citizen, self-assessment in draft",
            citizen.user.username if citizen.user else "",
            f"{citizen.unit.name}, {home_ward.unit.name}",
        ),
        DemoLogin("expert reviewer", staff["expert"].username, ""),
        DemoLogin("network secretariat", staff["secretariat"].username, ""),
    ]
    return DemoLogins(
        password=DEMO_PASSWORD,
        logins=logins,
        city=city.name,
        campaign=str(campaign) if campaign else "",
        people=Person.objects.filter(is_demo=True, unit__path__startswith=province.path).count(),
        statuses=dict(statuses),
        finished=demo_last_year.last_year_summary(finished) if finished else "",
    )


DEMO_POPULATION_SOURCE = "Số liệu demo theo quy mô dữ liệu demo, không phải số liệu thống kê"


def _population(admin: User, wards: list[Unit], years: list[int]) -> None:
    """Population figures for the demo wards and hamlets, scaled to the demo data (a real ward has thousands
    of adults; the demo has dozens), so that rates over the population read as believable."""
    for unit in Unit.objects.filter(Q(pk__in=[w.pk for w in wards]) | Q(parent__in=wards)):
        within = {"unit__path__startswith": unit.path}
        counts = {
            "people": Person.objects.filter(**within).count(),
            "households": Household.objects.filter(**within).count(),
            "clans": Clan.objects.filter(**within).count(),
            "organisations": Organisation.objects.filter(**within).count(),
        }
        hamlets = (
            Unit.objects.filter(parent=unit, level=Level.HAMLET).count() if unit.level != Level.HAMLET else 1
        )
        for year in years:
            if PopulationFigure.objects.filter(unit=unit, year=year).exists():
                continue  # a second run creates nothing
            population_set(
                actor=admin,
                unit=unit,
                year=year,
                source=DEMO_POPULATION_SOURCE,
                people=round(counts["people"] * 1.35),
                adults=round(counts["people"] * 1.12),
                households=round(counts["households"] * 1.1),
                clans=counts["clans"] + 1,
                hamlets=hamlets,
                organisations=counts["organisations"] + 2,
            )


def _workflow_order(key: str) -> int:
    status, _at, stage = key.partition(" at ")
    order = ["draft", "submitted", "returned", "rejected", "approved", "recognised"]
    stages = ["hamlet", "commune", "province"]
    return order.index(status) * 10 + (stages.index(stage) if stage in stages else 0)


# ------------------------------------------------------------------------------------------------------------
# Accounts and territory


def _account(username: str, password_hash: str | None, *, full_name: str = "", **extra: object) -> User:
    """A demo account: the shared demo password for the printed logins, an unusable one for everyone else."""
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user
    family, _sep, given = full_name.rpartition(" ")
    user = User(username=username, is_demo=True, first_name=given, last_name=family, **extra)
    if password_hash is None:
        user.set_unusable_password()
    else:
        user.password = password_hash
    user.save()
    return user


def _grant(user: User, role: str, unit: Unit | None) -> None:
    RoleAssignment.objects.get_or_create(user=user, role=role, unit=unit)
    policy.forget(user)


def _staff(province: Unit, password_hash: str) -> dict[str, User]:
    admin = _account("demo-admin", password_hash, full_name="Quản trị Demo", is_staff=True, is_superuser=True)
    coordinator = _account("demo-province", password_hash, full_name="Lường Văn Thành")
    _grant(coordinator, Role.PROVINCE_COORDINATOR, province)
    expert = _account("demo-expert", password_hash, full_name="Trần Thị Minh")
    _grant(expert, Role.EXPERT_REVIEWER, None)
    secretariat = _account("demo-secretariat", password_hash, full_name="Phạm Quang Huy")
    _grant(secretariat, Role.NETWORK_SECRETARIAT, None)
    return {"admin": admin, "province": coordinator, "expert": expert, "secretariat": secretariat}


def _wards(password_hash: str) -> list[_Ward]:
    city = LearningCity.objects.get(slug=CITY_SLUG)
    derived = {
        m.unit.code: m.unit
        for m in city.memberships.filter(basis=LearningCityUnit.Basis.DERIVED).select_related("unit")
    }
    wards = []
    for index, (code, slug, hamlet_names) in enumerate(WARDS):
        if code not in derived:
            raise RuntimeError(f"Commune {code} is not among today's units of the {CITY_SLUG} learning city.")
        ward = derived[code]
        officer = _account(
            "demo-commune" if index == 0 else f"demo-commune-{slug}",
            password_hash if index == 0 else None,
            full_name=("Hoàng Thị Lan", "Cầm Văn Khánh", "Nguyễn Đức Toàn", "Quàng Thị Hoa")[index],
        )
        _grant(officer, Role.COMMUNE_OFFICER, ward)
        hamlets = []
        for position, name in enumerate(hamlet_names):
            hamlet = _hamlet(officer, ward, name, disadvantaged=(code, name) == DISADVANTAGED)
            first = index == 0 and position == 0
            # A generator of its own per hamlet, so the heads' names do not shift the people generated later.
            named = random.Random(f"{SEED}:{code}:{name}")
            sex = named.choice((Sex.MALE, Sex.FEMALE))
            head = _account(
                "demo-hamlet" if first else f"demo-hamlet-{slug}-{hamlet.code}",
                password_hash if first else None,
                full_name=_name(named, "Kinh" if name.startswith("Tổ") else "Thái", sex),
            )
            _grant(head, Role.HAMLET_HEAD, hamlet)
            hamlets.append((hamlet, head))
        wards.append(_Ward(ward, slug, officer, hamlets))
    return wards


def _hamlet(officer: User, ward: Unit, name: str, *, disadvantaged: bool) -> Unit:
    """The ward's hamlet of this name, created by its commune officer as on the officer's pages."""
    existing = Unit.objects.filter(parent=ward, level=Level.HAMLET, name_folded=fold(name)).first()
    if existing is not None:
        return existing
    return hamlet_create_by_officer(
        actor=officer,
        commune=ward,
        name=name,
        division_type="tổ dân phố" if name.startswith("Tổ") else "bản",
        disadvantaged_area=disadvantaged,
    )


# ------------------------------------------------------------------------------------------------------------
# People


def _name(rng: random.Random, ethnicity: str, sex: str) -> str:
    if ethnicity == "Thái":
        family, middle, given = THAI_FAMILY, THAI_MIDDLE[sex], THAI_GIVEN[sex]
    else:
        family, middle, given = KINH_FAMILY, KINH_MIDDLE[sex], KINH_GIVEN[sex]
    return f"{rng.choice(family)} {rng.choice(middle)} {rng.choice(given)}"


def _birth_date(rng: random.Random, today: dt.date) -> dt.date:
    age = rng.randint(18, 75)
    return today - dt.timedelta(days=age * 365 + rng.randint(30, 330))


def _people(rng: random.Random, province: Unit, wards: list[_Ward]) -> list[Person]:
    """About 300 synthetic people, some with an account of their own (self-registered), most enrolled by their
    hamlet head; an existing demo population is kept as it is."""
    existing = list(
        Person.objects.filter(is_demo=True, unit__path__startswith=province.path)
        .exclude(user__username="demo-citizen")
        .select_related("unit", "user")
        .order_by("pk")
    )
    if existing:
        return existing
    today = timezone.localdate()
    people: list[Person] = []
    serial = 0
    for ward in wards:
        for hamlet, head in ward.hamlets:
            is_ban = hamlet.division_type == "bản"
            for _ in range(PEOPLE_PER_HAMLET):
                serial += 1
                ethnicity = "Thái" if rng.random() < (0.85 if is_ban else 0.35) else "Kinh"
                sex = Sex.FEMALE if rng.random() < 0.52 else Sex.MALE
                name, birth_date = _name(rng, ethnicity, sex), _birth_date(rng, today)
                if rng.random() < 0.3:
                    user = _account(f"demo-citizen-{serial:03d}", None, full_name=name)
                    person = services.person_register_self(
                        user=user,
                        unit=hamlet,
                        full_name=name,
                        consent=True,
                        sex=sex,
                        birth_date=birth_date,
                        ethnicity=ethnicity,
                    )
                    Person.objects.filter(pk=person.pk).update(is_demo=True)
                    person.is_demo = True
                else:
                    person = services.person_enrol(
                        actor=head,
                        unit=hamlet,
                        full_name=name,
                        consent_confirmed=True,
                        sex=sex,
                        birth_date=birth_date,
                        ethnicity=ethnicity,
                        is_demo=True,
                    )
                people.append(person)
    return people


def _demo_citizen(ward: _Ward, password_hash: str) -> Person:
    user = _account("demo-citizen", password_hash, full_name="Lò Thị Hương")
    person = Person.objects.filter(user=user).first()
    if person is None:
        person = services.person_register_self(
            user=user,
            unit=ward.hamlets[0][0],
            full_name="Lò Thị Hương",
            consent=True,
            sex=Sex.FEMALE,
            birth_date=dt.date(1992, 8, 14),
            ethnicity="Thái",
        )
        Person.objects.filter(pk=person.pk).update(is_demo=True)
        person.is_demo = True
    return person


# ------------------------------------------------------------------------------------------------------------
# The campaign and its assessments


def _existing_campaign(province: Unit) -> Campaign | None:
    return Campaign.objects.filter(is_demo=True, territory=province).order_by("-year", "-pk").first()


def _campaign(coordinator: User, province: Unit, version: FrameworkVersion) -> Campaign | None:
    """This year's demo campaign, created by the province coordinator; None when it is already there."""
    today = timezone.localdate()
    if Campaign.objects.filter(is_demo=True, territory=province, year=today.year).exists():
        return None
    return services.campaign_create(
        actor=coordinator,
        name=f"Công dân học tập năm {today.year} – Thành phố học tập Sơn La",
        year=today.year,
        territory=province,
        frameworks=[version],
        opens_on=today - dt.timedelta(days=40),
        submission_deadline=today + dt.timedelta(days=35),
        review_deadline=today + dt.timedelta(days=70),
        is_demo=True,
    )


def _answers(rng: random.Random, codes: list[str], *, passing: bool, pass_mark: int) -> dict[str, int]:
    """Answers that pass (every indicator ≥ 6, total at the pass mark or above) or clearly do not."""
    while True:
        if passing:
            values = [rng.choice((6, 7, 8, 8, 9, 9, 10)) for _ in codes]
            if sum(values) >= pass_mark:
                return dict(zip(codes, values, strict=True))
        else:
            values = [rng.choice((3, 4, 5, 6, 6, 7, 7, 8)) for _ in codes]
            if sum(values) < pass_mark or min(values) < 5:
                return dict(zip(codes, values, strict=True))


def _notes(rng: random.Random, codes: list[str]) -> dict[str, str]:
    return {code: rng.choice(EVIDENCE_NOTES.get(code, ("Giấy xác nhận của tổ dân phố",))) for code in codes}


def _assessments(
    rng: random.Random,
    campaign: Campaign,
    version: FrameworkVersion,
    wards: list[_Ward],
    people: list[Person],
) -> None:
    """Walk each person to their planned place in the workflow, through the real services."""
    codes = [item["code"] for item in version.inputs]
    groups = [g["code"] for g in version.spec.get("groups", [])] or [""]
    heads = {hamlet.pk: head for ward in wards for hamlet, head in ward.hamlets}
    officers = {hamlet.pk: ward.officer for ward in wards for hamlet, _head in ward.hamlets}
    flagged = {
        hamlet.pk
        for ward in wards
        for hamlet, _head in ward.hamlets
        if hamlet.flags.get("disadvantaged_area")
    }
    order = list(people)
    rng.shuffle(order)
    targets = [target for target, count in PLAN for _ in range(count)]
    for person, target in zip(order, targets, strict=False):
        head, officer = heads[person.unit_id], officers[person.unit_id]
        actor = person.user if person.user is not None else head
        pass_mark = 70 if person.unit_id in flagged else 80
        group = _group(rng, groups, person)
        assessment = services.assessment_start(
            actor=actor, campaign=campaign, subject=person, version=version, group=group
        )
        if target == "draft":
            answered = rng.sample(codes, rng.randint(3, len(codes) - 1))
            answers = _answers(rng, answered, passing=True, pass_mark=0)
            services.assessment_save(
                actor=actor, assessment=assessment, answers=answers, notes=_notes(rng, answered)
            )
            continue
        fails = target == "rejected" and rng.random() < 0.6
        answers = _answers(rng, codes, passing=not fails, pass_mark=pass_mark)
        services.assessment_save(
            actor=actor, assessment=assessment, answers=answers, notes=_notes(rng, codes)
        )
        assessment = services.assessment_submit(actor=actor, assessment=assessment)
        if target == "submitted_hamlet":
            continue
        if target == "rejected" and fails:
            reason = rng.choice(REJECT_REASONS_LOW)
            services.assessment_review(actor=head, assessment=assessment, decision="reject", reason=reason)
            continue
        if target == "returned" and rng.random() < 0.6:
            reason = rng.choice(RETURN_REASONS)
            services.assessment_review(actor=head, assessment=assessment, decision="return", reason=reason)
            continue
        if target == "recognised" and rng.random() < 0.15:
            # Some were returned once, corrected and resubmitted: their audit trail shows the round trip.
            reason = rng.choice(RETURN_REASONS)
            services.assessment_review(actor=head, assessment=assessment, decision="return", reason=reason)
            services.assessment_save(
                actor=actor, assessment=assessment, answers=answers, notes=_notes(rng, codes)
            )
            assessment = services.assessment_submit(actor=actor, assessment=assessment)
        assessment = services.assessment_review(actor=head, assessment=assessment, decision="approve")
        if target == "submitted_commune":
            continue
        if target == "returned":
            reason = rng.choice(RETURN_REASONS)
            services.assessment_review(actor=officer, assessment=assessment, decision="return", reason=reason)
            continue
        if target == "rejected":
            reason = rng.choice(REJECT_REASONS_EVIDENCE)
            services.assessment_review(actor=officer, assessment=assessment, decision="reject", reason=reason)
            continue
        assessment = services.assessment_review(actor=officer, assessment=assessment, decision="approve")
        if target == "recognised":
            services.assessment_certify(actor=officer, assessment=assessment)


def _group(rng: random.Random, groups: list[str], person: Person) -> str:
    """Citizen group: farmers (g1) mostly in the bản, workers (g2) and officials (g3) mostly in town."""
    if groups == [""]:
        return ""
    weights = (0.6, 0.3, 0.1) if person.unit.division_type == "bản" else (0.15, 0.5, 0.35)
    return rng.choices(groups[:3], weights=weights[: len(groups[:3])])[0]


def _citizen_draft(campaign: Campaign, version: FrameworkVersion, person: Person) -> None:
    """The demo citizen's own self-assessment, started and half filled in: theirs to finish on the web."""
    if person.user is None:
        return
    assessment = services.assessment_start(
        actor=person.user, campaign=campaign, subject=person, version=version, group="g2"
    )
    answers = {"i1_1": 8, "i1_2": 7, "i1_3": 9, "i2_1": 8, "i3_1": 9, "i3_2": 8}
    notes = {
        "i1_1": "Đọc báo Sơn La hằng ngày; có thẻ thư viện tỉnh",
        "i1_3": "Thành viên câu lạc bộ xòe Thái của tổ",
        "i3_1": "Hòa giải viên ở cơ sở",
    }
    services.assessment_save(actor=person.user, assessment=assessment, answers=answers, notes=notes)
