"""Filter bars keep their widgets whatever else built the FilterSets before (the API schema)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

ALL = '<option value="" selected>全部</option>'

# (list page, its fold-out tick-box filters)
BARS = [
    ("cases:ticket_list", ("status", "escalation_level", "zone_id", "grid_id")),
    ("cases:hazard_list", ("status", "zone_id", "grid_id", "category")),
    ("cases:desk", ("zone_id", "grid_id", "category")),
    ("cases:parcel_list", ("zone_id", "grid_id", "state")),
    ("cases:enterprise_list", ("zone_id", "grid_id", "kind", "risk_tag")),
]


def filter_bar(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    page = response.content.decode()
    start = page.index('<form method="get" class="filters case-filters"')
    return page[start : page.index("</form>", start)]


@pytest.mark.parametrize(("url_name", "dropdowns"), BARS)
def test_filter_widgets_survive_schema_generation(client, world, url_name, dropdowns):
    client.force_login(world.manager)
    before = filter_bar(client, url_name)
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200
    after = filter_bar(client, url_name)
    assert after == before
    for name in dropdowns:
        assert f'<details class="multi-select" id="id_{name}">' in after
    assert ALL in after
    assert "---------" not in after
    assert "<select multiple" not in after and "未知" not in after


def test_ticket_list_has_the_tuned_bar(client, world):
    client.force_login(world.manager)
    page = filter_bar(client, "cases:ticket_list")
    assert '<input type="date" name="created_after"' in page
    assert '<select name="overdue" id="id_overdue">' in page
    assert '<option value="" selected>默认排序</option>' in page
