"""The hazard list says that it includes duplicates, 不属实 and withdrawn records; the counted figure
(cases.querysets.counted) leaves them out, and its list (``?counted=true``) too."""

import pytest
from django.urls import reverse

from cases.choices import HazardStatus
from cases.models import Hazard
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_the_list_says_what_it_includes_and_the_counted_list_is_the_counted_figure(client, world):
    for status in HazardStatus.values:
        f.HazardFactory(enterprise=world.tenant1, status=status)
    f.HazardFactory(enterprise=world.tenant1, status=HazardStatus.REPORTED, withdrawn=True)
    client.force_login(world.manager)

    everything = client.get(reverse("cases:hazard_list"))
    html = everything.content.decode()
    assert everything.context["paginator"].count == len(HazardStatus.values) + 1
    assert 'data-note="uncounted"' in html and "核实不属实" in html and "已撤回" in html
    assert 'href="?counted=true"' in html

    counted = client.get(reverse("cases:hazard_list"), {"counted": "true"})
    assert counted.context["paginator"].count == Hazard.objects.visible_to(world.manager).counted().count() == 3
    assert 'data-note="uncounted"' not in counted.content.decode()
    statuses = {h.status for h in counted.context["object_list"]}
    assert statuses == {HazardStatus.REPORTED, HazardStatus.AGGREGATED, HazardStatus.RECTIFIED}

    tiles = client.get("/").context
    client.force_login(world.admin)
    found = client.get("/").context["tiles"]["found"]
    assert found["url"].endswith("?counted=true") and found["count"] == Hazard.objects.counted().count()
    assert (
        tiles["tiles"]["reported"]["count"] == Hazard.objects.visible_to(world.manager).awaiting_aggregation().count()
    )
