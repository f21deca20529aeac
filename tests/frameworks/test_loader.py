"""A bad framework file is refused with the file, the key and the reason; a good one loads as plain data."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from learningcity.frameworks.engine import FrameworkError, load_file, parse

FILES = Path(__file__).resolve().parent / "files"
VALID = (FILES / "valid.yaml").read_text(encoding="utf-8")

REFUSALS = {
    "bad_not_yaml.yaml": ("line 6", "not valid YAML: expected ',' or '}', but got '<scalar>'"),
    "bad_missing_id.yaml": ("id", "is required"),
    "bad_unknown_column.yaml": ("derived.total", "unknown column bb"),
    "bad_aggregate.yaml": (
        "derived.total",
        "aggregates are not allowed in per-record rules (only roll-up rules may aggregate)",
    ),
    "bad_aggregate_broadcast.yaml": (
        "derived.total",
        "aggregates are not allowed in per-record rules (only roll-up rules may aggregate)",
    ),
    "bad_window.yaml": ("derived.total", "window functions are not allowed in per-record rules"),
    "bad_when_not_boolean.yaml": ("levels.passed.when", "must be true or false, not Int64"),
    "bad_min_above_max.yaml": ("inputs.a.max", "must not be below min"),
    "bad_pass_min_out_of_range.yaml": ("inputs.a.pass_min", "must lie between min and max"),
    "bad_duplicate_input.yaml": ("inputs[1].code", "'a' is already used"),
    "bad_unknown_subject.yaml": (
        "subject",
        "must be one of person, household, clan, community, organisation, city",
    ),
    "bad_unknown_stage.yaml": ("review_chain[1]", "'ward' is not a review stage (hamlet, commune, province)"),
    "bad_stages_out_of_order.yaml": (
        "review_chain",
        "stages must go up the tree without repeats (hamlet, commune, province)",
    ),
    "bad_missing_en_title.yaml": ("title", "must have a Vietnamese (vi) and an English (en) text"),
    "bad_float_version.yaml": (
        "version",
        'must be quoted text, e.g. "2022.10" (unquoted, 2022.10 would read as the number 2022.1)',
    ),
    "bad_misspelt_key.yaml": (
        "inputs.b.pass-min",
        "unknown key (allowed: code, competency, description, evidence, max, min, pass_min, provisional, "
        "title, type)",
    ),
}


@pytest.mark.parametrize(("name", "key", "reason"), [(n, k, r) for n, (k, r) in REFUSALS.items()])
def test_a_bad_file_is_refused_naming_the_file_the_key_and_the_reason(
    name: str, key: str, reason: str
) -> None:
    with pytest.raises(FrameworkError) as refused:
        load_file(str(FILES / name))
    assert (refused.value.source, refused.value.key, refused.value.reason) == (str(FILES / name), key, reason)
    assert str(refused.value) == f"{FILES / name}: {key}: {reason}"


def test_a_text_column_compared_with_a_number_is_refused_at_load() -> None:
    with pytest.raises(FrameworkError) as refused:
        parse((FILES / "bad_string_vs_number.yaml").read_text(encoding="utf-8"), "upload.yaml")
    assert (refused.value.source, refused.value.key) == ("upload.yaml", "levels.passed.when")
    assert refused.value.reason.startswith("cannot be evaluated on the declared types: ")
    assert "cannot compare string with numeric" in refused.value.reason  # Polars' own words


def test_every_bad_fixture_is_covered() -> None:
    fixtures = {path.name for path in FILES.glob("bad_*.yaml")}
    assert fixtures == set(REFUSALS) | {"bad_string_vs_number.yaml"}


def test_the_valid_fixture_and_the_seed_files_load() -> None:
    framework = parse(VALID, "valid.yaml")
    assert [item["code"] for item in framework.inputs] == ["a", "b"]
    seeds = sorted((FILES.parents[2] / "src/learningcity/frameworks/data").rglob("*.yaml"))
    assert seeds and all(load_file(str(path)).spec["id"] for path in seeds)


def test_the_loaded_spec_is_plain_json_with_defaults_filled_in() -> None:
    spec = parse(VALID, "valid.yaml").spec
    assert json.loads(json.dumps(spec)) == spec
    assert spec["sources"][0]["date"] == "2024-01-01"
    assert [(i["evidence"], i["provisional"]) for i in spec["inputs"]] == [("none", False), ("none", True)]
    assert spec["provisional"] is False and list(spec["derived"]) == ["total", "pass_mark"]


def test_text_is_stored_in_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", VALID)
    assert decomposed != VALID
    spec = parse(decomposed, "nfd.yaml").spec
    assert spec["title"]["vi"] == "Khung thử" and unicodedata.is_normalized(
        "NFC", spec["inputs"][0]["title"]["vi"]
    )


def refused(text: str) -> tuple[str, str]:
    with pytest.raises(FrameworkError) as refusal:
        parse(text, "inline.yaml")
    return refusal.value.key, refusal.value.reason


@pytest.mark.parametrize(
    ("old", "new", "key", "reason"),
    [
        ("subject: person", "subject: person\nreview_chian: [hamlet]", "review_chian", "unknown key"),
        (
            "{code: a, competency: c1, type: int,",
            "{code: a, competency: c1, type: str,",
            "inputs.a.min",
            "only",
        ),
        (
            "type: bool, from: unit.flag.disadvantaged_area",
            "type: bool, from: unit.flags",
            "context[0].from",
            "must",
        ),
        (
            "{code: a, competency: c1,",
            "{code: a, competency: c9,",
            "inputs.a.competency",
            "must be one of c1",
        ),
        (
            "{code: b, competency: c1,",
            "{code: short_count, competency: c1,",
            "inputs[1].code",
            "'short_count' is",
        ),
        (
            "{code: b, competency: c1,",
            "{code: b__x, competency: c1,",
            "inputs[1].code",
            "'b__x' is not a col",
        ),
        ('  pass_mark: "CASE', '  level: "CASE', "derived.level", "'level' is already used"),
        (
            'total: "COALESCE(a, 0) + COALESCE(b, 0)"',
            'total: "COALESCE(a, 0) +"',
            "derived.total",
            "not valid",
        ),
        ('total: "COALESCE(a, 0) + COALESCE(b, 0)"', 'total: "COUNT(*)"', "derived.total", "aggregates are"),
        (
            'total: "COALESCE(a, 0) + COALESCE(b, 0)"',
            'total: "a - MAX(b)"',
            "derived.total",
            "aggregates are",
        ),
        (
            'when: "short_count = 0 AND total >= pass_mark"',
            'when: "citizen_group"',
            "levels.passed.when",
            "must be true or false, not String",
        ),
        ("certificate: {level: passed,", "certificate: {level: gold,", "certificate.level", "must be one of"),
        ("feedback: {score: total,", "feedback: {score: totl,", "feedback.score", "must name a derived"),
        (
            'sources:\n  - {doc: "Test source", date: 2024-01-01}',
            "sources: []",
            "sources",
            "must name at least",
        ),
        ("otherwise: {code: not_yet,", "otherwise: {code: passed,", "otherwise.code", "repeats a level code"),
        ('version: "1"', 'version: "1 2"', "version", "must be letters"),
        ("id: test.small", "id: Test Small", "id", "must be lower-case"),
        (
            'title: {vi: "Chỉ số A", en: "Indicator A"}',
            'title: {vi: "Chỉ số A", en: " "}',
            "inputs.a.title",
            "must have",
        ),
    ],
)
def test_other_mistakes_are_refused_precisely(old: str, new: str, key: str, reason: str) -> None:
    assert old in VALID
    got_key, got_reason = refused(VALID.replace(old, new, 1))
    assert got_key == key and got_reason.startswith(reason), (got_key, got_reason)


def test_derived_columns_may_use_earlier_ones_and_constants() -> None:
    text = VALID.replace(
        '  pass_mark: "CASE', '  ceiling: "20"\n  spare: "ceiling - total"\n  pass_mark: "CASE'
    )
    framework = parse(text, "inline.yaml")
    assert framework.evaluate_one({"a": 8, "b": 9})["spare"] == 3


def test_a_later_derived_column_cannot_be_used_before_it_is_defined() -> None:
    text = VALID.replace('total: "COALESCE(a, 0) + COALESCE(b, 0)"', 'total: "COALESCE(a, 0) + pass_mark"')
    assert refused(text) == ("derived.total", "unknown column pass_mark")


def test_a_yaml_alias_bomb_is_refused() -> None:
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 7)]
    assert refused(VALID + "\n".join(lines).replace("a0:", "description:", 1))[0] == "(file)"


def test_the_same_error_names_an_uploaded_files_name() -> None:
    with pytest.raises(FrameworkError) as refusal:
        parse("- just\n- a list\n", "corrected.yaml")
    assert str(refusal.value) == "corrected.yaml: (file): must be a mapping of keys"
