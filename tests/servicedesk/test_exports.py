"""The service requests' ledger: the rows of the filtered list, in the caller's scope."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from servicedesk.choices import ServiceRequestStatus as S
from servicedesk.models import ServiceRequest

pytestmark = pytest.mark.django_db


def rows(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_the_ledger_has_the_columns_and_the_filtered_rows(client, world, desk, make_request):
    closed = make_request(S.CLOSED)
    late = make_request(S.DISPATCHED, title="道路积水")
    ServiceRequest.objects.filter(pk=late.pk).update(deadline=timezone.localdate() - timedelta(days=4))
    make_request(enterprise=world.other_b, title="花川的问题")
    client.force_login(world.manager)  # zone A: not 花川
    table = rows(client.get(reverse("servicedesk:request_export")))
    header, body = table[0], table[1:]
    assert header[:3] == ["序号", "编号", "提出日期"] and "承办部门" in header and "满意度评分" in header
    assert sorted(r[1] for r in body) == sorted([closed.number, late.number])
    column = {name: i for i, name in enumerate(header)}
    by_number = {r[1]: r for r in body}
    assert by_number[closed.number][column["状态"]] == "已办结"
    assert by_number[closed.number][column["满意度评分"]] == 4
    assert by_number[late.number][column["逾期天数"]] == 4
    assert by_number[late.number][column["承办部门"]] == "供电所"
    table = rows(client.get(reverse("servicedesk:request_export"), {"overdue": "true"}))
    assert [r[1] for r in table[1:]] == [late.number]


def test_a_department_exports_only_its_requests(client, world, desk, make_request):
    mine = make_request(S.DISPATCHED)
    make_request(title="未派发")
    client.force_login(desk.clerk)
    assert [r[1] for r in rows(client.get(reverse("servicedesk:request_export")))[1:]] == [mine.number]
    client.force_login(desk.road_clerk)
    assert rows(client.get(reverse("servicedesk:request_export")))[1:] == []


def test_invalid_filters_give_400(client, world, desk):
    client.force_login(world.manager)
    response = client.get(reverse("servicedesk:request_export"), {"status": "nonsense"})
    assert response.status_code == 400 and "筛选条件无效" in response.content.decode()
