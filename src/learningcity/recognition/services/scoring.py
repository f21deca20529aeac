"""Scoring many assessments at once: the rule engine over one frame, the results laid out as they are stored.

The one-record path (`assessments._store_result`) scores a dict and `assessments.summarise` shapes its
result; this is the same for a frame of rows (an import, a re-scoring after a new framework version), with
the context values computed once per distinct unit and group by the function the one-record path uses.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from learningcity.frameworks.models import FrameworkVersion
from learningcity.frameworks.selectors import framework_compiled
from learningcity.territory.models import Unit

from .assessments import contexts


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
