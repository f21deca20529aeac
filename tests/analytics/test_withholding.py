"""What public pages withhold: small counts, and enough beside them that none can be worked out by
subtracting the parts shown from their area's figure (a commune's from its province, a hamlet's from its
commune, a member's from its learning city)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import polars as pl
from django.test import Client
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from learningcity.analytics.models import Dimension, RecognitionFigure
from learningcity.analytics.services import figures_rebuild, withholding

from .conftest import World, recognised_in_hamlet_b


def withheld_of(counts: dict[int, tuple[int, int]], groups: list[tuple[int, int]], least: int) -> set[int]:
    """The nodes withheld, for counts by node (registered, recognised) and (total, part) pairs."""
    figures = pl.DataFrame(
        [(node, registered, recognised) for node, (registered, recognised) in counts.items()],
        schema={"node": pl.Int64, "registered": pl.Int64, "recognised": pl.Int64},
        orient="row",
    )
    edges = pl.DataFrame(groups, schema={"total": pl.Int64, "part": pl.Int64}, orient="row")
    result = withholding(figures, edges, least)
    return set(result.filter(pl.col("withheld")).get_column("node").to_list())


def test_a_small_part_is_withheld_with_the_smallest_part_beside_it() -> None:
    # A commune of 100 with three hamlets: 3, 40 and 57 registered. The 3 alone would be 100 - 40 - 57.
    counts = {1: (100, 60), 2: (3, 2), 3: (40, 25), 4: (57, 33)}
    assert withheld_of(counts, [(1, 2), (1, 3), (1, 4)], least=10) == {2, 3}


def test_an_area_with_a_lone_part_withheld_is_withheld_itself_and_so_on_up_and_down() -> None:
    # Province 1 (communes 2 and 3); commune 2 has 24 people of its own and the one hamlet 4, too small to
    # show; commune 3 is all of hamlet 5. Commune 2 is withheld with its one part (an area is taken as the
    # sum of its parts); the province would then show commune 2's as its figure less commune 3's, so
    # commune 3 is withheld; hamlet 5 would show commune 3's, so it goes too.
    counts = {1: (114, 62), 2: (30, 15), 3: (84, 47), 4: (6, 3), 5: (84, 47)}
    groups = [(1, 2), (1, 3), (2, 4), (3, 5)]
    assert withheld_of(counts, groups, least=10) == {2, 3, 4, 5}
    assert withheld_of(counts, groups, least=3) == set()  # 6 registered, 3 recognised, 3 not: all shown


def test_two_parts_withheld_beside_a_shown_area_need_nothing_more() -> None:
    counts = {1: (100, 60), 2: (4, 2), 3: (5, 3), 4: (91, 55)}
    assert withheld_of(counts, [(1, 2), (1, 3), (1, 4)], least=10) == {2, 3}


def test_a_learning_city_withholds_a_second_member_beside_a_small_one() -> None:
    # City -7 of communes 2 and 3, which are also two of province 1's three communes.
    counts = {-7: (60, 30), 1: (160, 80), 2: (8, 4), 3: (52, 26), 4: (100, 50)}
    groups = [(1, 2), (1, 3), (1, 4), (-7, 2), (-7, 3)]
    assert withheld_of(counts, groups, least=10) == {2, 3}


def test_counts_that_differ_by_less_than_the_threshold_are_withheld() -> None:
    # 40 registered of whom 37 recognised: the 3 who are not would be singled out.
    counts = {1: (80, 40), 2: (40, 37), 3: (40, 3)}
    assert withheld_of(counts, [(1, 2), (1, 3)], least=10) == {2, 3}


def determined(unknowns: list[int], equations: list[dict[int, int]], node: int) -> bool:
    """Whether `node` is fixed by the equations (each a sum over unknowns of coefficient × value = a known
    number): its unit row lies in the span of the equations' rows, found by Gaussian elimination."""

    def rank(rows: list[list[Fraction]]) -> int:
        rows = [row[:] for row in rows]
        found = 0
        for column in range(len(unknowns)):
            pivot = next((i for i in range(found, len(rows)) if rows[i][column] != 0), None)
            if pivot is None:
                continue
            rows[found], rows[pivot] = rows[pivot], rows[found]
            for i in range(len(rows)):
                if i != found and rows[i][column] != 0:
                    factor = rows[i][column] / rows[found][column]
                    rows[i] = [a - factor * b for a, b in zip(rows[i], rows[found], strict=True)]
            found += 1
        return found

    matrix = [[Fraction(equation.get(u, 0)) for u in unknowns] for equation in equations]
    unit_row = [Fraction(1 if u == node else 0) for u in unknowns]
    return rank([*matrix, unit_row]) == rank(matrix)


@st.composite
def trees(draw: st.DrawFn) -> tuple[dict[int, tuple[int, int]], list[tuple[int, int]]]:
    """A tree of areas (node 1 the province), each leaf with its counts, each area the sum of its parts."""
    size = draw(st.integers(min_value=2, max_value=18))
    parent = {node: draw(st.integers(min_value=1, max_value=node - 1)) for node in range(2, size + 1)}
    children: dict[int, list[int]] = {}
    for node, above in parent.items():
        children.setdefault(above, []).append(node)
    counts: dict[int, tuple[int, int]] = {}
    for node in range(size, 0, -1):  # parts before their areas
        if node in children:
            counts[node] = (
                sum(counts[c][0] for c in children[node]),
                sum(counts[c][1] for c in children[node]),
            )
        else:
            registered = draw(st.integers(min_value=0, max_value=40))
            counts[node] = (registered, draw(st.integers(min_value=0, max_value=registered)))
    return counts, [(above, node) for node, above in parent.items()]


@settings(max_examples=150, deadline=None)
@given(trees(), st.sampled_from([5, 10]))
def test_no_withheld_count_can_be_worked_out_from_those_shown(
    tree: tuple[dict[int, tuple[int, int]], list[tuple[int, int]]], least: int
) -> None:
    counts, groups = tree
    withheld = withheld_of(counts, groups, least)
    for node, (registered, recognised) in counts.items():
        small = [registered, recognised, registered - recognised]
        if registered < least or any(0 < count < least for count in small):
            assert node in withheld  # every small count
    # Each area's counts equal the sum of its parts': one equation per area with parts, over the withheld.
    totals = {total for total, _ in groups}
    equations = []
    for total in totals:
        terms = {total: 1} | {part: -1 for above, part in groups if above == total}
        equations.append({node: weight for node, weight in terms.items() if node in withheld})
    unknowns = sorted(withheld)
    for node in unknowns:
        assert not determined(unknowns, [e for e in equations if e], node), (node, withheld)


def test_the_public_pages_withhold_what_the_rebuild_decided(world: World, client: Client, settings) -> None:  # noqa: ANN001
    cast = world.cast
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    recognised_in_hamlet_b(cast, 20)
    settings.PUBLIC_MIN_COUNT = 4
    figures_rebuild(cast.campaign)
    cast.campaign.review_deadline = timezone.localdate() - dt.timedelta(days=1)
    cast.campaign.save(update_fields=["review_deadline"])
    figures = RecognitionFigure.objects.filter(campaign=cast.campaign, dimension=Dimension.ALL)
    by_unit = {row.unit_id: row for row in figures if row.unit_id is not None}
    hamlet_a, hamlet_b = by_unit[cast.hamlet_a.pk], by_unit[cast.hamlet_b.pk]
    assert (hamlet_a.registered, hamlet_a.recognised) == (7, 3)  # 3 recognised: under 4
    assert (hamlet_b.registered, hamlet_b.recognised) == (25, 21)  # every count of 4 or more
    # Hamlet A is its commune's one hamlet with figures (commune A's own person aside): commune A is withheld
    # too; the province would then give it away as its figure less commune B's, so commune B is withheld;
    # and hamlet B, commune B's one hamlet, would give commune B away.
    withheld = {pk for pk, row in by_unit.items() if row.withheld}
    assert withheld == {cast.hamlet_a.pk, cast.commune_a.pk, cast.commune_b.pk, cast.hamlet_b.pk}
    assert not figures.get(unit=cast.son_la).withheld
    assert not figures.filter(dimension=Dimension.ALL).exclude(pk__in=[r.pk for r in figures]).exists()
    assert not RecognitionFigure.objects.exclude(dimension=Dimension.ALL).filter(withheld=True).exists()

    province = client.get(f"/figures/unit/{cast.son_la.pk}/").content.decode()
    assert f"<strong>{by_unit[cast.son_la.pk].recognised}</strong>" in province
    for commune in (cast.commune_a, cast.commune_b):
        row = province[province.index(f">{commune.name}</a>") :].split("</tr>")[0]
        assert row.count('<td class="num">—</td>') == 3
    commune_b = client.get(f"/figures/unit/{cast.commune_b.pk}/").content.decode()
    assert "Withheld: too few to publish." in commune_b
    assert f'<td class="num">{hamlet_b.registered}</td>' not in commune_b
    # The officers' dashboard shows every figure: withholding is for public pages only.
    client.force_login(cast.officer_b)
    dashboard = client.get(
        f"/officer/dashboard/?campaign={cast.campaign.pk}&framework={cast.framework.pk}"
    ).content.decode()
    assert f'data-label="Recognised" class="num">{hamlet_b.recognised}<' in dashboard
