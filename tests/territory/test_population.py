"""Population figures: entered per unit and year with their source by the commune (its commune and hamlets) or
the province; imported from a CSV of today's communes, all rows or none, every bad row reported."""

from __future__ import annotations

import unicodedata

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from learningcity.accounts.models import AuditEntry
from learningcity.territory import population
from learningcity.territory.models import Era, Level, PopulationFigure, Unit
from learningcity.territory.population import PopulationImportError, RowError

from ..cast import Cast, current

HEADER = "unit_code,year,people,adults,households,clans,hamlets,organisations,source\n"
SOURCE = "Tổng điều tra dân số 2024"


def figures(unit: Unit) -> dict[int, tuple]:
    return {
        f.year: (f.people, f.adults, f.households, f.clans, f.hamlets, f.organisations, f.source)
        for f in PopulationFigure.objects.filter(unit=unit)
    }


# --------------------------------------------------------------------------------------------------------
# Entering figures


@pytest.mark.parametrize(
    ("who", "where", "allowed"),
    [
        ("officer_a", "commune_a", True),
        ("officer_a", "hamlet_a", True),
        ("province", "son_la", True),
        ("province", "commune_b", True),
        ("officer_a", "commune_b", False),
        ("officer_a", "son_la", False),
        ("officer_b", "hamlet_a", False),
        ("head_a", "hamlet_a", False),
        ("citizen_a", "hamlet_a", False),
        ("outsider", "commune_a", False),
    ],
)
def test_who_enters_figures_where(cast: Cast, who: str, where: str, allowed: bool) -> None:
    actor, unit = getattr(cast, who), getattr(cast, where)
    if allowed:
        figure = population.population_set(actor=actor, unit=unit, year=2024, people=1200, source=SOURCE)
        assert (figure.unit, figure.year, figure.people, figure.entered_by) == (unit, 2024, 1200, actor)
    else:
        with pytest.raises(PermissionDenied):
            population.population_set(actor=actor, unit=unit, year=2024, people=1200, source=SOURCE)
        assert not PopulationFigure.objects.exists()


def test_figures_are_corrected_in_place_and_the_log_keeps_the_old_ones(cast: Cast) -> None:
    population.population_set(
        actor=cast.officer_a, unit=cast.commune_a, year=2024, people=1000, households=250, source=SOURCE
    )
    population.population_set(
        actor=cast.officer_a,
        unit=cast.commune_a,
        year=2024,
        people=1100,
        adults=800,
        households=260,
        source=unicodedata.normalize("NFD", " Sổ hộ khẩu xã "),
    )
    assert figures(cast.commune_a) == {2024: (1100, 800, 260, None, None, None, "Sổ hộ khẩu xã")}
    first, second = AuditEntry.objects.filter(action="population.set").order_by("pk")
    assert first.data["before"] is None and second.data["before"]["people"] == 1000
    assert second.data["after"]["people"] == 1100 and second.unit == cast.commune_a


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"people": 10, "adults": 11}, "adults"),
        ({"people": 10, "households": 11}, "households"),
        ({"people": -1}, "people"),
        ({}, "people"),  # at least one figure
        ({"people": 10, "year": 1999}, "year"),
        ({"people": 10, "source": "  "}, "source"),
    ],
)
def test_figures_that_cannot_be_are_refused(cast: Cast, values: dict, field: str) -> None:
    arguments = {"year": 2024, "source": SOURCE, **values}
    with pytest.raises(ValidationError) as refused:
        population.population_set(actor=cast.officer_a, unit=cast.commune_a, **arguments)
    assert field in refused.value.message_dict
    assert not PopulationFigure.objects.exists()


def test_figures_live_on_todays_units(cast: Cast) -> None:
    legacy = Unit.objects.filter(era=Era.LEGACY, level=Level.COMMUNE).first()
    assert legacy is not None
    with pytest.raises(ValidationError):
        population.population_set(actor=cast.admin, unit=legacy, year=2024, people=1, source=SOURCE)


def test_each_officer_reads_the_figures_of_their_own_area(cast: Cast) -> None:
    population.population_set(actor=cast.officer_a, unit=cast.commune_a, year=2024, people=10, source=SOURCE)
    assert population.population_unit_visible(cast.officer_b, cast.commune_a.pk) is None
    assert population.population_unit_visible(cast.head_a, cast.commune_a.pk) is None
    assert population.population_unit_visible(cast.head_a, cast.hamlet_a.pk) == cast.hamlet_a
    seen = population.population_unit_visible(cast.officer_a, cast.commune_a.pk)
    assert seen is not None and seen.latest_year == 2024  # type: ignore[attr-defined]
    units = population.population_units(cast.officer_a)
    assert set(units) == {cast.commune_a, cast.hamlet_a}
    assert list(population.population_units(cast.province, "chieng coi")) == [cast.commune_b]
    assert not population.population_units(cast.outsider).exists()
    assert population.population_for(cast.commune_a, 2026).people == 10  # type: ignore[union-attr]
    assert population.population_for(cast.commune_a, 2023) is None


# --------------------------------------------------------------------------------------------------------
# The CSV import


def csv_file(*rows: str, header: str = HEADER) -> bytes:
    return (header + "".join(row + "\n" for row in rows)).encode("utf-8")


def test_a_good_file_imports_exactly(cast: Cast) -> None:
    other = current(Level.COMMUNE, "3664")  # another commune of Sơn La
    population.population_set(actor=cast.province, unit=other, year=2024, people=1, source="old")
    data = csv_file(
        f"3646,2024,12500,9100,3200,14,12,20,{SOURCE}",
        f"3646,2023,12100,,3100,,12,,{SOURCE}",
        '3664,2024,"8.400",6000,2000,9,7,11,"Niên giám thống kê, 2024"',
    )
    summary = population.population_import(actor=cast.province, data=data)
    assert (summary.rows, summary.created, summary.updated, summary.units) == (3, 2, 1, 2)
    assert figures(cast.commune_a) == {
        2024: (12500, 9100, 3200, 14, 12, 20, SOURCE),
        2023: (12100, None, 3100, None, 12, None, SOURCE),
    }
    assert figures(other) == {2024: (8400, 6000, 2000, 9, 7, 11, "Niên giám thống kê, 2024")}
    assert AuditEntry.objects.filter(action="population.import").count() == 3
    updated = AuditEntry.objects.get(
        action="population.import", object_id=str(PopulationFigure.objects.get(unit=other).pk)
    )
    assert updated.data["before"]["people"] == 1 and updated.data["after"]["people"] == 8400
    assert PopulationFigure.objects.get(unit=other).entered_by == cast.province


def test_a_spreadsheets_semicolons_bom_and_decomposed_text_are_read(cast: Cast) -> None:
    text = (
        "\ufeff"
        + HEADER.replace(",", ";")
        + f"3646;2024;12 500;;;;;;{unicodedata.normalize('NFD', SOURCE)}\r\n\r\n"
    )
    population.population_import(actor=cast.officer_a, data=text.encode("utf-8"))
    (figure,) = PopulationFigure.objects.all()
    assert figure.people == 12500 and figure.source == SOURCE
    assert unicodedata.is_normalized("NFC", figure.source)


def test_a_file_with_three_bad_rows_reports_all_three_and_stores_nothing(cast: Cast) -> None:
    data = csv_file(
        f"3646,2024,12500,9100,3200,14,12,20,{SOURCE}",
        f"9999999,2024,100,,,,,,{SOURCE}",
        f"3646,2023,12100,13000,,,,,{SOURCE}",
        f"3646,20x4,abc,,,,,,{SOURCE}",
    )
    with pytest.raises(PopulationImportError) as refused:
        population.population_import(actor=cast.officer_a, data=data)
    assert refused.value.errors == [
        RowError(3, "unit_code", "9999999", "No commune of today's map has this code."),
        RowError(4, "adults", "13000", "There cannot be more adults than people."),
        RowError(5, "year", "20x4", "Enter a year from 2000 to 2100."),
        RowError(5, "people", "abc", "Enter a whole number."),
    ]
    assert {e.row for e in refused.value.errors} == {3, 4, 5}
    assert not PopulationFigure.objects.exists()
    assert not AuditEntry.objects.filter(action="population.import").exists()


def test_a_commune_outside_the_officers_area_is_reported_not_imported(cast: Cast) -> None:
    data = csv_file(f"3646,2024,100,,,,,,{SOURCE}", f"3670,2024,100,,,,,,{SOURCE}")
    with pytest.raises(PopulationImportError) as refused:
        population.population_import(actor=cast.officer_a, data=data)
    assert refused.value.errors == [RowError(3, "unit_code", "3670", "This commune is outside your area.")]
    assert not PopulationFigure.objects.exists()


def test_a_commune_and_year_twice_in_one_file_is_reported(cast: Cast) -> None:
    data = csv_file(f"3646,2024,100,,,,,,{SOURCE}", f"3646,2024,200,,,,,,{SOURCE}")
    with pytest.raises(PopulationImportError) as refused:
        population.population_import(actor=cast.officer_a, data=data)
    assert refused.value.errors == [
        RowError(3, "year", "2024", "This commune and year are already on row 2.")
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            b"unit_code,year,people,adults,households,clans,hamlets,source\n3646,2024,1,,,,,x\n",
            [RowError(1, "organisations", "", "This column is missing.")],
        ),
        (
            (HEADER.strip() + ",note\n").encode(),
            [RowError(1, "note", "note", "Unknown column.")],
        ),
        (f"3646,2024,1,,,,,,{SOURCE}\n".encode(), None),  # no header: every column is wrong
        (b"", [RowError(0, "", "", "The file is empty.")]),
        (HEADER.encode(), [RowError(0, "", "", "The file has a header but no rows.")]),
        (
            (HEADER + "3646,2024,1\n").encode(),
            [RowError(2, "", "", "This row has 3 cells; the header has 9.")],
        ),
        (
            (HEADER + f"3646,2024,1,,,,,,{SOURCE}\n").encode("utf-16"),
            [RowError(0, "", "", 'The file is not UTF-8 text: save it as "CSV UTF-8" and try again.')],
        ),
    ],
)
def test_broken_files_are_refused_with_their_reasons(cast: Cast, data: bytes, expected: list | None) -> None:
    with pytest.raises(PopulationImportError) as refused:
        population.population_import(actor=cast.officer_a, data=data)
    if expected is not None:
        assert refused.value.errors == expected
    else:
        assert len(refused.value.errors) >= 9
    assert not PopulationFigure.objects.exists()


def test_formula_cells_and_decimals_are_not_numbers(cast: Cast) -> None:
    data = csv_file(f"3646,2024,=1+2,12.5,,,,,{SOURCE}")
    with pytest.raises(PopulationImportError) as refused:
        population.population_import(actor=cast.officer_a, data=data)
    assert [(e.column, e.value) for e in refused.value.errors] == [("people", "=1+2"), ("adults", "12.5")]


@pytest.mark.parametrize("who", ["head_a", "citizen_a", "outsider", "expert"])
def test_the_import_is_for_commune_officers_and_province_coordinators(cast: Cast, who: str) -> None:
    with pytest.raises(PermissionDenied):
        population.population_import(actor=getattr(cast, who), data=csv_file(f"3646,2024,1,,,,,,{SOURCE}"))
    assert not PopulationFigure.objects.exists()
