"""The analytics table: every unit at every level and each learning city, on today's tree, counted once.

Expected figures are computed here independently, record by record, through the official old→new table."""

from __future__ import annotations

from collections import Counter

from learningcity.analytics.models import Dimension, RecognitionFigure
from learningcity.analytics.services import figures_rebuild
from learningcity.recognition.models import Assessment, Person, Status
from learningcity.territory.models import Era, LearningCity, Unit, UnitConversion

from .conftest import World

COUNTS = ("registered", "assessed", "submitted", "approved", "recognised")


def today_unit(unit: Unit) -> Unit:
    """A record's unit on today's tree, read from the official table (first target by code)."""
    if unit.era == Era.CURRENT:
        return unit
    return UnitConversion.objects.filter(old_unit=unit).order_by("new_unit__code").first().new_unit


def expected(world: World) -> dict[int, Counter]:
    """unit id → counts, for every unit on the path of every record (independent of the rebuild)."""
    totals: dict[int, Counter] = {}
    for assessment in Assessment.objects.filter(campaign=world.cast.campaign).select_related("unit"):
        for unit_id in today_unit(assessment.unit).ancestor_ids:
            counts = totals.setdefault(unit_id, Counter())
            counts["assessed"] += 1
            counts["submitted"] += assessment.status != Status.DRAFT
            counts["approved"] += assessment.status in (Status.APPROVED, Status.RECOGNISED)
            counts["recognised"] += assessment.status == Status.RECOGNISED
    for person in Person.objects.filter(merged_into__isnull=True).select_related("unit"):
        for unit_id in today_unit(person.unit).ancestor_ids:
            totals.setdefault(unit_id, Counter())["registered"] += 1
    return totals


def figure(world: World, unit: Unit, dimension: str = Dimension.ALL, value: str = "") -> RecognitionFigure:
    return RecognitionFigure.objects.get(
        campaign=world.cast.campaign, unit=unit, dimension=dimension, value=value
    )


def test_every_unit_on_every_path_gets_its_counts_restated_on_todays_tree(world: World) -> None:
    figures_rebuild(world.cast.campaign)
    totals = expected(world)
    cast = world.cast
    for unit in (cast.son_la, cast.commune_a, cast.commune_b, cast.hamlet_a, cast.hamlet_b):
        row = figure(world, unit)
        assert {name: getattr(row, name) for name in COUNTS} == {
            name: totals[unit.pk][name] for name in COUNTS
        }
    # The two records of the old ward count in Tô Hiệu today; nothing is kept on the old unit.
    assert figure(world, cast.commune_a).recognised == 5
    assert not RecognitionFigure.objects.filter(unit=world.legacy_ward).exists()
    assert figure(world, cast.commune_a).population == 120
    assert figure(world, cast.commune_b).population is None


def test_a_province_is_the_sum_of_its_communes_in_every_breakdown(world: World) -> None:
    figures_rebuild(world.cast.campaign)
    communes = RecognitionFigure.objects.filter(campaign=world.cast.campaign, unit__parent=world.cast.son_la)
    province = RecognitionFigure.objects.filter(campaign=world.cast.campaign, unit=world.cast.son_la)
    assert province.count() > 5  # everyone, and by group, sex, age and ethnicity
    for row in province:
        parts = communes.filter(dimension=row.dimension, value=row.value)
        for name in COUNTS:
            assert getattr(row, name) == sum(getattr(part, name) for part in parts), (
                row.dimension,
                row.value,
            )


def test_breakdowns_by_sex_age_group_and_ethnicity(world: World) -> None:
    figures_rebuild(world.cast.campaign)
    commune = world.cast.commune_a
    assert (
        figure(world, commune, Dimension.SEX, "F").recognised,
        figure(world, commune, Dimension.SEX, "M").recognised,
    ) == (3, 2)
    assert figure(world, commune, Dimension.GROUP, "g2").assessed == 2
    assert figure(world, commune, Dimension.ETHNICITY, "Thái").recognised == 3
    # The level reached, among those sent for review (the draft is not counted).
    assert figure(world, commune, Dimension.LEVEL, "recognised").assessed == 6
    assert figure(world, commune, Dimension.LEVEL, "not_yet").assessed == 1
    year = world.cast.campaign.year
    band = "60+" if year - 1960 >= 60 else "45-59"
    assert figure(world, commune, Dimension.AGE, band).assessed == 1


def test_an_assessment_of_a_person_merged_away_keeps_their_breakdowns(world: World) -> None:
    """People are read once, the registered; an assessment whose person is no longer among them (merged
    into another record) is still counted by its person's sex, age and ethnicity."""
    commune = world.cast.commune_a
    figures_rebuild(world.cast.campaign)
    before = figure(world, commune, Dimension.SEX, "F")
    merged = next(a.person for a in world.assessments if a.unit_id == commune.pk and a.person.sex == "F")
    keeper = Person.objects.exclude(pk=merged.pk).filter(unit__path__startswith=commune.path).first()
    assert keeper is not None
    Person.objects.filter(pk=merged.pk).update(merged_into=keeper)
    figures_rebuild(world.cast.campaign)
    after = figure(world, commune, Dimension.SEX, "F")
    assert (after.assessed, after.recognised) == (before.assessed, before.recognised)
    assert after.registered == before.registered - 1  # no longer registered on their own


def test_a_learning_city_is_its_units_on_todays_tree(world: World) -> None:
    figures_rebuild(world.cast.campaign)
    city = LearningCity.objects.get(slug="son-la")
    members = set(city.memberships.filter(unit__era=Era.CURRENT).values_list("unit_id", flat=True))
    records = [
        a
        for a in Assessment.objects.filter(campaign=world.cast.campaign).select_related("unit")
        if members & set(today_unit(a.unit).ancestor_ids)
    ]
    row = RecognitionFigure.objects.get(campaign=world.cast.campaign, city=city, dimension=Dimension.ALL)
    assert row.assessed == len(records)
    assert row.recognised == sum(a.status == Status.RECOGNISED for a in records)


def test_a_rebuild_replaces_the_campaigns_rows(world: World) -> None:
    first = figures_rebuild(world.cast.campaign)
    Assessment.objects.filter(pk=world.assessments[3].pk).update(status=Status.RECOGNISED)
    assert figures_rebuild(world.cast.campaign) == first
    assert RecognitionFigure.objects.filter(campaign=world.cast.campaign).count() == first
    assert figure(world, world.cast.hamlet_a).recognised == 4


def test_a_campaign_without_records_rebuilds_to_registered_counts_only(cast) -> None:  # noqa: ANN001
    rows = figures_rebuild(cast.campaign)
    figures = RecognitionFigure.objects.filter(campaign=cast.campaign, dimension=Dimension.ALL)
    assert rows > 0 and not figures.exclude(assessed=0).exists()
    assert figures.get(unit=cast.hamlet_a).registered == 1  # the cast's citizen of Tổ 1


def test_the_command_rebuilds_every_campaign_or_one(world: World) -> None:
    import io

    import pytest
    from django.core.management import CommandError, call_command

    out = io.StringIO()
    call_command("rebuild_analytics", stdout=out, verbosity=0)
    rows = RecognitionFigure.objects.filter(campaign=world.cast.campaign).count()
    assert rows > 0 and f"Rebuilt 1 campaigns: {rows} rows" in out.getvalue()
    call_command(
        "rebuild_analytics", f"--campaign={world.cast.campaign.pk}", stdout=io.StringIO(), verbosity=0
    )
    assert RecognitionFigure.objects.filter(campaign=world.cast.campaign).count() == rows
    with pytest.raises(CommandError, match="No campaign"):
        call_command("rebuild_analytics", "--campaign=999999", stdout=io.StringIO())
