"""Fixtures of the import tests: the seeded frameworks and an open campaign over Sơn La."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from learningcity.frameworks.models import FrameworkVersion
from learningcity.frameworks.services import frameworks_seed
from learningcity.recognition import services
from learningcity.recognition.models import Campaign

from ..cast import Cast


@pytest.fixture
def versions(db: None) -> dict[str, FrameworkVersion]:
    return {version.code: version for version in frameworks_seed()}


@pytest.fixture
def campaign(cast: Cast, versions: dict[str, FrameworkVersion]) -> Campaign:
    today = timezone.localdate()
    return services.campaign_create(
        actor=cast.province,
        name="Công dân học tập",
        year=today.year,
        territory=cast.son_la,
        frameworks=[versions["vn.learning-citizen"], versions["vn.learning-family"]],
        opens_on=today - dt.timedelta(days=10),
        submission_deadline=today + dt.timedelta(days=30),
        review_deadline=today + dt.timedelta(days=60),
    )
