"""The demo's households, clans, organisations and communities, and last year's campaign, finished.

Last year's campaign assessed every kind of subject against every shipped framework and is closed: reviewed
stage by stage (the commune's stage by bulk approval), recognised by numbered decisions of each ward and, for
the wards themselves as commune learning communities, of the province; one recognition revoked, one rejection
under appeal and one appeal dismissed. Everything goes through the real services, in the order the rules need:
a family's values computed from its members read its members' results, so citizens are decided before
families, families before clans and hamlet communities, hamlets before wards.

A service refuses a submission after the campaign's deadline, as it should; the demo lives last year in a few
seconds, so the campaign is opened with last year's opening day and its deadlines are moved back to last year
once everything in it is decided. That is the only direct write here, and it touches dates, not a status.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from learningcity.accounts.models import User
from learningcity.frameworks.models import FrameworkVersion
from learningcity.territory.models import Level, Unit

from . import services
from .models import (
    Assessment,
    Campaign,
    Clan,
    Household,
    Organisation,
    OrganisationKind,
    OrganisationMembership,
    Person,
    Status,
    SubjectKind,
)
from .services import decisions, subjects

Progress = Callable[[str], None]

FRAMEWORK_CODES = (
    "vn.learning-citizen",
    "vn.learning-family",
    "vn.learning-clan",
    "vn.learning-community-hamlet",
    "vn.learning-community-commune",
    "vn.learning-organisation",
)
# How many of each kind pass on their own answers (members' results decide the rest).
PASS_SHARE: dict[str, float] = {
    SubjectKind.PERSON: 0.86,
    SubjectKind.HOUSEHOLD: 0.8,
    SubjectKind.ORGANISATION: 0.9,
    SubjectKind.COMMUNITY: 0.75,
}
NOTE = "Minh chứng lưu tại nhà văn hóa; đã đối chiếu với sổ theo dõi của tổ, bản."
REJECT_REASON: dict[str, str] = {
    SubjectKind.PERSON: "Tổng điểm hoặc một chỉ số chưa đạt mức công nhận; hẹn đánh giá lại vào năm sau.",
    SubjectKind.HOUSEHOLD: "Tổng điểm của hộ chưa đạt mức công nhận Gia đình học tập.",
    SubjectKind.CLAN: "Chưa đủ 70% số hộ trong dòng họ đạt danh hiệu Gia đình học tập.",
    SubjectKind.COMMUNITY: "Chưa đủ điều kiện công nhận theo các tiêu chí đã tự đánh giá.",
    SubjectKind.ORGANISATION: "Chưa đạt: dưới 90% thành viên là Công dân học tập hoặc tổng điểm dưới 50.",
}
REVOKE_REASON = "Kiểm tra sau công nhận: minh chứng chỉ số 2.1 (chứng chỉ tin học) không xác thực được."
APPEAL_REASON = "Tôi đã có chứng chỉ tin học từ tháng 10 nhưng chưa kịp nộp; xin được xem xét lại."
APPEAL_DISMISSED = (
    "Đã xem xét: chứng chỉ cấp sau hạn nộp của đợt đánh giá; giữ nguyên quyết định không công nhận."
)
SIGNERS = ("Hoàng Văn Minh", "Cầm Thị Thu", "Nguyễn Quang Vinh", "Lò Văn Pọm")


@dataclass
class Place:
    """Who acts where: the hamlet heads and the commune officers of the demo's wards, and the coordinator."""

    coordinator: User
    hamlet_heads: dict[int, User]  # hamlet pk → its head
    ward_officers: dict[int, User]  # ward pk → its commune officer
    signers: dict[int, str] = field(default_factory=dict)  # ward pk → who signs its decisions

    def officer_of(self, unit: Unit) -> User:
        return self.ward_officers[unit.pk if unit.level == Level.COMMUNE else unit.parent_id or 0]

    def actor_for(self, unit: Unit) -> User:
        """Who enters a subject's self-assessment on its behalf: its hamlet head, or the commune officer."""
        return self.hamlet_heads.get(unit.pk) or self.officer_of(unit)

    def reviewer(self, stage: str, unit: Unit) -> User:
        if stage == "hamlet":
            return self.hamlet_heads[unit.pk]
        if stage == "commune":
            return self.officer_of(unit)
        return self.coordinator


@dataclass
class Subjects:
    households: list[Household]
    clans: list[Clan]
    organisations: list[Organisation]


# ------------------------------------------------------------------------------------------------------------
# Households, clans and organisations


def subjects_build(
    rng: random.Random, place: Place, wards: Sequence[Unit], people: Sequence[Person]
) -> Subjects:
    """Group the demo people into households (2 to 5 people of one hamlet), households into clans (one per
    family name with two or more households in a ward) and give each ward a school, its agency and its
    Hội Khuyến học branch. Found in place on a second run."""
    ward_paths = [ward.path for ward in wards]
    existing = Household.objects.filter(is_demo=True, unit__parent__in=wards)
    if existing.exists():
        return Subjects(
            list(existing.order_by("pk")),
            list(Clan.objects.filter(is_demo=True, unit__in=wards).order_by("pk")),
            list(Organisation.objects.filter(is_demo=True, unit__in=wards).order_by("pk")),
        )
    by_hamlet: dict[int, list[Person]] = defaultdict(list)
    for person in people:
        if any(person.unit.path.startswith(path) for path in ward_paths):
            by_hamlet[person.unit_id].append(person)
    households: list[Household] = []
    for hamlet_pk, residents in by_hamlet.items():
        head_of_hamlet = place.hamlet_heads[hamlet_pk]
        remaining = list(residents)
        while remaining:
            size = min(len(remaining), rng.choice((2, 3, 3, 4, 4, 5)))
            members, remaining = remaining[:size], remaining[size:]
            # The oldest member heads the household, as on the commune's household register.
            head = min(members, key=lambda p: p.birth_date or dt.date.max)
            household = subjects.household_create(
                actor=head_of_hamlet,
                unit=head.unit,
                name=f"Hộ {head.full_name}",
                register_number=f"{len(households) + 1:03d}",
                is_demo=True,
            )
            for member in members:
                subjects.household_member_add(actor=head_of_hamlet, household=household, person=member)
            household = subjects.household_update(
                actor=head_of_hamlet,
                household=household,
                name=household.name,
                register_number=household.register_number,
                head=head,
            )
            households.append(household)
    clans = _clans(place, wards, households)
    organisations = _organisations(rng, place, wards, people)
    return Subjects(households, clans, organisations)


def _clans(place: Place, wards: Sequence[Unit], households: Sequence[Household]) -> list[Clan]:
    by_family: dict[tuple[int, str], list[Household]] = defaultdict(list)
    for household in households:
        family = household.name.removeprefix("Hộ ").split()[0]
        by_family[(household.unit.parent_id or 0, family)].append(household)
    clans = []
    for ward in wards:
        officer = place.ward_officers[ward.pk]
        for (ward_pk, family), members in sorted(by_family.items()):
            if ward_pk != ward.pk or len(members) < 2:
                continue
            clan = subjects.clan_create(actor=officer, unit=ward, name=f"Dòng họ {family}", is_demo=True)
            for household in members:
                subjects.clan_household_add(actor=officer, clan=clan, household=household)
            clans.append(clan)
    return clans


def _organisations(
    rng: random.Random, place: Place, wards: Sequence[Unit], people: Sequence[Person]
) -> list[Organisation]:
    organisations = []
    for ward in wards:
        officer = place.ward_officers[ward.pk]
        residents = [p for p in people if p.unit.parent_id == ward.pk]
        rng.shuffle(residents)
        short = ward.name.removeprefix("Phường ")
        plan = (
            (f"Trường Tiểu học {short}", OrganisationKind.SCHOOL, False, 9, "Giáo viên"),
            (f"Ủy ban nhân dân {ward.name}", OrganisationKind.AGENCY, False, 7, "Công chức"),
            (f"Chi hội Khuyến học {ward.name}", OrganisationKind.LEARNING_PROMOTION, True, 5, "Hội viên"),
        )
        for name, kind, reviewing, size, position in plan:
            organisation = subjects.organisation_create(
                actor=officer, unit=ward, name=name, kind=kind, is_reviewing_body=reviewing, is_demo=True
            )
            members, residents = residents[:size], residents[size:]
            for member in members:
                subjects.organisation_member_add(
                    actor=officer, organisation=organisation, person=member, position=position
                )
            organisations.append(organisation)
    return organisations


# ------------------------------------------------------------------------------------------------------------
# Last year's campaign


def last_year_summary(campaign: Campaign) -> str:
    """One line: the decisions issued, and per framework how many were recognised out of how many assessed."""
    rows = (
        Assessment.objects.filter(campaign=campaign)
        .values("framework_version__title_vi")
        .annotate(
            assessed=Count("pk"),
            recognised=Count("pk", filter=Q(status=Status.RECOGNISED)),
        )
        .order_by("framework_version__title_vi")
    )
    recognised = ", ".join(
        f"{row['framework_version__title_vi']} {row['recognised']}/{row['assessed']}" for row in rows
    )
    return f"{campaign} – {campaign.decisions.count()} decisions; recognised: {recognised}"


def last_year_campaign(
    *,
    rng: random.Random,
    place: Place,
    province: Unit,
    wards: Sequence[Unit],
    hamlets: Sequence[Unit],
    people: Sequence[Person],
    subjects_: Subjects,
    versions: Sequence[FrameworkVersion],
    say: Progress,
) -> Campaign | None:
    """Last year's campaign, run from opening to its decisions; None when it is already there."""
    year = timezone.localdate().year - 1
    if Campaign.objects.filter(is_demo=True, territory=province, year=year).exists():
        return None
    by_code = {version.code: version for version in versions}
    missing = sorted(set(FRAMEWORK_CODES) - set(by_code))
    if missing:
        raise RuntimeError(f"Framework files missing for the demo: {', '.join(missing)}")
    today = timezone.localdate()
    campaign = services.campaign_create(
        actor=place.coordinator,
        name=f"Xây dựng xã hội học tập năm {year} – Thành phố học tập Sơn La",
        year=year,
        territory=province,
        frameworks=[by_code[code] for code in FRAMEWORK_CODES],
        opens_on=dt.date(year, 3, 1),
        # Open until today while the demo runs it; moved back to last year's dates at the end.
        submission_deadline=today,
        review_deadline=today,
        targets={
            by_code["vn.learning-family"].pk: {"target_rate": 0.70, "target_source": "QĐ 387/QĐ-TTg"},
            by_code["vn.learning-clan"].pk: {"target_rate": 0.65, "target_source": "QĐ 387/QĐ-TTg"},
            by_code["vn.learning-community-hamlet"].pk: {
                "target_rate": 0.65,
                "target_source": "QĐ 387/QĐ-TTg",
            },
        },
        is_demo=True,
    )
    issued = dt.date(year, 12, 10)
    # Members of a school or an agency are recognised more often than most: the 90% rule is met in practice.
    keen = set(
        OrganisationMembership.objects.filter(organisation__in=subjects_.organisations).values_list(
            "person_id", flat=True
        )
    )
    run = _Run(rng, place, campaign, wards, keen)

    say(f"last year's campaign ({year}): citizens")
    run.assess(by_code["vn.learning-citizen"], people)
    run.decide(by_code["vn.learning-citizen"], issued)
    say(f"last year's campaign ({year}): families, organisations")
    run.assess(by_code["vn.learning-family"], subjects_.households)
    run.assess(by_code["vn.learning-organisation"], subjects_.organisations)
    run.decide(by_code["vn.learning-family"], issued + dt.timedelta(days=5))
    run.decide(by_code["vn.learning-organisation"], issued + dt.timedelta(days=5))
    say(f"last year's campaign ({year}): clans and communities")
    run.assess(by_code["vn.learning-clan"], subjects_.clans)
    run.assess(by_code["vn.learning-community-hamlet"], hamlets)
    run.decide(by_code["vn.learning-clan"], issued + dt.timedelta(days=10))
    run.decide(by_code["vn.learning-community-hamlet"], issued + dt.timedelta(days=10))
    run.assess(by_code["vn.learning-community-commune"], wards)
    run.decide(by_code["vn.learning-community-commune"], issued + dt.timedelta(days=15), by_province=province)
    run.afterwards(by_code["vn.learning-citizen"])

    Campaign.objects.filter(pk=campaign.pk).update(
        submission_deadline=dt.date(year, 9, 30), review_deadline=dt.date(year, 11, 30)
    )
    campaign.refresh_from_db()
    return campaign


@dataclass
class _Run:
    rng: random.Random
    place: Place
    campaign: Campaign
    wards: Sequence[Unit]
    keen: set[int]

    def assess(self, version: FrameworkVersion, subjects_: Iterable[Any]) -> None:
        """Each subject self-assesses (entered by its hamlet head or commune officer, or by the citizen who
        has an account) and submits; the first stage approves what meets the criteria and rejects the rest
        with the reason; the commune's stage approves in bulk; the province approves the wards."""
        kind = version.subject
        share = PASS_SHARE.get(kind, 1.0)
        for subject in subjects_:
            unit = services.subject_unit(subject)
            user = getattr(subject, "user", None)
            actor = user if user is not None else self.place.actor_for(unit)
            assessment = services.assessment_start(
                actor=actor,
                campaign=self.campaign,
                subject=subject,
                version=version,
                group=_group(version, unit),
            )
            likely = 0.98 if kind == SubjectKind.PERSON and subject.pk in self.keen else share
            answers = _answers(self.rng, version, passing=self.rng.random() < likely)
            assessment = services.assessment_save(
                actor=actor,
                assessment=assessment,
                answers=answers,
                notes={item["code"]: NOTE for item in version.inputs},
            )
            assessment = services.assessment_submit(actor=actor, assessment=assessment)
            if not assessment.result.get("passes"):
                reviewer = self.place.reviewer(assessment.review_stage, unit)
                services.assessment_review(
                    actor=reviewer, assessment=assessment, decision="reject", reason=REJECT_REASON[kind]
                )
                continue
            if assessment.review_stage == "hamlet":
                services.assessment_review(
                    actor=self.place.reviewer("hamlet", unit), assessment=assessment, decision="approve"
                )
        waiting = Assessment.objects.filter(
            campaign=self.campaign, framework_version=version, status=Status.SUBMITTED
        )
        for ward in self.wards:
            at_commune = waiting.filter(review_stage="commune", unit__path__startswith=ward.path)
            decisions.assessments_bulk_approve(
                actor=self.place.ward_officers[ward.pk], assessments=at_commune
            )
        for assessment in waiting.filter(review_stage="province"):
            services.assessment_review(
                actor=self.place.coordinator, assessment=assessment, decision="approve"
            )

    def decide(self, version: FrameworkVersion, issued_on: dt.date, by_province: Unit | None = None) -> None:
        """The competent level's numbered decision recognising every approved subject of its unit."""
        approved = Assessment.objects.filter(
            campaign=self.campaign, framework_version=version, status=Status.APPROVED
        )
        issuers = (
            [(by_province, self.place.coordinator, "Lường Văn Thành", "Phó Chủ tịch UBND tỉnh")]
            if by_province is not None
            else [
                (ward, self.place.ward_officers[ward.pk], self.place.signers[ward.pk], "Chủ tịch UBND phường")
                for ward in self.wards
            ]
        )
        for unit, actor, signer, title in issuers:
            listed = list(approved.filter(unit__path__startswith=unit.path))
            if listed:
                decisions.decision_issue(
                    actor=actor,
                    campaign=self.campaign,
                    framework_version=version,
                    issuing_unit=unit,
                    assessments=listed,
                    issued_on=issued_on,
                    signer_name=signer,
                    signer_title=title,
                )

    def afterwards(self, citizen: FrameworkVersion) -> None:
        """After the decisions: one recognition revoked, one rejection appealed and pending, one dismissed."""
        ward = self.wards[0]
        officer = self.place.ward_officers[ward.pk]
        of_ward = Assessment.objects.filter(
            campaign=self.campaign, framework_version=citizen, unit__path__startswith=ward.path
        ).order_by("pk")
        recognised = of_ward.filter(status=Status.RECOGNISED).first()
        if recognised is not None:
            decisions.assessment_revoke(actor=officer, assessment=recognised, reason=REVOKE_REASON)
        rejected = list(of_ward.filter(status=Status.REJECTED)[:2])
        for position, assessment in enumerate(rejected):
            applicant = assessment.person.user if assessment.person and assessment.person.user else None
            actor = applicant or self.place.actor_for(assessment.unit)
            appealed = decisions.assessment_appeal(actor=actor, assessment=assessment, reason=APPEAL_REASON)
            if position == 1:
                decisions.appeal_decide(
                    actor=self.place.coordinator, assessment=appealed, uphold=False, reason=APPEAL_DISMISSED
                )


def _group(version: FrameworkVersion, unit: Unit) -> str:
    """The citizen group: farmers in the bản, workers in town (this year's campaign spreads them more)."""
    groups = [g["code"] for g in version.spec.get("groups", [])]
    if not groups:
        return ""
    return groups[0] if unit.division_type == "bản" else groups[min(1, len(groups) - 1)]


def _answers(rng: random.Random, version: FrameworkVersion, *, passing: bool) -> dict[str, Any]:
    """Answers high on every scale (each at 82% of its maximum or more) or low on some (under 60%)."""
    answers: dict[str, Any] = {}
    for item in version.inputs:
        if item["type"] == "bool":
            answers[item["code"]] = True if passing else rng.random() < 0.6
        elif "max" in item:
            low, high = (0.82, 1.0) if passing else (0.3, 0.85)
            answers[item["code"]] = round(item["max"] * rng.uniform(low, high))
    if not passing and answers and all(isinstance(v, bool) and v for v in answers.values()):
        answers[next(iter(answers))] = False
    if not passing:
        numeric = [code for code, value in answers.items() if not isinstance(value, bool)]
        if numeric:
            answers[rng.choice(numeric)] = 0
    return answers
