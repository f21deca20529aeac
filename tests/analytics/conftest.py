"""A campaign with records in two communes of Sơn La, on a hamlet, on a commune and on a ward from before the
2025 reform, in every status: what the analytics tables are rebuilt from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from learningcity.recognition.models import Assessment, Person, Status, SubjectKind
from learningcity.territory.models import Era, Level, PopulationFigure, Unit

from ..cast import Cast


@dataclass
class World:
    cast: Cast
    legacy_ward: Unit  # old Phường Quyết Thắng (3652), today inside Phường Tô Hiệu
    assessments: list[Assessment]


def person(unit: Unit, name: str, sex: str, born: int, ethnicity: str) -> Person:
    return Person.objects.create(
        unit=unit,
        full_name=name,
        name_folded=name.lower(),
        sex=sex,
        birth_year=born,
        ethnicity=ethnicity,
        consent_at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC),
    )


@pytest.fixture
def world(cast: Cast) -> World:
    legacy_ward = Unit.objects.get(era=Era.LEGACY, level=Level.COMMUNE, code="3652")
    plan = [
        (cast.hamlet_a, "F", 1990, "Thái", Status.RECOGNISED, "g1"),
        (cast.hamlet_a, "M", 1985, "Thái", Status.RECOGNISED, "g2"),
        (cast.hamlet_a, "F", 1960, "Kinh", Status.RECOGNISED, "g2"),
        (cast.hamlet_a, "M", 2001, "Kinh", Status.SUBMITTED, "g1"),
        (cast.hamlet_a, "F", 1999, "Mông", Status.DRAFT, "g1"),
        (cast.commune_a, "F", 1970, "Thái", Status.APPROVED, "g3"),
        (cast.hamlet_b, "M", 1980, "Thái", Status.RECOGNISED, "g1"),
        (cast.hamlet_b, "F", 1995, "Kinh", Status.REJECTED, "g1"),
        (cast.hamlet_b, "M", 1950, "Kinh", Status.SUBMITTED, "g2"),
        (cast.hamlet_b, "F", 1992, "", Status.REVOKED, "g2"),
        (legacy_ward, "F", 1988, "Thái", Status.RECOGNISED, "g1"),
        (legacy_ward, "M", 1977, "Kinh", Status.RECOGNISED, "g1"),
    ]
    assessments = []
    for index, (unit, sex, born, ethnicity, status, group) in enumerate(plan):
        subject = person(unit, f"Người {index}", sex, born, ethnicity)
        assessments.append(
            Assessment.objects.create(
                campaign=cast.campaign,
                framework_version=cast.framework,
                subject_kind=SubjectKind.PERSON,
                person=subject,
                unit=unit,
                group=group,
                status=status,
                level="recognised"
                if status in (Status.APPROVED, Status.RECOGNISED, Status.REVOKED)
                else "not_yet",
            )
        )
    person(cast.hamlet_a, "Chưa đánh giá", "M", 1991, "Thái")  # registered, not assessed
    PopulationFigure.objects.create(
        unit=cast.commune_a, year=cast.campaign.year, adults=120, source="Demo test"
    )
    return World(cast, legacy_ward, assessments)


def recognised_in_hamlet_b(cast: Cast, count: int) -> None:
    """`count` more people of hamlet B, each with a recognised self-assessment (figures not rebuilt)."""
    for index in range(count):
        Assessment.objects.create(
            campaign=cast.campaign,
            framework_version=cast.framework,
            subject_kind=SubjectKind.PERSON,
            person=person(cast.hamlet_b, f"Thêm {index}", "F", 1990, "Thái"),
            unit=cast.hamlet_b,
            status=Status.RECOGNISED,
        )
