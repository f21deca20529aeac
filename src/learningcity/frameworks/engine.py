"""The rule engine: a framework file's SQL expressions evaluated by Polars over a typed frame.

One record is a one-row frame and a province is a ten-million-row frame; both go through `evaluate`, so the
form's instant feedback and the bulk run cannot disagree. Expressions are plain SQL (`pl.sql_expr`); there is
no expression language of our own.

Columns of an evaluated frame, in order:
- the inputs and context columns, cast to their declared types;
- `invalid__<input>`: the answer is present but outside [min, max];
- `short__<input>`: for inputs with `pass_min`, the answer is missing or below it; `short_count` counts them;
- each `derived` expression, in file order (later ones may use earlier ones);
- `level`: the code of the first level whose `when` holds, else the `otherwise` code (a null `when` is false).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
import yaml

TYPES: dict[str, pl.DataType] = {
    "int": pl.Int64(),
    "float": pl.Float64(),
    "bool": pl.Boolean(),
    "str": pl.String(),
}
SUBJECTS = ("person", "household", "clan", "community", "organisation", "city")
REVIEW_STAGES = ("hamlet", "commune", "province")
EVIDENCE = ("required", "optional", "none")
CONTEXT_SOURCES = ("unit.flag", "subject.group")
IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
GENERATED = ("level", "short_count")
WINDOW = re.compile(r"\bOVER\s*\(", re.IGNORECASE)
STRING_LITERAL = re.compile(r"'(?:[^']|'')*'")


class FrameworkError(ValueError):
    """A framework file is refused: names the file, the key and the reason."""

    def __init__(self, source: str, key: str, reason: str) -> None:
        self.source, self.key, self.reason = source, key, reason
        super().__init__(f"{source}: {key}: {reason}")


@dataclass(frozen=True)
class Framework:
    """A checked framework, ready to evaluate."""

    spec: dict[str, Any]

    @property
    def inputs(self) -> list[dict[str, Any]]:
        return list(self.spec["inputs"])

    @property
    def schema(self) -> dict[str, pl.DataType]:
        columns = {item["code"]: TYPES[item["type"]] for item in self.spec["inputs"]}
        columns.update({item["code"]: TYPES[item["type"]] for item in self.spec.get("context", [])})
        return columns

    def frame(self, rows: Sequence[Mapping[str, Any]]) -> pl.DataFrame:
        """Rows of answers and context as a frame with the declared types (missing keys are nulls)."""
        schema = self.schema
        return pl.DataFrame([{name: row.get(name) for name in schema} for row in rows], schema=schema)

    def evaluate(self, frame: pl.DataFrame) -> pl.DataFrame:
        frame = frame.with_columns([pl.col(name).cast(dtype) for name, dtype in self.schema.items()])
        checks = []
        shorts = []
        for item in self.spec["inputs"]:
            column = pl.col(item["code"])
            if "min" in item and "max" in item:
                checks.append(
                    (column.is_not_null() & ((column < item["min"]) | (column > item["max"])))
                    .fill_null(False)
                    .alias(f"invalid__{item['code']}")
                )
            if "pass_min" in item:
                shorts.append((column.is_null() | (column < item["pass_min"])).alias(f"short__{item['code']}"))
        frame = frame.with_columns(checks + shorts)
        short_columns = [f"short__{item['code']}" for item in self.spec["inputs"] if "pass_min" in item]
        frame = frame.with_columns(
            pl.sum_horizontal([pl.col(c).cast(pl.Int64) for c in short_columns]).alias("short_count")
            if short_columns
            else pl.lit(0, dtype=pl.Int64).alias("short_count")
        )
        for name, expression in self.spec.get("derived", {}).items():
            frame = frame.with_columns(pl.sql_expr(expression).alias(name))
        level: pl.Expr = pl.lit(self.spec["otherwise"]["code"], dtype=pl.String)
        for rule in reversed(self.spec["levels"]):
            level = pl.when(pl.sql_expr(rule["when"]).fill_null(False)).then(pl.lit(rule["code"])).otherwise(level)
        return frame.with_columns(level.alias("level"))

    def evaluate_one(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Score one record: the same `evaluate`, on a one-row frame."""
        row = self.evaluate(self.frame([values])).row(0, named=True)
        row["short"] = [item["code"] for item in self.spec["inputs"] if row.get(f"short__{item['code']}")]
        row["invalid"] = [item["code"] for item in self.spec["inputs"] if row.get(f"invalid__{item['code']}")]
        return row


# ---------------------------------------------------------------------------------------------------------
# Loading and checking a file


def _require(condition: bool, source: str, key: str, reason: str) -> None:
    if not condition:
        raise FrameworkError(source, key, reason)


def _title(value: Any, source: str, key: str) -> None:
    _require(
        isinstance(value, dict) and bool(value.get("vi")) and bool(value.get("en")),
        source,
        key,
        "must have a Vietnamese (vi) and an English (en) text",
    )


def _identifier(value: Any, source: str, key: str, taken: set[str]) -> str:
    _require(isinstance(value, str) and bool(IDENTIFIER.match(value)), source, key,
             f"{value!r} is not a column name (lower-case letters, digits and _)")
    _require(value not in taken and value not in GENERATED and "__" not in value, source, key,
             f"{value!r} is already used")
    taken.add(value)
    return value


def parse(text: str, source: str) -> Framework:
    """Parse and check a framework file; raises `FrameworkError` naming the key and the reason."""
    try:
        spec = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(file)"
        raise FrameworkError(source, where, f"not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    _require(isinstance(spec, dict), source, "(file)", "must be a mapping of keys")
    for key in ("id", "version", "title", "subject", "sources", "inputs", "levels", "otherwise"):
        _require(key in spec, source, key, "is required")
    spec["version"] = str(spec["version"])
    _require(bool(re.match(r"^[a-z0-9][a-z0-9.\-]*$", str(spec["id"]))), source, "id",
             "must be lower-case letters, digits, dots and dashes")
    _title(spec["title"], source, "title")
    _require(spec["subject"] in SUBJECTS, source, "subject", f"must be one of {', '.join(SUBJECTS)}")
    _require(isinstance(spec["sources"], list) and bool(spec["sources"]), source, "sources",
             "must name at least one official source")
    for i, item in enumerate(spec["sources"]):
        _require(isinstance(item, dict) and bool(item.get("doc")), source, f"sources[{i}].doc", "is required")
        for field in ("date",):
            if field in item:
                item[field] = str(item[field])

    groups = spec.setdefault("groups", [])
    group_codes: set[str] = set()
    for i, group in enumerate(groups):
        _require(isinstance(group, dict) and bool(group.get("code")), source, f"groups[{i}].code", "is required")
        _require(group["code"] not in group_codes, source, f"groups[{i}].code", f"{group['code']!r} repeats")
        group_codes.add(group["code"])
        _title(group.get("title"), source, f"groups[{i}].title")

    competencies = {c.get("code") for c in spec.setdefault("competencies", []) if isinstance(c, dict)}
    for i, competency in enumerate(spec["competencies"]):
        _title(competency.get("title"), source, f"competencies[{i}].title")

    taken: set[str] = set()
    for i, item in enumerate(spec.setdefault("context", [])):
        key = f"context[{i}]"
        _require(isinstance(item, dict), source, key, "must be a mapping")
        _identifier(item.get("code"), source, f"{key}.code", taken)
        _require(item.get("type") in TYPES, source, f"{key}.type", f"must be one of {', '.join(TYPES)}")
        origin = str(item.get("from", ""))
        _require(origin.startswith(CONTEXT_SOURCES), source, f"{key}.from",
                 f"must start with one of {', '.join(CONTEXT_SOURCES)}")

    _require(isinstance(spec["inputs"], list) and bool(spec["inputs"]), source, "inputs", "must list the answers")
    for i, item in enumerate(spec["inputs"]):
        key = f"inputs[{i}]"
        _require(isinstance(item, dict), source, key, "must be a mapping")
        code = _identifier(item.get("code"), source, f"{key}.code", taken)
        key = f"inputs.{code}"
        _require(item.get("type") in TYPES, source, f"{key}.type", f"must be one of {', '.join(TYPES)}")
        _title(item.get("title"), source, f"{key}.title")
        if competencies:
            _require(item.get("competency") in competencies, source, f"{key}.competency",
                     f"must be one of {', '.join(sorted(c for c in competencies if c))}")
        item.setdefault("evidence", "none")
        _require(item["evidence"] in EVIDENCE, source, f"{key}.evidence", f"must be one of {', '.join(EVIDENCE)}")
        if item["type"] in ("int", "float"):
            for bound in ("min", "max", "pass_min"):
                if bound in item:
                    _require(isinstance(item[bound], int | float) and not isinstance(item[bound], bool),
                             source, f"{key}.{bound}", "must be a number")
            _require("min" in item and "max" in item, source, key, "a number needs min and max")
            _require(item["min"] <= item["max"], source, f"{key}.max", "must not be below min")
            if "pass_min" in item:
                _require(item["min"] <= item["pass_min"] <= item["max"], source, f"{key}.pass_min",
                         "must lie between min and max")
        item["provisional"] = bool(item.get("provisional", False))

    derived = spec.setdefault("derived", {})
    _require(isinstance(derived, dict), source, "derived", "must map names to SQL expressions")
    for name in derived:
        _identifier(name, source, f"derived.{name}", taken)
    _require(isinstance(spec["levels"], list) and bool(spec["levels"]), source, "levels", "must list levels")
    level_codes: set[str] = set()
    for i, rule in enumerate(spec["levels"]):
        _require(isinstance(rule, dict) and bool(rule.get("code")) and bool(rule.get("when")), source,
                 f"levels[{i}]", "needs a code and a when")
        _require(rule["code"] not in level_codes, source, f"levels[{i}].code", f"{rule['code']!r} repeats")
        level_codes.add(rule["code"])
        _title(rule.get("title"), source, f"levels.{rule['code']}.title")
    otherwise = spec["otherwise"]
    _require(isinstance(otherwise, dict) and bool(otherwise.get("code")), source, "otherwise.code", "is required")
    _require(otherwise["code"] not in level_codes, source, "otherwise.code", "repeats a level code")
    _title(otherwise.get("title"), source, "otherwise.title")

    chain = spec.setdefault("review_chain", [])
    _require(isinstance(chain, list) and all(stage in REVIEW_STAGES for stage in chain), source,
             "review_chain", f"stages must be among {', '.join(REVIEW_STAGES)}")
    certificate = spec.get("certificate")
    if certificate is not None:
        _require(certificate.get("level") in level_codes, source, "certificate.level",
                 "must be one of the levels")
        _title(certificate.get("title"), source, "certificate.title")
    feedback = spec.setdefault("feedback", {})
    for key in ("score", "pass_mark", "max_score"):
        if key in feedback:
            _require(feedback[key] in derived or isinstance(feedback[key], int | float), source,
                     f"feedback.{key}", "must name a derived column or be a number")

    framework = Framework(spec)
    _check_expressions(framework, source)
    return framework


def _check_expressions(framework: Framework, source: str) -> None:
    """Evaluate every expression on empty and null frames with the declared types (STACK-NOTES.md).

    `sql_expr` parses without a schema, so a misspelt column only fails at evaluation; this makes it fail at
    load, naming the key. Per-record rules may not aggregate: on a three-row frame they must give three rows.
    """
    empty = framework.frame([])
    nulls = framework.frame([{}, {}, {}])
    known = set(framework.schema) | {"short_count"}
    known |= {f"short__{i['code']}" for i in framework.inputs if "pass_min" in i}
    known |= {f"invalid__{i['code']}" for i in framework.inputs if "min" in i}
    expressions = [(f"derived.{name}", name, expr) for name, expr in framework.spec["derived"].items()]
    expressions += [(f"levels.{rule['code']}.when", None, rule["when"]) for rule in framework.spec["levels"]]
    partial = Framework({**framework.spec, "derived": {}, "levels": [], "otherwise": {"code": "x"}})
    frames = [partial.evaluate(empty), partial.evaluate(nulls)]
    for key, name, text in expressions:
        _require(isinstance(text, str) and bool(text.strip()), source, key, "must be an SQL expression")
        _require(not WINDOW.search(STRING_LITERAL.sub("''", text)), source, key,
                 "window functions are not allowed in per-record rules")
        try:
            expr = pl.sql_expr(text)
        except Exception as exc:  # noqa: BLE001 - Polars raises several kinds; all mean "bad SQL"
            raise FrameworkError(source, key, f"not valid SQL: {exc}") from exc
        unknown = sorted(set(expr.meta.root_names()) - known)
        _require(not unknown, source, key, f"unknown column {', '.join(unknown)}")
        try:
            results = [frame.select(expr.alias("_result")) for frame in frames]
        except Exception as exc:  # noqa: BLE001
            raise FrameworkError(source, key, f"cannot be evaluated on the declared types: {exc}") from exc
        _require(results[1].height == 3 or expr.meta.is_literal(), source, key,
                 "aggregates are not allowed in per-record rules (only roll-up rules may aggregate)")
        if name is None:
            _require(results[0].schema["_result"] == pl.Boolean, source, key, "must be true or false")
        else:
            known.add(name)
            frames = [frame.with_columns(expr.alias(name)) for frame in frames]


def load_file(path: str) -> Framework:
    with open(path, encoding="utf-8") as handle:
        return parse(handle.read(), path)
