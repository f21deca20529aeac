"""Every 4xx is application/problem+json (RFC 9457), including ninja's own; bad input is never a 500."""

from __future__ import annotations

from ..cast import Cast
from .conftest import STATES, assert_problem, call, client_for


def test_a_malformed_body_is_a_422_problem_naming_the_fields(cast: Cast) -> None:
    response = call(
        client_for(cast, "province"),
        "POST",
        "/api/campaigns",
        {"name": "X2", "year": "next year", "territory_id": cast.son_la.pk, "framework_ids": []},
    )
    problem = assert_problem(response, 422)
    assert problem["type"] == "urn:learningcity:problem:malformed-request"
    assert problem["instance"] == "/api/campaigns"
    locs = {tuple(error["loc"]) for error in problem["errors"]}
    assert ("body", "payload", "year") in locs
    assert ("body", "payload", "framework_ids") in locs
    assert ("body", "payload", "opens_on") in locs
    assert all(error["msg"] for error in problem["errors"])


def test_a_body_that_is_not_json_is_a_400_problem(cast: Cast) -> None:
    response = client_for(cast, "province").post(
        "/api/campaigns", data="{oops", content_type="application/json"
    )
    problem = assert_problem(response, 400)
    assert problem["type"] == "urn:learningcity:problem:unparseable-body"


def test_a_bad_query_parameter_is_a_422_problem(cast: Cast) -> None:
    client = client_for(cast, "officer_a")
    assert_problem(call(client, "GET", "/api/units?limit=501"), 422)
    assert_problem(call(client, "GET", "/api/units?level=village"), 422)
    assert_problem(call(client, "GET", "/api/assessments?status=lost"), 422)
    assert_problem(call(client, "GET", "/api/people/not-a-number"), 422)


def test_a_refusal_by_a_service_is_a_400_problem_with_its_fields(cast: Cast) -> None:
    response = call(
        client_for(cast, "province"),
        "POST",
        "/api/campaigns",
        {
            "name": "Backwards",
            "year": 2026,
            "territory_id": cast.son_la.pk,
            "framework_ids": [cast.framework.pk],
            "opens_on": "2026-05-01",
            "submission_deadline": "2026-04-01",
            "review_deadline": "2026-06-01",
        },
    )
    problem = assert_problem(response, 400)
    assert problem["type"] == "urn:learningcity:problem:invalid-data"
    assert [error["loc"] for error in problem["errors"]] == [["review_deadline"]]


def test_answers_out_of_range_are_named_per_input(cast: Cast) -> None:
    assessment = STATES["draft"](cast)
    response = call(
        client_for(cast, "citizen_a"),
        "PATCH",
        f"/api/assessments/{assessment.pk}",
        {"answers": {"i1_1": 11, "i1_2": "many", "bogus": 1}},
    )
    problem = assert_problem(response, 400)
    errors = {tuple(error["loc"]): error["msg"] for error in problem["errors"]}
    assert set(errors) == {("i1_1",), ("i1_2",), ()}
    assert "bogus" in errors[()]


def test_a_non_field_refusal_is_the_detail(cast: Cast) -> None:
    assessment = STATES["draft"](cast)
    response = call(client_for(cast, "citizen_a"), "POST", f"/api/assessments/{assessment.pk}/submit")
    problem = assert_problem(response, 400)
    assert "i1_1" in problem["detail"]


def test_a_return_without_a_reason_is_refused(cast: Cast) -> None:
    assessment = STATES["submitted"](cast)
    path = f"/api/assessments/{assessment.pk}/decision"
    head = client_for(cast, "head_a")
    problem = assert_problem(call(head, "POST", path, {"decision": "return"}), 400)
    assert problem["errors"][0]["loc"] == ["reason"]
    assert_problem(call(head, "POST", path, {"decision": "maybe"}), 422)


def test_unknown_records_and_paths_are_404_problems(cast: Cast) -> None:
    client = client_for(cast, "officer_a")
    for path in (
        "/api/units/999999",
        "/api/people/999999",
        "/api/assessments/999999",
        "/api/campaigns/999999",
        "/api/nothing/here",
        "/api/",
    ):
        assert_problem(call(client, "GET", path), 404)
    assert_problem(call(client, "POST", "/api/assessments/999999/submit"), 404)
    assert_problem(client.get("/api/certificates/NOSUCHCODE"), 404)


def test_ids_and_pages_beyond_what_a_database_holds_are_422_not_500(cast: Cast) -> None:
    client = client_for(cast, "officer_a")
    huge = 2**70
    for path in (
        "/api/units/0",
        f"/api/units/{huge}",
        f"/api/units?parent={huge}",
        f"/api/units?offset={huge}",
        f"/api/assessments?campaign={huge}",
    ):
        assert_problem(call(client, "GET", path), 422)
    body = {"unit_id": huge, "full_name": "Lò Văn Sơn", "consent_confirmed": True}
    assert_problem(call(client, "POST", "/api/people", body), 422)


def test_text_with_nul_characters_is_a_422(cast: Cast) -> None:
    client = client_for(cast, "officer_a")
    assert_problem(call(client, "GET", "/api/people?q=a%00b"), 422)
    body = {"unit_id": cast.hamlet_a.pk, "full_name": "Lò\x00Văn", "consent_confirmed": True}
    assert_problem(call(client, "POST", "/api/people", body), 422)
    assessment = STATES["draft"](cast)
    patch = {"answers": {"i1_1": 5}, "notes": {"i1_1": "giấy\x00"}}
    assert_problem(call(client, "PATCH", f"/api/assessments/{assessment.pk}", patch), 422)


def test_a_reference_to_a_record_out_of_scope_is_a_404(cast: Cast) -> None:
    body = {"campaign_id": cast.campaign.pk, "person_id": cast.person_b.pk, "framework_id": cast.framework.pk}
    assert_problem(call(client_for(cast, "officer_a"), "POST", "/api/assessments", body), 404)


def test_a_wrong_method_is_a_405_problem(cast: Cast) -> None:
    client = client_for(cast, "officer_a")
    response = call(client, "DELETE", f"/api/units/{cast.commune_a.pk}")
    problem = assert_problem(response, 405)
    assert "GET" in response["Allow"] and "DELETE" in problem["detail"]
    assert_problem(call(client, "GET", "/api/assessments/1/submit"), 405)


def test_no_credentials_is_a_401_problem(client) -> None:  # noqa: ANN001
    response = client.get("/api/people")
    problem = assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert problem["type"] == "about:blank"


def test_permission_denied_is_a_403_problem_with_the_reason(cast: Cast) -> None:
    response = call(
        client_for(cast, "citizen_a"),
        "POST",
        "/api/people",
        {"unit_id": cast.hamlet_a.pk, "full_name": "Lò Văn Sơn", "consent_confirmed": True},
    )
    problem = assert_problem(response, 403)
    assert problem["detail"]


def test_problem_titles_follow_the_language_asked_for(cast: Cast) -> None:
    client = client_for(cast, "officer_a")
    english = client.get("/api/people/999999", headers={"Accept-Language": "en"})
    assert english.json()["title"] == "Not found"


def test_a_body_over_the_upload_limit_is_a_413_problem(cast: Cast, settings) -> None:  # noqa: ANN001
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = {"unit_id": cast.hamlet_a.pk, "full_name": "x" * 2000, "consent_confirmed": True}
    assert_problem(call(client_for(cast, "officer_a"), "POST", "/api/people", body), 413)
