"""GET /api/figures: the dashboard's numbers as JSON, for the units the caller's roles cover; 404 as
problem+json elsewhere, 422 for a bad id."""

from __future__ import annotations

from django.test import Client

from learningcity.analytics.models import Dimension, RecognitionFigure
from learningcity.analytics.services import figures_rebuild

from .conftest import World, recognised_in_hamlet_b


def test_the_figures_of_a_unit_and_its_children(world: World, client: Client) -> None:
    cast = world.cast
    figures_rebuild(cast.campaign)
    client.force_login(cast.officer_a)
    body = client.get("/api/figures").json()  # the officer's commune in the latest campaign
    stored = RecognitionFigure.objects.get(
        campaign=cast.campaign, unit=cast.commune_a, dimension=Dimension.ALL
    )
    assert body["campaign_id"] == cast.campaign.pk and body["framework_code"] == "vn.learning-citizen"
    assert body["area"]["unit_id"] == cast.commune_a.pk
    assert (body["area"]["recognised"], body["area"]["registered"]) == (stored.recognised, stored.registered)
    assert body["area"]["rate"] == stored.recognised / stored.registered
    assert body["area"]["population"] == 120
    assert [child["unit_id"] for child in body["children"]] == [cast.hamlet_a.pk]


def test_other_units_are_not_found_and_bad_ids_are_refused(world: World, client: Client) -> None:
    cast = world.cast
    figures_rebuild(cast.campaign)
    client.force_login(cast.officer_a)
    for unit in (cast.commune_b, cast.son_la):
        response = client.get(f"/api/figures?unit_id={unit.pk}")
        assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"
    assert client.get("/api/figures?unit_id=abc").status_code == 422
    assert client.get("/api/figures?campaign_id=999999").status_code == 404
    client.force_login(cast.province)
    assert client.get(f"/api/figures?unit_id={cast.commune_b.pk}").status_code == 200
    client.logout()
    assert client.get("/api/figures").status_code == 401


def test_the_call_costs_the_same_queries_however_many_records(
    world: World,
    client: Client,
    django_assert_num_queries,  # noqa: ANN001
) -> None:
    """Served from the analytics table: the same queries for a few records as for many more (session and
    user, the user's roles, the campaign and its frameworks, the target, the units below and the figures)."""
    cast = world.cast
    figures_rebuild(cast.campaign)
    client.force_login(cast.province)
    url = f"/api/figures?unit_id={cast.son_la.pk}"
    with django_assert_num_queries(PINNED):
        assert client.get(url).status_code == 200
    recognised_in_hamlet_b(cast, 100)
    figures_rebuild(cast.campaign)
    with django_assert_num_queries(PINNED):
        body = client.get(url).json()
    assert sum(child["assessed"] for child in body["children"]) == body["area"]["assessed"]


PINNED = 9
