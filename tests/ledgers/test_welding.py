"""The "焊有序" welding-control devices: the register page, its form, the export and ``welding-devices/``."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from ledgers.models import WeldingDevice
from ledgers.welding import record_welding_device
from register.models import RiskTagOption
from tests.api.conftest import API, client_for

pytestmark = pytest.mark.django_db
URL = f"{API}welding-devices/"


def device(actor, enterprise, device_id, **extra):
    return record_welding_device(
        actor=actor, enterprise=enterprise, device_id=device_id, installed_on=datetime.date(2023, 6, 1), **extra
    )


def form(enterprise, **overrides):
    data = {
        "enterprise": enterprise.pk,
        "device_id": "HYX-0001",
        "installed_on": "2023-06-01",
        "welding_points": "3",
        "status": "in_use",
        "notes": "",
    }
    data.update(overrides)
    return data


def test_an_inspector_registers_a_device_on_the_page(client, world):
    client.force_login(world.inspector)

    response = client.post(reverse("ledgers:welding_create"), form(world.tenant1))

    assert response.status_code == 302
    saved = WeldingDevice.objects.get()
    assert (saved.enterprise, saved.grid, saved.zone, saved.parcel, saved.welding_points) == (
        world.tenant1,
        world.grid_a1,
        world.zone_a,
        world.parcel,
        3,
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"installed_on": "2999-01-01"}, "installed_on"),
        ({"welding_points": "0"}, "welding_points"),
        ({"device_id": ""}, "device_id"),
        ({"status": "broken"}, "status"),
    ],
)
def test_bad_input_is_refused_and_nothing_saved(client, world, overrides, field):
    client.force_login(world.inspector)

    response = client.post(reverse("ledgers:welding_create"), form(world.tenant1, **overrides))

    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not WeldingDevice.objects.exists()


def test_a_device_id_already_registered_is_refused(client, world):
    device(world.inspector_b, world.other_b, "HYX-0001")
    client.force_login(world.inspector)

    response = client.post(reverse("ledgers:welding_create"), form(world.tenant1, device_id="hyx-0001"))

    assert response.status_code == 400
    assert "设备编号已存在" in response.content.decode()
    assert WeldingDevice.objects.count() == 1


def test_another_zones_enterprise_is_refused_on_the_page_and_in_the_api(client, world):
    client.force_login(world.manager)

    page = client.post(reverse("ledgers:welding_create"), form(world.other_b))
    api = client_for(world.manager).post(URL, form(world.other_b), format="json")

    assert (page.status_code, api.status_code) == (403, 403)
    assert not WeldingDevice.objects.exists()


def test_the_api_creates_patches_and_refuses(world):
    api = client_for(world.enterprise_user)

    created = api.post(URL, form(world.tenant1), format="json")
    bad = api.post(URL, form(world.tenant1, device_id="HYX-2", installed_on="2999-01-01"), format="json")
    taken = api.post(URL, form(world.tenant1), format="json")
    patched = api.patch(f"{URL}{created.json()['id']}/", {"status": "offline"}, format="json")

    assert created.status_code == 201, created.json()
    assert created.json()["enterprise_name"] == world.tenant1.name
    assert bad.status_code == 400
    assert taken.status_code == 400
    assert taken.json()["code"] == "device_id_taken"
    assert patched.status_code == 200
    assert (patched.json()["status"], patched.json()["status_label"]) == ("offline", "离线")


def test_the_api_and_pages_are_scoped(client, world):
    mine = device(world.enterprise_user, world.tenant1, "HYX-A")
    foreign = device(world.inspector_b, world.other_b, "HYX-B")
    api = client_for(world.enterprise_user)

    assert [row["id"] for row in api.get(URL).json()["results"]] == [mine.pk]
    assert api.get(f"{URL}{foreign.pk}/").status_code == 404
    assert api.patch(f"{URL}{foreign.pk}/", {"status": "offline"}, format="json").status_code == 404
    client.force_login(world.enterprise_user)
    assert client.get(reverse("ledgers:welding_edit", args=[foreign.pk])).status_code == 404
    listed = client.get(reverse("ledgers:welding_list"))
    assert [d.pk for d in listed.context["object_list"]] == [mine.pk]
    assert client_for(None).get(URL).status_code == 401


def test_counts_per_zone_and_risk_tag_and_the_filters(client, world):
    welding_tag, _ = RiskTagOption.objects.get_or_create(code="welding")
    world.tenant1.risk_tags.add(welding_tag)
    device(world.manager_all, world.tenant1, "HYX-1", welding_points=4)
    device(world.manager_all, world.tenant2, "HYX-2", status="offline")
    device(world.manager_all, world.other_b, "HYX-3")
    client.force_login(world.manager_all)

    page = client.get(reverse("ledgers:welding_list"))
    tagged = client.get(reverse("ledgers:welding_list"), {"risk_tag": "welding"})
    offline = client.get(reverse("ledgers:welding_list"), {"status": "offline"})

    counts = {row["zone__name"]: (row["devices"], row["in_use"], row["points"]) for row in page.context["zone_counts"]}
    assert counts == {"中申达": (2, 1, 5), "花川": (1, 1, 1)}
    assert {t["code"]: t["count"] for t in page.context["tag_counts"]}["welding"] == 1
    assert [d.device_id for d in tagged.context["object_list"]] == ["HYX-1"]
    assert [d.device_id for d in offline.context["object_list"]] == ["HYX-2"]


def test_the_export_has_the_header_and_the_filtered_rows(client, world):
    device(world.manager_all, world.tenant1, "HYX-1", welding_points=4, notes="车间东侧")
    device(world.manager_all, world.other_b, "HYX-3")
    client.force_login(world.manager)

    response = client.get(reverse("ledgers:welding_export"))

    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
    assert list(rows[0]) == [
        "序号",
        "区块",
        "网格",
        "企业",
        "宗地",
        "设备编号",
        "安装日期",
        "覆盖焊接点位",
        "状态",
        "备注",
    ]
    assert rows[1:] == [
        (
            1,
            "中申达",
            "中申达一网格",
            "永康甲五金有限公司",
            "ZSD-001 中申达1号厂房",
            "HYX-1",
            datetime.datetime.combine(datetime.date(2023, 6, 1), datetime.time()),
            4,
            "在用",
            "车间东侧",
        )
    ]


def test_the_list_page_and_the_api_run_a_constant_number_of_queries(client, world, django_assert_max_num_queries):
    def count(do):
        with CaptureQueriesContext(connection) as queries:
            assert do().status_code == 200
        return len(queries)

    device(world.manager, world.tenant1, "HYX-0")
    client.force_login(world.manager)
    api = client_for(world.manager)
    page_one, api_one = count(lambda: client.get(reverse("ledgers:welding_list"))), count(lambda: api.get(URL))
    for n in range(1, 30):
        device(world.manager, [world.tenant1, world.tenant2, world.other_a2][n % 3], f"HYX-{n}")

    with django_assert_max_num_queries(page_one):
        client.get(reverse("ledgers:welding_list"))
    with django_assert_max_num_queries(api_one):
        assert len(api.get(URL).json()["results"]) == 30
