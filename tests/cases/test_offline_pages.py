"""What a phone keeps for the field app offline (cases.offline, cases.views.offline): the service worker
and manifest, which pages are marked for keeping and for whom, the list of pages to keep (in a constant
number of queries), and sign-out telling the browser to clear what it kept."""

import json

import pytest
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db


def test_the_service_worker_and_manifest_are_served_by_the_app(client):
    worker = client.get("/sw.js")
    assert worker.status_code == 200 and worker["Content-Type"].startswith("text/javascript")
    body = worker.content.decode()
    assert "/static/vendor/workbox/workbox-sw.js" in body and "modulePathPrefix" in body
    assert "googleapis" not in body and "no-cache" in worker["Cache-Control"]
    manifest = json.loads(client.get("/manifest.webmanifest").content)
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/"
    assert {icon["sizes"] for icon in manifest["icons"]} >= {"192x192", "512x512"}
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200


@pytest.mark.parametrize(
    ("who", "kept"),
    [("inspector", True), ("enterprise_user", True), ("landlord", True), ("manager", False), ("leader", False)],
)
def test_only_field_users_pages_are_marked_for_keeping(client, world, who, kept):
    user = getattr(world, who)
    client.force_login(user)
    response = client.get("/", follow=True)
    assert response.status_code == 200
    assert response.get("X-Offline-User") == (str(user.pk) if kept else None)
    assert (b"data-offline-user" in response.content) == kept


def test_the_inspector_keeps_each_unit_with_its_forms_in_constant_queries(client, world, django_assert_max_num_queries):
    client.force_login(world.inspector)
    url = reverse("cases:offline_pages")
    with django_assert_max_num_queries(12):
        few = client.get(url).json()
    assert world.tenant1.get_absolute_url() in few["pages"]
    assert f"{reverse('cases:hazard_report')}?enterprise={world.tenant1.pk}" in few["pages"]
    assert world.other_b.get_absolute_url() not in few["pages"]  # another zone's unit
    assert reverse("cases:outbox") in few["pages"] and any(a.endswith("offline.js") for a in few["assets"])
    for n in range(30):
        f.EnterpriseFactory(parcel=world.parcel, name=f"新增企业{n}")
    with django_assert_max_num_queries(12):
        many = client.get(url).json()
    assert len(many["pages"]) > len(few["pages"]) + 60


def test_a_party_keeps_its_tickets_to_fix(client, world, make_ticket):
    from cases.choices import TicketStatus

    ticket = make_ticket(status=TicketStatus.ASSIGNED)
    client.force_login(world.enterprise_user)
    pages = client.get(reverse("cases:offline_pages")).json()["pages"]
    assert ticket.get_absolute_url() in pages and reverse("cases:my_tickets") in pages


def test_signing_out_tells_the_browser_to_clear_what_it_kept(client, world):
    client.force_login(world.inspector)
    response = client.post(reverse("accounts:logout"))
    assert response["Clear-Site-Data"] == '"storage"'
