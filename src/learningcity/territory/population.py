"""Population figures: each unit's people, adults, households, clans, hamlets and organisations by year, with
their source. Recognition rates divide by them (registered subjects give one rate, these give the other).

Writes (services) and reads (selectors) of `PopulationFigure`, and the CSV import. Who enters figures: a
commune officer for their commune and its hamlets, a province coordinator for the province and all below it
(`accounts.policy`: a role on a unit covers its subtree). Officers of every level read the figures of their
area.

The CSV import takes one file of today's communes (columns `CSV_COLUMNS`), checks every row, and stores all of
it or nothing: every bad row is reported at once with its row number (the header is row 1), column, value and
reason. Text is stored in NFC.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from learningcity.accounts import policy
from learningcity.accounts.models import AuditEntry, Role, User
from learningcity.accounts.services import audit_append
from learningcity.text import fold, nfc

from .models import Era, Level, PopulationFigure, Unit

POPULATION_ROLES = frozenset({Role.COMMUNE_OFFICER, Role.PROVINCE_COORDINATOR})
READER_ROLES = policy.OFFICER_ROLES
LEVELS = (Level.PROVINCE, Level.COMMUNE, Level.HAMLET)
COUNTS = ("people", "adults", "households", "clans", "hamlets", "organisations")
CSV_COLUMNS = ("unit_code", "year", *COUNTS, "source")
FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_COUNT = 2_000_000_000  # a PositiveIntegerField holds up to 2^31 - 1
SOURCE_LENGTH = PopulationFigure._meta.get_field("source").max_length or 300
MAX_FILE_BYTES = settings.POPULATION_MAX_BYTES  # 5 MB, as the messages say
# "12345", or thousands in groups of three: "12.345", "12,345", "12 345" (as Vietnamese spreadsheets write).
WHOLE_NUMBER = re.compile(r"\d+|\d{1,3}(?:([.,\s])\d{3})(?:\1\d{3})*")


# --------------------------------------------------------------------------------------------------------
# Checks shared by the form and the import


def _count_reason(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int):
        return _("Enter a whole number.")
    if value < 0:
        return _("Enter a number of zero or more.")
    if value > MAX_COUNT:
        return _("This number is too large.")
    return ""


def _figure_errors(year: Any, counts: Mapping[str, int | None], source: str) -> dict[str, str]:
    """Reasons keyed by field; empty when the figures are acceptable."""
    errors: dict[str, str] = {}
    if isinstance(year, bool) or not isinstance(year, int) or not (FIRST_YEAR <= year <= LAST_YEAR):
        errors["year"] = _("Enter a year from %(first)s to %(last)s.") % {
            "first": FIRST_YEAR,
            "last": LAST_YEAR,
        }
    for name in COUNTS:
        value = counts.get(name)
        if value is not None and (reason := _count_reason(value)):
            errors[name] = reason
    people, adults, households = counts.get("people"), counts.get("adults"), counts.get("households")
    if "adults" not in errors and people is not None and adults is not None and adults > people:
        errors["adults"] = _("There cannot be more adults than people.")
    if "households" not in errors and people is not None and households is not None and households > people:
        errors["households"] = _("There cannot be more households than people.")
    if all(counts.get(name) is None for name in COUNTS) and not errors:
        errors["people"] = _("Enter at least one figure.")
    if not source:
        errors["source"] = _("Name the source of the figures (a census, the commune's register…).")
    elif len(source) > SOURCE_LENGTH:
        errors["source"] = _("Keep the source under %(limit)s characters.") % {"limit": SOURCE_LENGTH}
    return errors


def _check_unit(unit: Unit) -> None:
    if unit.era != Era.CURRENT or unit.level not in LEVELS:
        raise ValidationError(
            {"unit": _("Population figures are kept on today's provinces, communes and hamlets.")}
        )


def _values(figure: PopulationFigure) -> dict[str, Any]:
    return {"year": figure.year, **{name: getattr(figure, name) for name in COUNTS}, "source": figure.source}


# --------------------------------------------------------------------------------------------------------
# Reads


def population_can_edit(user: User, unit: Unit) -> bool:
    return unit.era == Era.CURRENT and unit.level in LEVELS and policy.covers(user, POPULATION_ROLES, unit)


def population_units(user: User, query: str = "") -> QuerySet[Unit]:
    """Today's provinces, communes and hamlets in the reader's area, each with `latest_year` of figures."""
    in_scope = Q(pk__in=[])
    for path in policy.scope_paths(user, READER_ROLES):
        in_scope |= Q(path__startswith=path)
    units = Unit.objects.filter(in_scope, era=Era.CURRENT, level__in=LEVELS)
    folded = fold(query or "")
    if folded:
        units = units.filter(Q(name_folded__contains=folded) | Q(code=query.strip()))
    return (
        units.select_related("parent").annotate(latest_year=Max("population_figures__year")).order_by("path")
    )


def population_unit_visible(user: User, pk: int) -> Unit | None:
    return population_units(user).filter(pk=pk).first()


def population_figures(unit: Unit) -> QuerySet[PopulationFigure]:
    """A unit's figures, newest year first."""
    return PopulationFigure.objects.filter(unit=unit).select_related("entered_by").order_by("-year")


def population_for(unit: Unit, year: int) -> PopulationFigure | None:
    """The figures of a unit for a year, or the latest before it (a census is not redone every year)."""
    return PopulationFigure.objects.filter(unit=unit, year__lte=year).order_by("-year").first()


# --------------------------------------------------------------------------------------------------------
# Writes


@transaction.atomic
def population_set(
    *,
    actor: User,
    unit: Unit,
    year: int,
    source: str,
    people: int | None = None,
    adults: int | None = None,
    households: int | None = None,
    clans: int | None = None,
    hamlets: int | None = None,
    organisations: int | None = None,
) -> PopulationFigure:
    """Enter (or correct) a unit's figures for a year; blank figures stay unknown, never zero."""
    if not policy.covers(actor, POPULATION_ROLES, unit):
        raise PermissionDenied(_("You cannot enter population figures for this unit."))
    _check_unit(unit)
    counts = {
        "people": people,
        "adults": adults,
        "households": households,
        "clans": clans,
        "hamlets": hamlets,
        "organisations": organisations,
    }
    clean_source = nfc(source or "")
    errors = _figure_errors(year, counts, clean_source)
    if errors:
        raise ValidationError(errors)
    figure = PopulationFigure.objects.select_for_update().filter(unit=unit, year=year).first()
    before = _values(figure) if figure is not None else None
    if figure is None:
        figure = PopulationFigure(unit=unit, year=year)
    for name, value in counts.items():
        setattr(figure, name, value)
    figure.source = clean_source
    figure.entered_by = actor
    figure.save()
    audit_append(
        actor=actor,
        action="population.set",
        obj=figure,
        unit=unit,
        data={"before": before, "after": _values(figure)},
    )
    return figure


# --------------------------------------------------------------------------------------------------------
# CSV import


@dataclass(frozen=True)
class RowError:
    """One refusal: the row as a spreadsheet numbers it (header = 1; 0 for the file as a whole), the column,
    the value as read, and why."""

    row: int
    column: str
    value: str
    reason: str


class PopulationImportError(ValidationError):
    """The file was refused as a whole; `errors` lists every bad row. Nothing was stored."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(_("The file has %(count)s error(s); nothing was imported.") % {"count": len(errors)})
        self.errors = errors


@dataclass(frozen=True)
class ImportSummary:
    rows: int
    created: int
    updated: int
    units: int


@dataclass
class _Row:
    number: int
    unit_code: str
    year: int
    counts: dict[str, int | None]
    source: str


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PopulationImportError(
            [RowError(0, "", "", _('The file is not UTF-8 text: save it as "CSV UTF-8" and try again.'))]
        ) from exc


def _delimiter(text: str) -> str:
    """Commas, or the semicolons (or tabs) a spreadsheet set to Vietnamese writes."""
    header = text.split("\n", 1)[0]
    return max((",", ";", "\t"), key=header.count)


def _number(text: str) -> int | None:
    """A whole number, its thousands grouped or not; None for a blank cell. Raises ValueError otherwise."""
    clean = text.replace("\u00a0", " ").strip()
    if not clean:
        return None
    if not WHOLE_NUMBER.fullmatch(clean):
        raise ValueError(clean)
    return int(re.sub(r"\D", "", clean))


def population_csv_read(data: bytes) -> tuple[list[_Row], list[RowError]]:
    """Parse a figures file into typed rows; every problem with the file or a cell is returned, none raised
    (except a file that is not text at all). Codes are not yet resolved against the territory."""
    if len(data) > MAX_FILE_BYTES:
        return [], [RowError(0, "", "", _("The file is larger than 5 MB; split it into several files."))]
    text = nfc(_decode(data)) + "\n"
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text))
    header_cells = next(reader, None)
    if not header_cells or not any(cell.strip() for cell in header_cells):
        return [], [RowError(0, "", "", _("The file is empty."))]
    header = [nfc(cell).lower() for cell in header_cells]
    errors: list[RowError] = []
    for index, name in enumerate(header):
        if name not in CSV_COLUMNS:
            errors.append(RowError(1, name, header_cells[index], _("Unknown column.")))
        elif header.index(name) != index:
            errors.append(RowError(1, name, header_cells[index], _("This column appears twice.")))
    for name in CSV_COLUMNS:
        if name not in header:
            errors.append(RowError(1, name, "", _("This column is missing.")))
    if errors:
        return [], errors
    position = {name: header.index(name) for name in CSV_COLUMNS}
    rows: list[_Row] = []
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue  # blank lines (a spreadsheet's trailing ones) are no rows
        if len(cells) != len(header):
            errors.append(
                RowError(
                    number,
                    "",
                    "",
                    _("This row has %(found)s cells; the header has %(expected)s.")
                    % {"found": len(cells), "expected": len(header)},
                )
            )
            continue
        cell = {name: nfc(cells[position[name]]) for name in CSV_COLUMNS}
        row_errors: list[RowError] = []
        year: Any = None
        if re.fullmatch(r"\d{4}", cell["year"]):
            year = int(cell["year"])
        counts: dict[str, int | None] = {}
        for name in COUNTS:
            try:
                counts[name] = _number(cell[name])
            except ValueError:
                row_errors.append(RowError(number, name, cell[name], _("Enter a whole number.")))
        if not cell["unit_code"]:
            row_errors.append(RowError(number, "unit_code", "", _("Enter the commune's code.")))
        for name, reason in _figure_errors(year, counts, cell["source"]).items():
            if name == "people" and any(e.column in COUNTS for e in row_errors):
                continue  # "enter at least one figure" says nothing new beside a bad figure
            row_errors.append(RowError(number, name, cell[name], reason))
        errors.extend(row_errors)
        if not row_errors:
            rows.append(_Row(number, cell["unit_code"], year, counts, cell["source"]))
    if not rows and not errors:
        errors.append(RowError(0, "", "", _("The file has a header but no rows.")))
    return rows, errors


def _resolve(actor: User, rows: list[_Row]) -> tuple[dict[str, Unit], list[RowError]]:
    """Today's communes named by the rows, in one query; codes unknown or outside the actor's area refused."""
    codes = {row.unit_code for row in rows}
    communes = {
        unit.code: unit for unit in Unit.objects.filter(era=Era.CURRENT, level=Level.COMMUNE, code__in=codes)
    }
    paths = policy.scope_paths(actor, POPULATION_ROLES)
    errors: list[RowError] = []
    seen: dict[tuple[str, int], int] = {}
    for row in rows:
        unit = communes.get(row.unit_code)
        if unit is None:
            errors.append(
                RowError(
                    row.number, "unit_code", row.unit_code, _("No commune of today's map has this code.")
                )
            )
        elif not any(unit.path.startswith(path) for path in paths):
            errors.append(
                RowError(row.number, "unit_code", row.unit_code, _("This commune is outside your area."))
            )
        first = seen.setdefault((row.unit_code, row.year), row.number)
        if first != row.number:
            errors.append(
                RowError(
                    row.number,
                    "year",
                    str(row.year),
                    _("This commune and year are already on row %(row)s.") % {"row": first},
                )
            )
    return communes, errors


def _error_order(error: RowError) -> tuple[int, int]:
    return error.row, CSV_COLUMNS.index(error.column) if error.column in CSV_COLUMNS else -1


@transaction.atomic
def population_import(*, actor: User, data: bytes) -> ImportSummary:
    """Import a CSV file of figures for today's communes: every row or none.

    Raises PermissionDenied when the actor enters figures nowhere, `PopulationImportError` (a ValidationError
    carrying every `RowError`) when any row is bad. A commune and year already on file is updated.
    """
    if not policy.scope_paths(actor, POPULATION_ROLES):
        raise PermissionDenied(_("You cannot enter population figures."))
    rows, errors = population_csv_read(data)
    communes, unit_errors = _resolve(actor, rows)
    errors = sorted([*errors, *unit_errors], key=_error_order)
    if errors:
        raise PopulationImportError(errors)
    units = {row.number: communes[row.unit_code] for row in rows}
    existing = {
        (figure.unit_id, figure.year): figure
        for figure in PopulationFigure.objects.select_for_update().filter(
            unit__in=set(units.values()), year__in={row.year for row in rows}
        )
    }
    now = timezone.now()
    created: list[PopulationFigure] = []
    updated: list[PopulationFigure] = []
    before: dict[int, dict[str, Any]] = {}
    for row in rows:
        unit = units[row.number]
        figure = existing.get((unit.pk, row.year))
        if figure is None:
            figure = PopulationFigure(unit=unit, year=row.year)
            created.append(figure)
        else:
            before[figure.pk] = _values(figure)
            updated.append(figure)
        for name, value in row.counts.items():
            setattr(figure, name, value)
        figure.source, figure.entered_by, figure.entered_at = row.source, actor, now
    PopulationFigure.objects.bulk_create(created, batch_size=500)
    PopulationFigure.objects.bulk_update(
        updated, [*COUNTS, "source", "entered_by", "entered_at"], batch_size=500
    )
    _audit_many(actor, [*created, *updated], before)
    return ImportSummary(
        rows=len(rows), created=len(created), updated=len(updated), units=len(set(units.values()))
    )


def _audit_many(actor: User, figures: Iterable[PopulationFigure], before: dict[int, dict[str, Any]]) -> None:
    """One audit entry per figure, as `population_set` writes, in one bulk insert (the log is append-only)."""
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                actor=actor,
                action="population.import",
                object_type=PopulationFigure._meta.label_lower,
                object_id=str(figure.pk),
                unit_id=figure.unit_id,
                data={"before": before.get(figure.pk), "after": _values(figure)},
            )
            for figure in figures
        ],
        batch_size=500,
    )
