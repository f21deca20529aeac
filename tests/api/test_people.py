"""People: the ID number only masked; birth date and ethnicity only for the roles that need them."""

from __future__ import annotations

from learningcity.recognition.models import Person

from ..cast import Cast
from .conftest import call, client_for


def test_the_id_number_is_only_ever_masked(cast: Cast) -> None:
    for member in ("citizen_a", "head_a", "officer_a", "province"):
        client = client_for(cast, member)
        detail = call(client, "GET", f"/api/people/{cast.person_a.pk}")
        listing = call(client, "GET", "/api/people")
        for response in (detail, listing):
            assert "014190001234" not in response.content.decode()
        assert detail.json()["id_number_masked"] == "••••••••1234"


def test_birth_date_and_ethnicity_only_for_those_who_need_them(cast: Cast) -> None:
    expected = {"citizen_a": True, "officer_a": True, "province": True, "head_a": False}
    for member, sees in expected.items():
        person = call(client_for(cast, member), "GET", f"/api/people/{cast.person_a.pk}").json()
        assert person["sensitive_visible"] is sees, member
        if sees:
            assert (person["birth_date"], person["birth_year"], person["ethnicity"]) == (
                "1990-05-17",
                1990,
                "Thái",
            )
        else:
            assert (person["birth_date"], person["birth_year"], person["ethnicity"]) == (None, None, None)
    listing = call(client_for(cast, "officer_a"), "GET", "/api/people").json()["items"][0]
    assert not {"birth_date", "birth_year", "ethnicity", "phone"} & set(listing)


def test_search_by_name_folds_diacritics(cast: Cast) -> None:
    client = client_for(cast, "province")
    assert [p["full_name"] for p in call(client, "GET", "/api/people?q=lo thi").json()["items"]] == [
        "Lò Thị Mai"
    ]
    assert call(client, "GET", "/api/people?q=binh").json()["count"] == 1


def test_a_head_enrols_a_citizen_on_their_behalf(cast: Cast) -> None:
    response = call(
        client_for(cast, "head_a"),
        "POST",
        "/api/people",
        {
            "unit_id": cast.hamlet_a.pk,
            "full_name": "  Cầm Thị Ơn ",
            "consent_confirmed": True,
            "sex": "F",
            "birth_date": "1958-03-02",
            "ethnicity": "Thái",
            "id_number": "014158000111",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["full_name"], body["id_number_masked"], body["entered_on_behalf"]) == (
        "Cầm Thị Ơn",
        "••••••••0111",
        True,
    )
    assert body["birth_date"] is None  # a hamlet head does not read birth dates, even of those they enrol
    person = Person.objects.get(pk=body["id"])
    assert (person.entered_by, person.birth_date.year, person.id_number_last4) == (cast.head_a, 1958, "0111")


def test_enrolment_without_consent_is_refused(cast: Cast) -> None:
    response = call(
        client_for(cast, "officer_a"),
        "POST",
        "/api/people",
        {"unit_id": cast.hamlet_a.pk, "full_name": "Hà Văn Tư", "consent_confirmed": False},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["loc"] == ["consent_confirmed"]
