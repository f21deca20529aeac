"""`learningcity evaluate`: score a CSV of answers against a framework and write the results.

The file is read as text and each declared column is parsed to its declared type in one pass over the
whole column (Polars); then the framework's rules run once over the whole frame (`Framework.evaluate`, the
bulk path): no Python loop over rows. Declared columns missing from the file are missing answers (nulls);
columns the framework does not know are passed through. A value that is not of its column's type or lies
outside the column's [min, max] refuses the whole file, naming the bad cells by row and column (exit code 2).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from learningcity.frameworks.engine import Framework
from learningcity.frameworks.models import FrameworkVersion
from learningcity.frameworks.selectors import framework_compiled

BAD_FILE = 2  # exit code for a file that cannot be scored
MAX_REPORTED = 20  # bad cells listed in the message; the count says how many more there are
ROW = "__row"  # a name no framework column can take (identifiers may not contain "__")
TRUE_WORDS = ("1", "true", "yes", "y", "x", "có", "đúng")
FALSE_WORDS = ("0", "false", "no", "n", "không", "sai")


def BadFile(message: str) -> CommandError:  # noqa: N802 - reads as the exception it builds
    """A file (or framework) that cannot be scored: the message says why, the exit code is 2."""
    return CommandError(message, returncode=BAD_FILE)


@dataclass(frozen=True)
class Check:
    column: str
    bad: pl.Expr  # true on the rows whose value is wrong
    reason: str  # what is wrong, after the quoted value


class Command(BaseCommand):
    help = "Score a CSV of answers against a framework and write the answers with their results to a CSV."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # Here --version names the framework's version; it replaces Django's "print Django's version" option.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("framework", help="framework id, e.g. vn.learning-citizen")
        parser.add_argument("input", type=Path, help="CSV file of answers, one row per subject, UTF-8")
        parser.add_argument("output", type=Path, help="CSV file to write: the input with results added")
        parser.add_argument("--version", dest="framework_version", help="framework version (default: latest)")
        parser.add_argument(
            "--disadvantaged-column",
            metavar="COL",
            help="column saying whether each row is in a disadvantaged area (true/false, 1/0, có/không)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        version = _framework_version(options["framework"], options["framework_version"])
        framework = framework_compiled(version)
        source: Path = options["input"]
        frame, kept = read_answers(
            framework, source, disadvantaged_column=options["disadvantaged_column"], warn=self._warn
        )
        result = framework.evaluate(frame)
        derived = list(framework.spec.get("derived", {}))
        result = result.select([*kept, *derived, "level"])
        try:
            result.write_csv(options["output"])
        except OSError as exc:
            raise BadFile(f"cannot write the results: {exc}") from exc
        levels = result.group_by("level").len().sort("level").iter_rows()
        summary = ", ".join(f"{level} {count}" for level, count in levels)
        self.stdout.write(
            f"Scored {result.height} rows of {source} with {version.code} {version.version} "
            f"into {options['output']} ({summary or 'no rows'})."
        )

    def _warn(self, message: str) -> None:
        self.stderr.write(self.style.WARNING(message))


def _framework_version(code: str, number: str | None) -> FrameworkVersion:
    try:
        versions = FrameworkVersion.objects.filter(code=code)
        if number:
            versions = versions.filter(version=number)
        version = versions.order_by("-loaded_at", "-pk").first()
        known = sorted(set(FrameworkVersion.objects.values_list("code", flat=True)))
    except DatabaseError as exc:
        raise BadFile(f"the database is not ready ({exc}); run `learningcity migrate` first") from exc
    if version is None:
        wanted = f"{code} version {number}" if number else code
        listing = ", ".join(known) if known else "none; `learningcity demo` loads the shipped ones"
        raise BadFile(f"no framework {wanted} in the database (known: {listing})")
    return version


def _context_code(framework: Framework, flag: str) -> str | None:
    for item in framework.spec.get("context", []):
        if item.get("from") == f"unit.flag.{flag}":
            return str(item["code"])
    return None


def read_answers(
    framework: Framework, path: Path, *, disadvantaged_column: str | None = None, warn: Any = None
) -> tuple[pl.DataFrame, list[str]]:
    """The file as a frame with the framework's declared types, and the file's columns to write back.

    Raises `BadFile` naming every bad cell (up to MAX_REPORTED) by row (1 = first row below the header) and
    column.
    """
    try:
        raw = pl.read_csv(path, infer_schema=False, raise_if_empty=True)
    except FileNotFoundError as exc:
        raise BadFile(f"{path}: no such file") from exc
    except IsADirectoryError as exc:
        raise BadFile(f"{path}: is a folder, not a CSV file") from exc
    except pl.exceptions.NoDataError as exc:
        raise BadFile(f"{path}: the file is empty") from exc
    except pl.exceptions.ComputeError as exc:
        reason = str(exc).splitlines()[0]
        if "utf-8" in reason.lower():
            reason = "not UTF-8 text (save the sheet as “CSV UTF-8”)"
        raise BadFile(f"{path}: cannot be read as CSV: {reason}") from exc
    twice = sorted({c.split("_duplicated_")[0] for c in raw.columns if "_duplicated_" in c})
    if twice:
        raise BadFile(f"{path}: column {', '.join(twice)} appears more than once in the header")

    schema = framework.schema
    sources = {name: name for name in schema if name in raw.columns}
    if disadvantaged_column:
        target = _context_code(framework, "disadvantaged_area")
        if target is None:
            raise BadFile(f"{framework.spec['id']} has no disadvantaged-area rule for --disadvantaged-column")
        if disadvantaged_column not in raw.columns:
            raise BadFile(f"{path}: no column {disadvantaged_column!r} (named by --disadvantaged-column)")
        sources[target] = disadvantaged_column

    produced = {*framework.spec.get("derived", {}), "level", "short_count", "invalid_count"}
    kept = []
    for column in raw.columns:
        if column in produced or column.startswith(("short__", "invalid__")):
            if warn is not None:
                warn(f"{path}: column {column!r} is replaced by the result of the same name")
            continue
        kept.append(column)

    # Two passes over the columns, each parallel across them: trimmed text, then the parsed value. The checks
    # and the result then read these materialised columns instead of re-parsing the text for every check.
    plan = [(name, source, f"__text_{i}", f"__value_{i}") for i, (name, source) in enumerate(sources.items())]
    work = raw.with_row_index(ROW, offset=1).with_columns(
        [_blank_is_null(source).alias(text) for _name, source, text, _value in plan]
    )
    work = work.with_columns([_parse(text, schema[name]).alias(value) for name, _source, text, value in plan])
    checks: list[Check] = []
    for name, source, text, value in plan:
        item = next((i for i in framework.inputs if i["code"] == name), {})
        checks.extend(_checks(source, pl.col(text), pl.col(value), schema[name], item))
    _refuse_bad_cells(path, work, checks)

    # The file's column is typed in place; a context column fed from a differently named file column
    # (--disadvantaged-column) is added under its own name as well.
    outputs: dict[str, pl.Expr] = {}
    for name, source, _text, value in plan:
        typed = pl.col(value).cast(schema[name])
        outputs[source] = typed.alias(source)
        outputs[name] = typed.alias(name)
    missing = [pl.lit(None, dtype=dtype).alias(name) for name, dtype in schema.items() if name not in sources]
    frame = work.with_columns([*outputs.values(), *missing]).drop(
        [ROW, *(text for _n, _s, text, _v in plan), *(value for _n, _s, _t, value in plan)]
    )
    return frame, kept


def _blank_is_null(column: str) -> pl.Expr:
    text = pl.col(column).str.strip_chars()
    return pl.when(text == "").then(None).otherwise(text)


def _parse(text_column: str, dtype: pl.DataType) -> pl.Expr:
    """The parsed value of a trimmed text column: a float for numbers (checked, then cast), else its type."""
    text = pl.col(text_column)
    if dtype == pl.String:
        return text.str.normalize("NFC")
    if dtype == pl.Boolean:
        lowered = text.str.to_lowercase()
        return (
            pl.when(lowered.is_in(TRUE_WORDS))
            .then(True)
            .when(lowered.is_in(FALSE_WORDS))
            .then(False)
            .otherwise(None)
            .cast(pl.Boolean)
        )
    number = text.str.replace(",", ".", literal=True).cast(pl.Float64, strict=False)
    return pl.when(number.is_nan() | number.is_infinite()).then(None).otherwise(number)


def _checks(
    column: str, text: pl.Expr, value: pl.Expr, dtype: pl.DataType, item: dict[str, Any]
) -> list[Check]:
    """The checks that find the cells of one column whose text did not parse or lies out of bounds."""
    unparsed = text.is_not_null() & value.is_null()
    if dtype == pl.String:
        return []
    if dtype == pl.Boolean:
        return [Check(column, unparsed, "is not true/false (1/0, có/không)")]
    checks = [Check(column, unparsed, "is not a number")]
    if dtype == pl.Int64:
        checks.append(Check(column, value != value.round(0), "is not a whole number"))
    if "min" in item and "max" in item:
        low, high = item["min"], item["max"]
        checks.append(Check(column, (value < low) | (value > high), f"is outside {low}–{high}"))
    return checks


def _refuse_bad_cells(path: Path, work: pl.DataFrame, checks: list[Check]) -> None:
    """Find bad cells with vectorised filters; only those (at most MAX_REPORTED) are formatted in Python."""
    if (
        not checks
        or not work.select(pl.any_horizontal([c.bad.fill_null(False) for c in checks]).any()).item()
    ):
        return
    found: list[tuple[int, int, str]] = []
    total = 0
    for order, check in enumerate(checks):
        bad = work.filter(check.bad.fill_null(False)).select(ROW, pl.col(check.column).alias("value"))
        total += bad.height
        for row, value in bad.head(MAX_REPORTED).iter_rows():
            found.append((row, order, f"row {row}, column {check.column}: {value!r} {check.reason}"))
    found.sort()
    lines = [message for _row, _order, message in found[:MAX_REPORTED]]
    more = f"\n  … and {total - len(lines)} more" if total > len(lines) else ""
    raise BadFile(
        f"{path}: {total} bad value(s); nothing was written (rows count from 1 below the header):\n  "
        + "\n  ".join(lines)
        + more
    )
