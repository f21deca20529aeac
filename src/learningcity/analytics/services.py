"""Rebuilding the analytics table of a campaign: counts for every unit at every level and every learning city.

Set-based from end to end: the campaign's assessments and the registered subjects are read as frames
(`bulk.read_frame`), every record is counted once for each unit on its path (its hamlet, commune and
province: one explode), the counts are grouped per unit, breakdown and value in one group-by, learning cities
are sums of their units, and the rows replace the campaign's old ones in one transaction (`bulk.insert`).

Records are counted on today's tree: a record made on a unit from before 1 July 2025 is restated on the
unit the official old→new table gives; when the old unit was split over several, on the first of them by
code, and the figures that include it are marked partial.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from learningcity import bulk
from learningcity.frameworks.models import FrameworkVersion
from learningcity.recognition.models import (
    Assessment,
    Campaign,
    Clan,
    Household,
    Organisation,
    Person,
    Status,
    SubjectKind,
)
from learningcity.territory.models import Era, LearningCityUnit, Level, PopulationFigure, Unit, UnitConversion

from .models import Dimension, RecognitionFigure
from .selectors import public_min_count

SUBMITTED = [s.value for s in Status if s != Status.DRAFT]
APPROVED = [Status.APPROVED.value, Status.RECOGNISED.value]
AGE_BANDS = ((15, "15-24"), (25, "25-34"), (35, "35-44"), (45, "45-59"), (60, "60+"))
# The population figure each kind of subject is a share of.
POPULATION_FIELD: dict[str, str] = {
    SubjectKind.PERSON: "adults",
    SubjectKind.HOUSEHOLD: "households",
    SubjectKind.CLAN: "clans",
    SubjectKind.ORGANISATION: "organisations",
    SubjectKind.COMMUNITY: "hamlets",
}
SUBJECT_MODELS: dict[str, Any] = {
    SubjectKind.HOUSEHOLD: Household,
    SubjectKind.CLAN: Clan,
    SubjectKind.ORGANISATION: Organisation,
}
COUNTS = ("registered", "assessed", "submitted", "approved", "recognised")
Progress = Callable[[str], None]


def _age_band(birth_year: pl.Expr, year: int) -> pl.Expr:
    """The age band ("15-24" … "60+") in the campaign's year; "" when unknown or under 15."""
    age = pl.lit(year) - birth_year
    band = pl.lit("")
    for start, label in AGE_BANDS:
        band = pl.when(age >= start).then(pl.lit(label)).otherwise(band)
    return band


def _restated(frame: pl.DataFrame) -> pl.DataFrame:
    """`path` of today's tree for every row (`unit_id`, `path`, `era`), and `split` where a record's old unit
    was split over several of today's."""
    legacy = frame.filter(pl.col("era") == Era.LEGACY.value).get_column("unit_id").unique().to_list()
    if not legacy:
        return frame.with_columns(pl.lit(False).alias("split"))
    targets = bulk.read_frame(
        UnitConversion.objects.filter(old_unit_id__in=legacy)
        .order_by("old_unit_id", "new_unit__code")
        .values_list("old_unit_id", "new_unit__path"),
        {"unit_id": pl.Int64, "new_path": pl.String},
    )
    mapping = targets.group_by("unit_id", maintain_order=True).agg(
        pl.col("new_path").first(), (pl.len() > 1).alias("split")
    )
    return (
        frame.join(mapping, on="unit_id", how="left")
        .with_columns(
            pl.coalesce("new_path", "path").alias("path"), pl.col("split").fill_null(False).alias("split")
        )
        .drop("new_path")
    )


def _breakdowns(frame: pl.DataFrame, year: int, with_group: bool) -> list[pl.LazyFrame]:
    """The records once per breakdown: (dimension, value) for everyone, and by the level its result reached
    (among those sent for review), group, sex, age and ethnicity where the record has them. Lazy: each is
    counted by `_per_unit` without the copies being laid out side by side."""
    rows = frame.lazy()
    kept = [name for name in ("path", "split", "status") if name in frame.columns]

    def part(records: pl.LazyFrame, dimension: str, value: pl.Expr) -> pl.LazyFrame:
        return records.select(*kept, pl.lit(dimension).alias("dimension"), value.alias("value"))

    parts = [part(rows, Dimension.ALL.value, pl.lit(""))]
    if "result_level" in frame.columns:
        reviewed = rows.filter(
            pl.col("status").is_in(SUBMITTED) & (pl.col("result_level").fill_null("") != "")
        )
        parts.append(part(reviewed, Dimension.LEVEL.value, pl.col("result_level")))
    if with_group and "group" in frame.columns:
        parts.append(part(rows.filter(pl.col("group") != ""), Dimension.GROUP.value, pl.col("group")))
    if "sex" in frame.columns:
        people = rows.filter(pl.col("sex").is_not_null())
        parts += [
            part(people, Dimension.SEX.value, pl.col("sex")),
            part(people, Dimension.AGE.value, _age_band(pl.col("birth_year"), year)).filter(
                pl.col("value") != ""
            ),
            part(
                people.filter(pl.col("ethnicity").fill_null("") != ""),
                Dimension.ETHNICITY.value,
                pl.col("ethnicity"),
            ),
        ]
    return parts


def _per_unit(parts: list[pl.LazyFrame], counts: dict[str, pl.Expr]) -> pl.DataFrame:
    """Each record counted for every unit on its path: (unit_id, dimension, value) → the counts. Counted
    first where the records are (one row per unit of record, dimension and value: thousands, not millions),
    then those sums added up the path, since every count is a sum."""
    leaves = pl.concat(
        [
            part.group_by("path", "dimension", "value").agg(
                *[expression.alias(name) for name, expression in counts.items()],
                pl.col("split").any().alias("partial"),
            )
            for part in parts
        ]
    ).collect()
    exploded = leaves.with_columns(
        pl.col("path").str.strip_chars("/").str.split("/").cast(pl.List(pl.Int64)).alias("unit_id")
    ).explode("unit_id")
    return exploded.group_by("unit_id", "dimension", "value").agg(
        *[pl.col(name).sum().cast(pl.Int64) for name in counts], pl.col("partial").any()
    )


PEOPLE_SCHEMA = {
    "person_id": pl.Int64,
    "unit_id": pl.Int64,
    "sex": pl.String,
    "birth_year": pl.Int64,
    "ethnicity": pl.String,
}


def _placed(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` (with `unit_id`) with its units' `path`, `era` and `unit_level`, restated on today's tree. The
    units are read on their own (a few thousand rows) and joined here: read beside every record, their paths
    were most of what crossed from the database."""
    ids = frame.get_column("unit_id").unique().to_list()
    units = bulk.read_frame(
        Unit.objects.filter(pk__in=bulk.values_in(ids)).values_list("pk", "path", "era", "level"),
        {"unit_id": pl.Int64, "path": pl.String, "era": pl.String, "unit_level": pl.String},
    )
    return _restated(frame.join(units, on="unit_id", how="left"))


def _assessments(campaign: Campaign, version: FrameworkVersion, people: pl.DataFrame | None) -> pl.DataFrame:
    """The framework's assessments in the campaign; for people, with their sex, birth year and ethnicity
    taken from `people` (the registered), or read for the few who are not among them (merged, moved away)."""
    frame = bulk.read_frame(
        Assessment.objects.filter(campaign=campaign, framework_version=version).values_list(
            "unit_id", "status", "level", "group", "person_id"
        ),
        {
            "unit_id": pl.Int64,
            "status": pl.String,
            "result_level": pl.String,
            "group": pl.String,
            "person_id": pl.Int64,
        },
    )
    if people is not None:
        known = people.select("person_id", "sex", "birth_year", "ethnicity")
        missing = (
            frame.filter(pl.col("person_id").is_not_null())
            .join(known, on="person_id", how="anti")
            .get_column("person_id")
            .to_list()
        )
        if missing:
            others = bulk.read_frame(
                Person.objects.filter(pk__in=bulk.values_in(missing)).values_list(
                    "pk", "unit_id", "sex", "birth_year", "ethnicity"
                ),
                PEOPLE_SCHEMA,
            ).drop("unit_id")
            known = pl.concat([known, others])
        frame = frame.join(known, on="person_id", how="left")
    return _placed(frame.drop("person_id"))


def _registered(campaign: Campaign, version: FrameworkVersion, levels: list[str] | None) -> pl.DataFrame:
    """The subjects of the framework's kind registered within the campaign's territory (merged people out),
    people with their `person_id`; for communities, the units of the `levels` assessed."""
    kind = version.subject
    # Units of the territory, and units from before the reform that today lie within it.
    legacy = UnitConversion.objects.filter(new_unit__path__startswith=campaign.territory.path).values(
        "old_unit_id"
    )
    within = Q(unit__path__startswith=campaign.territory.path) | Q(unit_id__in=legacy)
    if kind == SubjectKind.PERSON:
        rows: Any = Person.objects.filter(within, merged_into__isnull=True).values_list(
            "pk", "unit_id", "sex", "birth_year", "ethnicity"
        )
        return _placed(bulk.read_frame(rows, PEOPLE_SCHEMA))
    if kind == SubjectKind.COMMUNITY:
        rows = Unit.objects.filter(level__in=levels or [], path__startswith=campaign.territory.path)
        return _placed(bulk.read_frame(rows.values_list("pk"), {"unit_id": pl.Int64}))
    rows = SUBJECT_MODELS[kind].objects.filter(within).values_list("unit_id")
    return _placed(bulk.read_frame(rows, {"unit_id": pl.Int64}))


def _population(
    campaign: Campaign, version: FrameworkVersion, unit_ids: list[int], levels: list[str]
) -> pl.DataFrame:
    """The population figure the framework's subjects are a share of, per unit (none for communes as
    communities: the figures count hamlets, not communes)."""
    field = POPULATION_FIELD[version.subject]
    if version.subject == SubjectKind.COMMUNITY and Level.HAMLET not in levels:
        return pl.DataFrame(schema={"unit_id": pl.Int64, "population": pl.Int64})
    rows = PopulationFigure.objects.filter(year=campaign.year, unit_id__in=unit_ids).values_list(
        "unit_id", field
    )
    return bulk.read_frame(rows, {"unit_id": pl.Int64, "population": pl.Int64}).filter(
        pl.col("population").is_not_null()
    )


def _city_members() -> pl.DataFrame:
    """Each learning city's units of today's tree that its figures add up: the top-most only, so that a unit
    inside another member is not counted twice; with whether each lies only partly in the city."""
    members = bulk.read_frame(
        LearningCityUnit.objects.filter(unit__era=Era.CURRENT).values_list(
            "city_id", "unit_id", "unit__path", "partial"
        ),
        {"city_id": pl.Int64, "unit_id": pl.Int64, "path": pl.String, "member_partial": pl.Boolean},
    )
    # A member whose path lies under another member's path of the same city is already inside it.
    pairs = members.join(members.select("city_id", pl.col("path").alias("outer")), on="city_id")
    nested = pairs.filter(
        (pl.col("path") != pl.col("outer")) & pl.col("path").str.starts_with(pl.col("outer"))
    )
    top = members.join(nested.select("city_id", "unit_id").unique(), on=["city_id", "unit_id"], how="anti")
    return top.drop("path")


def _cities(figures: pl.DataFrame, top: pl.DataFrame) -> pl.DataFrame:
    """Each learning city's figures: the sums over its top-most units (`_city_members`); partial when one of
    them is only partly in the city."""
    if not top.height or not figures.height:
        return pl.DataFrame()
    joined = top.join(figures, on="unit_id", how="inner")
    return (
        joined.group_by("city_id", "dimension", "value")
        .agg(
            *[pl.col(name).sum() for name in COUNTS],
            pl.col("population").sum().alias("population"),
            pl.col("population").is_null().any().alias("population_missing"),
            (pl.col("partial").any() | pl.col("member_partial").any()).alias("partial"),
        )
        .with_columns(
            # A city's population is known only when every one of its units has its figure.
            pl.when(pl.col("population_missing") | (pl.col("dimension") != Dimension.ALL.value))
            .then(None)
            .otherwise(pl.col("population"))
            .alias("population")
        )
        .drop("population_missing")
    )


def _version_figures(
    campaign: Campaign, version: FrameworkVersion, members: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(unit figures, city figures) of one framework in the campaign, given the cities' `members`."""
    year = campaign.year
    with_group = bool(version.spec.get("groups"))
    people = _registered(campaign, version, None) if version.subject == SubjectKind.PERSON else None
    assessed = _assessments(campaign, version, people)
    status = pl.col("status")
    counted = _per_unit(
        _breakdowns(assessed, year, with_group),
        {
            "assessed": pl.len(),
            "submitted": status.is_in(SUBMITTED).sum(),
            "approved": status.is_in(APPROVED).sum(),
            "recognised": (status == Status.RECOGNISED.value).sum(),
        },
    )
    levels = assessed.get_column("unit_level").unique().to_list()
    subjects = people if people is not None else _registered(campaign, version, levels)
    registered = _per_unit(_breakdowns(subjects, year, False), {"registered": pl.len()})
    keys = ["unit_id", "dimension", "value"]
    figures = (
        counted.join(registered, on=keys, how="full", coalesce=True)
        .with_columns(
            *[pl.col(name).fill_null(0).cast(pl.Int64) for name in COUNTS],
            (pl.col("partial").fill_null(False) | pl.col("partial_right").fill_null(False)).alias("partial"),
        )
        .drop("partial_right")
    )
    # Only the campaign's territory and what lies below it (a record's path also names the units above).
    inside = bulk.read_frame(
        Unit.objects.filter(
            pk__in=figures.get_column("unit_id").unique().to_list(), path__startswith=campaign.territory.path
        ).values_list("pk"),
        {"unit_id": pl.Int64},
    )
    figures = figures.join(inside, on="unit_id", how="semi")
    population = _population(campaign, version, figures.get_column("unit_id").unique().to_list(), levels)
    figures = figures.join(
        population.with_columns(pl.lit(Dimension.ALL.value).alias("dimension")),
        on=["unit_id", "dimension"],
        how="left",
    )
    return figures, _cities(figures, members)


def withholding(figures: pl.DataFrame, groups: pl.DataFrame, least: int) -> pl.DataFrame:
    """Which areas' figures the public pages withhold (`node`, `withheld`), from each area's counts for
    everyone (`figures`: node, registered, recognised) and the areas that add up to another (`groups`:
    total, part; a unit and its children, a learning city and its members).

    First the areas whose own counts are small: under `least` registered, or recognised or the rest between
    none and `least`. Then, since an area's counts are the sums of its parts', enough beside those that none
    can be worked out by subtraction: where an area is shown with exactly one part withheld, its smallest
    part shown is withheld too (with no other part, the area itself); where an area is withheld and all its
    parts are shown, their smallest is withheld. Repeated until nothing changes, since each one withheld
    may leave another open (up to a city, down to the hamlets); each round withholds at least one more, so
    it ends. What is left open is guessing from several equations at once across overlapping areas."""
    rest = pl.col("registered") - pl.col("recognised")

    def small(count: pl.Expr) -> pl.Expr:
        return (count > 0) & (count < least)

    state = figures.select(
        "node",
        "registered",
        ((pl.col("registered") < least) | small(pl.col("recognised")) | small(rest)).alias("withheld"),
    )
    known = state.get_column("node").implode()
    edges = groups.filter(pl.col("total").is_in(known) & pl.col("part").is_in(known))
    while True:
        groups_now = (
            edges.join(state.rename({"node": "part"}), on="part")
            # The smallest part first: each group's first part still shown is the one to withhold next.
            .sort("registered", "part")
            .group_by("total")
            .agg(
                pl.len().alias("parts"),
                pl.col("withheld").sum().alias("hidden"),
                pl.col("part").filter(~pl.col("withheld")).first().alias("spare"),
            )
            .join(state.select(pl.col("node").alias("total"), pl.col("withheld").alias("closed")), on="total")
        )
        one_open = ~pl.col("closed") & (pl.col("hidden") == 1)
        spares = groups_now.filter(
            (one_open & (pl.col("parts") > 1)) | (pl.col("closed") & (pl.col("hidden") == 0))
        ).get_column("spare")
        lone = groups_now.filter(one_open & (pl.col("parts") == 1)).get_column("total")
        more = pl.concat([spares, lone])
        if more.is_empty():
            return state.select("node", "withheld")
        state = state.with_columns(pl.col("withheld") | pl.col("node").is_in(more.implode()))


def _areas(campaign: Campaign, members: pl.DataFrame) -> pl.DataFrame:
    """The areas whose figures add up to another's: each unit of the campaign's territory and its children,
    each learning city and its members (a city is the node -id, beside units' ids)."""
    children = bulk.read_frame(
        Unit.objects.filter(era=Era.CURRENT, path__startswith=campaign.territory.path).values_list(
            "parent_id", "pk"
        ),
        {"total": pl.Int64, "part": pl.Int64},
    ).filter(pl.col("total").is_not_null())
    cities = members.select((-pl.col("city_id")).alias("total"), pl.col("unit_id").alias("part"))
    return pl.concat([children, cities])


def _with_withheld(
    units: pl.DataFrame, cities: pl.DataFrame, areas: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`units` and `cities` with `withheld` (`withholding`) on their rows for everyone, false on the rest."""
    everyone = pl.col("dimension") == Dimension.ALL.value
    frames = [(units, pl.col("unit_id")), *([(cities, -pl.col("city_id"))] if cities.height else [])]
    nodes = pl.concat(
        [
            frame.filter(everyone).select(node.alias("node"), "registered", "recognised")
            for frame, node in frames
        ]
    )
    withheld = withholding(nodes, areas, public_min_count())
    marked = [
        frame.with_columns(node.alias("node"))
        .join(withheld, on="node", how="left")
        .with_columns((pl.col("withheld").fill_null(False) & everyone).alias("withheld"))
        .drop("node")
        for frame, node in frames
    ]
    return marked[0], marked[1] if cities.height else cities


def figures_rebuild(campaign: Campaign, *, say: Progress | None = None) -> int:
    """Replace the campaign's rows of the analytics table; returns how many rows it now has."""
    step = say or (lambda _text: None)
    now = bulk.now_text(timezone.now())
    unit_parts, city_parts = [], []
    members = _city_members()
    areas = _areas(campaign, members)
    for version in campaign.frameworks.order_by("code"):
        step(version.code)
        units, cities = _with_withheld(*_version_figures(campaign, version, members), areas)
        ids = {"campaign_id": pl.lit(campaign.pk), "framework_version_id": pl.lit(version.pk)}
        unit_parts.append(units.with_columns(**ids, city_id=pl.lit(None, dtype=pl.Int64)))
        if cities.height:
            city_parts.append(cities.with_columns(**ids, unit_id=pl.lit(None, dtype=pl.Int64)))
    values = {
        name: pl.col(name)
        for name in (
            "campaign_id",
            "framework_version_id",
            "unit_id",
            "city_id",
            "dimension",
            "value",
            *COUNTS,
            "population",
            "partial",
            "withheld",
        )
    } | {"built_at": pl.lit(now)}
    rows = [
        part.select(bulk.table_columns(RecognitionFigure, values, now=now, skip=("id",)))
        for part in [*unit_parts, *city_parts]
        if part.height
    ]
    frame = pl.concat(rows, how="vertical_relaxed") if rows else pl.DataFrame()
    with transaction.atomic():
        RecognitionFigure.objects.filter(campaign=campaign).delete()
        bulk.insert(RecognitionFigure, frame)
        bulk.analyse(RecognitionFigure)
    return frame.height


def figures_rebuild_all(*, campaigns: list[Campaign] | None = None, say: Progress | None = None) -> int:
    """Rebuild every campaign's rows (or the given campaigns'); returns the rows written."""
    chosen = (
        campaigns
        if campaigns is not None
        else list(Campaign.objects.select_related("territory").order_by("year", "pk"))
    )
    return sum(figures_rebuild(campaign, say=say) for campaign in chosen)
