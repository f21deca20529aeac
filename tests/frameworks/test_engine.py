"""The rule engine: one-row and bulk evaluation agree, and both agree with the official rule.

The official learning-citizen rule (QĐ 677/QĐ-TTg; criteria of Hội Khuyến học Việt Nam): all 10 indicators
answered, each scored 0–10 and none below 5, and a total of at least 80 — or 70 in a disadvantaged area.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from learningcity.frameworks.engine import Framework, load_file, parse

SEED = Path(__file__).resolve().parents[2] / "src/learningcity/frameworks/data/vn/learning-citizen.yaml"
CITIZEN = load_file(str(SEED))
CODES = [item["code"] for item in CITIZEN.inputs]
COMPARED = ["level", "answered", "total", "pass_mark", "short_count", "invalid_count"]


def official(record: dict[str, Any]) -> bool:
    """An independent statement of the official rule, in plain Python."""
    answers = [record.get(code) for code in CODES]
    if len(answers) != 10 or any(a is None or not 0 <= a <= 10 for a in answers):
        return False
    mark = 70 if record.get("disadvantaged_area") is True else 80
    return min(answers) >= 5 and sum(answers) >= mark


def short(record: dict[str, Any]) -> list[str]:
    return [code for code in CODES if record.get(code) is None or record[code] < 5]


# Mostly valid answers, some missing, a few far out of range; and near-pass records, where rules decide.
ANY_ANSWER = st.one_of(st.none(), st.integers(0, 10), st.integers(0, 10), st.integers(-1000, 1000))
NEAR_PASS = st.one_of(st.integers(4, 10), st.integers(6, 10), st.integers(7, 10), st.just(None), st.just(11))
CONTEXT = {
    "disadvantaged_area": st.sampled_from([True, False, None]),
    "citizen_group": st.sampled_from(["g1", "g2", "g3", None, "zz"]),
}
RECORDS = st.lists(
    st.one_of(
        st.fixed_dictionaries({code: ANY_ANSWER for code in CODES} | CONTEXT),
        st.fixed_dictionaries({code: NEAR_PASS for code in CODES} | CONTEXT),
        # A sparse record: keys left out altogether are missing answers too.
        st.fixed_dictionaries({}, optional={code: NEAR_PASS for code in CODES} | CONTEXT),
    ),
    min_size=1,
    max_size=12,
)


def record(answers: list[int | None], disadvantaged: bool | None = False) -> dict[str, Any]:
    return dict(zip(CODES, answers, strict=True)) | {"disadvantaged_area": disadvantaged}


@settings(max_examples=100, deadline=None)
@given(RECORDS)
@example([record([8] * 10), record([7] * 10), record([7] * 10, True), record([7] * 10, None)])
@example([record([5, 5, 5, 5, 5, 5, 5, 5, 10, 10], True), record([8, 8, 8, 8, 8, 8, 8, 8, 8, None])])
@example([record([15, 15, 15, 15, 15, 5, 5, 5, 5, 5]), record([10, 10, 10, 10, 10, 10, 10, 10, 10, 4])])
def test_one_row_and_bulk_evaluation_agree_with_each_other_and_the_official_rule(records: list[dict]) -> None:
    bulk = CITIZEN.evaluate(CITIZEN.frame(records))
    assert bulk.height == len(records)
    for i, values in enumerate(records):
        one = CITIZEN.evaluate_one(values)
        row = bulk.row(i, named=True)
        assert {k: one[k] for k in COMPARED} == {k: row[k] for k in COMPARED}
        assert one["short"] == [code for code in CODES if row[f"short__{code}"]]
        assert one["short"] == short(values)
        assert one["answered"] == sum(values.get(code) is not None for code in CODES)
        assert one["total"] == sum(values.get(code) or 0 for code in CODES)
        assert (one["level"] == "recognised") == official(values), values


@settings(max_examples=100, deadline=None)
@given(st.fixed_dictionaries({code: st.one_of(st.none(), st.integers(0, 10)) for code in CODES}))
def test_a_missing_answer_never_passes(values: dict[str, int | None]) -> None:
    for code in CODES:
        result = CITIZEN.evaluate_one({**values, code: None, "disadvantaged_area": True})
        assert result["level"] == "not_yet"
        assert code in result["short"]


def test_the_pass_mark_is_80_or_70_in_a_disadvantaged_area() -> None:
    assert CITIZEN.evaluate_one(record([8] * 10))["level"] == "recognised"
    assert CITIZEN.evaluate_one(record([8] * 9 + [7]))["level"] == "not_yet"
    assert CITIZEN.evaluate_one(record([7] * 10, True))["level"] == "recognised"
    assert CITIZEN.evaluate_one(record([7] * 9 + [6], True))["level"] == "not_yet"
    # An unknown flag is not a disadvantaged area.
    assert CITIZEN.evaluate_one(record([7] * 10, None))["pass_mark"] == 80


def test_an_indicator_below_5_fails_whatever_the_total() -> None:
    result = CITIZEN.evaluate_one(record([10] * 9 + [4]))
    assert (result["total"], result["level"], result["short"]) == (94, "not_yet", ["i3_2"])


def test_an_answer_out_of_range_is_flagged_and_never_passes() -> None:
    result = CITIZEN.evaluate_one(record([15] * 5 + [5] * 5))
    assert result["invalid"] == ["i1_1", "i1_2", "i1_3", "i1_4", "i2_1"]
    assert (result["total"], result["short_count"], result["level"]) == (100, 0, "not_yet")


def test_frames_have_the_declared_types_whatever_their_size() -> None:
    one = CITIZEN.evaluate(CITIZEN.frame([record([8] * 10)]))
    empty_row = CITIZEN.evaluate(CITIZEN.frame([{}]))
    many = CITIZEN.evaluate(CITIZEN.frame([record([i % 11] * 10, i % 3 == 0) for i in range(10_000)]))
    none = CITIZEN.evaluate(CITIZEN.frame([]))
    assert one.schema == empty_row.schema == many.schema == none.schema
    assert one.schema["i1_1"] == pl.Int64 and one.schema["disadvantaged_area"] == pl.Boolean
    assert one.schema["citizen_group"] == pl.String and one.schema["level"] == pl.String
    assert many.height == 10_000 and none.height == 0


def test_a_bulk_frame_may_lack_a_declared_column_and_keep_its_own() -> None:
    frame = pl.DataFrame({"person_id": [1, 2], **{code: [8, 7] for code in CODES}})
    result = CITIZEN.evaluate(frame)
    assert result["person_id"].to_list() == [1, 2]
    assert result["level"].to_list() == ["recognised", "not_yet"]  # a missing flag is no flag
    assert result["disadvantaged_area"].dtype == pl.Boolean


def small(derived: dict[str, str], when: str) -> Framework:
    lines = [f'  {name}: "{sql}"' for name, sql in derived.items()]
    text = "\n".join(
        [
            "id: test.nan",
            'version: "1"',
            "subject: household",
            "title: {vi: Thử, en: Test}",
            "sources: [{doc: test}]",
            "inputs:",
            "  - {code: members, type: int, min: 0, max: 50, title: {vi: a, en: a}}",
            "  - {code: learning, type: int, min: 0, max: 50, title: {vi: b, en: b}}",
            "derived:",
            *lines,
            f'levels: [{{code: met, title: {{vi: c, en: c}}, when: "{when}"}}]',
            "otherwise: {code: unmet, title: {vi: d, en: d}}",
        ]
    )
    return parse(text, "small.yaml")


def test_a_nan_rate_is_no_value_so_an_empty_household_does_not_qualify() -> None:
    framework = small({"rate": "learning::float / members::float"}, "rate >= 0.7")
    empty = framework.evaluate_one({"members": 0, "learning": 0})
    assert empty["rate"] is None and empty["level"] == "unmet"
    assert framework.evaluate_one({"members": 4, "learning": 3})["level"] == "met"
    assert framework.evaluate_one({"members": 4, "learning": 2})["level"] == "unmet"


def test_a_null_rule_is_false() -> None:
    framework = small({"double": "members * 2"}, "double >= 10")
    assert framework.evaluate_one({})["level"] == "unmet"
    assert framework.evaluate_one({"members": 5})["level"] == "met"


@pytest.mark.parametrize("text", ["SUM(a)", "a - AVG(a)", "COUNT(*) > 0"])
def test_per_record_rules_never_see_other_records(text: str) -> None:
    # The loader refuses them (test_loader); evaluating rows alone or together must not differ anyway.
    frame = pl.DataFrame({"a": [1, 2, 3]})
    together = frame.select(pl.sql_expr(text).alias("r"))
    alone = [frame.slice(i, 1).select(pl.sql_expr(text).alias("r")) for i in range(3)]
    assert together.height != 3 or not together.equals(pl.concat(alone))
