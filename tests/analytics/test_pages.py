"""The dashboard and the public figures: what each role reads, drill-down, exports equal to the page, pinned
query counts, suppression of small counts, and the rebuild that follows decisions."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone

from learningcity.analytics.models import Dimension, RecognitionFigure
from learningcity.analytics.services import figures_rebuild
from learningcity.analytics.tasks import figures_rebuild_campaign
from learningcity.recognition.services import events
from learningcity.territory.models import LearningCity, Unit
from learningcity.territory.services import hamlet_create

from .conftest import World, recognised_in_hamlet_b


def url(world: World, unit: object = None, **extra: str) -> str:
    query = f"campaign={world.cast.campaign.pk}&framework={world.cast.framework.pk}"
    if unit is not None:
        query += f"&unit={unit.pk}"  # type: ignore[attr-defined]
    return "/officer/dashboard/?" + query + "".join(f"&{k}={v}" for k, v in extra.items())


@pytest.fixture
def built(world: World) -> World:
    figures_rebuild(world.cast.campaign)
    return world


def test_each_officer_reads_their_units_and_nothing_beside_them(built: World, client: Client) -> None:
    cast = built.cast
    client.force_login(cast.officer_a)
    page = client.get(url(built)).content.decode()  # opens on the officer's commune
    assert 'id="area"' in page and cast.commune_a.name in page and cast.hamlet_a.name in page
    assert client.get(url(built, cast.hamlet_a)).status_code == 200  # drill down
    for elsewhere in (cast.commune_b, cast.hamlet_b, cast.son_la):
        assert client.get(url(built, elsewhere)).status_code == 404
        assert client.get(url(built, elsewhere, format="csv")).status_code == 404
    client.force_login(cast.head_a)
    assert client.get(url(built, cast.commune_a)).status_code == 404
    assert client.get(url(built)).status_code == 200
    client.force_login(cast.province)
    page = client.get(url(built)).content.decode()
    assert cast.commune_a.name in page and cast.commune_b.name in page
    client.force_login(cast.citizen_a)
    assert client.get(url(built)).status_code == 403
    client.logout()
    assert client.get(url(built)).status_code == 302


def test_a_unit_renamed_or_added_shows_at_once_in_the_cached_table(built: World, client: Client) -> None:
    """The table of the units below is cached until the next rebuild; not their names, nor which they are."""
    cast = built.cast
    client.force_login(cast.officer_a)
    assert cast.hamlet_a.name in client.get(url(built)).content.decode()
    Unit.objects.filter(pk=cast.hamlet_a.pk).update(name="Bản Mới Đổi Tên")
    hamlet_create(commune=cast.commune_a, name="Tổ dân phố Vừa Lập")
    table = client.get(url(built)).content.decode().split('id="children"', 1)[1].split("</table>", 1)[0]
    assert "Bản Mới Đổi Tên" in table and "Tổ dân phố Vừa Lập" in table and cast.hamlet_a.name not in table


def test_the_page_shows_the_figures_and_the_export_has_the_same(
    built: World,
    client: Client,
    settings,  # noqa: ANN001
) -> None:
    cast = built.cast
    client.force_login(cast.province)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    commune = RecognitionFigure.objects.get(
        campaign=cast.campaign, unit=cast.commune_a, dimension=Dimension.ALL
    )
    page = client.get(url(built, cast.commune_a)).content.decode()
    assert f'id="area-recognised">{commune.recognised}<' in page
    assert f'id="area-registered">{commune.registered}<' in page
    assert "120" in page  # the population figure
    rows = list(
        csv.reader(
            io.StringIO(client.get(url(built, cast.commune_a, format="csv")).content.decode("utf-8-sig"))
        )
    )
    assert rows[0][:3] == ["Unit", "Code", "Registered"] and rows[0][7] == "Rate of registered (%)"
    area = rows[1]
    assert (area[0], int(area[2]), int(area[6])) == (
        cast.commune_a.name,
        commune.registered,
        commune.recognised,
    )
    assert float(area[7]) == round(100 * commune.recognised / commune.registered, 1)
    assert float(area[9]) == round(100 * commune.recognised / 120, 1)
    hamlet = RecognitionFigure.objects.get(
        campaign=cast.campaign, unit=cast.hamlet_a, dimension=Dimension.ALL
    )
    by_name = {row[0]: row for row in rows[2:]}
    assert int(by_name[cast.hamlet_a.name][6]) == hamlet.recognised
    response = client.get(url(built, cast.commune_a, format="xlsx"))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2, max_row=2)][0][:7] == [
        cast.commune_a.name,
        cast.commune_a.code,
        commune.registered,
        commune.assessed,
        commune.submitted,
        commune.approved,
        commune.recognised,
    ]


def test_the_page_costs_the_same_queries_however_many_records(
    built: World,
    client: Client,
    django_assert_num_queries,  # noqa: ANN001
) -> None:
    cast = built.cast
    client.force_login(cast.province)
    with django_assert_num_queries(PINNED) as first:
        client.get(url(built, cast.son_la))
    # Ten times the records: the same queries (the page reads the aggregate rows only).
    recognised_in_hamlet_b(cast, 100)
    figures_rebuild(cast.campaign)
    with django_assert_num_queries(len(first.captured_queries)):
        client.get(url(built, cast.son_la))


PINNED = 12


def test_the_units_below_follow_each_rebuild_and_target(built: World, client: Client, settings) -> None:  # noqa: ANN001
    """The table of units below is kept rendered between rebuilds: a rebuild or a new target shows at once."""
    cast = built.cast
    client.force_login(cast.province)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def commune_b_row() -> str:
        page = client.get(url(built, cast.son_la)).content.decode()
        table = page[page.index('id="children"') :]
        return table[table.index(f">{cast.commune_b.name}</a>") :].split("</tr>")[0]

    before = RecognitionFigure.objects.get(
        campaign=cast.campaign, unit=cast.commune_b, dimension=Dimension.ALL
    )
    assert f'data-label="Recognised" class="num">{before.recognised}<' in commune_b_row()
    assert "reached" not in commune_b_row()  # no target yet
    from learningcity.recognition.models import CampaignFramework

    recognised_in_hamlet_b(cast, 3)
    figures_rebuild(cast.campaign)
    after = RecognitionFigure.objects.get(
        campaign=cast.campaign, unit=cast.commune_b, dimension=Dimension.ALL
    )
    assert after.recognised == before.recognised + 3
    assert f'data-label="Recognised" class="num">{after.recognised}<' in commune_b_row()
    CampaignFramework.objects.filter(campaign=cast.campaign, framework_version=cast.framework).update(
        target_rate="0.0100"
    )
    assert "passes" in commune_b_row()  # the new target, without a rebuild
    page = client.get(url(built, cast.son_la)).content.decode()
    target = page[page.index('id="target"') :].split("</p>")[0]
    assert ">reached<" in target  # the province's own mark, above the table whose labels it shares


def test_public_figures_withhold_small_counts(built: World, client: Client, settings) -> None:  # noqa: ANN001
    cast = built.cast
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    city = LearningCity.objects.get(slug="son-la")
    cast.campaign.review_deadline = timezone.localdate() - dt.timedelta(days=1)
    cast.campaign.save(update_fields=["review_deadline"])
    page = client.get(f"/figures/city/{city.slug}/").content.decode()
    assert "Withheld: too few to publish." in page  # 7 recognised in the city: under 10
    settings.PUBLIC_MIN_COUNT = 1
    figures_rebuild(cast.campaign)  # what is withheld is decided by the rebuild, with the threshold of then
    page = client.get(f"/figures/city/{city.slug}/").content.decode()
    figure = RecognitionFigure.objects.get(campaign=cast.campaign, city=city, dimension=Dimension.ALL)
    assert f"<strong>{figure.recognised}</strong>" in page
    unit_page = client.get(f"/figures/unit/{cast.commune_a.pk}/").content.decode()
    assert cast.hamlet_a.name in unit_page
    # No personal data on public pages.
    assert "Người 0" not in page + unit_page


def test_the_public_pages_cost_the_same_queries_however_many_records(
    built: World,
    client: Client,
    settings,  # noqa: ANN001
    django_assert_num_queries,  # noqa: ANN001
) -> None:
    cast = built.cast
    settings.PUBLIC_MIN_COUNT = 1
    cast.campaign.review_deadline = timezone.localdate() - dt.timedelta(days=1)
    cast.campaign.save(update_fields=["review_deadline"])
    pages = {"unit": f"/figures/unit/{cast.commune_b.pk}/", "city": "/figures/city/son-la/"}
    with django_assert_num_queries(PUBLIC_PINNED["unit"]):
        before = client.get(pages["unit"]).content.decode()
    with django_assert_num_queries(PUBLIC_PINNED["city"]):
        client.get(pages["city"])
    recognised_in_hamlet_b(cast, 100)
    figures_rebuild(cast.campaign)
    with django_assert_num_queries(PUBLIC_PINNED["unit"]):
        after = client.get(pages["unit"]).content.decode()
    with django_assert_num_queries(PUBLIC_PINNED["city"]):
        city = client.get(pages["city"]).content.decode()
    # The commune's own figure and its hamlets', read by their ids; the city's own and its members'.
    figures = RecognitionFigure.objects.filter(campaign=cast.campaign, dimension=Dimension.ALL)
    commune, hamlet = figures.get(unit=cast.commune_b), figures.get(unit=cast.hamlet_b)
    assert f"<strong>{commune.recognised}</strong>" in after
    row = after[after.index(f">{cast.hamlet_b.name}</a>") :].split("</tr>")[0]
    assert f'<td class="num">{hamlet.registered}</td><td class="num">{hamlet.recognised}</td>' in row
    assert f"<strong>{commune.recognised}</strong>" not in before  # a hundred more since
    own = RecognitionFigure.objects.get(campaign=cast.campaign, city__slug="son-la", dimension=Dimension.ALL)
    assert f"<strong>{own.recognised}</strong>" in city and cast.commune_b.name in city


# The unit page: the unit, the published campaigns, its children's ids, the figures; the city page: the
# city, the campaigns, its members' ids, the city's figures and the members'.
PUBLIC_PINNED = {"unit": 4, "city": 5}


def test_a_campaign_still_in_review_is_not_public(built: World, client: Client, settings) -> None:  # noqa: ANN001
    settings.PUBLIC_MIN_COUNT = 1
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/figures/city/son-la/").content.decode()
    assert "No published figures yet." in page


def test_decisions_queue_a_rebuild_that_runs_once(
    world: World,
    django_capture_on_commit_callbacks,  # noqa: ANN001
) -> None:
    campaign = world.cast.campaign
    assert not RecognitionFigure.objects.filter(campaign=campaign).exists()
    with django_capture_on_commit_callbacks(execute=True):
        events.records_changed(campaign.pk)
    assert RecognitionFigure.objects.filter(campaign=campaign).exists()
    # A request older than the last rebuild has nothing left to do.
    earlier = (timezone.now() - dt.timedelta(minutes=1)).isoformat()
    assert figures_rebuild_campaign.call(campaign.pk, earlier) == 0
    later = (timezone.now() + dt.timedelta(seconds=1)).isoformat()
    assert figures_rebuild_campaign.call(campaign.pk, later) > 0


def test_many_changes_in_one_transaction_queue_one_rebuild(
    world: World,
    django_capture_on_commit_callbacks,
    monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
) -> None:
    heard: list[int] = []
    monkeypatch.setattr(events, "_listeners", [heard.append])
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(50):
            events.records_changed(world.cast.campaign.pk)
    assert heard == [world.cast.campaign.pk]


def test_the_map_colours_the_units_below_when_their_boundaries_are_loaded(
    built: World, client: Client
) -> None:
    from learningcity.territory.models import UnitBoundary

    cast = built.cast
    client.force_login(cast.province)
    assert 'id="map-note"' in client.get(url(built, cast.son_la)).content.decode()

    def square(unit: object, west: float, south: float) -> None:
        ring = [
            [west, south],
            [west + 0.1, south],
            [west + 0.1, south + 0.1],
            [west, south + 0.1],
            [west, south],
        ]
        UnitBoundary.objects.create(
            unit=unit,
            geometry={"type": "Polygon", "coordinates": [ring]},
            min_lon=west,
            min_lat=south,
            max_lon=west + 0.1,
            max_lat=south + 0.1,
            source="Test outlines",
            licence="CC BY 4.0",
        )

    square(cast.commune_a, 103.9, 21.3)
    square(cast.commune_b, 104.0, 21.3)
    page = client.get(url(built, cast.son_la)).content.decode()
    assert 'id="map"' in page and "Test outlines (CC BY 4.0)" in page
    a = RecognitionFigure.objects.get(campaign=cast.campaign, unit=cast.commune_a, dimension=Dimension.ALL)
    b = RecognitionFigure.objects.get(campaign=cast.campaign, unit=cast.commune_b, dimension=Dimension.ALL)
    # Tô Hiệu over its population figure (5 of 120: under 20%), Chiềng Cơi over its registered people.
    assert a.recognised / 120 < 0.2
    band_b = sum(b.recognised / b.registered >= edge for edge in (0.2, 0.4, 0.6, 0.8))
    assert f'class="rate-0" data-unit="{cast.commune_a.pk}"' in page
    assert f'class="rate-{band_b}" data-unit="{cast.commune_b.pk}"' in page
    # Side by side, the western square starts at the map's left edge.
    assert 'd="M0,' in page


def test_a_province_reads_the_learning_cities_within_it(built: World, client: Client) -> None:
    cast = built.cast
    client.force_login(cast.province)
    page = client.get(url(built, cast.son_la)).content.decode()
    city = RecognitionFigure.objects.get(campaign=cast.campaign, city__slug="son-la", dimension=Dimension.ALL)
    assert 'id="cities"' in page and city.city.name in page
    client.force_login(cast.officer_b)  # Chiềng Cơi is one of the city's wards, not the whole city
    assert 'id="cities"' not in client.get(url(built)).content.decode()


def test_breakdowns_are_shown_in_words(built: World, client: Client) -> None:
    client.force_login(built.cast.officer_a)
    page = client.get(url(built, built.cast.commune_a)).content.decode()
    breakdowns = page[page.index('id="breakdowns"') :]
    for words in ("Đạt Công dân học tập", "Nông dân và lao động nông thôn", "Nữ", "Thái", "25-34"):
        assert words in breakdowns
