"""The import page names the zones and grids it would create and asks to confirm them; phones are checked;
the template file can be downloaded and imports as it is."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from register.importer import COLUMNS, RegisterImporter
from register.models import Enterprise, Grid, Parcel, Zone
from register.validators import phone_error
from register.views import SESSION_KEY

pytestmark = pytest.mark.django_db

HEADER = ["区块", "网格", "宗地编号", "宗地名称", "房东", "房东电话", "企业名称", "联系电话"]


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(rows, header=HEADER):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("台账.xlsx", buffer.getvalue())


def preview(client, rows):
    response = client.post(reverse("register:import"), {"file": upload(rows)})
    assert response.status_code == 302, response.content.decode()[:500]
    (token,) = client.session[SESSION_KEY]
    return token, client.get(response["Location"]).content.decode()


def test_preview_names_a_mistyped_grid_and_the_import_needs_its_confirmation(client, world):
    client.force_login(world.manager_all)
    # "中申达一网格" exists; "中申达一网络" is a typo that would add a grid.
    rows = [["中申达", "中申达一网络", "ZSD-009", "中申达9号厂房", "赵房东", "13800000009", "", ""]]
    token, html = preview(client, rows)
    assert "将新建网格：中申达 / 中申达一网络" in html
    assert "将新建区块" not in html  # the zone exists
    assert 'name="confirm_new_units"' in html

    response = client.post(reverse("register:import_confirm", args=[token]))
    assert response.status_code == 400
    assert "请核对名称后勾选确认" in response.content.decode()
    assert not Grid.objects.filter(name="中申达一网络").exists() and not Parcel.objects.filter(code="ZSD-009").exists()

    response = client.post(reverse("register:import_confirm", args=[token]), {"confirm_new_units": "1"})
    assert response.status_code == 302
    assert Grid.objects.get(name="中申达一网络").zone == world.zone_a
    assert Parcel.objects.filter(code="ZSD-009").exists()


def test_preview_without_new_grids_asks_no_confirmation(client, world):
    client.force_login(world.manager_all)
    rows = [["中申达", "中申达一网格", "ZSD-001", "中申达1号厂房", "", "13800000001", "", ""]]
    token, html = preview(client, rows)
    assert "将新建" not in html and "confirm_new_units" not in html
    assert client.post(reverse("register:import_confirm", args=[token])).status_code == 302
    assert Parcel.objects.get(code="ZSD-001").landlord_phone == "13800000001"


def test_preview_names_new_zones_too(client, world):
    client.force_login(world.manager_all)
    rows = [["梅陇", "梅陇一网格", "ML-001", "梅陇1号厂房", "", "", "", ""]]
    _token, html = preview(client, rows)
    assert "将新建区块：梅陇" in html and "将新建网格：梅陇 / 梅陇一网格" in html
    assert not Zone.objects.filter(name="梅陇").exists()


@pytest.mark.parametrize(
    "phone",
    [
        "13812345678",
        "021-12345678",
        "0512-1234567",
        "02112345678",
        "138 1234 5678",
        "+8613812345678",
        "（0579）87654321",
        "13812345678/0579-87654321",
        "0579-87654321-801",
    ],
)
def test_valid_phones(phone):
    assert phone_error(phone) is None


@pytest.mark.parametrize("phone", ["123456", "87654321", "2381234567", "138123456789", "021-123", "电话待补"])
def test_invalid_phones(phone):
    assert "电话号码格式不正确" in phone_error(phone)


def test_import_refuses_a_six_digit_phone_with_a_message_per_row(tmp_path, world):
    path = tmp_path / "台账.xlsx"
    path.write_bytes(
        upload(
            [
                ["中申达", "中申达一网格", "ZSD-001", "中申达1号厂房", "", "123456", "", ""],
                ["中申达", "中申达一网格", "ZSD-001", "", "", "", "永康新厂", "0579-8765"],
                ["中申达", "中申达一网格", "ZSD-001", "", "", "", "永康好厂", "0579-87654321"],
            ]
        ).read()
    )
    problems = RegisterImporter(str(path)).validate()
    assert [(p.row, p.column, p.value) for p in problems] == [(2, "房东电话", "123456"), (3, "联系电话", "0579-8765")]
    assert all("021-12345678" in p.reason for p in problems)
    assert not Enterprise.objects.filter(name__in=["永康新厂", "永康好厂"]).exists()


def test_import_template_has_every_column_and_an_example_row_that_imports(client, world, tmp_path):
    client.force_login(world.manager_all)
    page = client.get(reverse("register:import")).content.decode()
    assert reverse("register:import_template") in page and "下载导入模板" in page
    response = client.get(reverse("register:import_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    content = b"".join(response.streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = list(sheet.values)
    assert list(rows[0]) == [column.header for column in COLUMNS]
    assert len(rows) == 2 and rows[1][0]
    path = tmp_path / "模板.xlsx"
    path.write_bytes(content)
    summary = RegisterImporter(str(path)).run()
    assert summary.counts["enterprise"]["created"] == 1 and summary.new_grids
