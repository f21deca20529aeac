"""List routes read in a fixed number of queries, however many rows they return."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from learningcity.recognition import services

from ..cast import Cast
from .conftest import STATES, call, client_for


@pytest.fixture
def two_assessments(cast: Cast) -> None:
    STATES["submitted"](cast)
    services.assessment_start(
        actor=cast.head_b, campaign=cast.campaign, subject=cast.person_b, version=cast.framework, group="g1"
    )


def _queries(client, path: str) -> int:  # noqa: ANN001
    with CaptureQueriesContext(connection) as captured:
        response = call(client, "GET", path)
    assert response.status_code == 200, response.content
    assert response.json()["count"] >= 1
    return len(captured)


@pytest.mark.parametrize(
    ("member", "path", "queries"),
    [
        # session, user, [reader's scope…], count, page, [prefetch]
        ("province", "/api/people", 5),
        ("province", "/api/assessments", 5),
        ("province", "/api/campaigns", 6),
        ("province", "/api/units?q=son la", 4),
        ("province", "/api/frameworks", 4),
        ("head_a", "/api/reviews/due", 5),
    ],
)
def test_lists_take_a_fixed_number_of_queries(
    cast: Cast, two_assessments: None, member: str, path: str, queries: int
) -> None:
    assert _queries(client_for(cast, member), path) == queries
