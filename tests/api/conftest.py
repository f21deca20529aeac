"""Helpers for API tests: a logged-in client per cast member, JSON calls, and assessments in each state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from learningcity.recognition import services
from learningcity.recognition.models import Assessment
from learningcity.recognition.services import decisions

from ..cast import GOOD_ANSWERS, Cast
from ..imports.conftest import campaign, versions  # noqa: F401 - the import tests' fixtures, for imports

MEMBERS = (
    "citizen_a",
    "head_a",
    "officer_a",
    "officer_b",
    "head_b",
    "province",
    "expert",
    "outsider",
    "anonymous",
)
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
NOTES = {code: "Giấy xác nhận của tổ dân phố" for code in GOOD_ANSWERS}


def client_for(cast: Cast, member: str, **kwargs: Any) -> Client:
    client = Client(**kwargs)
    if member != "anonymous":
        client.force_login(getattr(cast, member), backend=MODEL_BACKEND)
    return client


def call(client: Client, method: str, path: str, body: Any = None, **headers: str) -> Any:
    """One JSON request; `body` is sent as JSON when given."""
    kwargs: dict[str, Any] = {"headers": headers} if headers else {}
    if body is not None:
        kwargs.update(data=body, content_type="application/json")
    return getattr(client, method.lower())(path, **kwargs)


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert {"type", "title", "status", "detail", "instance"} <= set(problem)
    assert problem["status"] == status
    return problem


# Assessments of person_a (Tổ 1, Tô Hiệu; review chain hamlet → commune) in each state of the workflow.


def draft(cast: Cast) -> Assessment:
    return services.assessment_start(
        actor=cast.citizen_a,
        campaign=cast.campaign,
        subject=cast.person_a,
        version=cast.framework,
        group="g1",
    )


def filled(cast: Cast) -> Assessment:
    return services.assessment_save(
        actor=cast.citizen_a, assessment=draft(cast), answers=GOOD_ANSWERS, notes=NOTES
    )


def submitted(cast: Cast) -> Assessment:
    return services.assessment_submit(actor=cast.citizen_a, assessment=filled(cast))


def at_commune(cast: Cast) -> Assessment:
    return services.assessment_review(actor=cast.head_a, assessment=submitted(cast), decision="approve")


def approved(cast: Cast) -> Assessment:
    return services.assessment_review(actor=cast.officer_a, assessment=at_commune(cast), decision="approve")


def recognised(cast: Cast) -> Assessment:
    assessment = approved(cast)
    services.assessment_certify(actor=cast.officer_a, assessment=assessment)
    assessment.refresh_from_db()
    return assessment


def rejected(cast: Cast) -> Assessment:
    return services.assessment_review(
        actor=cast.head_a, assessment=submitted(cast), decision="reject", reason="Chưa đủ minh chứng."
    )


def appealed(cast: Cast) -> Assessment:
    return decisions.assessment_appeal(
        actor=cast.citizen_a, assessment=rejected(cast), reason="Tôi đã bổ sung giấy xác nhận."
    )


def decided(cast: Cast) -> Assessment:
    """Recognised by a decision of commune A's People's Committee."""
    assessment = approved(cast)
    decisions.decision_issue(
        actor=cast.officer_a,
        campaign=cast.campaign,
        framework_version=cast.framework,
        issuing_unit=cast.commune_a,
        assessments=[assessment],
        issued_on=timezone.localdate(),
        signer_name="Lò Văn Pọm",
        signer_title="Chủ tịch UBND phường",
    )
    assessment.refresh_from_db()
    return assessment


STATES: dict[str, Callable[[Cast], Assessment | None]] = {
    "none": lambda cast: None,
    "draft": draft,
    "filled": filled,
    "submitted": submitted,
    "at_commune": at_commune,
    "approved": approved,
    "recognised": recognised,
    "rejected": rejected,
    "appealed": appealed,
    "decided": decided,
}


@pytest.fixture(autouse=True)
def _fresh_throttles() -> None:
    # ninja's throttles count in the cache, which outlives a test.
    cache.clear()
