from __future__ import annotations

import pytest


@pytest.mark.django_db
def test_the_list_shows_the_six_vietnamese_members(client) -> None:  # noqa: ANN001
    response = client.get("/cities/")
    assert response.status_code == 200
    for name in [
        "Thành phố Sơn La",
        "Thành phố Vinh",
        "Thành phố Sa Đéc",
        "Thành phố Cao Lãnh",
        "Thành phố Hà Nội",
    ]:
        assert name in response.content.decode()


@pytest.mark.django_db
def test_sa_dec_shows_its_district_then_and_its_partial_commune_today(client) -> None:  # noqa: ANN001
    page = client.get("/cities/sa-dec/").content.decode()
    assert "Thành phố Sa Đéc" in page and "Phường Sa Đéc" in page
    tan_duong = page.split("Xã Tân Dương", 1)[1].split("</li>", 1)[0]
    assert "badge" in tan_duong


@pytest.mark.django_db
def test_an_unknown_city_is_404(client) -> None:  # noqa: ANN001
    assert client.get("/cities/nowhere/").status_code == 404
