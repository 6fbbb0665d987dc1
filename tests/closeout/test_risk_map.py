"""The four-colour risk map (安全风险四色分布图): the map data carries each parcel's risk level and the
counts per colour, scoped like the red/green layer; the page offers the layer switch and its legend."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from register.choices import RiskLevel
from register.models import Parcel
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def levels(world):
    Parcel.objects.filter(pk=world.parcel.pk).update(risk_level=RiskLevel.RED)
    Parcel.objects.filter(pk=world.parcel_a2.pk).update(risk_level=RiskLevel.YELLOW)
    Parcel.objects.filter(pk=world.parcel_b.pk).update(risk_level=RiskLevel.ORANGE)
    # a parcel without coordinates: not drawn, but counted
    f.ParcelFactory(grid=world.grid_a1, code="ZSD-NOLOC", latitude=None, longitude=None, risk_level=RiskLevel.RED)


def test_map_data_carries_each_parcels_risk_level_and_the_counts(client, world, levels):
    client.force_login(world.manager)
    data = client.get(reverse("closeout:map_data")).json()
    risks = {feature["properties"]["code"]: feature["properties"]["risk"] for feature in data["features"]}
    assert risks == {"ZSD-001": 4, "ZSD-201": 2}  # 花川's HC-001 is not the manager's
    assert data["risk_summary"] == {"red": 2, "orange": 0, "yellow": 1, "blue": 0}  # the unlocated one counted
    assert [(r["level"], r["colour"], r["label"]) for r in data["risk_levels"]] == [
        (4, "red", "重大风险"),
        (3, "orange", "较大风险"),
        (2, "yellow", "一般风险"),
        (1, "blue", "低风险"),
    ]


def test_an_inspector_counts_only_their_grid(client, world, levels):
    client.force_login(world.inspector_b)
    data = client.get(reverse("closeout:map_data")).json()
    assert [feature["properties"]["risk"] for feature in data["features"]] == [3]
    assert data["risk_summary"] == {"red": 0, "orange": 1, "yellow": 0, "blue": 0}


def test_the_whole_area_sees_every_colour(client, world, levels):
    client.force_login(world.leader)
    assert client.get(reverse("closeout:map_data")).json()["risk_summary"] == {
        "red": 2,
        "orange": 1,
        "yellow": 1,
        "blue": 0,
    }


def test_the_map_page_offers_both_layers_with_the_risk_legend(client, world):
    client.force_login(world.manager)
    page = client.get(reverse("closeout:map")).content.decode()
    assert 'data-layer="hazard" aria-pressed="true"' in page and 'data-layer="risk" aria-pressed="false"' in page
    legend = re.search(r'id="map-risk-stats" hidden>(.*?)</div>', page, re.S).group(1)
    assert re.findall(r'data-risk="(\w+)"', legend) == ["red", "orange", "yellow", "blue"]
    assert "重大风险" in legend and "低风险" in legend
    # a link may open the risk layer directly
    page = client.get(reverse("closeout:map"), {"layer": "risk"}).content.decode()
    config = json.loads(re.search(r'id="map-config" type="application/json">(.*?)</script>', page).group(1))
    assert config["layer"] == "risk"
    assert 'id="map-risk-stats">' in page and 'id="map-stats" hidden>' in page
    assert "<title>安全风险四色分布图" in page


def test_parties_see_no_risk_map(client, world):
    client.force_login(world.enterprise_user)
    assert client.get(reverse("closeout:map"), {"layer": "risk"}).status_code == 403
    assert client.get(reverse("closeout:map_data")).status_code == 403


def test_the_map_data_runs_the_same_queries_for_one_parcel_and_thirty(client, world, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    grid = f.GridFactory(zone=world.zone_b)
    inspector = f.UserFactory(username="inspector-new")
    inspector.grids.add(grid)
    f.ParcelFactory(grid=grid, risk_level=RiskLevel.ORANGE)
    client.force_login(inspector)
    url = reverse("closeout:map_data")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).json()["risk_summary"]["orange"] == 1
    for i in range(29):
        f.ParcelFactory(grid=grid, risk_level=RiskLevel.RED if i % 2 else RiskLevel.BLUE)
    with CaptureQueriesContext(connection) as thirty:
        assert client.get(url).json()["risk_summary"] == {"red": 14, "orange": 1, "yellow": 0, "blue": 15}
    assert len(one.captured_queries) == len(thirty.captured_queries)
