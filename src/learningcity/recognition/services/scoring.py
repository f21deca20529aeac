"""Scoring many assessments at once: the rule engine over one frame, the results laid out as they are stored.

The one-record path (`assessments._store_result`) scores a dict and `assessments.summarise` shapes its
result; this is the same for a frame of rows (an import, a re-scoring after a new framework version), with
the context values computed once per distinct unit and group by the function the one-record path uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl
from django.db.models import QuerySet

from learningcity.frameworks.models import FrameworkVersion
from learningcity.frameworks.selectors import framework_compiled
from learningcity.territory.models import Unit

from ..models import SUBJECT_FIELDS, Assessment, Campaign
from .assessments import contexts, summarise
from .rollups import SUBJECT, members_frame


def context_frame(version: FrameworkVersion, pairs: pl.DataFrame) -> pl.DataFrame:
    """The context values of each distinct (unit_id, group) row of `pairs`, typed as the engine declares."""
    codes = [item["code"] for item in version.spec.get("context", [])]
    keys = list(pairs.select("unit_id", "group").iter_rows())
    units = Unit.objects.only("pk", "path").in_bulk({unit_id for unit_id, _group in keys})
    found = contexts(version, [(units[unit_id], group) for unit_id, group in keys])
    typed = framework_compiled(version).frame([found[key] for key in keys]).select(codes)
    return pl.concat([pairs.select("unit_id", "group"), typed], how="horizontal")


def input_of(version: FrameworkVersion, code: str) -> dict[str, Any]:
    """The framework's declaration of the input `code`."""
    return next(item for item in version.inputs if item["code"] == code)


def result_json(version: FrameworkVersion) -> pl.Expr:
    """The stored result of every scored row as JSON: the keys `assessments.summarise` writes."""
    feedback = version.spec.get("feedback", {})
    framework = framework_compiled(version)

    def pick(key: str) -> pl.Expr:
        ref = feedback.get(key)
        return (pl.col(ref) if isinstance(ref, str) else pl.lit(ref)).alias(key)

    codes = [item["code"] for item in version.inputs]
    shorts = [
        pl.when(pl.col(f"short__{c}")).then(pl.lit(c)) for c in codes if "pass_min" in input_of(version, c)
    ]
    short = (
        pl.concat_list(shorts).list.drop_nulls() if shorts else pl.lit([], dtype=pl.List(pl.String))
    ).alias("short")
    passes = pl.col("level").is_in(sorted(framework.passing_levels)).alias("passes")
    outer = pl.struct(
        [pl.col("level"), pick("score"), pick("pass_mark"), pick("max_score"), short, passes]
    ).struct.json_encode()
    derived_names = list(version.spec.get("derived", {}))
    derived = (
        pl.struct([pl.col(n) for n in derived_names]).struct.json_encode() if derived_names else pl.lit("{}")
    )
    # `derived` is its own object: spliced in before the outer object's closing brace.
    return pl.concat_str([outer.str.strip_suffix("}"), pl.lit(',"derived":'), derived, pl.lit("}")])


def scored(version: FrameworkVersion, frame: pl.DataFrame, key: str) -> pl.DataFrame:
    """(`key`, result, level, score) of every row of `frame`: its `key`, `unit_id`, `group` (text, "" for
    none) and answers named by their input codes (missing ones are nulls)."""
    framework = framework_compiled(version)
    score_ref = version.spec.get("feedback", {}).get("score")
    pairs = frame.select("unit_id", "group").unique()
    rows = frame.join(
        context_frame(version, pairs), on=["unit_id", "group"], how="left", maintain_order="left"
    )
    evaluated = framework.evaluate(rows.drop("unit_id", "group"))
    score = pl.col(score_ref).cast(pl.Float64) if isinstance(score_ref, str) else pl.lit(None, pl.Float64)
    return evaluated.select(
        pl.col(key), result_json(version).alias("result"), pl.col("level"), score.alias("score")
    )


def score_in_place(
    version: FrameworkVersion,
    campaign: Campaign,
    assessments: Sequence[Assessment],
    *,
    members_of: QuerySet[Any] | None = None,
) -> None:
    """Score assessments of `version` in `campaign` together and set their roll-ups, result, level and score
    (unsaved), as the one-record path would one by one: the context of each distinct unit and group by the
    very function it uses, the members' results read once for all the subjects, one evaluation.

    `members_of`: the subjects whose members to read, as a query, when that is cheaper than listing them (a
    whole campaign's); by default the assessments' own subjects."""
    if not assessments:
        return
    framework = framework_compiled(version)
    context_of = contexts(version, [(a.unit, a.group) for a in assessments])
    frame = framework.frame([{**a.answers, **context_of[(a.unit_id, a.group)]} for a in assessments])
    codes = [rule["code"] for rule in framework.rollups]
    if codes:
        subjects = [getattr(a, f"{SUBJECT_FIELDS[version.subject]}_id") for a in assessments]
        members = members_frame(
            framework,
            kind=version.subject,
            campaign=campaign,
            subjects=members_of if members_of is not None else subjects,
        )
        values = framework.rollup(members, SUBJECT, groups=subjects)
        frame = (
            frame.drop(codes)
            .with_columns(pl.Series(SUBJECT, subjects, dtype=pl.Int64))
            .join(values, on=SUBJECT, how="left", maintain_order="left")
        )
    inputs = [item["code"] for item in framework.inputs]
    for assessment, row in zip(assessments, framework.evaluate(frame).iter_rows(named=True), strict=True):
        row["short"] = [code for code in inputs if row.get(f"short__{code}")]
        row["invalid"] = [code for code in inputs if row.get(f"invalid__{code}")]
        summary = summarise(version, row)
        assessment.rollups = {code: row[code] for code in codes}
        assessment.result = summary
        assessment.level = summary["level"]
        score = summary["score"]
        assessment.score = float(score) if score is not None else None
