"""The committed OpenAPI snapshot matches the live schema; the docs page works offline."""

from __future__ import annotations

import json
import os

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from learningcity.api.openapi import SNAPSHOT_PATH, schema_text, write_snapshot

REGENERATE = "DEBUG=true .venv/bin/python -m learningcity.api.openapi"


def test_the_live_schema_matches_the_committed_snapshot(db, client: Client) -> None:  # noqa: ANN001
    if os.environ.get("UPDATE_OPENAPI_SNAPSHOT"):
        write_snapshot()
    assert SNAPSHOT_PATH.exists(), f"docs/openapi.json is missing; create it with `{REGENERATE}`"
    live = schema_text()
    committed = SNAPSHOT_PATH.read_text(encoding="utf-8")
    assert live == committed, (
        f"The API changed but docs/openapi.json did not. Regenerate it with `{REGENERATE}` "
        "(or UPDATE_OPENAPI_SNAPSHOT=1 pytest tests/api/test_openapi.py), review the diff, and commit it."
    )
    served = client.get("/api/openapi.json")
    assert served.status_code == 200
    assert served.json() == json.loads(committed)


@pytest.fixture(scope="module")
def schema() -> dict:
    return json.loads(schema_text())


def _operations(schema: dict) -> list[tuple[str, str, dict]]:
    return [(method, path, op) for path, ops in schema["paths"].items() for method, op in ops.items()]


def test_every_operation_has_a_summary_and_a_unique_operation_id(schema: dict) -> None:
    operations = _operations(schema)
    assert len(operations) >= 20
    ids = [op["operationId"] for _m, _p, op in operations]
    assert len(ids) == len(set(ids))
    for method, path, op in operations:
        assert op.get("summary"), f"{method} {path} has no summary"


def test_every_documented_4xx_is_problem_json(schema: dict) -> None:
    for method, path, op in _operations(schema):
        errors = {status: r for status, r in op["responses"].items() if status.startswith("4")}
        assert errors, f"{method} {path} documents no errors"
        for status, response in errors.items():
            assert list(response["content"]) == ["application/problem+json"], (method, path, status)
            assert response["content"]["application/problem+json"]["schema"] == {
                "$ref": "#/components/schemas/Problem"
            }


def test_every_operation_needs_credentials_except_the_certificate_check(schema: dict) -> None:
    public = {op["operationId"] for _m, _p, op in _operations(schema) if not op.get("security")}
    assert public == {"certificates_check"}
    assert set(schema["components"]["securitySchemes"]) == {"BearerToken", "SessionAuth"}


def test_the_docs_are_served_from_our_static_files_not_a_cdn(db, client: Client) -> None:  # noqa: ANN001
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "/static/ninja/swagger-ui.css" in html
    assert "cdn" not in html.lower() and "https://" not in html
    for name in ("ninja/swagger-ui-bundle.js", "ninja/swagger-ui.css", "ninja/swagger-ui-init.js"):
        assert finders.find(name), f"{name} is not among the static files"


def test_the_schema_documents_the_subject_routes_and_both_start_forms(schema: dict) -> None:
    ids = {op["operationId"] for _m, _p, op in _operations(schema)}
    assert {
        "households_list",
        "households_get",
        "clans_list",
        "clans_get",
        "organisations_list",
        "organisations_get",
    } <= ids
    components = schema["components"]["schemas"]
    listed = components["AssessmentOut"]["properties"]
    assert {"subject_kind", "subject_id", "subject_name", "person_id"} <= set(listed)
    start = components["AssessmentStartIn"]["properties"]
    assert {"framework_version_id", "subject_kind", "subject_id", "person_id", "framework_id"} <= set(start)
    assert components["AssessmentStartIn"].get("required") == ["campaign_id"]
