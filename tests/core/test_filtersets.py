"""Filter choices are scoped in the FilterSet itself (core.filtersets.ScopedFilterSetMixin).

An id outside the user's scope answers exactly like an id that does not exist — same status, same
error, same (empty) rows — on the list page, in the API and in the export, so a filter never tells
whether a foreign zone, grid, parcel or enterprise exists.
"""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from register.models import Enterprise, Grid, Parcel, Zone
from register.querysets import active_tenants_of

pytestmark = pytest.mark.django_db

API = "/api/v1/"

# (list page, API list, export, filter, the world's object outside manager-a's zone A)
LISTS = [
    ("cases:ticket_list", "tickets/", "cases:ticket_export", "zone_id", "zone_b"),
    ("cases:ticket_list", "tickets/", "cases:ticket_export", "grid_id", "grid_b1"),
    ("cases:hazard_list", "hazards/", "cases:hazard_export", "parcel_id", "parcel_b"),
    ("cases:hazard_list", "hazards/", "cases:hazard_export", "enterprise_id", "other_b"),
    (None, "inspections/", None, "parcel_id", "parcel_b"),
    ("cases:parcel_list", "parcels/", "register:parcel_export", "grid_id", "grid_b1"),
    ("cases:enterprise_list", "enterprises/", "register:enterprise_export", "zone_id", "zone_b"),
]


def missing_id(obj):
    """An id no row of that table has."""
    return type(obj).objects.order_by("-pk").values_list("pk", flat=True).first() + 1000


def without(value, text):
    return str(text).replace(str(value), "<id>")


def page_answer(client, url_name, name, value):
    response = client.get(reverse(url_name), {name: value})
    form = response.context["filter"].form
    errors = {
        field: [(e.code, without(value, e.messages[0])) for e in errs] for field, errs in form.errors.as_data().items()
    }
    return response.status_code, errors, len(response.context["object_list"])


def api_answer(client, path, name, value):
    response = client.get(f"{API}{path}", {name: value})
    body = response.json()
    shown = {key: [without(value, m) for m in messages] for key, messages in body.items() if isinstance(messages, list)}
    return response.status_code, shown, body.get("count")


def export_answer(client, url_name, name, value):
    response = client.get(reverse(url_name), {name: value})
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, response["Content-Type"], content if response.status_code != 200 else b""


@pytest.mark.parametrize(("page", "api", "export", "name", "foreign"), LISTS)
def test_a_foreign_id_answers_like_one_that_does_not_exist(client, world, page, api, export, name, foreign):
    foreign = getattr(world, foreign)
    missing = missing_id(foreign)
    client.force_login(world.manager)
    api_client = APIClient()
    api_client.force_authenticate(world.manager)

    refused = api_answer(api_client, api, name, missing)
    assert refused[0] == 400 and name in refused[1]
    assert api_answer(api_client, api, name, foreign.pk) == refused
    if page:
        refused = page_answer(client, page, name, missing)
        assert refused[1][name][0][0] == "invalid_choice" and refused[2] == 0
        assert page_answer(client, page, name, foreign.pk) == refused
    if export:
        refused = export_answer(client, export, name, missing)
        assert refused[0] == 400
        assert export_answer(client, export, name, foreign.pk) == refused


def test_the_filter_bar_offers_only_the_users_units(client, world):
    client.force_login(world.manager)
    form = client.get(reverse("cases:parcel_list")).context["filter"].form
    assert set(form.fields["zone_id"].queryset) == {world.zone_a}
    assert set(form.fields["grid_id"].queryset) == {world.grid_a1, world.grid_a2}
    client.force_login(world.manager_all)
    form = client.get(reverse("cases:parcel_list")).context["filter"].form
    assert set(form.fields["zone_id"].queryset) == set(Zone.objects.all())
    assert set(form.fields["grid_id"].queryset) == set(Grid.objects.all())


def test_an_in_scope_id_still_filters_on_page_api_and_export(client, world):
    client.force_login(world.manager)
    api_client = APIClient()
    api_client.force_authenticate(world.manager)
    page = client.get(reverse("cases:enterprise_list"), {"grid_id": world.grid_a2.pk})
    assert [e.pk for e in page.context["object_list"]] == [world.other_a2.pk]
    body = api_client.get(f"{API}enterprises/", {"grid_id": world.grid_a2.pk}).json()
    assert [row["id"] for row in body["results"]] == [world.other_a2.pk]
    assert client.get(reverse("register:enterprise_export"), {"grid_id": world.grid_a2.pk}).status_code == 200


def test_one_parcel_filterset_counts_tenants_for_page_and_api(client, world):
    """The multi-tenant filter of the list page and of the API is the same FilterSet's."""
    expected = set(
        Parcel.objects.visible_to(world.manager)
        .annotate(n=active_tenants_of())
        .filter(n__gt=1)
        .values_list("code", flat=True)
    )
    assert expected == {world.parcel.code}
    client.force_login(world.manager)
    page = client.get(reverse("cases:parcel_list"), {"multi_tenant": "true"})
    assert {p.code for p in page.context["object_list"]} == expected
    assert [p.tenant_count for p in page.context["object_list"]] == [2]
    api_client = APIClient()
    api_client.force_authenticate(world.manager)
    body = api_client.get(f"{API}parcels/", {"multi_tenant": "true"}).json()
    assert {row["code"] for row in body["results"]} == expected
    single = api_client.get(f"{API}parcels/", {"multi_tenant": "false"}).json()
    assert {row["code"] for row in single["results"]} == {
        p.code for p in Parcel.objects.visible_to(world.manager) if p.code not in expected
    }
    assert Enterprise.objects.filter(parcel=world.parcel, active=True).count() == 2
