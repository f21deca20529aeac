"""Unit boundaries: administrators upload a GeoJSON FeatureCollection of today's provinces or communes with
its source and licence; the file is stored whole or not at all, every bad feature reported at once."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from learningcity.accounts.models import AuditEntry
from learningcity.territory.boundaries import BoundaryError, BoundaryUploadError, boundaries_upload
from learningcity.territory.models import Level, UnitBoundary

from ..cast import Cast

PAGE = reverse("territory:boundaries")
SOURCE = "Bản đồ hành chính tỉnh Sơn La 2025"
LICENCE = "CC BY 4.0"
# Tô Hiệu and Chiềng Cơi lie around 103.9°E, 21.3°N. Other communes of Sơn La today: 3664, 3679, 3688, 3694.
SQUARE = [[[103.90, 21.30], [103.95, 21.30], [103.95, 21.35], [103.90, 21.35], [103.90, 21.30]]]
TWO_ISLANDS = [
    [[[103.80, 21.20], [103.85, 21.20], [103.85, 21.25], [103.80, 21.20]]],
    [[[103.96, 21.28], [104.01, 21.28], [104.01, 21.33], [103.96, 21.28]]],
]


def feature(properties: dict[str, Any] | None, geometry: dict[str, Any] | None) -> dict[str, Any]:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def polygon(coordinates: Any = SQUARE) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": coordinates}


def collection(*features: dict[str, Any]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}, ensure_ascii=False).encode()


def good_file() -> bytes:
    return collection(
        feature({"code": 3646, "ten": "Phường Tô Hiệu"}, polygon()),
        feature({"ma_xa": "03670"}, {"type": "MultiPolygon", "coordinates": TWO_ISLANDS}),
    )


def upload(actor: Any, data: bytes, **overrides: str) -> int:
    arguments = {"level": Level.COMMUNE, "source": SOURCE, "licence": LICENCE, **overrides}
    return boundaries_upload(actor=actor, data=data, **arguments)


def refusal(actor: Any, data: bytes, **overrides: str) -> list[BoundaryError]:
    with pytest.raises(BoundaryUploadError) as caught:
        upload(actor, data, **overrides)
    assert not UnitBoundary.objects.exists()
    assert not AuditEntry.objects.filter(action="boundaries.upload").exists()
    return caught.value.errors


# --------------------------------------------------------------------------------------------------------
# The service


def test_a_good_file_stores_each_units_outline_with_its_box_source_and_licence(cast: Cast) -> None:
    assert upload(cast.admin, good_file(), source=f"  {SOURCE}  ") == 2
    to_hieu, chieng_coi = (UnitBoundary.objects.get(unit=unit) for unit in (cast.commune_a, cast.commune_b))
    assert to_hieu.geometry == polygon()
    assert (to_hieu.min_lon, to_hieu.min_lat, to_hieu.max_lon, to_hieu.max_lat) == (
        103.90,
        21.30,
        103.95,
        21.35,
    )
    assert chieng_coi.geometry == {"type": "MultiPolygon", "coordinates": TWO_ISLANDS}
    assert (chieng_coi.min_lon, chieng_coi.min_lat, chieng_coi.max_lon, chieng_coi.max_lat) == (
        103.80,
        21.20,
        104.01,
        21.33,
    )
    for boundary in (to_hieu, chieng_coi):
        assert (boundary.source, boundary.licence, boundary.uploaded_by) == (SOURCE, LICENCE, cast.admin)
    entry = AuditEntry.objects.get(action="boundaries.upload")
    assert entry.actor == cast.admin
    assert entry.data == {"level": "commune", "units": 2, "source": SOURCE, "licence": LICENCE}
    assert entry.object_type == "territory.unitboundary"
    assert entry.object_id in {str(to_hieu.pk), str(chieng_coi.pk)}


def test_source_and_licence_are_stored_in_nfc(cast: Cast) -> None:
    decomposed = "Ba\u0309n đô\u0300 Sơn La"  # "Bản đồ" as some Mac keyboards type it
    upload(cast.admin, good_file(), source=decomposed)
    assert set(UnitBoundary.objects.values_list("source", flat=True)) == {"Bản đồ Sơn La"}


def test_a_province_file_reads_ma_tinh_and_a_bom(cast: Cast) -> None:
    data = "\ufeff".encode() + collection(feature({"ma_tinh": "14", "ma_xa": "3646"}, polygon()))
    assert upload(cast.admin, data, level=Level.PROVINCE) == 1
    assert UnitBoundary.objects.get().unit == cast.son_la


def test_uploading_again_replaces_the_outline_without_duplicates(cast: Cast) -> None:
    upload(cast.admin, good_file())
    first_pk = UnitBoundary.objects.get(unit=cast.commune_a).pk
    moved = [[[lon + 0.01, lat] for lon, lat in ring] for ring in SQUARE]
    upload(
        cast.admin,
        collection(feature({"code": "3646"}, polygon(moved))),
        source="Khảo sát 2026",
        licence="ODbL",
    )
    assert UnitBoundary.objects.count() == 2
    to_hieu = UnitBoundary.objects.get(unit=cast.commune_a)
    assert to_hieu.pk == first_pk
    assert to_hieu.geometry == polygon(moved)
    assert (to_hieu.min_lon, to_hieu.max_lon) == pytest.approx((103.91, 103.96))
    assert (to_hieu.source, to_hieu.licence) == ("Khảo sát 2026", "ODbL")
    assert UnitBoundary.objects.get(unit=cast.commune_b).source == SOURCE
    assert AuditEntry.objects.filter(action="boundaries.upload").count() == 2


def test_every_bad_feature_is_reported_at_once_and_nothing_is_stored(cast: Cast) -> None:
    data = collection(
        feature({"code": "3646"}, polygon()),  # good, yet not stored: the file goes whole or not at all
        feature({"code": "99999"}, polygon()),
        feature({"code": "3670"}, {"type": "Point", "coordinates": [103.9, 21.3]}),
        feature({"ma": "3646"}, polygon()),
        feature({"code": "3664"}, polygon([[[103.9, 21.3], [203.9, 21.3], [103.9, 21.4], [103.9, 21.3]]])),
        feature({"code": "3679"}, polygon([[[103.9, 21.3], [104.0, 21.3], [104.0, 21.4], [103.9, 21.4]]])),
        feature({"code": "3688"}, polygon([[[103.9, 21.3], [104.0, 21.3], [103.9, 21.3]]])),
        feature({"ten": "Phường không mã"}, polygon()),
        feature({"code": "3694"}, None),
    )
    errors = refusal(cast.admin, data)
    assert [(error.feature, error.code) for error in errors] == [
        (2, "99999"),
        (3, "3670"),
        (4, "3646"),
        (5, "3664"),
        (6, "3679"),
        (7, "3688"),
        (8, ""),
        (9, "3694"),
    ]
    reasons = [error.reason for error in errors]
    assert reasons[0] == "No commune of today's map has the code 99999."
    assert reasons[1] == "Geometry must be a Polygon or MultiPolygon, not Point."
    assert reasons[2] == "This unit is already in feature 1."
    assert reasons[3] == (
        "In ring 1: position 2 (203.9, 21.3) is outside longitude -180…180, latitude -90…90."
    )
    assert reasons[4] == "In ring 1: the ring is not closed (its last position must repeat its first)."
    assert reasons[5] == "In ring 1: a ring needs at least 4 positions, this one has 3."
    assert reasons[6].startswith("The feature has no unit code") and "ma_xa" in reasons[6]
    assert reasons[7] == "The feature has no geometry."


@pytest.mark.parametrize(
    ("geometry", "reason"),
    [
        (
            {
                "type": "MultiPolygon",
                "coordinates": [SQUARE, [[[103.9, "21.3"], [104, 21], [104, 22], [103.9, 21]]]],
            },
            "In polygon 2, ring 1: position 1 is not a [longitude, latitude] pair of numbers.",
        ),
        (
            polygon([[[103.9, 95.0], [104, 21], [104, 22], [103.9, 95.0]]]),
            "In ring 1: position 1 (103.9, 95.0)",
        ),
        (polygon([]), "The geometry has no coordinates."),
    ],
)
def test_a_bad_geometry_says_where(cast: Cast, geometry: dict[str, Any], reason: str) -> None:
    [error] = refusal(cast.admin, collection(feature({"code": "3646"}, geometry)))
    assert (error.feature, error.code) == (1, "3646")
    assert error.reason.startswith(reason)


def test_not_a_number_in_a_coordinate_is_refused(cast: Cast) -> None:
    data = collection(feature({"code": "3646"}, polygon())).replace(b"103.95", b"NaN", 1)
    [error] = refusal(cast.admin, data)
    assert "position 2 is not a [longitude, latitude] pair of numbers" in error.reason


def test_a_commune_code_is_not_read_from_the_province_code(cast: Cast) -> None:
    # "14" is Sơn La's code; read as a commune's code it would outline some other commune.
    [error] = refusal(cast.admin, collection(feature({"ma_tinh": "14"}, polygon())))
    assert (error.feature, error.code) == (1, "")
    assert "no unit code" in error.reason


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "The file is empty."),
        (b"\xff\xfe{}", "The file is not UTF-8 text: save it as UTF-8 and try again."),
        (
            b'{"type": "FeatureCollection",\n "features": [',
            "The file is not valid JSON: the error is at line 2",
        ),
        (
            b'{"type": "Feature", "properties": {}, "geometry": null}',
            "The file is not a GeoJSON FeatureCollection",
        ),
        (b"[1, 2]", "The file is not a GeoJSON FeatureCollection"),
        (b'{"type": "FeatureCollection", "features": []}', "The FeatureCollection has no features."),
        (
            b'{"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "EPSG:3405"}},'
            b' "features": []}',
            "The file is in the coordinate system EPSG:3405;",
        ),
    ],
)
def test_a_bad_file_is_one_error_for_the_whole_file(cast: Cast, data: bytes, reason: str) -> None:
    [error] = refusal(cast.admin, data)
    assert (error.feature, error.code) == (0, "")
    assert error.reason.startswith(reason)


def test_a_file_over_the_limit_is_refused_before_it_is_read(cast: Cast, settings) -> None:  # noqa: ANN001
    settings.BOUNDARY_MAX_BYTES = 100
    [error] = refusal(cast.admin, good_file())
    assert error == BoundaryError(0, "", "The file is larger than 100\xa0bytes; split it into several files.")


def test_source_licence_and_level_are_required(cast: Cast) -> None:
    errors = refusal(cast.admin, good_file(), source="   ", licence="", level=Level.HAMLET)
    assert [error.feature for error in errors] == [0, 0, 0]
    assert [error.reason.split(" ", 2)[:2] for error in errors] == [
        ["Boundaries", "are"],
        ["Name", "the"],
        ["Name", "the"],
    ]
    assert "source" in errors[1].reason and "licence" in errors[2].reason
    [error] = refusal(cast.admin, good_file(), licence="x" * 121)
    assert error.reason == "Keep the licence under 120 characters."


@pytest.mark.parametrize("who", ["province", "officer_a", "citizen_a", "outsider"])
def test_only_administrators_upload_boundaries(cast: Cast, who: str) -> None:
    with pytest.raises(PermissionDenied):
        upload(getattr(cast, who), good_file())
    assert not UnitBoundary.objects.exists()


# --------------------------------------------------------------------------------------------------------
# The page


@pytest.fixture
def admin_client(client: Client, cast: Cast) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(cast.admin)
    return client


def post(client: Client, data: bytes, name: str = "communes.geojson", **fields: str):  # noqa: ANN201
    form = {"level": Level.COMMUNE, "source": SOURCE, "licence": LICENCE, **fields}
    return client.post(
        PAGE, {**form, "file": SimpleUploadedFile(name, data, content_type="application/geo+json")}
    )


def test_the_page_is_for_administrators_only(client: Client, cast: Cast) -> None:
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    for who in ("province", "officer_a", "citizen_a"):
        client.force_login(getattr(cast, who))
        assert client.get(PAGE).status_code == 403, who
        assert post(client, good_file()).status_code == 403, who
    assert not UnitBoundary.objects.exists()


def test_the_menu_links_administrators_to_the_page(admin_client: Client, cast: Cast) -> None:
    assert f'href="{PAGE}"' in admin_client.get(reverse("home")).content.decode()
    admin_client.force_login(cast.officer_a)
    assert f'href="{PAGE}"' not in admin_client.get(reverse("home")).content.decode()


def test_a_refused_file_shows_every_error_and_keeps_what_was_typed(admin_client: Client) -> None:
    data = collection(feature({"code": "99999"}, polygon()), feature({"code": "3670"}, {"type": "Point"}))
    response = post(admin_client, data, source="Khảo sát địa chính 2025", licence="ODbL")
    assert response.status_code == 400
    page = response.content.decode()
    table = page.split('id="boundary-errors"', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") == 3  # the header and two features
    assert "99999" in table and "No commune of today&#x27;s map has the code 99999." in table
    assert "Geometry must be a Polygon or MultiPolygon, not Point." in table
    assert 'value="Khảo sát địa chính 2025"' in page and 'value="ODbL"' in page
    assert not UnitBoundary.objects.exists()


def test_a_file_of_another_kind_is_refused_by_the_form(admin_client: Client) -> None:
    response = post(admin_client, good_file(), name="communes.kml")
    assert response.status_code == 400
    assert "Choose a .geojson or .json file." in response.content.decode()
    assert not UnitBoundary.objects.exists()


def test_a_good_file_redirects_and_the_page_counts_what_is_loaded(
    admin_client: Client, cast: Cast, django_assert_max_num_queries
) -> None:  # noqa: ANN001
    response = post(admin_client, good_file())
    assert response.status_code == 302 and response["Location"] == PAGE
    assert UnitBoundary.objects.count() == 2
    with django_assert_max_num_queries(
        4
    ):  # session, user, boundaries by level/source/licence, units per level
        response = admin_client.get(PAGE)
    page = response.content.decode()
    assert "Stored the boundaries of 2 units." in page
    table = page.split('id="boundary-counts"', 1)[1].split("</table>", 1)[0]
    row = table.split("</thead>", 1)[1]
    assert "Commune" in row and SOURCE in row and LICENCE in row and '<td class="number">2</td>' in row
    assert 'id="boundary-errors"' not in page


def test_a_file_over_the_limit_is_refused_by_the_form(admin_client: Client, settings) -> None:  # noqa: ANN001
    settings.BOUNDARY_MAX_BYTES = 100
    response = post(admin_client, good_file())
    assert response.status_code == 400
    assert "The file is larger than 100\xa0bytes; split it into several files." in response.content.decode()
    assert not UnitBoundary.objects.exists()
