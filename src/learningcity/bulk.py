"""Frames in and out of tables, set-wise: the bulk paths of imports and analytics.

Reading: a query's rows as a frame (COPY … TO on PostgreSQL). Writing, inside the caller's transaction: on
PostgreSQL new rows are streamed by COPY into their table, and changes by COPY into a temporary staging
table shaped like the table, then applied with one UPDATE … FROM; on SQLite rows go in with executemany.
Either way the rows never become model instances, and the work is one statement per table rather than one
per row.

Frames arrive shaped by `table_columns`: one column per table column, each value already as the database
takes it (JSON as text, dates as ISO text, the same timestamp for the whole file).
"""

# Every statement here is built from the quoted names of our own tables and columns; values always travel
# as parameters or as COPY data.
# ruff: noqa: S608, S611

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import polars as pl
from django.core.exceptions import EmptyResultSet
from django.db import connection, models
from django.db.models.expressions import RawSQL

COPY_ROWS = 50_000  # rows written to COPY (or executemany) at a time


def read_frame(queryset: models.QuerySet[Any], schema: dict[str, Any]) -> pl.DataFrame:
    """The rows of a `values_list` queryset as a frame with `schema` (its names, in the queryset's order).

    PostgreSQL formats the rows itself (COPY … TO STDOUT as CSV, parsed by Polars); SQLite hands them over a
    chunk at a time, each chunk made a frame at once.
    """
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # a filter such as `pk__in=[]`: nothing to read
        return pl.DataFrame(schema=schema)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            buffer = io.BytesIO()
            with cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, NULL '\\N')", params) as copy:
                for data in copy:
                    buffer.write(data)
            if not buffer.tell():
                return pl.DataFrame(schema=schema)
            buffer.seek(0)
            # PostgreSQL writes booleans as t/f: read as text, then compared.
            flags = [name for name, dtype in schema.items() if dtype == pl.Boolean]
            text_schema = {name: pl.String if name in flags else dtype for name, dtype in schema.items()}
            # NULL arrives as \\N; an empty field is an empty string, as SQLite hands it over.
            frame = pl.read_csv(
                buffer,
                has_header=False,
                schema=text_schema,
                null_values="\\N",
                empty_string_is_null=False,
            )
            return frame.with_columns([(pl.col(name) == "t").alias(name) for name in flags])
        cursor.execute(sql, params)
        parts = []
        while rows := cursor.fetchmany(COPY_ROWS):
            parts.append(pl.DataFrame(rows, schema=schema, orient="row"))
    return pl.concat(parts) if parts else pl.DataFrame(schema=schema)


def analyse(*tables: type[models.Model]) -> None:
    """Refresh PostgreSQL's statistics of tables a bulk write has just filled or replaced: until autovacuum
    gets to them it plans from none, guessing one row everywhere (the dashboard's read of a freshly rebuilt
    campaign scanned all its figures: 20 ms instead of 1). SQLite plans from its indexes' shapes without
    statistics, and is left as it is."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in tables:
            cursor.execute(f"ANALYZE {_table(model)}")


def values_in(values: list[Any]) -> RawSQL | list[Any]:
    """A list of values for an `__in` lookup (`filter(pk__in=bulk.values_in(ids))`) as one parameter: a
    million values compile as fast as ten and never meet SQLite's limit on parameters. The values are all
    ints or all strings; an empty list stays a list (Django knows it matches nothing)."""
    if not values:
        return []
    if connection.vendor == "postgresql":
        if isinstance(values[0], int):
            return RawSQL("SELECT unnest(%s::bigint[])", [values])
        # Strings go as one JSON text: the driver would quote an array's strings one by one in Python
        # (100,000 ID hashes: 0.37 s against 0.11 s).
        return RawSQL("SELECT json_array_elements_text(%s::json)", [json.dumps(values, ensure_ascii=False)])
    return RawSQL("SELECT value FROM json_each(%s)", [json.dumps(values, ensure_ascii=False)])


def now_text(now: dt.datetime) -> str:
    """A timestamp as this database stores it (SQLite: naive UTC text; PostgreSQL: ISO with the offset)."""
    return str(connection.ops.adapt_datetimefield_value(now))


def table_columns(
    model: type[models.Model], values: dict[str, pl.Expr], *, now: str, skip: tuple[str, ...] = ()
) -> list[pl.Expr]:
    """One expression per column of `model`'s table: the given value, else the timestamp for automatic
    times, NULL where allowed, or the field's default. A column with none of these is a programming error."""
    expressions = []
    for field in model._meta.concrete_fields:
        column = str(field.column)
        if column in skip:
            continue
        if column in values:
            expression = values[column]
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            expression = pl.lit(now)
        elif field.null:
            expression = pl.lit(None)
        elif field.has_default() or field.empty_strings_allowed:
            default = field.get_default()
            expression = pl.lit(json.dumps(default) if isinstance(field, models.JSONField) else default)
        else:
            raise ValueError(f"No value for {model.__name__}.{column}.")
        expressions.append(expression.alias(column))
    return expressions


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _columns(names: list[str]) -> str:
    return ", ".join(connection.ops.quote_name(name) for name in names)


def _text_dates(frame: pl.DataFrame) -> pl.DataFrame:
    """Dates as ISO text: both databases parse it, and SQLite's driver needs no adapter for it."""
    dates = [name for name, dtype in frame.schema.items() if dtype == pl.Date]
    return frame.with_columns(pl.col(dates).dt.strftime("%Y-%m-%d")) if dates else frame


def _staged(cursor: Any, model: type[models.Model], frame: pl.DataFrame, purpose: str) -> str:
    """PostgreSQL: `frame` copied into a temporary table with the same column types; its quoted name."""
    stage = connection.ops.quote_name(f"import_{purpose}_{model._meta.db_table}")
    columns = _columns(frame.columns)
    cursor.execute(f"DROP TABLE IF EXISTS {stage}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {stage} ON COMMIT DROP AS SELECT {columns} FROM {_table(model)} WITH NO DATA"
    )
    _copy(cursor, stage, frame)
    return stage


def _copy(cursor: Any, table: str, frame: pl.DataFrame) -> None:
    """PostgreSQL: the rows of `frame` into `table` (a quoted name) by COPY, as CSV."""
    with cursor.copy(
        f"COPY {table} ({_columns(frame.columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
    ) as copy:
        for offset in range(0, frame.height, COPY_ROWS):
            part = frame.slice(offset, COPY_ROWS)
            copy.write(part.write_csv(include_header=False, null_value="\\N").encode())


def insert(model: type[models.Model], frame: pl.DataFrame) -> None:
    """Insert every row of `frame` (its columns named as the table's) into `model`'s table."""
    if not frame.height:
        return
    frame = _text_dates(frame)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _copy(cursor, _table(model), frame)
            return
        marks = ", ".join(["%s"] * frame.width)
        sql = f"INSERT INTO {_table(model)} ({_columns(frame.columns)}) VALUES ({marks})"
        for offset in range(0, frame.height, COPY_ROWS):
            cursor.executemany(sql, frame.slice(offset, COPY_ROWS).rows())


def update(model: type[models.Model], frame: pl.DataFrame) -> None:
    """Set the columns of `frame` on the rows whose `id` it names."""
    if not frame.height:
        return
    frame = _text_dates(frame)
    names = [name for name in frame.columns if name != "id"]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            stage = _staged(cursor, model, frame, "changed")
            sets = ", ".join(f"{quote(name)} = s.{quote(name)}" for name in names)
            cursor.execute(f"UPDATE {_table(model)} AS t SET {sets} FROM {stage} AS s WHERE t.id = s.id")
            cursor.execute(f"DROP TABLE {stage}")
            return
        sets = ", ".join(f"{quote(name)} = %s" for name in names)
        sql = f"UPDATE {_table(model)} SET {sets} WHERE id = %s"
        ordered = frame.select([*names, "id"])
        for offset in range(0, ordered.height, COPY_ROWS):
            cursor.executemany(sql, ordered.slice(offset, COPY_ROWS).rows())


def next_ids(model: type[models.Model], count: int) -> pl.Series:
    """`count` new primary keys for `model`, taken inside the caller's transaction (on SQLite the write lock
    is held from its start, so nobody else can take the same ones)."""
    if not count:
        return pl.Series("id", [], dtype=pl.Int64)
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The sequence named once: looked up on every row it took 2.4 s a million rather than 0.3 s.
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            sequence = cursor.fetchone()[0]
            cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count])
            return pl.Series("id", [row[0] for row in cursor.fetchall()], dtype=pl.Int64)
        cursor.execute(
            f"SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
            f"coalesce((SELECT max(id) FROM {_table(model)}), 0))",
            [table],
        )
        start = int(cursor.fetchone()[0]) + 1
    return pl.int_range(start, start + count, dtype=pl.Int64, eager=True).alias("id")
