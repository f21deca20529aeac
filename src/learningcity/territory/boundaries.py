"""Unit boundaries: administrators upload the outlines of today's provinces or communes as a GeoJSON
FeatureCollection, with the source and licence the maps must credit.

The upload stores all of it or nothing: every bad feature is reported at once with its position in the file
(1-based; 0 for the file as a whole), the unit code as read and the reason. A unit already outlined gets the
new outline. Reads: `boundaries_summary`, a count per level, source and licence for the administrators' page.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from learningcity.accounts import policy
from learningcity.accounts.models import User
from learningcity.accounts.services import audit_append
from learningcity.text import nfc

from .codes import official_code
from .models import Era, Level, Unit, UnitBoundary

# Hamlet codes are only unique within their commune, so a flat file cannot name a hamlet unambiguously.
LEVELS = (Level.PROVINCE, Level.COMMUNE)
# Property keys that may carry a unit's code, in order of preference. Vietnamese datasets often give a
# commune both `ma_xa` and `ma_tinh`: reading `ma_tinh` for a commune (or `ma_xa` for a province) would
# silently outline another unit whose code happens to match, so each level reads only its own keys.
CODE_KEYS: dict[str, tuple[str, ...]] = {
    Level.PROVINCE: ("code", "ma", "ma_tinh", "MA", "Ma"),
    Level.COMMUNE: ("code", "ma", "ma_xa", "MA", "Ma"),
}
ANY_CODE_KEYS = ("code", "ma", "ma_xa", "ma_tinh", "MA", "Ma")
GEOMETRY_TYPES = ("Polygon", "MultiPolygon")
# Names a GeoJSON 2008 `crs` member may give to WGS 84 longitude/latitude (RFC 7946 dropped the member).
WGS84_NAMES = frozenset(
    {"urn:ogc:def:crs:ogc:1.3:crs84", "urn:ogc:def:crs:epsg::4326", "epsg:4326", "crs84", "wgs84"}
)
SOURCE_LENGTH = UnitBoundary._meta.get_field("source").max_length or 300
LICENCE_LENGTH = UnitBoundary._meta.get_field("licence").max_length or 120
MIN_RING_POSITIONS = 4  # RFC 7946 §3.1.6: a closed ring repeats its first position, so a triangle has four


def max_bytes() -> int:
    return int(settings.BOUNDARY_MAX_BYTES)


@dataclass(frozen=True)
class BoundaryError:
    """One refusal: the feature's position in the file (1-based; 0 for the file or the form as a whole), the
    unit code as read (empty when there is none), and why."""

    feature: int
    code: str
    reason: str


class BoundaryUploadError(ValidationError):
    """The file was refused as a whole; `errors` lists every bad feature. Nothing was stored."""

    def __init__(self, errors: list[BoundaryError]) -> None:
        super().__init__(_("The file has %(count)s error(s); nothing was stored.") % {"count": len(errors)})
        self.errors = errors


@dataclass(frozen=True)
class _Outline:
    feature: int
    code: str
    geometry: dict[str, Any]
    bbox: tuple[float, float, float, float]


@dataclass(frozen=True)
class BoundaryCount:
    level: str
    level_label: str
    source: str
    licence: str
    units: int
    last_upload: datetime | None


@dataclass(frozen=True)
class LevelCoverage:
    level: str
    level_label: str
    outlined: int
    units: int


# --------------------------------------------------------------------------------------------------------
# Reads


def boundaries_summary() -> tuple[list[LevelCoverage], list[BoundaryCount]]:
    """How many of today's provinces and communes are outlined, and the outlines by source and licence.

    Two aggregate queries, whatever the number of boundaries: the page never reads a geometry.
    """
    rows = (
        UnitBoundary.objects.values("unit__level", "source", "licence")
        .annotate(units=Count("pk"), last_upload=Max("uploaded_at"))
        .order_by("unit__level", "source", "licence")
    )
    counts = [
        BoundaryCount(
            level=row["unit__level"],
            level_label=str(Level(row["unit__level"]).label),
            source=row["source"],
            licence=row["licence"],
            units=row["units"],
            last_upload=row["last_upload"],
        )
        for row in rows
    ]
    outlined: dict[str, int] = defaultdict(int)
    for count in counts:
        outlined[count.level] += count.units
    totals = dict(
        Unit.objects.filter(era=Era.CURRENT, level__in=LEVELS)
        .values("level")
        .annotate(units=Count("pk"))
        .values_list("level", "units")
    )
    coverage = [
        LevelCoverage(
            level=level,
            level_label=str(level.label),
            outlined=outlined.get(level, 0),
            units=totals.get(level, 0),
        )
        for level in LEVELS
    ]
    return coverage, counts


# --------------------------------------------------------------------------------------------------------
# Parsing and checking


def _file_error(reason: str) -> BoundaryUploadError:
    return BoundaryUploadError([BoundaryError(0, "", reason)])


def _read_collection(data: bytes) -> list[Any]:
    """The features of a GeoJSON FeatureCollection; a file-level `BoundaryUploadError` otherwise."""
    limit = max_bytes()
    if len(data) > limit:
        raise _file_error(
            _("The file is larger than %(size)s; split it into several files.")
            % {"size": filesizeformat(limit)}
        )
    if not data.strip():
        raise _file_error(_("The file is empty."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _file_error(_("The file is not UTF-8 text: save it as UTF-8 and try again.")) from exc
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _file_error(
            _("The file is not valid JSON: the error is at line %(line)s, column %(column)s.")
            % {"line": exc.lineno, "column": exc.colno}
        ) from exc
    except RecursionError as exc:  # nesting deeper than any geometry needs
        raise _file_error(_("The file is nested too deeply to be GeoJSON.")) from exc
    if (
        not isinstance(document, dict)
        or document.get("type") != "FeatureCollection"
        or not isinstance(document.get("features"), list)
    ):
        raise _file_error(
            _('The file is not a GeoJSON FeatureCollection (its "type" must be "FeatureCollection").')
        )
    crs = _crs_name(document.get("crs"))
    if crs is not None and crs.lower() not in WGS84_NAMES:
        # Vietnamese surveys are often in VN-2000 metres: say so once rather than once per coordinate.
        raise _file_error(
            _(
                "The file is in the coordinate system %(crs)s; "
                "convert it to WGS 84 longitude/latitude (EPSG:4326)."
            )
            % {"crs": crs[:80]}
        )
    features: list[Any] = document["features"]
    if not features:
        raise _file_error(_("The FeatureCollection has no features."))
    return features


def _crs_name(crs: Any) -> str | None:
    if not isinstance(crs, dict):
        return None
    properties = crs.get("properties")
    name = properties.get("name") if isinstance(properties, dict) else None
    return name if isinstance(name, str) and name.strip() else None


def _code(properties: Any, keys: tuple[str, ...]) -> str | None:
    """The unit code from the first key present, leading zeros dropped ("03670" → "3670"); None if absent,
    "" if unreadable (not a whole number)."""
    if not isinstance(properties, dict):
        return None
    for key in keys:
        value = properties.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if isinstance(value, bool):
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        code = official_code(nfc(str(value)))
        return "" if code is None else code
    return None


def _raw_code(properties: Any, keys: tuple[str, ...]) -> str:
    """The code as written in the file, for the error table when it cannot be read as a code."""
    if isinstance(properties, dict):
        for key in keys:
            value = properties.get(key)
            if value is not None:
                return str(value)[:40]
    return ""


class _GeometryError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _is_number(value: Any) -> bool:
    # JSON gives NaN and Infinity as floats; a huge integer is finite (math.isfinite would overflow on it).
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))


def _polygons(geometry: dict[str, Any]) -> Iterator[tuple[int | None, Any]]:
    """(polygon number within a MultiPolygon or None, the polygon's rings)."""
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list) or not coordinates:
        raise _GeometryError(_("The geometry has no coordinates."))
    if geometry["type"] == "Polygon":
        yield None, coordinates
    else:
        yield from enumerate(coordinates, start=1)


def _check_geometry(geometry: Any) -> tuple[dict[str, Any], tuple[float, float, float, float]]:
    """The geometry reduced to its type and coordinates, and its bounding box; `_GeometryError` otherwise."""
    if not isinstance(geometry, dict):
        raise _GeometryError(_("The feature has no geometry."))
    kind = geometry.get("type")
    if kind not in GEOMETRY_TYPES:
        raise _GeometryError(
            _("Geometry must be a Polygon or MultiPolygon, not %(type)s.") % {"type": str(kind)[:40]}
        )
    min_lon = min_lat = math.inf
    max_lon = max_lat = -math.inf
    for polygon, rings in _polygons(geometry):
        if not isinstance(rings, list) or not rings:
            raise _GeometryError(_("Polygon %(polygon)s has no rings.") % {"polygon": polygon or 1})
        for ring_number, ring in enumerate(rings, start=1):
            where = (
                _("ring %(ring)s") % {"ring": ring_number}
                if polygon is None
                else _("polygon %(polygon)s, ring %(ring)s") % {"polygon": polygon, "ring": ring_number}
            )
            if not isinstance(ring, list) or len(ring) < MIN_RING_POSITIONS:
                raise _GeometryError(
                    _("In %(where)s: a ring needs at least 4 positions, this one has %(count)s.")
                    % {"where": where, "count": len(ring) if isinstance(ring, list) else 0}
                )
            for number, position in enumerate(ring, start=1):
                # [longitude, latitude], optionally an altitude (RFC 7946 §3.1.1), which maps ignore.
                if (
                    not isinstance(position, list)
                    or len(position) not in (2, 3)
                    or not all(_is_number(value) for value in position)
                ):
                    raise _GeometryError(
                        _(
                            "In %(where)s: position %(position)s is not "
                            "a [longitude, latitude] pair of numbers."
                        )
                        % {"where": where, "position": number}
                    )
                lon, lat = position[0], position[1]
                if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                    raise _GeometryError(
                        _(
                            "In %(where)s: position %(position)s (%(lon)s, %(lat)s) is outside longitude "
                            "-180…180, latitude -90…90."
                        )
                        % {"where": where, "position": number, "lon": str(lon)[:20], "lat": str(lat)[:20]}
                    )
                min_lon, max_lon = min(min_lon, lon), max(max_lon, lon)
                min_lat, max_lat = min(min_lat, lat), max(max_lat, lat)
            if ring[0][:2] != ring[-1][:2]:
                raise _GeometryError(
                    _("In %(where)s: the ring is not closed (its last position must repeat its first).")
                    % {"where": where}
                )
    clean = {"type": kind, "coordinates": geometry["coordinates"]}
    return clean, (float(min_lon), float(min_lat), float(max_lon), float(max_lat))


def _unknown_code_reason(level: str, code: str) -> str:
    if level == Level.PROVINCE:
        return _("No province of today's map has the code %(code)s.") % {"code": code}
    return _("No commune of today's map has the code %(code)s.") % {"code": code}


def _missing_code_reason(keys: tuple[str, ...]) -> str:
    return _("The feature has no unit code (a property named %(keys)s).") % {"keys": ", ".join(keys)}


def _check_features(
    features: list[Any], level: str | None
) -> tuple[list[_Outline], dict[str, int], list[BoundaryError]]:
    """Every feature checked; the good ones as outlines, their codes resolved to unit ids (one query)."""
    keys = CODE_KEYS.get(level or "", ANY_CODE_KEYS)
    outlines: list[_Outline] = []
    errors: list[BoundaryError] = []
    first_seen: dict[str, int] = {}
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            errors.append(
                BoundaryError(number, "", _('This is not a GeoJSON Feature (its "type" must be "Feature").'))
            )
            continue
        properties = feature.get("properties")
        code = _code(properties, keys)
        feature_errors: list[BoundaryError] = []
        if code is None:
            feature_errors.append(BoundaryError(number, "", _missing_code_reason(keys)))
        elif not code:
            feature_errors.append(
                BoundaryError(number, _raw_code(properties, keys), _("A unit code is a whole number."))
            )
        elif code in first_seen:
            feature_errors.append(
                BoundaryError(
                    number,
                    code,
                    _("This unit is already in feature %(feature)s.") % {"feature": first_seen[code]},
                )
            )
        else:
            first_seen[code] = number
        try:
            geometry, bbox = _check_geometry(feature.get("geometry"))
        except _GeometryError as exc:
            feature_errors.append(BoundaryError(number, code or "", exc.reason))
        else:
            if not feature_errors and code:
                outlines.append(_Outline(number, code, geometry, bbox))
        errors.extend(feature_errors)
    unit_ids: dict[str, int] = {}
    if level is not None and first_seen:
        unit_ids = dict(
            Unit.objects.filter(era=Era.CURRENT, level=level, code__in=first_seen).values_list("code", "pk")
        )
        # Reported on the feature that first named the code; the duplicates already have their own error.
        errors.extend(
            BoundaryError(number, code, _unknown_code_reason(level, code))
            for code, number in first_seen.items()
            if code not in unit_ids
        )
    errors.sort(key=lambda error: error.feature)
    return outlines, unit_ids, errors


def _form_errors(level: str, source: str, licence: str) -> list[BoundaryError]:
    errors: list[BoundaryError] = []
    if level not in LEVELS:
        errors.append(BoundaryError(0, "", _("Boundaries are loaded for today's provinces or communes.")))
    if not source:
        errors.append(
            BoundaryError(0, "", _("Name the source of the boundaries (a survey, an open-data portal…)."))
        )
    elif len(source) > SOURCE_LENGTH:
        errors.append(
            BoundaryError(0, "", _("Keep the source under %(limit)s characters.") % {"limit": SOURCE_LENGTH})
        )
    if not licence:
        errors.append(
            BoundaryError(0, "", _("Name the licence of the boundaries (for example CC BY 4.0 or ODbL)."))
        )
    elif len(licence) > LICENCE_LENGTH:
        errors.append(
            BoundaryError(
                0, "", _("Keep the licence under %(limit)s characters.") % {"limit": LICENCE_LENGTH}
            )
        )
    return errors


# --------------------------------------------------------------------------------------------------------
# Writes


@transaction.atomic
def boundaries_upload(*, actor: User, data: bytes, level: str, source: str, licence: str) -> int:
    """Store the outlines of a GeoJSON FeatureCollection of today's provinces or communes; return how many.

    Each feature names its unit by a code property (`CODE_KEYS`; leading zeros ignored) and has a Polygon or
    MultiPolygon geometry in WGS 84 longitude/latitude. Raises PermissionDenied unless the actor is an
    administrator, and `BoundaryUploadError` (a ValidationError carrying every `BoundaryError`) when the form,
    the file or any feature is bad; then nothing is stored. A unit already outlined is given the new outline,
    source and licence. One audit entry records the upload.
    """
    if not policy.can_manage_frameworks(actor):
        raise PermissionDenied(_("Only administrators upload boundaries."))
    clean_source, clean_licence = nfc(source or ""), nfc(licence or "")
    errors = _form_errors(level, clean_source, clean_licence)
    try:
        features = _read_collection(data)
    except BoundaryUploadError as exc:
        raise BoundaryUploadError([*errors, *exc.errors]) from exc
    outlines, unit_ids, feature_errors = _check_features(features, level if level in LEVELS else None)
    errors.extend(feature_errors)
    if errors:
        raise BoundaryUploadError(errors)
    boundaries = [
        UnitBoundary(
            unit_id=unit_ids[outline.code],
            geometry=outline.geometry,
            min_lon=outline.bbox[0],
            min_lat=outline.bbox[1],
            max_lon=outline.bbox[2],
            max_lat=outline.bbox[3],
            source=clean_source,
            licence=clean_licence,
            uploaded_by=actor,
        )
        for outline in outlines
    ]
    UnitBoundary.objects.bulk_create(
        boundaries,
        batch_size=200,  # geometries are large: keep each statement well under the database's limits
        update_conflicts=True,
        unique_fields=["unit"],
        update_fields=[
            "geometry",
            "min_lon",
            "min_lat",
            "max_lon",
            "max_lat",
            "source",
            "licence",
            "uploaded_by",
            "uploaded_at",
        ],
    )
    first = boundaries[0]
    if first.pk is None:  # a backend that does not return the ids of upserted rows
        first = UnitBoundary.objects.only("pk").get(unit_id=first.unit_id)
    audit_append(
        actor=actor,
        action="boundaries.upload",
        obj=first,
        unit=None,
        data={"level": level, "units": len(boundaries), "source": clean_source, "licence": clean_licence},
    )
    return len(boundaries)
