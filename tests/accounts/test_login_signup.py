"""Sign-up (a login plus a consented citizen record), login with throttling, logout, commune search."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from learningcity.accounts.models import Role, RoleAssignment, User
from learningcity.recognition.models import Person

from ..cast import PASSWORD, Cast

SIGNUP = reverse("accounts:signup")
LOGIN = reverse("accounts:login")
NEW_PASSWORD = "mùa xuân trên Tây Bắc 2025"


@pytest.fixture(autouse=True)
def _english(client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def signup_data(cast: Cast, **changes: str) -> dict:
    data = {
        "username": "lo.van.sang",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        "full_name": "Lò Văn Sáng",
        "commune_query": "to hieu",
        "commune": str(cast.commune_a.pk),
        "hamlet": str(cast.hamlet_a.pk),
        "sex": "M",
        "birth_date": "1988-03-09",
        "ethnicity": "Thái",
        "id_number": "014088004321",
        "consent": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_the_signup_page_explains_what_is_stored_and_why(client: Client) -> None:
    response = client.get(SIGNUP)
    html = response.content.decode()
    assert response.status_code == 200
    assert "13/2023/NĐ-CP" in html and 'name="consent"' in html


def test_signing_up_creates_a_consenting_citizen_and_logs_them_in(client: Client, cast: Cast) -> None:
    response = client.post(SIGNUP, signup_data(cast))
    assert response.status_code == 302 and response["Location"] == reverse("home")
    person = Person.objects.get(user__username="lo.van.sang")
    assert person.consent_at is not None and person.unit == cast.hamlet_a
    assert (person.full_name, person.id_number_last4, person.entered_by) == (
        "Lò Văn Sáng",
        "4321",
        person.user,
    )
    assert RoleAssignment.objects.filter(user=person.user, role=Role.CITIZEN, unit=cast.hamlet_a).exists()
    assert person.user.check_password(NEW_PASSWORD)
    html = client.get("/").content.decode()
    assert "Lò Văn Sáng" in html and "••••••••4321" in html


def test_without_a_hamlet_the_citizen_is_registered_on_the_commune(client: Client, cast: Cast) -> None:
    assert client.post(SIGNUP, signup_data(cast, hamlet="")).status_code == 302
    assert Person.objects.get(user__username="lo.van.sang").unit == cast.commune_a


def test_signing_up_without_consent_is_refused_and_keeps_what_was_typed(client: Client, cast: Cast) -> None:
    response = client.post(SIGNUP, signup_data(cast, consent=None))
    html = response.content.decode()
    assert response.status_code == 400
    assert "Registration needs your consent to the processing of your data." in html
    assert 'value="lo.van.sang"' in html and 'value="Lò Văn Sáng"' in html and 'value="1988-03-09"' in html
    assert f'value="{cast.commune_a.pk}" checked' in html
    assert f'<option value="{cast.hamlet_a.pk}" selected>' in html
    assert not User.objects.filter(username="lo.van.sang").exists()
    assert not Person.objects.filter(full_name="Lò Văn Sáng").exists()


def test_passwords_go_through_djangos_validators(client: Client, cast: Cast) -> None:
    response = client.post(SIGNUP, signup_data(cast, password1="12345678", password2="12345678"))
    assert response.status_code == 400
    assert "This password is entirely numeric." in response.content.decode()
    response = client.post(SIGNUP, signup_data(cast, password2=NEW_PASSWORD + "x"))
    assert "didn’t match" in response.content.decode()
    assert not User.objects.filter(username="lo.van.sang").exists()


def test_a_service_refusal_lands_on_its_field(client: Client, cast: Cast) -> None:
    response = client.post(SIGNUP, signup_data(cast, id_number="12345"))
    assert response.status_code == 400
    assert "An ID card number has 12 digits (or 9 for an old card)." in response.content.decode()
    assert not User.objects.filter(username="lo.van.sang").exists()


def test_a_hamlet_of_another_commune_is_refused(client: Client, cast: Cast) -> None:
    response = client.post(SIGNUP, signup_data(cast, hamlet=str(cast.hamlet_b.pk)))
    assert response.status_code == 400
    assert "This hamlet does not belong to the chosen commune." in response.content.decode()


def test_find_lists_the_communes_without_registering(client: Client, cast: Cast) -> None:
    data = signup_data(cast, commune=None, hamlet=None, commune_query="Chieng Coi", find="1")
    response = client.post(SIGNUP, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'value="{cast.commune_b.pk}"' in html and "Phường Chiềng Cơi — Tỉnh Sơn La" in html
    assert "errorlist" not in html
    assert not User.objects.filter(username="lo.van.sang").exists()


def test_the_commune_search_folds_diacritics_and_offers_hamlets(client: Client, cast: Cast) -> None:
    body = client.get(reverse("accounts:unit-search"), {"q": "chieng coi"}).json()
    (match,) = [row for row in body["results"] if row["id"] == cast.commune_b.pk]
    assert match["label"] == "Phường Chiềng Cơi — Tỉnh Sơn La"
    assert match["hamlets"] == [{"id": cast.hamlet_b.pk, "name": "Tổ 2"}]
    assert client.get(reverse("accounts:unit-search"), {"q": "c"}).json() == {"results": []}


def test_a_logged_in_user_is_sent_home_from_signup(client: Client, cast: Cast) -> None:
    client.force_login(cast.citizen_a)
    assert client.get(SIGNUP)["Location"] == reverse("home")


def test_login_and_logout(client: Client, cast: Cast) -> None:
    assert client.get(LOGIN).status_code == 200
    response = client.post(LOGIN, {"username": "citizen_a", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get("/").context["user"] == cast.citizen_a
    assert client.get(reverse("accounts:logout")).status_code == 405  # logging out is a POST
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert not client.get("/").context["user"].is_authenticated


def test_a_wrong_password_is_refused_on_the_form(client: Client, cast: Cast) -> None:
    response = client.post(LOGIN, {"username": "citizen_a", "password": "wrong"})
    assert response.status_code == 200 and "errorlist" in response.content.decode()


def test_login_locks_after_the_failure_limit(client: Client, cast: Cast) -> None:
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"username": "citizen_a", "password": "guess"})
    response = client.post(LOGIN, {"username": "citizen_a", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert not client.get("/").context["user"].is_authenticated
