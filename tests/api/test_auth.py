"""Bearer tokens and sessions: both work, a bad token is a 401 problem, sessions need CSRF on writes."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client

from learningcity.accounts.models import ApiToken
from learningcity.accounts.services import api_token_create

from ..cast import Cast
from .conftest import assert_problem, call, client_for

CSRF_SECRET = "abcdefghijklmnopqrstuvwxyzABCDEF"  # 32 characters, as Django's CSRF secrets are


def bearer(key: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_a_token_acts_as_its_user_and_records_its_use(cast: Cast, client: Client) -> None:
    token, key = api_token_create(user=cast.officer_a, name="import script")
    assert token.last_used_at is None
    response = client.get("/api/people", **bearer(key))
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["items"]] == [cast.person_a.pk]
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_token_writes_without_csrf(cast: Cast) -> None:
    _token, key = api_token_create(user=cast.head_a, name="tablet")
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/people",
        data={"unit_id": cast.hamlet_a.pk, "full_name": "Quàng Thị Hoa", "consent_confirmed": True},
        content_type="application/json",
        **bearer(key),
    )
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("key", ["lc_not-a-real-token", "", "lc_" + "x" * 43])
def test_a_bad_token_is_a_401_problem(db, client: Client, key: str) -> None:  # noqa: ANN001
    response = client.get("/api/units", **bearer(key))
    problem = assert_problem(response, 401)
    assert problem["type"] == "urn:learningcity:problem:invalid-token"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_bad_token_is_refused_even_beside_a_session(cast: Cast) -> None:
    client = client_for(cast, "officer_a")
    assert_problem(client.get("/api/units", **bearer("lc_wrong")), 401)


def test_the_token_of_an_inactive_user_is_refused(cast: Cast, client: Client) -> None:
    _token, key = api_token_create(user=cast.officer_a, name="old laptop")
    cast.officer_a.is_active = False
    cast.officer_a.save()
    assert_problem(client.get("/api/units", **bearer(key)), 401)


def test_another_authorization_scheme_is_no_credential(db, client: Client) -> None:  # noqa: ANN001
    assert_problem(client.get("/api/units", HTTP_AUTHORIZATION="Basic b2ZmaWNlcl9hOng="), 401)


def test_a_session_write_needs_the_csrf_token(cast: Cast) -> None:
    client = client_for(cast, "head_a", enforce_csrf_checks=True)
    body = {"unit_id": cast.hamlet_a.pk, "full_name": "Lường Văn Tiến", "consent_confirmed": True}
    refused = call(client, "POST", "/api/people", body)
    problem = assert_problem(refused, 403)
    assert problem["type"] == "urn:learningcity:problem:csrf-failed"

    client.cookies[settings.CSRF_COOKIE_NAME] = CSRF_SECRET
    accepted = call(client, "POST", "/api/people", body, **{"X-CSRFToken": CSRF_SECRET})
    assert accepted.status_code == 201, accepted.content
    # Reads need no token.
    assert call(client_for(cast, "head_a", enforce_csrf_checks=True), "GET", "/api/people").status_code == 200


def test_an_anonymous_write_is_a_401_not_a_csrf_403(db) -> None:  # noqa: ANN001
    response = Client(enforce_csrf_checks=True).post("/api/people", data={}, content_type="application/json")
    assert_problem(response, 401)


def test_the_command_prints_a_working_key_once(cast: Cast, client: Client) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command("api_token", "province", "dashboard", stdout=out, stderr=err)
    key = out.getvalue().strip()
    assert key.startswith("lc_") and "\n" not in key
    assert "not shown again" in err.getvalue()
    token = ApiToken.objects.get(user=cast.province)
    assert (token.name, token.key_hash) == ("dashboard", ApiToken.hash_key(key))
    assert key not in token.key_hash
    assert client.get("/api/campaigns", **bearer(key)).json()["count"] == 1


def test_the_command_revokes_a_token(cast: Cast, client: Client) -> None:
    _token, key = api_token_create(user=cast.officer_a, name="lost phone")
    call_command(
        "api_token", "officer_a", "lost phone", "--revoke", stdout=io.StringIO(), stderr=io.StringIO()
    )
    assert not ApiToken.objects.filter(user=cast.officer_a).exists()
    assert_problem(client.get("/api/units", **bearer(key)), 401)
    with pytest.raises(CommandError, match="no token"):
        call_command("api_token", "officer_a", "lost phone", "--revoke", stderr=io.StringIO())


def test_the_command_refuses_an_unknown_user(db) -> None:  # noqa: ANN001
    with pytest.raises(CommandError, match="no user"):
        call_command("api_token", "nobody", "x", stdout=io.StringIO(), stderr=io.StringIO())
