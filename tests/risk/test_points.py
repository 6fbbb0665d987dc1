"""The risk point pages: the risk list and its export, a point's page (review, history, retire), the entry form."""

import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from register.choices import RiskLevel
from risk.choices import RiskPointStatus
from risk.models import RiskPoint
from risk.services import declare_risk_point, review_risk_point
from tests import factories as f
from tests.test_translations import chinese_left, english_client, english_world  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

# (L, E, C) of each grade: 70 blue, 126 yellow, 252 orange, 450 red.
LEC = {"blue": ("1", "10", "7"), "yellow": ("3", "6", "7"), "orange": ("6", "6", "7"), "red": ("3", "10", "15")}


def point(actor, unit, colour="yellow", name="喷涂车间", **extra):
    l, e, c = LEC[colour]  # noqa: E741
    kind = "enterprise" if hasattr(unit, "credit_code") else "parcel"
    extra.setdefault("responsible_person", "张三")
    return declare_risk_point(actor=actor, **{kind: unit}, name=name, likelihood=l, exposure=e, consequence=c, **extra)


def entry(colour="orange", **changes):
    l, e, c = LEC[colour]  # noqa: E741
    data = {
        "name": "除尘系统",
        "place": "二号车间东侧",
        "accident_types": ["fire", "other_explosion"],
        "likelihood": l,
        "exposure": e,
        "consequence": c,
        "measures_engineering": "安装泄爆装置",
        "measures_management": "每班清扫积尘",
        "control_level": "company",
        "responsible_person": "李四",
        "responsible_phone": "13800000000",
    }
    data.update(changes)
    return data


def page(client, user, url, **kwargs):
    client.force_login(user)
    return client.get(url, **kwargs)


# --- declaring through the form --------------------------------------------------------------------------


def test_an_enterprise_declares_a_risk_point_through_the_form(client, world):
    client.force_login(world.enterprise_user)
    url = reverse("risk:point_create", args=["enterprise", world.tenant1.pk])

    form_page = client.get(url)
    response = client.post(url, entry("orange"))

    assert form_page.status_code == 200
    assert "6 相当可能" in form_page.content.decode()  # L's label carries the standard's meaning
    point = RiskPoint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("risk:point_detail", args=[point.pk])
    assert (point.enterprise, point.parcel, point.grid) == (world.tenant1, world.parcel, world.grid_a1)
    assert (point.score, point.level, point.status) == (252, RiskLevel.ORANGE, RiskPointStatus.DECLARED)
    assert point.accident_types == ["fire", "other_explosion"]
    assert point.measures_management == "每班清扫积尘"
    detail = client.get(response["Location"]).content.decode()
    assert "除尘系统" in detail and "252" in detail and "较大风险" in detail and "申报风险点" in detail


def test_a_landlord_declares_a_point_of_the_parcels_common_areas(client, world):
    client.force_login(world.landlord)

    response = client.post(
        reverse("risk:point_create", args=["parcel", world.parcel.pk]), entry("blue", name="消防通道")
    )

    assert response.status_code == 302
    point = RiskPoint.objects.get()
    assert (point.parcel, point.enterprise, point.level) == (world.parcel, None, RiskLevel.BLUE)


@pytest.mark.parametrize(
    ("changes", "field_message"),
    [
        ({"responsible_person": ""}, "该字段是必填项。"),
        ({"likelihood": "7"}, "选择一个有效的选项"),
        ({"accident_types": ["meteor"]}, "选择一个有效的选项"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_is_saved(client, world, changes, field_message):
    client.force_login(world.enterprise_user)

    response = client.post(reverse("risk:point_create", args=["enterprise", world.tenant1.pk]), entry(**changes))

    assert response.status_code == 400
    html = response.content.decode()
    assert "请检查填写的内容。" in html and field_message in html
    assert not RiskPoint.objects.exists()


def test_a_unit_or_point_of_another_scope_answers_404(client, world):
    mine = point(world.manager, world.tenant1)
    client.force_login(world.inspector_b)

    assert client.get(reverse("risk:point_detail", args=[mine.pk])).status_code == 404
    assert client.get(reverse("risk:point_edit", args=[mine.pk])).status_code == 404
    assert client.post(reverse("risk:point_review", args=[mine.pk]), {"level": 4, "reason": "x"}).status_code == 404
    assert client.post(reverse("risk:point_retire", args=[mine.pk]), {"reason": "x"}).status_code == 404
    assert client.post(reverse("risk:point_create", args=["enterprise", world.tenant1.pk]), entry()).status_code == 404
    assert client.get(reverse("risk:point_create", args=["factory", world.tenant1.pk])).status_code == 404
    # An enterprise's owner cannot declare for the other tenant of the parcel
    client.force_login(world.enterprise_user)
    assert client.get(reverse("risk:point_create", args=["enterprise", world.tenant2.pk])).status_code == 404
    mine.refresh_from_db()
    assert (mine.level, mine.status, mine.active, RiskPoint.objects.count()) == (2, "declared", True, 1)


# --- review, edit, retire ----------------------------------------------------------------------------------


def test_a_changed_grade_needs_a_reason_and_the_reason_is_in_the_history(client, world):
    declared = point(world.enterprise_user, world.tenant1, "yellow")
    client.force_login(world.inspector)
    url = reverse("risk:point_review", args=[declared.pk])

    refused = client.post(url, {"level": RiskLevel.RED})
    declared.refresh_from_db()
    assert refused.status_code == 400
    assert "调整风险等级须说明理由。" in refused.content.decode()
    assert (declared.level, declared.status) == (RiskLevel.YELLOW, RiskPointStatus.DECLARED)

    done = client.post(url, {"level": RiskLevel.RED, "reason": "涉爆粉尘作业，按重大风险管控"})
    declared.refresh_from_db()
    assert done.status_code == 302
    assert (declared.level, declared.assessed_level, declared.status) == (4, 2, RiskPointStatus.REVIEWED)
    history = client.get(reverse("risk:point_detail", args=[declared.pk])).content.decode()
    section = history[history.index('id="history"') :]
    assert "调整风险等级" in section and "涉爆粉尘作业，按重大风险管控" in section
    assert "一般风险 → 重大风险" in section


def test_confirming_the_grade_needs_no_reason(client, world):
    declared = point(world.enterprise_user, world.tenant1, "orange")
    client.force_login(world.manager)

    response = client.post(reverse("risk:point_review", args=[declared.pk]), {"level": RiskLevel.ORANGE})

    declared.refresh_from_db()
    assert response.status_code == 302
    assert (declared.status, declared.reviewed_by, declared.level_reason) == ("reviewed", world.manager, "")


def test_an_enterprise_may_not_review_and_is_not_offered_to(client, world):
    declared = point(world.enterprise_user, world.tenant1)

    detail = page(client, world.enterprise_user, reverse("risk:point_detail", args=[declared.pk]))
    response = client.post(reverse("risk:point_review", args=[declared.pk]), {"level": RiskLevel.YELLOW})

    assert detail.status_code == 200
    assert 'id="review-form"' not in detail.content.decode()
    assert 'id="edit-link"' in detail.content.decode()
    assert response.status_code == 403
    declared.refresh_from_db()
    assert declared.status == RiskPointStatus.DECLARED


def test_a_partys_edit_sends_a_reviewed_point_back_to_review(client, world):
    declared = point(world.enterprise_user, world.tenant1, "yellow", name="除尘系统")
    review_risk_point(declared, actor=world.inspector, level=RiskLevel.RED, reason="粉尘涉爆")
    client.force_login(world.enterprise_user)
    url = reverse("risk:point_edit", args=[declared.pk])

    form_page = client.get(url)
    response = client.post(url, entry("yellow", name="除尘系统（改造后）"))

    assert form_page.status_code == 200 and "除尘系统" in form_page.content.decode()
    assert response.status_code == 302
    declared.refresh_from_db()
    assert (declared.name, declared.status, declared.level, declared.level_reason) == (
        "除尘系统（改造后）",
        RiskPointStatus.DECLARED,
        RiskLevel.YELLOW,
        "",
    )
    history = client.get(reverse("risk:point_detail", args=[declared.pk])).content.decode()
    assert "修改风险点" in history and "风险点名称" in history


def test_retiring_needs_a_reason_and_takes_the_point_off_the_list(client, world):
    declared = point(world.enterprise_user, world.tenant1, name="老喷涂线")
    client.force_login(world.enterprise_user)
    url = reverse("risk:point_retire", args=[declared.pk])

    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "喷涂线已拆除"}).status_code == 302

    declared.refresh_from_db()
    assert declared.active is False
    listing = client.get(reverse("risk:point_list")).context["object_list"]
    retired = client.get(reverse("risk:point_list"), {"retired": "true"}).context["object_list"]
    assert (list(listing), [p.name for p in retired]) == ([], ["老喷涂线"])
    assert client.get(reverse("risk:point_edit", args=[declared.pk])).status_code == 409


# --- the list and the export ---------------------------------------------------------------------------


def test_the_list_is_scoped_and_filters_by_colour(client, world):
    point(world.manager, world.tenant1, "red", name="红色点")
    point(world.manager, world.tenant2, "blue", name="蓝色点")
    point(world.admin, world.other_b, "red", name="花川红色点")

    mine = page(client, world.manager, reverse("risk:point_list")).content.decode()
    red = client.get(reverse("risk:point_list"), {"level": "red"})

    assert "红色点" in mine and "蓝色点" in mine and "花川红色点" not in mine
    assert [p.name for p in red.context["object_list"]] == ["红色点"]
    assert 'data-level-count="red">1<' in mine
    assert "level=red" in red.context["export_url"]


def test_the_list_offers_to_declare_for_the_unit_it_is_filtered_to(client, world):
    response = page(client, world.enterprise_user, reverse("risk:point_list"), data={"enterprise_id": world.tenant1.pk})

    assert response.context["declare_url"] == reverse("risk:point_create", args=["enterprise", world.tenant1.pk])


def test_the_list_runs_the_same_queries_for_1_point_and_for_30(client, world, django_assert_max_num_queries):
    client.force_login(world.manager)
    point(world.manager, world.tenant1)
    with django_assert_max_num_queries(50) as one:
        assert client.get(reverse("risk:point_list")).status_code == 200
    for i in range(29):
        unit = f.EnterpriseFactory(grid=world.grid_a2, parcel=f.ParcelFactory(grid=world.grid_a2))
        point(world.manager, world.tenant2 if i % 2 else unit, ["red", "blue", "orange"][i % 3], name=f"点{i}")

    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(reverse("risk:point_list"))

    assert len(response.context["object_list"]) == 30


def test_the_export_has_the_offices_columns_and_the_rows_of_the_filter(client, world):
    point(world.manager, world.tenant1, "red", name="有限空间-污水池", accident_types=["poisoning", "drowning"])
    point(world.manager, world.tenant2, "blue", name="仓库")
    point(world.admin, world.other_b, "red", name="花川")

    response = page(client, world.manager, reverse("risk:point_export"), data={"level": "red"})

    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
    assert list(rows[0]) == [
        "序号",
        "区块",
        "网格",
        "单位名称",
        "风险点名称",
        "所在位置",
        "可能导致的事故类型",
        "L",
        "E",
        "C",
        "D",
        "风险等级",
        "工程技术措施",
        "管理措施",
        "培训教育措施",
        "个体防护措施",
        "应急处置措施",
        "管控层级",
        "责任人",
        "联系电话",
        "状态",
    ]
    assert len(rows) == 2
    row = rows[1]
    assert row[:5] == (1, "中申达", "中申达一网格", "永康甲五金有限公司", "有限空间-污水池")
    assert row[6] == "中毒和窒息、淹溺"
    assert row[7:12] == (3, 10, 15, 450, "重大风险")
    assert (row[17], row[18], row[20]) == ("车间级", "张三", "待审核")


def test_the_export_writes_text_never_a_formula(client, world):
    point(world.manager, world.tenant1, name='=HYPERLINK("http://x")')

    response = page(client, world.manager, reverse("risk:point_export"))

    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.cell(row=2, column=5).data_type == "s"


# --- the owner's self-check page -------------------------------------------------------------------------


def test_the_self_check_page_lists_the_units_risk_points_and_links_to_declare(client, world):
    point(world.enterprise_user, world.tenant1, "red", name="喷涂房")
    point(world.manager, world.tenant2, "blue", name="别家的点")

    html = page(client, world.enterprise_user, reverse("cases:self_check")).content.decode()

    section = html[html.index('id="risk-points"') :]
    assert "喷涂房" in section and "重大风险" in section and "别家的点" not in section
    assert reverse("risk:point_create", args=["enterprise", world.tenant1.pk]) in section
    landlord = page(client, world.landlord, reverse("cases:self_check")).content.decode()
    assert "喷涂房" in landlord and "别家的点" in landlord
    assert reverse("risk:point_create", args=["parcel", world.parcel.pk]) in landlord


# --- English --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["list", "detail", "create", "self_check"])
def test_the_pages_in_english_show_no_chinese(client, english_world, which):  # noqa: F811
    w = english_world
    declared = point(
        w.enterprise_user, w.tenant1, "yellow", name="Spray booth", place="Workshop 2", responsible_person="John Doe"
    )
    declared = review_risk_point(declared, actor=w.manager, level=RiskLevel.RED, reason="Metal dust")
    user = w.enterprise_user if which == "self_check" else w.manager
    url = {
        "list": reverse("risk:point_list"),
        "detail": reverse("risk:point_detail", args=[declared.pk]),
        "create": reverse("risk:point_create", args=["enterprise", w.tenant1.pk]),
        "self_check": reverse("cases:self_check"),
    }[which]

    response = english_client(client, user).get(url)

    assert response.status_code == 200
    html = response.content.decode()
    menu = re.compile(r'<nav class="nav".*?</nav>', re.S)  # the menu is the lead's (home app), tested there
    assert chinese_left(menu.sub("", html)) == []
