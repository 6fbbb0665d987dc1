"""The register through the API: each role sees its own units; foreign ones answer 404."""

import pytest

from tests import factories as f
from tests.api.conftest import API


def names(response):
    assert response.status_code == 200, response.data
    return sorted(row.get("name") or row.get("code") for row in response.data["results"])


def test_lists_are_paginated(world, clients):
    response = clients.manager_all.get(f"{API}enterprises/", {"page_size": 2})
    assert response.status_code == 200
    assert set(response.data) == {"count", "next", "previous", "results"}
    assert response.data["count"] == 4 and len(response.data["results"]) == 2
    assert "page=2" in response.data["next"] and response.data["previous"] is None


@pytest.mark.parametrize(
    ("user", "zones", "grids"),
    [
        ("manager_all", ["中申达", "花川"], ["中申达一网格", "中申达二网格", "花川一网格"]),
        ("leader", ["中申达", "花川"], ["中申达一网格", "中申达二网格", "花川一网格"]),
        ("manager", ["中申达"], ["中申达一网格", "中申达二网格"]),
        ("inspector", ["中申达"], ["中申达一网格"]),
        ("enterprise_user", ["中申达"], ["中申达一网格"]),
        ("landlord", ["中申达"], ["中申达一网格"]),
    ],
)
def test_zones_and_grids_by_role(world, clients, user, zones, grids):
    client = getattr(clients, user)
    assert names(client.get(f"{API}zones/")) == sorted(zones)
    assert names(client.get(f"{API}grids/")) == sorted(grids)


def test_foreign_zone_and_grid_answer_404(world, clients):
    assert clients.inspector.get(f"{API}zones/{world.zone_b.pk}/").status_code == 404
    assert clients.inspector.get(f"{API}grids/{world.grid_a2.pk}/").status_code == 404
    assert clients.inspector.get(f"{API}grids/{world.grid_a1.pk}/").data["zone_name"] == "中申达"
    assert clients.inspector.get(f"{API}grids/999999/").status_code == 404


@pytest.mark.parametrize(
    ("user", "parcels", "enterprises"),
    [
        (
            "manager_all",
            ["HC-001", "ZSD-001", "ZSD-201"],
            ["永康丁机械有限公司", "永康丙电器有限公司", "永康乙工贸有限公司", "永康甲五金有限公司"],
        ),
        ("manager", ["ZSD-001", "ZSD-201"], ["永康丙电器有限公司", "永康乙工贸有限公司", "永康甲五金有限公司"]),
        ("inspector", ["ZSD-001"], ["永康乙工贸有限公司", "永康甲五金有限公司"]),
        ("enterprise_user", ["ZSD-001"], ["永康甲五金有限公司"]),
        ("landlord", ["ZSD-001"], ["永康乙工贸有限公司", "永康甲五金有限公司"]),
    ],
)
def test_parcels_and_enterprises_by_role(world, clients, user, parcels, enterprises):
    client = getattr(clients, user)
    response = client.get(f"{API}parcels/")
    assert sorted(p["code"] for p in response.data["results"]) == parcels
    assert names(client.get(f"{API}enterprises/")) == sorted(enterprises)


def test_foreign_parcel_and_enterprise_answer_404(world, clients):
    assert clients.enterprise_user.get(f"{API}enterprises/{world.tenant2.pk}/").status_code == 404
    assert clients.enterprise_user.get(f"{API}parcels/{world.parcel_b.pk}/").status_code == 404
    assert clients.landlord.get(f"{API}enterprises/{world.other_a2.pk}/").status_code == 404
    assert clients.manager.get(f"{API}parcels/{world.parcel_b.pk}/").status_code == 404
    assert clients.landlord.get(f"{API}enterprises/{world.tenant2.pk}/").status_code == 200


def test_parcel_body(world, clients):
    response = clients.manager.get(f"{API}parcels/{world.parcel.pk}/")
    assert response.status_code == 200
    body = response.data
    assert body["code"] == "ZSD-001" and body["grid_name"] == "中申达一网格" and body["zone_name"] == "中申达"
    assert body["tenant_count"] == 2 and body["is_multi_tenant"] is True
    assert body["closeout_state"] == "green" and body["map_colour"] == "green"


def test_enterprise_body(world, clients):
    world.tenant1.risk_tags.add("welding", "spraying")
    response = clients.enterprise_user.get(f"{API}enterprises/{world.tenant1.pk}/")
    assert response.status_code == 200
    body = response.data
    assert body["name"] == "永康甲五金有限公司" and body["parcel_code"] == "ZSD-001"
    assert sorted(body["risk_tags"]) == ["spraying", "welding"]
    assert len(body["credit_code"]) == 18


def test_register_filters_are_the_web_filters(world, clients):
    world.other_a2.risk_tags.add("lithium")
    client = clients.manager_all
    assert names(client.get(f"{API}enterprises/", {"zone": "花川"})) == ["永康丁机械有限公司"]
    assert names(client.get(f"{API}enterprises/", {"q": "乙工贸"})) == ["永康乙工贸有限公司"]
    assert names(client.get(f"{API}enterprises/", {"risk_tag": "lithium"})) == ["永康丙电器有限公司"]
    assert names(client.get(f"{API}enterprises/", {"parcel": "ZSD-001"})) == [
        "永康乙工贸有限公司",
        "永康甲五金有限公司",
    ]
    response = client.get(f"{API}parcels/", {"multi_tenant": "true"})
    assert [p["code"] for p in response.data["results"]] == ["ZSD-001"]
    response = client.get(f"{API}parcels/", {"grid_id": world.grid_b1.pk})
    assert [p["code"] for p in response.data["results"]] == ["HC-001"]
    response = client.get(f"{API}parcels/", {"ordering": "-code"})
    assert [p["code"] for p in response.data["results"]] == ["ZSD-201", "ZSD-001", "HC-001"]


def test_bad_filter_values_answer_400(world, clients):
    response = clients.manager_all.get(f"{API}enterprises/", {"kind": "castle"})
    assert response.status_code == 400
    assert "kind" in response.data


def test_register_is_read_only(world, clients):
    response = clients.admin.post(f"{API}zones/", {"name": "新区块"}, format="json")
    assert response.status_code == 405
    response = clients.admin.patch(f"{API}enterprises/{world.tenant1.pk}/", {"name": "x"}, format="json")
    assert response.status_code == 405


def test_categories_are_the_catalogue_with_codes(world, clients):
    category = f.HazardCategoryFactory(code="ZZ99", name="测试用类别")
    response = clients.enterprise_user.get(f"{API}categories/{category.pk}/")
    assert response.status_code == 200
    assert response.data["code"] == "ZZ99" and response.data["name"] == "测试用类别"
    response = clients.enterprise_user.get(f"{API}categories/", {"code": "ZZ99"})
    assert [c["id"] for c in response.data["results"]] == [category.pk]
    response = clients.inspector.get(f"{API}categories/", {"level": "parcel", "page_size": 200})
    assert response.data["count"] >= 1
    assert {c["level"] for c in response.data["results"]} == {"parcel"}


def test_checklists_carry_their_items(world, clients):
    response = clients.inspector.get(f"{API}checklists/")
    assert response.status_code == 200
    if response.data["count"]:
        checklist = response.data["results"][0]
        assert checklist["items"] and {"id", "text", "category"} <= set(checklist["items"][0])
