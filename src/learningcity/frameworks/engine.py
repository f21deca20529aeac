"""The rule engine: a framework file's SQL expressions evaluated by Polars over a typed frame.

One record is a one-row frame and a province is a ten-million-row frame; both go through `evaluate`, so the
form's instant feedback and the bulk run cannot disagree. Expressions are plain SQL (`pl.sql_expr`); there is
no expression language of our own. The file format is described in docs/frameworks.md.

Columns of an evaluated frame, in order:
- the inputs, context and roll-up columns, cast to their declared types (declared columns the frame lacks are
  nulls);
- `invalid__<input>`: the answer is present but outside [min, max]; `invalid_count` counts them;
- `short__<input>`: for inputs with `pass_min`, the answer is missing or below it; `short_count` counts them;
- each `derived` expression, in file order (later ones may use earlier ones); a float NaN (0/0) or infinity
  (1/0) becomes null;
- `level`: the code of the first level whose `when` holds, else the `otherwise` code. A null `when` is false,
  and a record with an invalid answer always gets the `otherwise` code.

Roll-up rules (`rollups`) are the only rules that aggregate: `Framework.rollup` groups a frame of the members'
stored results (one row per member, typed columns `MEMBER_COLUMNS`) by subject and gives one value per subject
and rule; a subject with no members gets the rule's `when_empty`. Their codes are typed context columns of the
framework's schema, so `derived` and `levels` read them like any answer.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
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
REVIEW_STAGES = ("hamlet", "commune", "province")  # in the order a review goes up the tree
EVIDENCE = ("required", "optional", "none")
CONTEXT_SOURCES = ("unit.flag", "subject.group")
CONTEXT_FROM = re.compile(r"^(unit\.flag\.[a-z][a-z0-9_]{0,62}|subject\.group)$")
IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
# Names the engine produces (or `evaluate_one` adds); a file may not declare them.
GENERATED = ("level", "short_count", "invalid_count", "short", "invalid")
WINDOW = re.compile(r"\bOVER\s*\(", re.IGNORECASE)
STRING_LITERAL = re.compile(r"'(?:[^']|'')*'")
VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-_]{0,39}$")
FRAMEWORK_ID = re.compile(r"^[a-z0-9][a-z0-9.\-]{0,99}$")

# The keys a file may use, per part: an unknown key (a typo such as `pass-min`) is refused, not ignored.
TOP_LEVEL_KEYS = frozenset(
    "id version title description subject provisional sources groups competencies context inputs rollups"
    " derived levels otherwise review_chain certificate feedback".split()
)
INPUT_KEYS = frozenset("code type title description competency min max pass_min evidence provisional".split())
CONTEXT_KEYS = frozenset("code type from title description".split())
LEVEL_KEYS = frozenset("code title when description provisional".split())
ROLLUP_KEYS = frozenset("code title description over framework expr type when_empty provisional".split())
GROUP_KEYS = frozenset("code title description provisional".split())
FEEDBACK_KEYS = frozenset("score pass_mark max_score".split())
CERTIFICATE_KEYS = frozenset("level title".split())
MAX_NODES = 100_000  # a file expanding beyond this (YAML aliases) is refused
TITLE_MAX = 200  # FrameworkVersion.title_vi / title_en

# Roll-ups. The kinds of member a roll-up reads (`over`), and which kinds each subject is made of.
MEMBER_KINDS = ("person", "household", "community")
ROLLUP_OVER: dict[str, tuple[str, ...]] = {
    "household": ("person",),  # the household's members
    "clan": ("household", "person"),  # the clan's households, or the people of those households
    "community": ("household", "person", "community"),  # a hamlet's households; a commune's hamlets
    "organisation": ("person",),  # the organisation's members
}
ROLLUP_TYPES = ("float", "int", "bool")
# The members' frame: one row per member (a member without an assessment in the campaign is a row too).
MEMBER_COLUMNS: dict[str, pl.DataType] = {
    "level": pl.String(),  # the member's stored level; null when it has no assessment
    "passes": pl.Boolean(),  # its stored level earns its framework's title (`Framework.passing_levels`)
    "recognised": pl.Boolean(),  # it holds the title: its assessment was recognised (certified)
    "status": pl.String(),  # the workflow status of its assessment; null when it has none
    "score": pl.Float64(),  # its stored score
}
PERSON_COLUMNS: dict[str, pl.DataType] = {
    "age": pl.Int64(),  # the campaign's year minus the birth year; null when unknown
    "sex": pl.String(),  # F, M or X
}
# Roll-up values to test per-record rules on, besides none and `when_empty`: the extremes and one between.
ROLLUP_SAMPLES: dict[str, list[Any]] = {
    "float": [0.0, 1.0, 0.5],
    "int": [0, 1, 7],
    "bool": [True, False, True],
}
# Which member framework a row of a members' frame belongs to, when one frame serves several roll-ups.
MEMBER_FRAMEWORK = "framework"
_COUNT = "__members"  # a helper column; codes cannot contain "__", so it never clashes


def member_schema(over: str) -> dict[str, pl.DataType]:
    """The typed columns of a members' frame for members of kind `over`."""
    return {**MEMBER_COLUMNS, **(PERSON_COLUMNS if over == "person" else {})}


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
    def rollups(self) -> list[dict[str, Any]]:
        return list(self.spec.get("rollups", []))

    @cached_property
    def schema(self) -> dict[str, pl.DataType]:
        columns = {item["code"]: TYPES[item["type"]] for item in self.spec["inputs"]}
        columns.update({item["code"]: TYPES[item["type"]] for item in self.spec.get("context", [])})
        columns.update({item["code"]: TYPES[item["type"]] for item in self.spec.get("rollups", [])})
        return columns

    @cached_property
    def passing_levels(self) -> frozenset[str]:
        """The levels that earn the title: the certificate's level and every level listed before it.

        Levels are listed best first (the first whose `when` holds wins), so a level listed before the
        certificate's is a higher one. Empty when the file has no certificate.
        """
        target = (self.spec.get("certificate") or {}).get("level")
        codes = [rule["code"] for rule in self.spec["levels"]]
        return frozenset(codes[: codes.index(target) + 1]) if target in codes else frozenset()

    @cached_property
    def _rollup_rules(self) -> dict[tuple[str, str], list[tuple[dict[str, Any], pl.Expr]]]:
        """The roll-up expressions, parsed once, by the (member kind, member framework) they read."""
        sources: dict[tuple[str, str], list[tuple[dict[str, Any], pl.Expr]]] = {}
        for rule in self.spec.get("rollups", []):
            sources.setdefault((rule["over"], rule["framework"]), []).append(
                (rule, pl.sql_expr(rule["expr"]))
            )
        return sources

    def rollup(
        self, members: pl.DataFrame, by: str, *, groups: Sequence[Any] | pl.Series | None = None
    ) -> pl.DataFrame:
        """Every roll-up rule over a members' frame: one row per group (subject) and one column per rule.

        `members` has one row per member with the group column `by` and the columns of `member_schema(over)`
        (missing ones are nulls; others are cast to their types). When it serves roll-ups that read different
        member frameworks, a `framework` column says which framework each row's result is from; without one,
        every row counts for every rule. `groups` lists the subjects to report, in order: those without
        member rows get each rule's `when_empty` (by default, the groups present in `members`). One subject
        is the same call with one group. A NaN or infinite value (a division by zero) becomes null.
        """
        if by not in members.columns:
            raise ValueError(f"the members' frame has no group column {by!r}")
        key_type = members.schema[by]
        keys = (
            members.get_column(by)
            if groups is None
            else pl.Series(by, list(groups), dtype=key_type, strict=False)
        )
        result = pl.DataFrame({by: keys}).unique(subset=by, maintain_order=True)
        for (over, framework), rules in self._rollup_rules.items():
            part = members
            if MEMBER_FRAMEWORK in members.columns:
                part = part.filter(pl.col(MEMBER_FRAMEWORK) == framework)
            part = part.select(
                pl.col(by),
                *[
                    pl.col(name).cast(dtype)
                    if name in members.columns
                    else pl.lit(None, dtype=dtype).alias(name)
                    for name, dtype in member_schema(over).items()
                ],
            )
            values = part.group_by(by).agg(
                pl.len().alias(_COUNT), *[expression.alias(rule["code"]) for rule, expression in rules]
            )
            result = result.join(values, on=by, how="left", maintain_order="left")
            result = result.with_columns(
                [_rollup_value(rule).alias(rule["code"]) for rule, _expression in rules]
            ).drop(_COUNT)
        return result.select(by, *[rule["code"] for rule in self.spec.get("rollups", [])])

    @cached_property
    def _rules(self) -> tuple[list[tuple[str, pl.Expr]], list[tuple[str, pl.Expr]]]:
        """The derived and level expressions, parsed once."""
        derived = [(name, pl.sql_expr(text)) for name, text in self.spec.get("derived", {}).items()]
        levels = [(rule["code"], pl.sql_expr(rule["when"])) for rule in self.spec["levels"]]
        return derived, levels

    def frame(self, rows: Sequence[Mapping[str, Any]]) -> pl.DataFrame:
        """Rows of answers and context as a frame with the declared types (missing keys are nulls)."""
        schema = self.schema
        return pl.DataFrame([{name: row.get(name) for name in schema} for row in rows], schema=schema)

    def evaluate(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Score every row of `frame`; other columns (ids, names) are kept as they are."""
        frame = frame.with_columns(
            [
                pl.col(name).cast(dtype) if name in frame.columns else pl.lit(None, dtype=dtype).alias(name)
                for name, dtype in self.schema.items()
            ]
        )
        invalid: list[pl.Expr] = []
        shorts: list[pl.Expr] = []
        for item in self.spec["inputs"]:
            column = pl.col(item["code"])
            if "min" in item and "max" in item:
                invalid.append(
                    (column.is_not_null() & ((column < item["min"]) | (column > item["max"])))
                    .fill_null(False)
                    .alias(f"invalid__{item['code']}")
                )
            if "pass_min" in item:
                shorts.append(
                    (column.is_null() | (column < item["pass_min"])).alias(f"short__{item['code']}")
                )
        frame = frame.with_columns(invalid + shorts)
        frame = frame.with_columns(
            _count(_names(invalid)).alias("invalid_count"), _count(_names(shorts)).alias("short_count")
        )
        derived, levels = self._rules
        for name, expression in derived:
            frame = frame.with_columns(expression.alias(name))
            if frame.schema[name].is_float():
                # 0/0 is NaN and NaN >= 0.7 is true in Polars: a NaN result means "no value" (STACK-NOTES.md).
                frame = frame.with_columns(_finite(pl.col(name)).alias(name))
        otherwise = pl.lit(self.spec["otherwise"]["code"], dtype=pl.String)
        level: pl.Expr = otherwise
        for code, when in reversed(levels):
            level = pl.when(when.fill_null(False)).then(pl.lit(code, dtype=pl.String)).otherwise(level)
        level = pl.when(pl.col("invalid_count") > 0).then(otherwise).otherwise(level)
        return frame.with_columns(level.alias("level"))

    def evaluate_one(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Score one record: the same `evaluate`, on a one-row frame."""
        row = self.evaluate(self.frame([values])).row(0, named=True)
        row["short"] = [item["code"] for item in self.spec["inputs"] if row.get(f"short__{item['code']}")]
        row["invalid"] = [item["code"] for item in self.spec["inputs"] if row.get(f"invalid__{item['code']}")]
        return row


def _finite(column: pl.Expr) -> pl.Expr:
    """A float column with NaN and ±infinity (a division by zero) as null: such a value means "no value"."""
    return pl.when(column.is_finite()).then(column).otherwise(None)


def _rollup_value(rule: dict[str, Any]) -> pl.Expr:
    """A roll-up's aggregated column as its declared type; `when_empty` for a group without members."""
    dtype = TYPES[rule["type"]]
    value = pl.col(rule["code"]).cast(dtype)
    if rule["type"] == "float":
        value = _finite(value)
    empty = pl.lit(rule["when_empty"], dtype=dtype)
    return pl.when(pl.col(_COUNT).is_null()).then(empty).otherwise(value)


def _names(expressions: list[pl.Expr]) -> list[str]:
    return [expression.meta.output_name() for expression in expressions]


def _count(columns: list[str]) -> pl.Expr:
    if not columns:
        return pl.lit(0, dtype=pl.Int64)
    return pl.sum_horizontal([pl.col(c).cast(pl.Int64) for c in columns])


# ---------------------------------------------------------------------------------------------------------
# Loading and checking a file


class _Checker:
    """Checks one file; every refusal names the file, the key and the reason."""

    def __init__(self, source: str) -> None:
        self.source = source

    def need(self, condition: bool, key: str, reason: str) -> None:
        if not condition:
            raise FrameworkError(self.source, key, reason)

    def mapping(self, value: Any, key: str, allowed: frozenset[str] | None = None) -> dict[str, Any]:
        self.need(isinstance(value, dict), key, "must be a mapping of keys")
        unknown = sorted(str(name) for name in value if allowed is not None and name not in allowed)
        if unknown and allowed is not None:
            where = unknown[0] if key == "(file)" else f"{key}.{unknown[0]}"
            self.need(False, where, f"unknown key (allowed: {', '.join(sorted(allowed))})")
        return value

    def listing(self, spec: dict[str, Any], key: str) -> list[Any]:
        value = spec[key] = spec.get(key) or []
        self.need(isinstance(value, list), key, "must be a list")
        return value

    def title(self, value: Any, key: str, limit: int | None = None) -> None:
        texts: list[Any] = (
            [value.get(language) for language in ("vi", "en")] if isinstance(value, dict) else []
        )
        self.need(
            len(texts) == 2 and all(isinstance(t, str) and t.strip() for t in texts),
            key,
            "must have a Vietnamese (vi) and an English (en) text",
        )
        for language, text in zip(("vi", "en"), texts, strict=True):
            self.need(
                limit is None or len(text) <= limit,
                f"{key}.{language}",
                f"must be at most {limit} characters",
            )

    def identifier(self, value: Any, key: str, taken: set[str]) -> str:
        self.need(
            isinstance(value, str) and bool(IDENTIFIER.match(value)) and "__" not in value,
            key,
            f"{value!r} is not a column name (lower-case letters, digits and single _)",
        )
        self.need(value not in taken and value not in GENERATED, key, f"{value!r} is already used")
        taken.add(value)
        return value

    def code(self, value: Any, key: str, taken: set[str]) -> str:
        self.need(isinstance(value, str) and bool(value.strip()), key, "is required (text)")
        self.need(value not in taken, key, f"{value!r} repeats")
        taken.add(value)
        return value

    def plain(self, value: Any, key: str, budget: list[int]) -> Any:
        """The parsed YAML as plain JSON values: dates as ISO text, strings in NFC; nothing else."""
        budget[0] -= 1
        self.need(budget[0] >= 0, "(file)", f"is too large once expanded (more than {MAX_NODES} values)")
        if isinstance(value, dict):
            plain = {}
            for name, child in value.items():
                where = f"{key}.{name}" if key else str(name)
                self.need(isinstance(name, str), where, "keys must be text")
                plain[unicodedata.normalize("NFC", name)] = self.plain(child, where, budget)
            return plain
        if isinstance(value, list):
            return [self.plain(child, f"{key}[{i}]", budget) for i, child in enumerate(value)]
        if isinstance(value, str):
            return unicodedata.normalize("NFC", value)
        if isinstance(value, dt.date):  # dt.datetime is a dt.date too
            return value.isoformat()
        self.need(not isinstance(value, float) or math.isfinite(value), key, "must be a finite number")
        self.need(
            value is None or isinstance(value, bool | int | float),
            key,
            f"a {type(value).__name__} value is not allowed here",
        )
        return value


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def parse(text: str, source: str) -> Framework:
    """Parse and check a framework file; raises `FrameworkError` naming the file, the key and the reason."""
    check = _Checker(source)
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(file)"
        raise FrameworkError(
            source, where, f"not valid YAML: {getattr(exc, 'problem', None) or exc}"
        ) from exc
    check.need(isinstance(raw, dict), "(file)", "must be a mapping of keys")
    check.need(
        not isinstance(raw.get("version"), float),
        "version",
        'must be quoted text, e.g. "2022.10" (unquoted, 2022.10 would read as the number 2022.1)',
    )
    spec: dict[str, Any] = check.plain(raw, "", [MAX_NODES])
    check.mapping(spec, "(file)", TOP_LEVEL_KEYS)
    for key in ("id", "version", "title", "subject", "sources", "levels", "otherwise"):
        check.need(spec.get(key) is not None, key, "is required")
    check.need(
        isinstance(spec["id"], str) and bool(FRAMEWORK_ID.match(spec["id"])),
        "id",
        "must be lower-case letters, digits, dots and dashes (at most 100)",
    )
    check.need(
        isinstance(spec["version"], str | int) and not isinstance(spec["version"], bool),
        "version",
        'must be text such as "2022.1"',
    )
    spec["version"] = str(spec["version"])
    check.need(
        bool(VERSION.match(spec["version"])),
        "version",
        "must be letters, digits, dots, dashes and _ (at most 40)",
    )
    check.title(spec["title"], "title", TITLE_MAX)
    check.need(spec["subject"] in SUBJECTS, "subject", f"must be one of {', '.join(SUBJECTS)}")
    spec["provisional"] = bool(spec.get("provisional", False))
    check.need(bool(check.listing(spec, "sources")), "sources", "must name at least one official source")
    for i, item in enumerate(spec["sources"]):
        check.mapping(item, f"sources[{i}]")
        check.need(
            isinstance(item.get("doc"), str) and bool(item["doc"].strip()), f"sources[{i}].doc", "is required"
        )

    group_codes: set[str] = set()
    for i, group in enumerate(check.listing(spec, "groups")):
        check.code(
            check.mapping(group, f"groups[{i}]", GROUP_KEYS).get("code"), f"groups[{i}].code", group_codes
        )
        check.title(group.get("title"), f"groups[{i}].title")
    competency_codes: set[str] = set()
    for i, item in enumerate(check.listing(spec, "competencies")):
        key = f"competencies[{i}]"
        check.code(check.mapping(item, key, GROUP_KEYS).get("code"), f"{key}.code", competency_codes)
        check.title(item.get("title"), f"{key}.title")

    taken: set[str] = set()
    for i, item in enumerate(check.listing(spec, "context")):
        key = f"context[{i}]"
        check.identifier(check.mapping(item, key, CONTEXT_KEYS).get("code"), f"{key}.code", taken)
        check.need(item.get("type") in TYPES, f"{key}.type", f"must be one of {', '.join(TYPES)}")
        check.need(
            isinstance(item.get("from"), str) and bool(CONTEXT_FROM.match(item["from"])),
            f"{key}.from",
            "must be unit.flag.<name> or subject.group",
        )

    rollups = check.listing(spec, "rollups")
    check.need(
        bool(check.listing(spec, "inputs")) or bool(rollups),
        "inputs",
        "must list the answers (only a file with roll-ups may have none)",
    )
    for i, item in enumerate(spec["inputs"]):
        code = check.identifier(check.mapping(item, f"inputs[{i}]").get("code"), f"inputs[{i}].code", taken)
        key = f"inputs.{code}"
        check.mapping(item, key, INPUT_KEYS)
        check.need(item.get("type") in TYPES, f"{key}.type", f"must be one of {', '.join(TYPES)}")
        check.title(item.get("title"), f"{key}.title")
        if competency_codes:
            check.need(
                item.get("competency") in competency_codes,
                f"{key}.competency",
                f"must be one of {', '.join(sorted(competency_codes))}",
            )
        item.setdefault("evidence", "none")
        check.need(item["evidence"] in EVIDENCE, f"{key}.evidence", f"must be one of {', '.join(EVIDENCE)}")
        item["provisional"] = bool(item.get("provisional", False))
        if item["type"] not in ("int", "float"):
            for bound in ("min", "max", "pass_min"):
                check.need(bound not in item, f"{key}.{bound}", "only numbers (int, float) have bounds")
            continue
        for bound in ("min", "max", "pass_min"):
            check.need(bound not in item or _number(item[bound]), f"{key}.{bound}", "must be a number")
        check.need("min" in item and "max" in item, key, "a number needs min and max")
        check.need(item["min"] <= item["max"], f"{key}.max", "must not be below min")
        check.need(
            "pass_min" not in item or item["min"] <= item["pass_min"] <= item["max"],
            f"{key}.pass_min",
            "must lie between min and max",
        )

    _check_rollup_shapes(spec, check, taken)

    derived = spec["derived"] = spec.get("derived") or {}
    check.need(isinstance(derived, dict), "derived", "must map names to SQL expressions")
    for name in derived:
        check.identifier(name, f"derived.{name}", taken)
    check.need(bool(check.listing(spec, "levels")), "levels", "must list levels")
    level_codes: set[str] = set()
    for i, rule in enumerate(spec["levels"]):
        level = check.mapping(rule, f"levels[{i}]", LEVEL_KEYS).get("code")
        check.need(
            isinstance(level, str) and bool(IDENTIFIER.match(level)),
            f"levels[{i}].code",
            "is required (lower-case letters, digits and _)",
        )
        check.code(level, f"levels[{i}].code", level_codes)
        check.need("when" in rule, f"levels.{level}.when", "is required")
        check.title(rule.get("title"), f"levels.{level}.title")
        rule["provisional"] = bool(rule.get("provisional", False))
    otherwise = check.mapping(spec["otherwise"], "otherwise", LEVEL_KEYS - {"when", "provisional"})
    check.need(
        isinstance(otherwise.get("code"), str) and bool(IDENTIFIER.match(otherwise["code"])),
        "otherwise.code",
        "is required (lower-case letters, digits and _)",
    )
    check.need(otherwise["code"] not in level_codes, "otherwise.code", "repeats a level code")
    check.title(otherwise.get("title"), "otherwise.title")

    chain = check.listing(spec, "review_chain")
    for i, stage in enumerate(chain):
        check.need(
            stage in REVIEW_STAGES,
            f"review_chain[{i}]",
            f"{stage!r} is not a review stage ({', '.join(REVIEW_STAGES)})",
        )
    order = [REVIEW_STAGES.index(stage) for stage in chain]
    check.need(
        order == sorted(set(order)),
        "review_chain",
        f"stages must go up the tree without repeats ({', '.join(REVIEW_STAGES)})",
    )
    if spec.get("certificate") is not None:
        certificate = check.mapping(spec["certificate"], "certificate", CERTIFICATE_KEYS)
        check.need(certificate.get("level") in level_codes, "certificate.level", "must be one of the levels")
        check.title(certificate.get("title"), "certificate.title", TITLE_MAX)
    feedback = check.mapping(spec.setdefault("feedback", {}) or {}, "feedback", FEEDBACK_KEYS)
    spec["feedback"] = feedback
    columns = set(derived) | {item["code"] for item in spec["inputs"]} | {item["code"] for item in rollups}
    for key, value in feedback.items():
        check.need(
            (isinstance(value, str) and value in columns) or _number(value),
            f"feedback.{key}",
            "must name a derived column, an input or a roll-up, or be a number",
        )

    framework = Framework(spec)
    _check_rollup_expressions(framework, check)
    _check_expressions(framework, check)
    return framework


def _check_rollup_shapes(spec: dict[str, Any], check: _Checker, taken: set[str]) -> None:
    """The keys of each roll-up rule; its expression is checked once the whole file is read."""
    allowed = ROLLUP_OVER.get(spec["subject"], ())
    read_as: dict[str, str] = {}
    for i, rule in enumerate(spec["rollups"]):
        code = check.identifier(check.mapping(rule, f"rollups[{i}]").get("code"), f"rollups[{i}].code", taken)
        key = f"rollups.{code}"
        check.mapping(rule, key, ROLLUP_KEYS)
        check.title(rule.get("title"), f"{key}.title")
        check.need(
            rule.get("over") in MEMBER_KINDS,
            f"{key}.over",
            f"{rule.get('over')!r} is not a kind of member ({', '.join(MEMBER_KINDS)})",
        )
        check.need(
            rule["over"] in allowed,
            f"{key}.over",
            f"a {spec['subject']} has no {rule['over']} members"
            + (f" (it has: {', '.join(allowed)})" if allowed else ""),
        )
        check.need(
            isinstance(rule.get("framework"), str) and bool(FRAMEWORK_ID.match(rule["framework"])),
            f"{key}.framework",
            "must be the id of the framework the members are assessed against",
        )
        previous = read_as.setdefault(rule["framework"], rule["over"])
        check.need(
            previous == rule["over"],
            f"{key}.over",
            f"{rule['framework']} is read as {previous} members by another roll-up",
        )
        check.need(
            rule.get("type") in ROLLUP_TYPES, f"{key}.type", f"must be one of {', '.join(ROLLUP_TYPES)}"
        )
        check.need("when_empty" in rule, f"{key}.when_empty", "is required (a value, or null)")
        empty, kind = rule["when_empty"], rule["type"]
        check.need(
            empty is None
            or (kind == "float" and _number(empty))
            or (kind == "int" and isinstance(empty, int) and not isinstance(empty, bool))
            or (kind == "bool" and isinstance(empty, bool)),
            f"{key}.when_empty",
            f"must be a {kind} value or null",
        )
        if kind == "float" and empty is not None:
            rule["when_empty"] = float(empty)
        check.need(
            isinstance(rule.get("expr"), str) and bool(rule["expr"].strip()),
            f"{key}.expr",
            "must be an SQL expression",
        )
        rule["provisional"] = bool(rule.get("provisional", False))


def _sample_rows(framework: Framework) -> list[dict[str, Any]]:
    """Varied records (missing, lowest, highest, just short, out of range) to test rules on."""
    rows: list[dict[str, Any]] = [{}]
    for variant in range(4):
        row: dict[str, Any] = {}
        for j, item in enumerate([*framework.spec.get("context", []), *framework.inputs]):
            kind, code = item["type"], item["code"]
            if kind == "bool":
                row[code] = (variant + j) % 3 == 0 if variant != 3 else None
            elif kind == "str":
                row[code] = f"{code}{variant + j}" if variant != 3 else None
            else:
                low, high = item["min"], item["max"]
                choices = [low, high, item.get("pass_min", high) - 1 if "pass_min" in item else low, high + 1]
                value = choices[(variant + j) % 4]
                row[code] = int(value) if kind == "int" else float(value)
        for j, rule in enumerate(framework.rollups):
            samples = ROLLUP_SAMPLES[rule["type"]]
            row[rule["code"]] = [None, rule["when_empty"], *samples][(variant + j) % 5]
        rows.append(row)
    return rows


# Members to test roll-up rules on: one who holds the title, one who does not (a child), and one without an
# assessment in the campaign (every value unknown). Each alone is a group too, to meet zero denominators.
_SAMPLE_MEMBERS: dict[str, list[Any]] = {
    "level": ["recognised", "not_yet", None],
    "passes": [True, False, False],
    "recognised": [True, False, False],
    "status": ["recognised", "draft", None],
    "score": [92.5, 10.0, None],
    "age": [40, 9, None],
    "sex": ["F", "M", None],
}


def _check_rollup_expressions(framework: Framework, check: _Checker) -> None:
    """Each roll-up must aggregate its members into one value per group, of its declared type.

    It is evaluated with `group_by(...).agg` on an empty typed members' frame, on three members in one group
    and on each of them alone; it may name only the members' columns (`member_schema(over)`).
    """
    group = "__group"
    for rule in framework.rollups:
        key, text = f"rollups.{rule['code']}.expr", rule["expr"]
        schema = member_schema(rule["over"])
        check.need(
            not WINDOW.search(STRING_LITERAL.sub("''", text)),
            key,
            "window functions are not allowed in roll-ups",
        )
        try:
            expr = pl.sql_expr(text)
        except Exception as exc:  # noqa: BLE001 - Polars raises several kinds; all mean "bad SQL"
            raise FrameworkError(check.source, key, f"not valid SQL: {_first_line(exc)}") from exc
        unknown = sorted(set(expr.meta.root_names()) - set(schema))
        check.need(
            not unknown,
            key,
            f"unknown member column {', '.join(unknown)} (a {rule['over']} member has: {', '.join(schema)})",
        )
        kinds = _node_kinds(expr)
        check.need("window" not in kinds, key, "window functions are not allowed in roll-ups")
        check.need(
            "aggregate" in kinds or "unknown" in kinds,
            key,
            "must aggregate the members (AVG, SUM, COUNT, MIN, MAX…): a roll-up gives one value per subject",
        )
        members = pl.DataFrame({name: _SAMPLE_MEMBERS[name] for name in schema}, schema=schema)
        frames = [
            members.clear().with_columns(pl.lit(None, dtype=pl.Int64).alias(group)),
            members.with_columns(pl.lit(1, dtype=pl.Int64).alias(group)),
            members.with_columns(pl.Series(group, [1, 2, 3], dtype=pl.Int64)),
        ]
        try:
            results = [frame.group_by(group).agg(expr.alias("_result")) for frame in frames]
        except Exception as exc:  # noqa: BLE001
            reason = f"cannot be evaluated on the members' columns: {_first_line(exc)}"
            raise FrameworkError(check.source, key, reason) from exc
        typed = results[0].schema["_result"]
        check.need(
            not isinstance(typed, pl.List | pl.Array) and [r.height for r in results] == [0, 1, 3],
            key,
            "must give one value per subject (every member column inside an aggregate)",
        )
        fits = {
            "float": typed.is_numeric(),
            "int": typed.is_integer(),
            "bool": typed == pl.Boolean,
        }[rule["type"]]
        check.need(fits, key, f"must give a {rule['type']} value, not {typed}")


def _forbidden(expr: pl.Expr) -> str | None:
    """Why an expression cannot be a per-record rule: it aggregates or uses a window (None if neither)."""
    found = _node_kinds(expr)
    if "window" in found:
        return "window functions are not allowed in per-record rules"
    if "aggregate" in found:
        return "aggregates are not allowed in per-record rules (only roll-up rules may aggregate)"
    return None


def _node_kinds(expr: pl.Expr) -> set[str]:
    """Whether an expression has aggregate or window nodes: {"aggregate", "window"} or part of it."""
    try:
        tree = json.loads(expr.meta.serialize(format="json"))
    except Exception:  # noqa: BLE001 - an unserialisable expression is left to the evaluation checks
        return {"unknown"}
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for name, child in node.items():
                if name in ("Over", "Window", "Rolling"):
                    found.add("window")
                elif name == "Agg":
                    found.add("aggregate")
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)
        elif node == "Len":
            found.add("aggregate")

    walk(tree)
    return found


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _check_expressions(framework: Framework, check: _Checker) -> None:
    """Evaluate every expression on an empty and a sample frame with the declared types (STACK-NOTES.md).

    `sql_expr` parses without a schema, so a misspelt column only fails at evaluation; this makes it fail at
    load, naming the key. Per-record rules may not aggregate or use windows: such nodes are refused, and each
    expression must give on a many-row frame exactly what it gives on each row alone (so one-row and bulk
    evaluation agree).
    """
    known = set(framework.schema) | {"short_count", "invalid_count"}
    known |= {f"short__{i['code']}" for i in framework.inputs if "pass_min" in i}
    known |= {f"invalid__{i['code']}" for i in framework.inputs if "min" in i}
    expressions = [(f"derived.{name}", name, text) for name, text in framework.spec["derived"].items()]
    expressions += [(f"levels.{rule['code']}.when", None, rule["when"]) for rule in framework.spec["levels"]]
    partial = Framework({**framework.spec, "derived": {}, "levels": [], "otherwise": {"code": "x"}})
    empty = partial.evaluate(framework.frame([]))
    frame = partial.evaluate(framework.frame(_sample_rows(framework)))
    for key, name, text in expressions:
        check.need(isinstance(text, str) and bool(text.strip()), key, "must be an SQL expression")
        check.need(
            not WINDOW.search(STRING_LITERAL.sub("''", text)),
            key,
            "window functions are not allowed in per-record rules",
        )
        try:
            expr = pl.sql_expr(text)
        except Exception as exc:  # noqa: BLE001 - Polars raises several kinds; all mean "bad SQL"
            raise FrameworkError(check.source, key, f"not valid SQL: {_first_line(exc)}") from exc
        unknown = sorted(set(expr.meta.root_names()) - known)
        check.need(not unknown, key, f"unknown column {', '.join(unknown)}")
        forbidden = _forbidden(expr)
        check.need(forbidden is None, key, forbidden or "")
        result = expr.alias("_result")
        try:
            # with_columns, not select: a constant broadcasts to every row like any per-record value.
            typed = empty.with_columns(result).schema["_result"]
            whole = frame.with_columns(result).select("_result")
            alone = pl.concat(
                [frame.slice(i, 1).with_columns(result).select("_result") for i in range(frame.height)]
            )
        except Exception as exc:  # noqa: BLE001
            reason = f"cannot be evaluated on the declared types: {_first_line(exc)}"
            raise FrameworkError(check.source, key, reason) from exc
        check.need(
            whole.equals(alone),
            key,
            "must depend on its own record only (aggregates and window "
            "functions are not allowed in per-record rules)",
        )
        if name is None:
            check.need(typed == pl.Boolean, key, f"must be true or false, not {typed}")
            continue
        known.add(name)
        empty = empty.with_columns(expr.alias(name))
        frame = frame.with_columns(expr.alias(name))
        if frame.schema[name].is_float():
            frame = frame.with_columns(pl.col(name).fill_nan(None))


def load_file(path: str) -> Framework:
    with open(path, encoding="utf-8") as handle:
        return parse(handle.read(), path)
