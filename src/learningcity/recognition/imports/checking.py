"""Check every row of a file at once: types, ranges, units, duplicates and what is already stored.

Everything here is columnar: each check is a Polars expression over the whole frame, and each finding is a
frame of (row, column, value, reason) rows; units, hamlets and stored records are looked up once per distinct
value, never once per row. Nothing is written. The result is the typed frame of good rows, ready to store, and
every error; the file is stored only when there is none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl
from django.utils import timezone
from django.utils.translation import gettext as _

from learningcity import bulk
from learningcity.accounts import policy
from learningcity.accounts.models import User
from learningcity.frameworks.models import FrameworkVersion
from learningcity.territory.codes import official_code
from learningcity.territory.models import Era, Level, Unit, UnitConversion
from learningcity.text import fold_expr

from ..models import (
    SUBJECT_FIELDS,
    Assessment,
    Campaign,
    Clan,
    Household,
    Organisation,
    Person,
    Status,
    SubjectKind,
)
from ..services.people import id_number_hashes
from .columns import (
    FALSE_WORDS,
    ORGANISATION_KIND_LABELS,
    SEX_WORDS,
    TRUE_WORDS,
    Column,
    header_key,
    import_columns,
)

if TYPE_CHECKING:
    from .reading import Table

IMPORT_ROLES = policy.IMPORT_ROLES
# An assessment in one of these states was decided: a file cannot change it.
DECIDED = (Status.APPROVED, Status.RECOGNISED, Status.REJECTED, Status.APPEALED, Status.REVOKED)
ERROR_SCHEMA = pl.Schema({"row": pl.Int64, "column": pl.String, "value": pl.String, "reason": pl.String})
PREVIEW = 200  # errors shown on the page; all of them go to the workbook


@dataclass
class Checked:
    """The outcome of a dry run: the good rows, typed, and every error (row, column, value, reason)."""

    version: FrameworkVersion
    columns: list[Column]
    good: pl.DataFrame
    errors: pl.DataFrame
    rows_total: int
    counts: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.errors.height == 0


def _errors(frame: pl.DataFrame, mask: pl.Expr, column: Column, reason: str | pl.Expr) -> pl.DataFrame:
    """The rows of `frame` where `mask` holds, as errors on `column` with `reason`."""
    value = pl.col(column.key).fill_null("") if column.key in frame.columns else pl.lit("")
    return frame.filter(mask).select(
        pl.col("row"),
        pl.lit(column.short).alias("column"),
        value.alias("value"),
        (reason if isinstance(reason, pl.Expr) else pl.lit(reason)).alias("reason"),
    )


def _ensure(frame: pl.DataFrame, columns: list[Column]) -> pl.DataFrame:
    """Every column of the specification, null where the file did not have it (optional columns)."""
    absent = [pl.lit(None, dtype=pl.String).alias(c.key) for c in columns if c.key not in frame.columns]
    return frame.with_columns(absent) if absent else frame


def _attach(frame: pl.DataFrame, lookup: pl.DataFrame, *, on: list[str]) -> pl.DataFrame:
    """`frame` with the other columns of `lookup` (unique on `on`) matched on `on`, null where none matches.
    Joined on the key columns alone, then attached: the wide frame itself is not copied."""
    found = frame.select(on).join(lookup, on=on, how="left", maintain_order="left")
    return frame.with_columns(found.drop(on))


# --------------------------------------------------------------------------------------------------------
# Values


def _number(key: str) -> pl.Expr:
    return pl.col(key).str.replace_all(" ", "").str.replace(",", ".").cast(pl.Float64, strict=False)


def _words(key: str, words: dict[str, str]) -> pl.Expr:
    """A choice written in any case, with or without accents or punctuation, as its stored value."""
    folded = fold_expr(pl.col(key)).str.replace_all("[^0-9a-z]+", " ").str.strip_chars()
    return folded.replace_strict(words, default=None, return_dtype=pl.String)


def _dates(key: str) -> tuple[pl.Expr, pl.Expr]:
    """(date, year) from "14/08/1992", "14-8-1992", "1992-08-14" (Excel dates arrive as ISO) or "1992"."""
    text = pl.col(key).str.replace_all(r"[.\-]", "/")
    day_first = text.str.strptime(pl.Date, "%d/%m/%Y", strict=False)
    iso = pl.col(key).str.slice(0, 10).str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    date = pl.coalesce(iso, day_first)
    year_only = pl.when(pl.col(key).str.contains(r"^\d{4}$")).then(pl.col(key).cast(pl.Int32, strict=False))
    return date, pl.coalesce(date.dt.year().cast(pl.Int32), year_only)


def as_given(column: Column) -> bool:
    """A column whose typed value is its text as given: `v.<key>` is `<key>` itself."""
    return column.type not in ("int", "float", "bool", "date", "choice") and column.key != "id_number"


def typed_compact(typed: pl.DataFrame, columns: list[Column]) -> pl.DataFrame:
    """The typed rows without the copies of text given as is, to keep on disk (`typed_restored` brings them
    back): in memory a copy shares its column's data, written out it is that text again."""
    return typed.drop([f"v.{c.key}" for c in columns if as_given(c)], strict=False)


def typed_restored(kept: pl.DataFrame, columns: list[Column]) -> pl.DataFrame:
    """The typed rows as `check_values` made them, from what `typed_compact` kept."""
    return kept.with_columns(
        pl.col(c.key).alias(f"v.{c.key}") for c in columns if as_given(c) and c.key in kept.columns
    )


def _typed(
    frame: pl.DataFrame, columns: list[Column], version: FrameworkVersion
) -> tuple[pl.DataFrame, list]:
    """Each column as its type (`<key>` stays the text as given; typed values go to `v.<key>`) and the type,
    range and required errors."""
    found: list[pl.DataFrame] = []
    typed: list[pl.Expr] = []
    today = timezone.localdate()
    groups = {g["code"]: g for g in version.spec.get("groups", [])}
    group_words: dict[str, str] = {header_key(code): code for code in groups} | {
        header_key(g["title"].get("vi", "")): code for code, g in groups.items()
    }
    kind_words = {header_key(label): str(kind) for kind, label in ORGANISATION_KIND_LABELS.items()} | {
        header_key(kind): str(kind) for kind in ORGANISATION_KIND_LABELS
    }
    for column in columns:
        key, raw = column.key, pl.col(column.key)
        given = raw.is_not_null()
        if column.required:
            found.append(_errors(frame, ~given, column, _("This column must be filled in.")))
        if column.type in ("int", "float"):
            number = _number(key)
            typed.append(number.alias(f"v.{key}"))
            bad = given & number.is_null()
            found.append(_errors(frame, bad, column, _("Enter a number.")))
            if column.type == "int":
                found.append(
                    _errors(
                        frame,
                        number.is_not_null() & (number != number.round(0)),
                        column,
                        _("Enter a whole number."),
                    )
                )
            if column.minimum is not None and column.maximum is not None:
                outside = number.is_not_null() & ((number < column.minimum) | (number > column.maximum))
                reason = _("Enter a value from %(min)s to %(max)s.") % {
                    "min": column.minimum,
                    "max": column.maximum,
                }
                found.append(_errors(frame, outside, column, reason))
        elif column.type == "bool":
            words = {w: "1" for w in TRUE_WORDS} | {w: "0" for w in FALSE_WORDS}
            value = _words(key, words)
            typed.append((value == "1").alias(f"v.{key}"))
            found.append(_errors(frame, given & value.is_null(), column, _("Write Có or Không.")))
        elif column.type == "date":
            date, year = _dates(key)
            typed.extend([date.alias(f"v.{key}"), year.alias(f"y.{key}")])
            found.append(
                _errors(
                    frame, given & year.is_null(), column, _("Write the date as day/month/year, or the year.")
                )
            )
            future = year.is_not_null() & ((year < 1900) | (date > today) | (year > today.year))
            found.append(_errors(frame, future, column, _("Enter a birth date between 1900 and today.")))
        elif column.type == "choice":
            words = (
                SEX_WORDS
                if key == "sex"
                else group_words
                if key == "group"
                else kind_words
                if key == "kind"
                else {header_key(c): c for c in column.choices}
            )
            value = _words(key, words)
            typed.append(value.alias(f"v.{key}"))
            reason = _("Choose one of: %(choices)s.") % {"choices": ", ".join(column.choices)}
            found.append(_errors(frame, given & value.is_null(), column, reason))
        elif as_given(column):  # text and code (an ID number has its own check below)
            typed.append(raw.alias(f"v.{key}"))
            if column.max_length:
                long = given & (raw.str.len_chars() > column.max_length)
                reason = _("Keep it under %(limit)s characters.") % {"limit": column.max_length}
                found.append(_errors(frame, long, column, reason))
            formula = given & raw.str.starts_with("=")
            found.append(
                _errors(frame, formula, column, _("A formula is not accepted here; enter the value."))
            )
    if "id_number" in frame.columns:
        digits = pl.col("id_number").str.replace_all(r"\s", "")
        column = next(c for c in columns if c.key == "id_number")
        bad = digits.is_not_null() & ~digits.str.contains(r"^(\d{9}|\d{12})$")
        found.append(
            _errors(frame, bad, column, _("An ID card number has 12 digits (or 9 for an old card)."))
        )
        typed.append(digits.alias("v.id_number"))
    return frame.with_columns(typed), found


def _evidence(frame: pl.DataFrame, columns: list[Column]) -> list[pl.DataFrame]:
    """An answer whose framework asks for evidence needs its note (where the evidence is kept)."""
    notes = {c.input_code: c for c in columns if c.key.startswith("note.")}
    return [
        _errors(
            frame,
            pl.col(f"answer.{code}").is_not_null() & pl.col(note.key).is_null(),
            note,
            _("Say what the evidence for %(code)s is and where it is kept.") % {"code": code},
        )
        for code, note in notes.items()
    ]


# --------------------------------------------------------------------------------------------------------
# Units


def _code(text: str) -> str:
    """An official code as written, with or without leading zeros ("03646" and "3646" are one commune);
    anything else as written, to be reported as unknown."""
    code = official_code(text)
    return text.strip() if code is None else code


@dataclass
class UnitResolution:
    unit_id: int | None
    reason: str = ""


def resolve_communes(codes: list[str], *, user: User, campaign: Campaign) -> dict[str, UnitResolution]:
    """Each distinct commune code of a file → today's commune, or why not.

    A code of one of today's communes is today's commune; any other code is looked up among the communes
    before 1 July 2025 and mapped through the official old→new table when it leads to exactly one of today's
    communes within the importer's units and the campaign's territory; otherwise the reason names the
    candidates.
    """
    wanted = {code: _code(code) for code in codes}
    current = {
        u.code: u
        for u in Unit.objects.filter(era=Era.CURRENT, level=Level.COMMUNE, code__in=set(wanted.values()))
    }
    legacy_codes = set(wanted.values()) - set(current)
    conversions: dict[str, list[Unit]] = {}
    for row in UnitConversion.objects.filter(
        old_unit__era=Era.LEGACY, old_unit__level=Level.COMMUNE, old_unit__code__in=legacy_codes
    ).select_related("old_unit", "new_unit"):
        conversions.setdefault(row.old_unit.code, []).append(row.new_unit)

    def allowed(unit: Unit) -> bool:
        return unit.path.startswith(campaign.territory.path) and policy.covers(user, IMPORT_ROLES, unit)

    resolved: dict[str, UnitResolution] = {}
    for given, code in wanted.items():
        if code in current:
            unit = current[code]
            resolved[given] = (
                UnitResolution(unit.pk)
                if allowed(unit)
                else UnitResolution(
                    None, _("%(name)s is outside your area or this campaign.") % {"name": unit.name}
                )
            )
            continue
        targets = conversions.get(code, [])
        if not targets:
            resolved[given] = UnitResolution(None, _("No commune has this code."))
            continue
        mine = [unit for unit in targets if allowed(unit)]
        names = ", ".join(f"{u.name} ({u.code})" for u in sorted(targets, key=lambda u: u.code))
        if len(mine) == 1:
            resolved[given] = UnitResolution(mine[0].pk)
        elif not mine:
            resolved[given] = UnitResolution(
                None,
                _("A commune code from before 1 July 2025; today it is %(names)s, outside your area.")
                % {"names": names},
            )
        else:
            resolved[given] = UnitResolution(
                None,
                _(
                    "A commune code from before 1 July 2025 that was split over %(names)s: write today's "
                    "code of the right one."
                )
                % {"names": names},
            )
    return resolved


def _units(
    frame: pl.DataFrame, columns: list[Column], *, user: User, campaign: Campaign
) -> tuple[pl.DataFrame, list]:
    """`commune_id` and `unit_id` (the subject's unit: its hamlet, or the commune) and the errors."""
    found: list[pl.DataFrame] = []
    commune = next(c for c in columns if c.key == "commune")
    codes = frame.get_column("commune").drop_nulls().unique().to_list()
    resolved = resolve_communes(codes, user=user, campaign=campaign)
    ids = {code: r.unit_id for code, r in resolved.items() if r.unit_id is not None}
    reasons = {code: r.reason for code, r in resolved.items() if r.unit_id is None}
    frame = frame.with_columns(
        pl.col("commune").replace_strict(ids, default=None, return_dtype=pl.Int64).alias("commune_id")
    )
    found.append(
        _errors(
            frame,
            pl.col("commune").is_not_null() & pl.col("commune_id").is_null(),
            commune,
            pl.col("commune").replace_strict(reasons, default="", return_dtype=pl.String),
        )
    )
    hamlet = next((c for c in columns if c.key == "hamlet"), None)
    if hamlet is None:
        return frame.with_columns(pl.col("commune_id").alias("unit_id")), found
    frame = frame.with_columns(pl.col("hamlet").pipe(fold_expr).alias("hamlet_folded"))
    pairs = frame.select("commune_id", "hamlet_folded").drop_nulls().unique()
    hamlets = Unit.objects.filter(
        level=Level.HAMLET, parent_id__in=pairs.get_column("commune_id").unique().to_list()
    ).values_list("parent_id", "name_folded", "pk")
    lookup = pl.DataFrame(
        list(hamlets),
        schema={"commune_id": pl.Int64, "hamlet_folded": pl.String, "hamlet_id": pl.Int64},
        orient="row",
    ).unique(subset=["commune_id", "hamlet_folded"], keep="first")
    frame = _attach(frame, lookup, on=["commune_id", "hamlet_folded"])
    unknown = (
        pl.col("hamlet").is_not_null() & pl.col("commune_id").is_not_null() & pl.col("hamlet_id").is_null()
    )
    found.append(
        _errors(
            frame,
            unknown,
            hamlet,
            _(
                "This commune has no hamlet or residential group of this name; "
                "add it on the Hamlets page first."
            ),
        )
    )
    return frame.with_columns(pl.coalesce("hamlet_id", "commune_id").alias("unit_id")), found


# --------------------------------------------------------------------------------------------------------
# Who is who: natural keys, duplicates in the file, records already stored


def _keys(frame: pl.DataFrame, kind: str) -> pl.DataFrame:
    """`key`: the natural key of each row's subject (None when a part is missing)."""
    if kind == SubjectKind.PERSON:
        frame = frame.with_columns(pl.col("full_name").pipe(fold_expr).alias("name_folded"))
        by_name = pl.concat_str(
            [
                pl.lit("p:"),
                pl.col("unit_id"),
                pl.lit(":"),
                pl.col("name_folded"),
                pl.lit(":"),
                pl.col("y.birth_date").cast(pl.String).fill_null(""),  # no birth year: name and unit
            ]
        )
        key = (
            pl.when(pl.col("id_hash").is_not_null())
            .then(pl.lit("id:") + pl.col("id_hash"))
            .otherwise(by_name)
        )
    elif kind == SubjectKind.HOUSEHOLD:
        frame = frame.with_columns(pl.col("name").pipe(fold_expr).alias("name_folded"))
        key = pl.concat_str([pl.lit("h:"), pl.col("unit_id"), pl.lit(":"), pl.col("register_number")])
    elif kind in (SubjectKind.CLAN, SubjectKind.ORGANISATION):
        frame = frame.with_columns(pl.col("name").pipe(fold_expr).alias("name_folded"))
        key = pl.concat_str([pl.lit(f"{kind[0]}:"), pl.col("unit_id"), pl.lit(":"), pl.col("name_folded")])
    else:
        key = pl.concat_str([pl.lit("u:"), pl.col("unit_id")])
    return frame.with_columns(key.alias("key"))


def _duplicates(frame: pl.DataFrame, columns: list[Column]) -> list[pl.DataFrame]:
    """A subject listed twice: every later row is an error naming the first."""
    keys = {c.key: c for c in columns}
    column = next(keys[k] for k in ("full_name", "register_number", "name", "hamlet", "commune") if k in keys)
    frame = frame.with_columns(pl.col("row").min().over("key").alias("_first"))
    repeated = pl.col("key").is_not_null() & (pl.col("row") != pl.col("_first"))
    reason = pl.format(_("The same subject as row {}."), pl.col("_first").cast(pl.String))
    return [_errors(frame, repeated, column, reason)]


HASHES_ASKED = 100_000


def _stored_subjects(frame: pl.DataFrame, kind: str) -> pl.DataFrame:
    """`subject_id`: the stored record each row's natural key names, if any. Read by the file's units (and,
    for people, by ID card number wherever they live), as frames."""
    units = bulk.values_in(frame.get_column("unit_id").drop_nulls().unique().sort().to_list())
    keyed = {"key": pl.String, "subject_id": pl.Int64}
    if kind == SubjectKind.PERSON:
        people = Person.objects.filter(merged_into__isnull=True)
        hashes = frame.get_column("id_hash").drop_nulls().unique().sort()
        # Asked for a slice at a time: a million hashes in one statement are a 70 MB query of their own.
        by_id = pl.concat(
            [
                bulk.read_frame(
                    people.filter(
                        id_number_hash__in=bulk.values_in(hashes.slice(start, HASHES_ASKED).to_list())
                    ).values_list("id_number_hash", "pk"),
                    {"hash": pl.String, "subject_id": pl.Int64},
                )
                for start in range(0, max(hashes.len(), 1), HASHES_ASKED)
            ]
        ).select(pl.concat_str([pl.lit("id:"), pl.col("hash")]).alias("key"), "subject_id")
        by_name = bulk.read_frame(
            people.filter(unit_id__in=units).values_list("unit_id", "name_folded", "birth_year", "pk"),
            {"unit_id": pl.Int64, "name_folded": pl.String, "birth_year": pl.Int64, "subject_id": pl.Int64},
        ).select(
            pl.concat_str(
                [
                    pl.lit("p:"),
                    pl.col("unit_id"),
                    pl.lit(":"),
                    pl.col("name_folded"),
                    pl.lit(":"),
                    pl.col("birth_year").cast(pl.String).fill_null(""),
                ]
            ).alias("key"),
            "subject_id",
        )
        stored = pl.concat([by_id, by_name])
    elif kind == SubjectKind.HOUSEHOLD:
        stored = bulk.read_frame(
            Household.objects.filter(unit_id__in=units)
            .exclude(register_number="")
            .values_list("unit_id", "register_number", "pk"),
            {"unit_id": pl.Int64, "number": pl.String, "subject_id": pl.Int64},
        ).select(
            pl.concat_str([pl.lit("h:"), pl.col("unit_id"), pl.lit(":"), pl.col("number")]).alias("key"),
            "subject_id",
        )
    elif kind in (SubjectKind.CLAN, SubjectKind.ORGANISATION):
        model: Any = Clan if kind == SubjectKind.CLAN else Organisation
        stored = bulk.read_frame(
            model.objects.filter(unit_id__in=units).values_list("unit_id", "name_folded", "pk"),
            {"unit_id": pl.Int64, "name_folded": pl.String, "subject_id": pl.Int64},
        ).select(
            pl.concat_str(
                [pl.lit(f"{kind[0]}:"), pl.col("unit_id"), pl.lit(":"), pl.col("name_folded")]
            ).alias("key"),
            "subject_id",
        )
    else:
        ids = frame.get_column("unit_id").drop_nulls().unique()
        stored = pl.DataFrame({"key": "u:" + ids.cast(pl.String), "subject_id": ids}, schema=keyed)
    return _attach(frame, stored.unique(subset=["key"], keep="first"), on=["key"])


def _stored_assessments(frame: pl.DataFrame, version: FrameworkVersion, campaign: Campaign) -> pl.DataFrame:
    """`assessment_id` and `status`: the subject's assessment in this campaign and framework, if any (the
    campaign's assessments of the framework read as one frame and joined)."""
    field_name = f"{SUBJECT_FIELDS[version.subject]}_id"
    stored = bulk.read_frame(
        Assessment.objects.filter(campaign=campaign, framework_version=version).values_list(
            field_name, "pk", "status"
        ),
        {"subject_id": pl.Int64, "assessment_id": pl.Int64, "status": pl.String},
    )
    return _attach(frame, stored, on=["subject_id"])


# --------------------------------------------------------------------------------------------------------
# The whole check


def check_values(table: Table, *, version: FrameworkVersion) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The checks that read only the file: every column typed (`v.<key>`), ID card numbers hashed, and the
    errors of types, ranges, required columns and evidence notes. Writes nothing, reads no record, so its
    result stays true until the file changes: the import keeps it between the dry run and storing."""
    columns = import_columns(version)
    frame, found = _typed(_ensure(table.frame, columns), columns, version)
    found += _evidence(frame, columns)
    if version.subject == SubjectKind.PERSON:
        frame = frame.with_columns(_hashed(frame.get_column("v.id_number")))
    # The answers as written are no longer needed: their typed values are what is stored.
    frame = frame.drop(c.key for c in columns if c.key.startswith("answer."))
    return frame, _merged(found)


HASHED = 100_000  # ID numbers hashed at a time


def _hashed(numbers: pl.Series) -> pl.Series:
    """`id_hash` of each typed ID number (digits only by now). A keyed hash has no columnar form: a tight
    loop, over a slice at a time so that memory never holds a million of them as Python strings."""
    parts = [
        pl.Series(id_number_hashes(numbers.slice(start, HASHED).to_list()), dtype=pl.String)
        for start in range(0, numbers.len(), HASHED)
    ]
    return pl.concat(parts).alias("id_hash") if parts else pl.Series("id_hash", [], dtype=pl.String)


def _merged(found: list[pl.DataFrame]) -> pl.DataFrame:
    errors = [f.cast(ERROR_SCHEMA) for f in found if f.height]
    return pl.concat(errors, how="vertical") if errors else pl.DataFrame(schema=ERROR_SCHEMA)


def check_records(
    typed: pl.DataFrame,
    errors: pl.DataFrame,
    *,
    version: FrameworkVersion,
    campaign: Campaign,
    user: User,
    progress: Callable[[str], None] | None = None,
) -> Checked:
    """The checks that read the database, on the frame `check_values` typed (and its errors): units within
    `user`'s area and `campaign`, duplicates, records already stored and decided assessments. Writes nothing;
    run again when the file is stored, since records may have changed since the dry run."""
    say = progress or (lambda _step: None)
    columns = import_columns(version)
    say("units")
    frame, found = _units(typed, columns, user=user, campaign=campaign)
    say("duplicates")
    frame = _keys(frame, version.subject)
    found += _duplicates(frame, columns)
    frame = _stored_subjects(frame, version.subject)
    frame = _stored_assessments(frame, version, campaign)
    decided = pl.col("status").is_in([str(s) for s in DECIDED])
    found.append(
        _errors(
            frame,
            decided,
            columns[0],
            _("This subject's assessment in this campaign was decided already; a file cannot change it."),
        )
    )
    errors = _merged([errors, *found]).unique(maintain_order=True).sort("row", maintain_order=True)
    bad_rows = errors.get_column("row").unique()
    good = frame.filter(~pl.col("row").is_in(bad_rows.implode())) if bad_rows.len() else frame
    counts = {
        "rows": frame.height,
        "bad_rows": bad_rows.len(),
        "new_subjects": good.filter(pl.col("subject_id").is_null()).height,
        "known_subjects": good.filter(pl.col("subject_id").is_not_null()).height,
        "new_assessments": good.filter(pl.col("assessment_id").is_null()).height,
        "updated_assessments": good.filter(pl.col("assessment_id").is_not_null()).height,
    }
    return Checked(version, columns, good, errors, frame.height, counts)
