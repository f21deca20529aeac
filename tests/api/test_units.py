"""Units: diacritic-folding search, filters, children, pagination."""

from __future__ import annotations

import unicodedata

from ..cast import Cast
from .conftest import call, client_for


def test_search_folds_diacritics_and_d(cast: Cast) -> None:
    client = client_for(cast, "citizen_a")
    for query in ("chieng coi", "Chiềng Cơi", unicodedata.normalize("NFD", "CHIỀNG CƠI")):
        body = call(client, "GET", f"/api/units?q={query}&era=2025&level=commune").json()
        assert [unit["code"] for unit in body["items"]] == ["3670"], query
    dien_bien = call(client, "GET", "/api/units?q=dien bien&level=province&era=2025").json()
    assert [unit["name"] for unit in dien_bien["items"]] == ["Tỉnh Điện Biên"]


def test_filters_combine_and_lists_paginate(cast: Cast) -> None:
    client = client_for(cast, "officer_a")
    communes = call(client, "GET", f"/api/units?parent={cast.son_la.pk}&limit=5").json()
    assert communes["count"] == cast.son_la.children.count() > 5
    assert len(communes["items"]) == 5
    assert {unit["parent_id"] for unit in communes["items"]} == {cast.son_la.pk}
    page_2 = call(client, "GET", f"/api/units?parent={cast.son_la.pk}&limit=5&offset=5").json()
    assert not {u["id"] for u in page_2["items"]} & {u["id"] for u in communes["items"]}
    legacy = call(client, "GET", "/api/units?era=legacy&level=district&q=son la").json()
    assert legacy["items"] and {unit["era"] for unit in legacy["items"]} == {"legacy"}


def test_a_unit_and_its_children(cast: Cast) -> None:
    client = client_for(cast, "citizen_a")
    unit = call(client, "GET", f"/api/units/{cast.commune_a.pk}").json()
    assert (unit["name"], unit["level"], unit["parent_id"]) == ("Phường Tô Hiệu", "commune", cast.son_la.pk)
    children = call(client, "GET", f"/api/units/{cast.commune_a.pk}/children").json()
    assert [child["name"] for child in children["items"]] == ["Tổ 1"]
