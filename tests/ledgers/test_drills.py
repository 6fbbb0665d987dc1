"""Training and drills (消防培训演练): the pages, the files, the export and the API ``drills/``."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from ledgers.drills import record_drill
from ledgers.models import Drill
from tests import factories as f
from tests.api.conftest import API, client_for

pytestmark = pytest.mark.django_db
URL = f"{API}drills/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def today():
    return timezone.localdate()


def drill(actor, *, enterprise=None, grid=None, zone=None, participants=30, title="消防安全培训", **extra):
    return record_drill(
        actor=actor,
        enterprise=enterprise,
        grid=grid,
        zone=zone,
        kind=extra.pop("kind", "training"),
        held_on=extra.pop("held_on", today()),
        title=title,
        organiser="园区安监办",
        participants=participants,
        **extra,
    )


def page_post(world, **overrides):
    data = {
        "kind": "drill",
        "held_on": today().isoformat(),
        "title": "疏散演练",
        "organiser": "企业安全办",
        "trainer": "王教官",
        "participants": "45",
        "notes": "",
    }
    data.update(overrides)
    return data


def test_an_enterprise_records_its_own_drill_with_a_signin_sheet_and_photos(client, world):
    client.force_login(world.enterprise_user)
    sheet = SimpleUploadedFile("签到表.pdf", b"%PDF-1.4 test", content_type="application/pdf")

    response = client.post(
        reverse("ledgers:drill_create"),
        {**page_post(world, enterprise=world.tenant1.pk), "signin_sheet": sheet, "photos": [f.photo_upload()]},
    )

    assert response.status_code == 302
    saved = Drill.objects.get()
    assert (saved.enterprise, saved.grid, saved.zone, saved.participants) == (
        world.tenant1,
        world.grid_a1,
        world.zone_a,
        45,
    )
    assert saved.photos.count() == 1
    page = client.get(response.url)
    assert "疏散演练" in page.content.decode()
    assert client.get(reverse("ledgers:drill_signin_sheet", args=[saved.pk])).status_code == 200
    photo = saved.photos.get()
    assert client.get(reverse("ledgers:drill_photo", args=[saved.pk, photo.pk])).status_code == 200


def test_files_of_a_drill_not_visible_answer_404(client, world):
    sheet = SimpleUploadedFile("s.pdf", b"%PDF-1.4 x", content_type="application/pdf")
    held = drill(world.enterprise_user, enterprise=world.tenant1, signin_sheet=sheet, photos=[f.photo_upload()])
    photo = held.photos.get()
    client.force_login(world.inspector_b)

    assert client.get(reverse("ledgers:drill_signin_sheet", args=[held.pk])).status_code == 404
    assert client.get(reverse("ledgers:drill_photo", args=[held.pk, photo.pk])).status_code == 404
    assert client.get(reverse("ledgers:drill_detail", args=[held.pk])).status_code == 404
    assert client.get(reverse("ledgers:drill_edit", args=[held.pk])).status_code == 404


def test_a_manager_records_a_zone_wide_drill_with_participating_units(client, world):
    client.force_login(world.manager)

    response = client.post(
        reverse("ledgers:drill_create"),
        page_post(world, zone=world.zone_a.pk, units=[world.tenant1.pk, world.other_a2.pk]),
    )

    assert response.status_code == 302
    saved = Drill.objects.get()
    assert (saved.zone, saved.grid, saved.enterprise) == (world.zone_a, None, None)
    assert set(saved.units.all()) == {world.tenant1, world.other_a2}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"held_on": "2999-01-01"}, "held_on"),
        ({"participants": "0"}, "participants"),
        ({"participants": "100001"}, "participants"),
        ({"title": ""}, "title"),
        ({"kind": "party"}, "kind"),
    ],
)
def test_bad_input_is_refused_with_a_chinese_message_and_nothing_saved(client, world, overrides, field):
    client.force_login(world.enterprise_user)

    response = client.post(reverse("ledgers:drill_create"), page_post(world, enterprise=world.tenant1.pk, **overrides))

    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert "请检查填写的内容" in response.content.decode()
    assert not Drill.objects.exists()


def test_a_future_date_is_refused_by_the_service_too(world):
    from core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        drill(world.enterprise_user, enterprise=world.tenant1, held_on=today() + datetime.timedelta(days=1))
    assert "held_on" in refused.value.errors
    assert not Drill.objects.exists()


def test_a_signin_sheet_that_is_not_a_pdf_or_image_is_refused(client, world):
    client.force_login(world.enterprise_user)
    bad = SimpleUploadedFile("签到表.pdf", b"MZ not a pdf", content_type="application/pdf")

    response = client.post(
        reverse("ledgers:drill_create"), {**page_post(world, enterprise=world.tenant1.pk), "signin_sheet": bad}
    )

    assert response.status_code == 400
    assert "签到表应为 PDF 文件或图片" in response.content.decode()
    assert not Drill.objects.exists()


def test_another_zones_unit_is_refused_on_the_page(client, world):
    client.force_login(world.manager)

    by_zone = client.post(reverse("ledgers:drill_create"), page_post(world, zone=world.zone_b.pk))
    by_unit = client.post(
        reverse("ledgers:drill_create"), page_post(world, zone=world.zone_a.pk, units=[world.other_b.pk])
    )

    assert (by_zone.status_code, by_unit.status_code) == (403, 403)
    assert not Drill.objects.exists()


def test_an_enterprise_cannot_record_for_another_enterprise_or_park_wide(client, world):
    api = client_for(world.enterprise_user)

    other = api.post(URL, {**page_post(world), "enterprise": world.tenant2.pk}, format="json")
    park = api.post(URL, {**page_post(world), "zone": world.zone_a.pk}, format="json")

    assert (other.status_code, park.status_code) == (403, 403)
    assert park.json()["code"] == "park_wide_not_permitted"
    assert not Drill.objects.exists()


def test_an_inspector_records_for_their_grid_but_not_the_whole_zone(world):
    api = client_for(world.inspector)

    zone_wide = api.post(URL, {**page_post(world), "zone": world.zone_a.pk}, format="json")
    grid = api.post(URL, {**page_post(world), "grid": world.grid_a1.pk, "participants": 12}, format="json")
    foreign_grid = api.post(URL, {**page_post(world), "grid": world.grid_a2.pk}, format="json")

    assert zone_wide.status_code == 400
    assert zone_wide.json()["code"] == "grid_required"
    assert grid.status_code == 201, grid.json()
    assert (grid.json()["grid"], grid.json()["zone"], grid.json()["participants"]) == (
        world.grid_a1.pk,
        world.zone_a.pk,
        12,
    )
    assert foreign_grid.status_code == 403


def test_api_bad_input_is_400_and_nothing_saved(world):
    api = client_for(world.enterprise_user)

    response = api.post(
        URL,
        {**page_post(world), "enterprise": world.tenant1.pk, "participants": 0, "held_on": "2999-01-01"},
        format="json",
    )
    future = api.post(URL, {**page_post(world), "enterprise": world.tenant1.pk, "held_on": "2999-01-01"}, format="json")

    assert response.status_code == 400
    assert "participants" in response.json()
    assert future.status_code == 400
    assert future.json()["held_on"] == ["日期不能晚于今天。"]
    assert not Drill.objects.exists()


def test_the_api_is_scoped_and_a_foreign_drill_is_404(world):
    mine = drill(world.enterprise_user, enterprise=world.tenant1)
    foreign = drill(world.inspector_b, grid=world.grid_b1)
    api = client_for(world.enterprise_user)

    listed = api.get(URL).json()

    assert [row["id"] for row in listed["results"]] == [mine.pk]
    assert api.get(f"{URL}{foreign.pk}/").status_code == 404
    assert api.get(f"{URL}{mine.pk}/").json()["enterprise_name"] == world.tenant1.name
    assert client_for(None).get(URL).status_code == 401


def test_the_list_page_is_scoped_and_sums_sessions_and_person_times(client, world):
    drill(world.enterprise_user, enterprise=world.tenant1, participants=30)
    drill(world.inspector, grid=world.grid_a1, participants=70, title="灭火器实操", kind="extinguisher")
    drill(world.inspector_b, grid=world.grid_b1, participants=500, title="花川演练")

    client.force_login(world.manager)
    page = client.get(reverse("ledgers:drill_list"))
    only_kind = client.get(reverse("ledgers:drill_list"), {"kind": "extinguisher"})
    client.force_login(world.enterprise_user)
    own = client.get(reverse("ledgers:drill_list"))

    assert page.context["summary"] == {"sessions": 2, "person_times": 100}
    assert "花川演练" not in page.content.decode()
    assert only_kind.context["summary"] == {"sessions": 1, "person_times": 70}
    assert own.context["summary"] == {"sessions": 1, "person_times": 30}


def test_filters_by_year_and_by_participating_enterprise(client, world):
    drill(world.manager, zone=world.zone_a, units=[world.tenant2], held_on=datetime.date(2023, 5, 1), title="旧")
    drill(world.manager, zone=world.zone_a, title="新")
    client.force_login(world.manager)

    by_year = client.get(reverse("ledgers:drill_list"), {"year": "2023"})
    by_unit = client.get(reverse("ledgers:drill_list"), {"enterprise_id": world.tenant2.pk})
    bad_year = client.get(reverse("ledgers:drill_list"), {"year": "99999"})

    assert [d.title for d in by_year.context["object_list"]] == ["旧"]
    assert [d.title for d in by_unit.context["object_list"]] == ["旧"]
    assert bad_year.status_code == 200


def test_the_recorder_and_staff_edit_but_another_enterprise_user_does_not(client, world):
    held = drill(world.enterprise_user, enterprise=world.tenant1)
    colleague = f.UserFactory(username="tenant1-clerk", role="enterprise")
    colleague.enterprises.add(world.tenant1)

    client.force_login(colleague)
    refused = client.post(reverse("ledgers:drill_edit", args=[held.pk]), page_post(world, participants="99"))
    client.force_login(world.inspector)
    done = client.post(reverse("ledgers:drill_edit", args=[held.pk]), page_post(world, participants="99"))

    assert refused.status_code == 403
    assert done.status_code == 302
    held.refresh_from_db()
    assert held.participants == 99


def test_the_export_has_the_ledger_columns_and_the_filtered_rows(client, world):
    drill(world.enterprise_user, enterprise=world.tenant1, participants=30, notes="效果良好")
    drill(world.manager, zone=world.zone_a, units=[world.tenant2, world.other_a2], participants=80, title="全区演练")
    drill(world.inspector_b, grid=world.grid_b1, title="花川演练")
    client.force_login(world.manager)

    response = client.get(reverse("ledgers:drill_export"), {"ordering": "participants"})

    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.values)
    assert list(rows[0]) == [
        "序号",
        "日期",
        "类型",
        "主题",
        "区块",
        "网格",
        "单位",
        "组织单位",
        "授课/指导人",
        "参加人次",
        "备注",
    ]
    assert len(rows) == 3
    assert rows[1][1:] == (
        datetime.datetime.combine(today(), datetime.time()),
        "消防安全培训",
        "消防安全培训",
        "中申达",
        "中申达一网格",
        "永康甲五金有限公司",
        "园区安监办",
        None,
        30,
        "效果良好",
    )
    assert rows[2][3] == "全区演练"
    assert rows[2][5] is None
    assert "永康乙工贸有限公司" in rows[2][6] and "永康丙电器有限公司" in rows[2][6]
    assert rows[2][9] == 80


def test_the_list_page_and_the_api_run_a_constant_number_of_queries(client, world, django_assert_max_num_queries):
    def count(do):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert do().status_code == 200
        return len(queries)

    drill(world.manager, zone=world.zone_a, units=[world.tenant1], photos=[f.photo_upload()])
    client.force_login(world.manager)
    api = client_for(world.manager)
    page_one, api_one = count(lambda: client.get(reverse("ledgers:drill_list"))), count(lambda: api.get(URL))
    for n in range(29):
        drill(world.manager, zone=world.zone_a, units=[world.tenant1, world.tenant2], title=f"演练{n}")

    with django_assert_max_num_queries(page_one):
        client.get(reverse("ledgers:drill_list"))
    with django_assert_max_num_queries(api_one):
        assert len(api.get(URL).json()["results"]) == 30
