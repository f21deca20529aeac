"""The JSON API, mounted at /api/: one router per domain, one auth rule, one error shape.

Every operation needs a bearer token or a session (CSRF on writes) except the public certificate check; every
4xx is application/problem+json (errors.py). The schema is at /api/openapi.json and its snapshot in
docs/openapi.json (regenerate with `python -m learningcity.api.openapi`); docs at /api/docs work offline.
"""

from __future__ import annotations

from . import (
    assessments,
    campaigns,
    certificates,
    decisions,
    errors,
    figures,
    frameworks,
    imports,
    people,
    receipts,
    reviews,
    subjects,
    units,
)
from .auth import AUTH
from .core import LearningCityAPI

api = LearningCityAPI(
    title="Learning City Platform API",
    version="1",
    description=(
        "Units, campaigns, people, households, clans, organisations, assessments, reviews and recognition "
        "figures of the "
        "Learning City Platform. "
        "Authenticate with `Authorization: Bearer lc_…` (see docs/api.md) or a browser session; "
        "every 4xx answer is `application/problem+json` (RFC 9457)."
    ),
    urls_namespace="api",
    auth=AUTH,
)
errors.install(api)

for router in (
    units.router,
    frameworks.router,
    campaigns.router,
    people.router,
    subjects.households_router,
    subjects.clans_router,
    subjects.organisations_router,
    assessments.router,
    receipts.router,
    reviews.router,
    decisions.router,
    imports.router,
    certificates.router,
    figures.router,
):
    api.add_router("", router)
