"""Roll-up rules: `Framework.rollup` equals an independent computation on generated members, empty groups get
`when_empty`, one subject alone gives what it gives among many; the loader lets only roll-ups aggregate."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from learningcity.frameworks.engine import FrameworkError, load_file, member_schema, parse

FILES = Path(__file__).resolve().parent / "files"
SEEDS = Path(__file__).resolve().parents[2] / "src/learningcity/frameworks/data"
VALID = (FILES / "rollup_valid.yaml").read_text(encoding="utf-8")
TEST_CLAN = parse(VALID, "rollup_valid.yaml")
FAMILY = load_file(str(SEEDS / "vn/learning-family.yaml"))
CLAN = load_file(str(SEEDS / "vn/learning-clan.yaml"))
HAMLET = load_file(str(SEEDS / "vn/learning-community-hamlet.yaml"))
ORGANISATION = load_file(str(SEEDS / "vn/learning-organisation.yaml"))

# ---------------------------------------------------------------------------------------------------------
# Generated members: each subject has 0–5 households and 0–5 people, with random results.

HOUSEHOLD = st.fixed_dictionaries(
    {
        "level": st.sampled_from([None, "recognised", "not_yet"]),
        "passes": st.booleans(),
        "recognised": st.booleans(),
        "status": st.sampled_from([None, "draft", "submitted", "recognised", "rejected"]),
        "score": st.one_of(st.none(), st.floats(0, 100, allow_nan=False)),
    }
)
PERSON = st.fixed_dictionaries(
    {
        "level": st.sampled_from([None, "recognised", "not_yet"]),
        "passes": st.booleans(),
        "recognised": st.booleans(),
        "status": st.sampled_from([None, "draft", "recognised"]),
        "score": st.one_of(st.none(), st.floats(0, 100, allow_nan=False)),
        "age": st.one_of(st.none(), st.integers(0, 100), st.integers(13, 17)),
        "sex": st.sampled_from([None, "F", "M", "X"]),
    }
)
SUBJECTS = st.lists(
    st.tuples(st.lists(HOUSEHOLD, max_size=5), st.lists(PERSON, max_size=5)), min_size=0, max_size=6
)


def frame(subjects: list[tuple[list[dict[str, Any]], list[dict[str, Any]]]]) -> pl.DataFrame:
    """One frame for both member frameworks, as the platform builds it: rows say which framework they are."""
    schema = {"subject": pl.Int64(), "framework": pl.String(), **member_schema("person")}
    rows = [
        {"subject": i, "framework": "test.family", **household}
        for i, (households, _people) in enumerate(subjects)
        for household in households
    ]
    rows += [
        {"subject": i, "framework": "test.citizen", **person}
        for i, (_households, people) in enumerate(subjects)
        for person in people
    ]
    return pl.DataFrame(rows, schema=schema)


def independent(households: list[dict[str, Any]], people: list[dict[str, Any]]) -> dict[str, Any]:
    """The test clan's roll-ups in plain Python, from the rules' meaning rather than their SQL."""
    scores = [h["score"] for h in households if h["score"] is not None]
    adults = sum(1 for p in people if p["age"] is not None and p["age"] >= 15)
    recognised = sum(1 for p in people if p["recognised"])
    if not people:
        ratio: float | None = 0.0  # when_empty
    elif adults == 0:
        ratio = None  # 0/0 and n/0 have no value
    else:
        ratio = recognised / adults
    return {
        "households": len(households),
        "family_share": sum(h["recognised"] for h in households) / len(households) if households else None,
        "best_score": (max(scores) if scores else None) if households else -1.0,
        "all_pass": all(h["passes"] for h in households) if households else False,
        "people": len(people),
        "ratio": ratio,
        "women": sum(1 for p in people if p["sex"] == "F"),
    }


def same(got: Any, expected: Any) -> bool:
    if isinstance(expected, float) and isinstance(got, float):
        return math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-12)
    return type(got) is type(expected) and got == expected


@settings(max_examples=150, deadline=None)
@given(SUBJECTS)
@example([])
@example([([], [])])
def test_rollups_equal_an_independent_computation_including_empty_groups(subjects: list[Any]) -> None:
    members = frame(subjects)
    groups = list(range(len(subjects)))
    got = TEST_CLAN.rollup(members, "subject", groups=groups)
    assert got.columns == ["subject", *(rule["code"] for rule in TEST_CLAN.rollups)]
    assert got.get_column("subject").to_list() == groups
    for row, (households, people) in zip(got.iter_rows(named=True), subjects, strict=True):
        expected = independent(households, people)
        assert all(same(row[code], value) for code, value in expected.items()), (row, expected)


@settings(max_examples=60, deadline=None)
@given(SUBJECTS)
def test_one_subject_alone_gives_what_it_gives_among_many(subjects: list[Any]) -> None:
    members = frame(subjects)
    together = TEST_CLAN.rollup(members, "subject", groups=range(len(subjects)))
    for i in range(len(subjects)):
        alone = TEST_CLAN.rollup(members.filter(pl.col("subject") == i), "subject", groups=[i])
        assert alone.equals(together.slice(i, 1))


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(HOUSEHOLD, max_size=12), max_size=6), st.booleans())
def test_a_clan_qualifies_only_with_households_of_which_enough_are_learning_families(
    clans: list[list[dict[str, Any]]], fund: bool
) -> None:
    households = pl.DataFrame(
        [{"subject": i, **h} for i, members in enumerate(clans) for h in members],
        schema={"subject": pl.Int64(), **member_schema("household")},
    )
    for framework in (CLAN, HAMLET):
        values = framework.rollup(households, "subject", groups=range(len(clans)))
        levels = framework.evaluate(values).get_column("level").to_list()
        for members, level, share in zip(
            clans, levels, values.get_column("learning_family_share"), strict=True
        ):
            expected_share = sum(h["recognised"] for h in members) / len(members) if members else None
            assert same(share, expected_share)
            qualifies = bool(members) and expected_share is not None and expected_share >= 0.7
            assert (level == "recognised") == qualifies
    scored = TEST_CLAN.evaluate(
        TEST_CLAN.rollup(households, "subject", groups=range(len(clans))).with_columns(fund=pl.lit(fund))
    )
    assert all(
        level == "not_yet" for level, members in zip(scored["level"], clans, strict=True) if not members
    )


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(PERSON, max_size=8), max_size=6))
def test_the_family_and_organisation_shares_of_learning_citizens(groups: list[list[dict[str, Any]]]) -> None:
    people = pl.DataFrame(
        [{"subject": i, **p} for i, members in enumerate(groups) for p in members],
        schema={"subject": pl.Int64(), **member_schema("person")},
    )
    family = FAMILY.rollup(people, "subject", groups=range(len(groups)))
    organisation = ORGANISATION.rollup(people, "subject", groups=range(len(groups)))
    for i, members in enumerate(groups):
        adults = [p for p in members if p["age"] is not None and p["age"] >= 15]
        adult_share = sum(p["recognised"] for p in adults) / len(adults) if adults else None
        share = sum(p["recognised"] for p in members) / len(members) if members else None
        assert family.row(i, named=True)["members"] == len(members)
        assert same(family.row(i, named=True)["adults_citizen_share"], adult_share)
        assert organisation.row(i, named=True)["members"] == len(members)
        assert same(organisation.row(i, named=True)["citizen_share"], share)


FULL_MARKS = {"t1_1": 10, "t1_2": 10, "t1_3": 10, "t2_1": 10, "t2_2": 5, "t2_3": 10, "t2_4": 5, "t3_1": 25}


@pytest.mark.parametrize(
    ("rollups", "level"),
    [
        ({"members": 0, "citizen_share": None}, "not_yet"),  # no members: never recognised
        ({"members": 10, "citizen_share": 0.9}, "recognised"),
        ({"members": 10, "citizen_share": 0.8}, "not_yet"),  # TT 24/2023: at least 90%
        ({}, "not_yet"),  # roll-ups not computed: no value, not a pass
    ],
)
def test_an_organisation_needs_its_points_and_ninety_percent_of_members(
    rollups: dict[str, Any], level: str
) -> None:
    assert ORGANISATION.evaluate_one({**FULL_MARKS, "t3_2": 0, **rollups})["level"] == level
    assert ORGANISATION.evaluate_one({**FULL_MARKS, **rollups})["level"] == "not_yet"  # one item unanswered


def test_a_nan_or_infinite_rollup_becomes_null_and_a_frame_without_a_framework_column_counts_every_row() -> (
    None
):
    people = pl.DataFrame(
        {"subject": [1, 1, 2], "recognised": [True, False, True], "age": [3, 4, 40]},
        schema={"subject": pl.Int64, "recognised": pl.Boolean, "age": pl.Int64},
    )
    got = TEST_CLAN.rollup(people, "subject", groups=[1, 2, 3])
    assert got.get_column("ratio").to_list() == [None, 1.0, 0.0]  # 1/0 → null; 1/1; no people → when_empty
    assert got.get_column("households").to_list() == [2, 1, 0]  # no framework column: every row counts


def test_the_groups_default_to_those_present() -> None:
    people = pl.DataFrame({"subject": [5, 5, 7]}, schema={"subject": pl.Int64})
    assert TEST_CLAN.rollup(people, "subject").get_column("households").to_list() == [2, 1]
    with pytest.raises(ValueError, match="no group column"):
        TEST_CLAN.rollup(people, "clan")


def test_roll_up_codes_are_typed_columns_that_rules_read() -> None:
    assert TEST_CLAN.schema["family_share"] == pl.Float64 and TEST_CLAN.schema["all_pass"] == pl.Boolean
    result = TEST_CLAN.evaluate_one({"fund": True, "households": 3, "family_share": 0.7})
    assert (result["level"], result["share_percent"]) == ("recognised", pytest.approx(70.0))
    assert TEST_CLAN.evaluate_one({"fund": True, "households": 0, "family_share": None})["level"] == "not_yet"


# ---------------------------------------------------------------------------------------------------------
# The loader

REFUSALS = {
    "rollup_bad_per_record_aggregate.yaml": (
        "derived.share_percent",
        "aggregates are not allowed in per-record rules (only roll-up rules may aggregate)",
    ),
    "rollup_bad_not_an_aggregate.yaml": (
        "rollups.family_share.expr",
        "must aggregate the members (AVG, SUM, COUNT, MIN, MAX…): a roll-up gives one value per subject",
    ),
    "rollup_bad_unknown_member_column.yaml": (
        "rollups.best_score.expr",
        "unknown member column age (a household member has: level, passes, recognised, status, score)",
    ),
    "rollup_bad_unknown_over.yaml": (
        "rollups.households.over",
        "'village' is not a kind of member (person, household, community)",
    ),
}


@pytest.mark.parametrize(("name", "key", "reason"), [(n, k, r) for n, (k, r) in REFUSALS.items()])
def test_a_bad_rollup_file_is_refused_naming_the_key_and_the_reason(name: str, key: str, reason: str) -> None:
    with pytest.raises(FrameworkError) as refused:
        load_file(str(FILES / name))
    assert (refused.value.key, refused.value.reason) == (key, reason)


def test_every_bad_rollup_fixture_is_covered() -> None:
    assert {path.name for path in FILES.glob("rollup_bad_*.yaml")} == set(REFUSALS)


def refused(text: str) -> tuple[str, str]:
    with pytest.raises(FrameworkError) as refusal:
        parse(text, "inline.yaml")
    return refusal.value.key, refusal.value.reason


FAMILY_SHARE = 'expr: "AVG(CASE WHEN recognised THEN 1.0 ELSE 0.0 END)"'


@pytest.mark.parametrize(
    ("old", "new", "key", "reason"),
    [
        (FAMILY_SHARE, 'expr: "1.0"', "rollups.family_share.expr", "must aggregate the members"),
        (FAMILY_SHARE, 'expr: "COUNT(*) + score"', "rollups.family_share.expr", "must give one value per"),
        (
            FAMILY_SHARE,
            'expr: "SUM(score) OVER (PARTITION BY level)"',
            "rollups.family_share.expr",
            "window functions are not allowed in roll-ups",
        ),
        (FAMILY_SHARE, 'expr: "AVG(recognised"', "rollups.family_share.expr", "not valid SQL"),
        (
            FAMILY_SHARE,
            'expr: "COUNT(*) / SUM(CASE WHEN passes THEN 1.0 ELSE 0.0 END)"',
            "rollups.family_share.expr",
            "cannot be evaluated on the members' columns: division by zero",  # decimals: caught at load
        ),
        (
            'expr: "MIN(passes)"',
            'expr: "AVG(score)"',
            "rollups.all_pass.expr",
            "must give a bool value, not Float64",
        ),
        (
            'expr: "COUNT(*)"\n    type: int',
            'expr: "AVG(score)"\n    type: int',
            "rollups.households.expr",
            "must give a int",
        ),
        (
            "type: int\n    when_empty: 0\n",
            "type: int\n    when_empty: 0.5\n",
            "rollups.households.when_empty",
            "must be",
        ),
        (
            "type: bool\n    when_empty: false",
            "type: bool\n    when_empty: 0",
            "rollups.all_pass.when_empty",
            "must be",
        ),
        ("    when_empty: -1\n", "", "rollups.best_score.when_empty", "is required (a value, or null)"),
        (
            "type: int\n    when_empty: 0\n",
            "type: str\n    when_empty: 0\n",
            "rollups.households.type",
            "must be one of",
        ),
        ("    when_empty: -1\n", "    when-empty: -1\n", "rollups.best_score.when-empty", "unknown key"),
        (
            'framework: test.family\n    expr: "COUNT(*)"',
            'framework: Test Family\n    expr: "COUNT(*)"',
            "rollups.households.framework",
            "must be the id",
        ),
        (
            'over: person\n    framework: test.citizen\n    expr: "COUNT(*)"',
            'over: person\n    framework: test.family\n    expr: "COUNT(*)"',
            "rollups.people.over",
            "test.family is read as household members by another roll-up",
        ),
        (
            'over: household\n    framework: test.family\n    expr: "COUNT(*)"',
            'over: community\n    framework: test.family\n    expr: "COUNT(*)"',
            "rollups.households.over",
            "a clan has no community members (it has: household, person)",
        ),
        ("subject: clan", "subject: person", "rollups.households.over", "a person has no household members"),
        ("code: people", "code: fund", "rollups[4].code", "'fund' is already used"),
        ("code: people", "code: level", "rollups[4].code", "'level' is already used"),
        (
            'share_percent: "family_share * 100"',
            'share_percent: "familyshare * 100"',
            "derived.share_percent",
            "unknown column familyshare",
        ),
        (
            "inputs:\n  - {code: fund",
            "inputs: []\nunused:\n  - {code: fund",
            "unused",
            "unknown key",
        ),
    ],
)
def test_roll_up_mistakes_are_refused_precisely(old: str, new: str, key: str, reason: str) -> None:
    assert old in VALID
    got_key, got_reason = refused(VALID.replace(old, new, 1))
    assert got_key == key and got_reason.startswith(reason), (got_key, got_reason)


def test_only_a_file_with_roll_ups_may_have_no_inputs() -> None:
    fund = VALID[VALID.index("inputs:") : VALID.index("rollups:")]
    without_inputs = VALID.replace("COALESCE(fund, FALSE)", "TRUE").replace(fund, "inputs: []\n")
    assert parse(without_inputs, "inline.yaml").inputs == []
    start, end = without_inputs.index("rollups:"), without_inputs.index("derived:")
    bare = without_inputs[:start] + without_inputs[end:].replace('"family_share * 100"', '"100"')
    bare = bare.replace("households >= 1 AND family_share >= 0.7 AND TRUE", "TRUE")
    bare = bare.replace("score: share_percent, ", "")
    assert refused(bare) == ("inputs", "must list the answers (only a file with roll-ups may have none)")


def test_the_loaded_rollups_are_plain_data_with_defaults() -> None:
    rules = {rule["code"]: rule for rule in TEST_CLAN.spec["rollups"]}
    assert rules["best_score"]["when_empty"] == -1.0 and isinstance(rules["best_score"]["when_empty"], float)
    assert rules["family_share"]["provisional"] is True and rules["households"]["provisional"] is False
    assert TEST_CLAN.passing_levels == {"recognised"}


def test_the_shipped_rollups_read_frameworks_that_assess_that_kind_of_member() -> None:
    shipped = {
        framework.spec["id"]: framework for framework in map(load_file, map(str, SEEDS.rglob("*.yaml")))
    }
    read = [(rule, spec) for spec in shipped.values() for rule in spec.rollups]
    assert read, "the shipped files have roll-ups"
    for rule, _framework in read:
        assert rule["framework"] in shipped, rule
        assert shipped[rule["framework"]].spec["subject"] == rule["over"], rule


def test_passing_levels_are_the_certificate_level_and_those_listed_before_it() -> None:
    commune = load_file(str(SEEDS / "vn/learning-community-commune.yaml"))
    assert commune.passing_levels == {"level_1", "level_2", "level_3"}
    assert FAMILY.passing_levels == {"recognised"}
