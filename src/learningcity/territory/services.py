"""Writes to the territory: loading the official unit list, hamlets, learning cities."""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import yaml
from django.db import transaction
from django.utils import timezone

from learningcity.text import fold, nfc

from .models import Era, LearningCity, LearningCityUnit, Level, Unit, UnitConversion

DATA_DIR = Path(__file__).resolve().parent / "data"
REFORM_DATE = dt.date(2025, 7, 1)
LEGACY_UNTIL = dt.date(2025, 6, 30)
OFFICIAL_SOURCE = "NSO danhmuchanhchinh.nso.gov.vn (vietnam-provinces 2026.9.0 data)"

Progress = Callable[[str], None]


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / "vn" / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _create_level(
    era: Era, level: Level, rows: list[dict[str, str]], parents: dict[str, Unit] | None, parent_key: str
) -> dict[str, Unit]:
    valid_from, valid_until = (REFORM_DATE, None) if era == Era.CURRENT else (None, LEGACY_UNTIL)
    units = [
        Unit(
            era=era,
            level=level,
            code=row["code"],
            name=nfc(row["name"]),
            name_folded=fold(row["name"]),
            division_type=row["division_type"],
            parent=parents[row[parent_key]] if parents is not None else None,
            path="",
            valid_from=valid_from,
            valid_until=valid_until,
            source=OFFICIAL_SOURCE,
        )
        for row in rows
    ]
    Unit.objects.bulk_create(units, batch_size=500)
    # bulk_create returns primary keys on SQLite and PostgreSQL; the path needs them.
    for unit in units:
        parent_path = unit.parent.path if unit.parent is not None else "/"
        unit.path = f"{parent_path}{unit.pk}/"
    Unit.objects.bulk_update(units, ["path"], batch_size=500)
    return {unit.code: unit for unit in units}


@transaction.atomic
def territory_load_official(*, progress: Progress | None = None) -> dict[str, int]:
    """Load the official tree (both eras) and the old→new table; a no-op when already loaded.

    Returns counts per kind of row created.
    """
    if Unit.objects.filter(era=Era.CURRENT, level=Level.PROVINCE).exists():
        return {}
    say = progress or (lambda _message: None)
    say("provinces and communes since 2025-07-01")
    provinces = _create_level(Era.CURRENT, Level.PROVINCE, _rows("provinces_2025.csv"), None, "")
    communes = _create_level(
        Era.CURRENT, Level.COMMUNE, _rows("communes_2025.csv"), provinces, "province_code"
    )
    say("provinces, districts and communes before the reform")
    old_provinces = _create_level(Era.LEGACY, Level.PROVINCE, _rows("legacy_provinces.csv"), None, "")
    old_districts = _create_level(
        Era.LEGACY, Level.DISTRICT, _rows("legacy_districts.csv"), old_provinces, "province_code"
    )
    old_communes = _create_level(
        Era.LEGACY, Level.COMMUNE, _rows("legacy_communes.csv"), old_districts, "district_code"
    )
    say("old→new commune table")
    table = _rows("commune_conversion_2025.csv")
    # A few old communes appear in the conversion table but not in the legacy list (units changed between the
    # two snapshots). Keep their rows: add them under their district with the name marked as unknown.
    unnamed = {row["old_code"]: row for row in table if row["old_code"] not in old_communes}
    if unnamed:
        extra = _create_level(
            Era.LEGACY,
            Level.COMMUNE,
            [
                {
                    "code": code,
                    "name": f"Đơn vị mã {code}",
                    "division_type": "",
                    "district_code": row["old_district_code"],
                }
                for code, row in sorted(unnamed.items())
            ],
            old_districts,
            "district_code",
        )
        Unit.objects.filter(pk__in=[u.pk for u in extra.values()]).update(flags={"name_unknown": True})
        old_communes.update(extra)
    conversions = [
        UnitConversion(
            old_unit=old_communes[row["old_code"]],
            new_unit=communes[row["new_code"]],
            is_partly_merged=row["is_partly_merged"] == "1",
        )
        for row in table
    ]
    UnitConversion.objects.bulk_create(conversions, batch_size=500)
    return {
        "provinces": len(provinces),
        "communes": len(communes),
        "legacy_provinces": len(old_provinces),
        "legacy_districts": len(old_districts),
        "legacy_communes": len(old_communes),
        "conversions": len(conversions),
    }


def _legacy_communes_under(units: list[Unit]) -> set[int]:
    ids: set[int] = set()
    for unit in units:
        if unit.level == Level.COMMUNE:
            ids.add(unit.pk)
        else:
            ids.update(
                Unit.objects.filter(
                    path__startswith=unit.path, level=Level.COMMUNE, era=Era.LEGACY
                ).values_list("pk", flat=True)
            )
    return ids


def learning_city_derive_current_units(city: LearningCity) -> list[LearningCityUnit]:
    """Today's communes of a city that joined on pre-reform units, through the old→new table.

    A new commune is partial when some of its old parts lay outside the city.
    """
    joined = [
        m.unit for m in city.memberships.filter(basis=LearningCityUnit.Basis.AS_JOINED).select_related("unit")
    ]
    legacy = [u for u in joined if u.era == Era.LEGACY]
    if not legacy:
        return []
    inside = _legacy_communes_under(legacy)
    sources: dict[int, set[int]] = defaultdict(set)
    targets = set(UnitConversion.objects.filter(old_unit_id__in=inside).values_list("new_unit_id", flat=True))
    for old_id, new_id in UnitConversion.objects.filter(new_unit_id__in=targets).values_list(
        "old_unit_id", "new_unit_id"
    ):
        sources[new_id].add(old_id)
    valid_from = max(REFORM_DATE, min(m.valid_from for m in city.memberships.all()))
    derived = [
        LearningCityUnit(
            city=city,
            unit_id=new_id,
            basis=LearningCityUnit.Basis.DERIVED,
            valid_from=valid_from,
            partial=not sources[new_id] <= inside,
        )
        for new_id in sorted(targets)
    ]
    LearningCityUnit.objects.filter(city=city, basis=LearningCityUnit.Basis.DERIVED).delete()
    return LearningCityUnit.objects.bulk_create(derived)


@transaction.atomic
def learning_cities_seed() -> int:
    """Seed Vietnam's GNLC members from `data/learning_cities.yaml`; returns how many were created."""
    with (DATA_DIR / "learning_cities.yaml").open(encoding="utf-8") as handle:
        entries = yaml.safe_load(handle)
    created = 0
    for entry in entries:
        city, was_created = LearningCity.objects.get_or_create(
            slug=entry["slug"],
            defaults={
                "name": entry["name"],
                "name_en": entry["name_en"],
                "gnlc_joined": entry["gnlc_joined"],
                "source": entry["source"],
            },
        )
        if not was_created:
            continue
        created += 1
        for ref in entry["units"]:
            unit = Unit.objects.get(era=ref["era"], level=ref["level"], code=ref["code"])
            LearningCityUnit.objects.create(
                city=city, unit=unit, basis=LearningCityUnit.Basis.AS_JOINED, valid_from=entry["joined_on"]
            )
        learning_city_derive_current_units(city)
    return created


def hamlet_create(*, commune: Unit, name: str, code: str = "", division_type: str = "thôn") -> Unit:
    """A hamlet or residential group below one of today's communes (callers check permission: the policy)."""
    if commune.level != Level.COMMUNE or commune.era != Era.CURRENT:
        raise ValueError("Hamlets hang below one of today's communes.")
    clean = nfc(name)
    hamlet = Unit.objects.create(
        era=Era.CURRENT,
        level=Level.HAMLET,
        code=code or fold(clean).replace(" ", "-"),
        name=clean,
        name_folded=fold(clean),
        division_type=division_type,
        parent=commune,
        path="",
        valid_from=timezone.localdate(),
        source="created by users",
    )
    hamlet.path = f"{commune.path}{hamlet.pk}/"
    hamlet.save(update_fields=["path"])
    return hamlet
