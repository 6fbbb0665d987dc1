"""The field pages: the inspector's phone flow (units, checklist inspection, hazard report, verification
queue, cross-checks) and the enterprise's and landlord's pages (my tickets, self-check)."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.choices import HazardStatus, InspectionResult, InspectionSource, TicketStatus
from cases.models import Hazard, Inspection, Photo
from catalogue.models import Checklist
from closeout import services as closeout_services
from closeout.choices import CrossCheckStatus
from register.choices import CloseoutState
from tests import factories as f

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def count_queries(client, url, data=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, data or {})
    assert response.status_code == 200
    return len(captured)


def assert_at_most(assert_max_queries, client, url, limit, data=None):
    """The page with many rows runs no more queries than it did with one."""
    with assert_max_queries(limit):
        assert client.get(url, data or {}).status_code == 200


def item_data(checklist, failed=(), notes=None):
    """POST data ticking every item of ``checklist``: pass, except the items whose index is in ``failed``."""
    data = {"checklist": str(checklist.pk), "notes": notes or ""}
    for index, item in enumerate(checklist.items.order_by("order", "pk")):
        data[f"item_{item.pk}"] = "fail" if index in failed else "pass"
        data[f"note_{item.pk}"] = "灭火器过期" if index in failed else ""
    return data


def closed_parcel(world, make_ticket):
    """world.parcel made red by a hazard that has since been rectified: ready for a cross-check."""
    make_ticket(TicketStatus.CLOSED)
    world.parcel.refresh_from_db()
    assert world.parcel.closeout_state == CloseoutState.RED
    return world.parcel


# --- access ---------------------------------------------------------------------------------------


PAGES = [
    # (url name, args builder, allowed roles, refused roles)
    ("cases:inspector_units", None, ["inspector", "manager"], ["enterprise_user", "landlord", "leader"]),
    ("cases:hazard_report", None, ["inspector", "manager"], ["enterprise_user", "leader"]),
    ("cases:verify_queue", None, ["inspector", "manager"], ["enterprise_user", "landlord"]),
    ("closeout:crosscheck_list", None, ["inspector"], ["manager", "enterprise_user"]),
    ("cases:my_tickets", None, ["enterprise_user", "landlord"], ["inspector", "manager", "leader"]),
    ("cases:self_check", None, ["enterprise_user", "landlord"], ["inspector", "manager"]),
    (
        "cases:inspection_create",
        lambda w: ["enterprise", w.tenant1.pk],
        ["inspector", "manager"],
        ["enterprise_user", "landlord", "leader"],
    ),
    ("cases:inspection_create", lambda w: ["parcel", w.parcel.pk], ["inspector", "manager"], ["landlord"]),
]


@pytest.mark.parametrize(("name", "args", "allowed", "refused"), PAGES)
def test_each_page_renders_for_its_roles_and_refuses_the_others(client, world, name, args, allowed, refused):
    url = reverse(name, args=args(world) if args else None)
    assert client.get(url).status_code == 302  # anonymous: to the login page
    for role in allowed:
        response = login(client, getattr(world, role)).get(url)
        assert response.status_code == 200, (role, url)
    for role in refused:
        response = login(client, getattr(world, role)).get(url)
        assert response.status_code == 403, (role, url)
        assert messages_of(response), role


def test_foreign_units_and_crosschecks_answer_404(client, world, make_ticket):
    login(client, world.inspector)
    assert client.get(reverse("cases:inspection_create", args=["enterprise", world.other_b.pk])).status_code == 404
    assert client.get(reverse("cases:inspection_create", args=["parcel", world.parcel_b.pk])).status_code == 404
    assert client.get(reverse("cases:inspection_create", args=["zone", world.parcel.pk])).status_code == 404
    assert client.get(reverse("cases:hazard_report"), {"enterprise": world.other_b.pk}).status_code == 404
    assert client.get(reverse("cases:hazard_report"), {"parcel": world.parcel_a2.pk}).status_code == 404
    parcel = closed_parcel(world, make_ticket)
    crosscheck = closeout_services.request_crosscheck(parcel, actor=world.manager, inspector=world.inspector_b)
    # Sent to inspector_b: inspector_a2 may not open it.
    login(client, world.inspector_a2)
    assert client.get(reverse("closeout:crosscheck_record", args=[crosscheck.pk])).status_code == 404


# --- my grids' units ------------------------------------------------------------------------------


def test_units_page_shows_this_rounds_coverage_and_open_hazards(client, world, category):
    services.record_inspection(actor=world.inspector, enterprise=world.tenant1)
    last_round = timezone.now() - timedelta(days=400)  # reported before this round: not this round's visit
    services.report_hazard(
        actor=world.inspector,
        category=category,
        description="电线私拉",
        enterprise=world.tenant2,
        reported_at=last_round,
    )
    login(client, world.inspector)
    response = client.get(reverse("cases:inspector_units"))
    html = response.content.decode()
    rows = {unit.pk: unit for unit in response.context["object_list"]}
    assert set(rows) == {world.tenant1.pk, world.tenant2.pk}  # my grid only, not A2's or B1's
    assert rows[world.tenant1.pk].visited and not rows[world.tenant2.pk].visited
    assert rows[world.tenant2.pk].open_hazards == 1 and rows[world.tenant1.pk].open_hazards == 0
    assert response.context["figures"]["enterprise"] == {"total": 2, "visited": 1}
    assert "本轮已走访" in html and "本轮未走访" in html and "开始检查" in html

    response = client.get(reverse("cases:inspector_units"), {"kind": "parcel"})
    (parcel,) = response.context["object_list"]
    assert parcel.pk == world.parcel.pk and parcel.visited and parcel.open_hazards == 1 and parcel.tenant_count == 2
    assert parcel.last_inspected_at is not None
    assert "一厂多租" in response.content.decode()

    response = client.get(reverse("cases:inspector_units"), {"visited": "no"})
    assert [u.pk for u in response.context["object_list"]] == [world.tenant2.pk]


def test_units_page_runs_the_same_queries_for_one_unit_and_thirty(
    client, world, category, django_assert_max_num_queries
):
    login(client, world.inspector_b)
    url = reverse("cases:inspector_units")
    one = count_queries(client, url)
    one_parcels = count_queries(client, url, {"kind": "parcel"})
    for i in range(29):
        enterprise = f.EnterpriseFactory(parcel=f.ParcelFactory(grid=world.grid_b1))
        enterprise.risk_tags.add("welding")
        if i % 3 == 0:
            services.report_hazard(
                actor=world.inspector_b, category=category, description="隐患", enterprise=enterprise
            )
            services.record_inspection(actor=world.inspector_b, enterprise=enterprise)
    assert_at_most(django_assert_max_num_queries, client, url, one)
    assert_at_most(django_assert_max_num_queries, client, url, one_parcels, {"kind": "parcel"})


# --- a checklist inspection -----------------------------------------------------------------------


def test_inspection_starts_from_a_checklist_fitting_the_unit(client, world):
    world.tenant1.risk_tags.add("welding")
    login(client, world.inspector)
    url = reverse("cases:inspection_create", args=["enterprise", world.tenant1.pk])
    response = client.get(url)
    recommended = dict(response.context["choice_form"].grouped())["推荐"]
    names = [label for _value, _checklist, label, _checked in recommended]
    assert names[0] == "工业企业日常检查表" and "焊接与热切割专项检查表" in names
    assert "企业主履职自查表" not in response.content.decode()
    parcel_page = client.get(reverse("cases:inspection_create", args=["parcel", world.parcel.pk]))
    recommended = dict(parcel_page.context["choice_form"].grouped())["推荐"]
    assert [label for *_rest, label, _checked in recommended] == ["一厂多租宗地检查表"]

    checklist = Checklist.objects.get(code="industrial-routine")
    response = client.get(url, {"checklist": checklist.pk})
    html = response.content.decode()
    assert response.status_code == 200 and "提交检查结果" in html
    first = checklist.items.order_by("order").first()
    assert f'name="item_{first.pk}" value="fail"' in html and 'capture="environment"' in html


def test_checklist_inspection_turns_failed_items_into_hazards(client, world):
    checklist = Checklist.objects.get(code="industrial-routine")
    login(client, world.inspector)
    url = reverse("cases:inspection_create", args=["enterprise", world.tenant1.pk])
    data = item_data(checklist, failed=(1, 3), notes="例行检查")
    data["photos"] = [f.photo_upload("现场.jpg")]
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == world.tenant1.get_absolute_url()
    inspection = Inspection.objects.get()
    assert inspection.source == InspectionSource.GRID and inspection.result == InspectionResult.HAZARDS_FOUND
    assert inspection.items.count() == checklist.items.count()
    items = list(checklist.items.order_by("order", "pk"))
    hazards = Hazard.objects.filter(inspection=inspection).order_by("pk")
    assert [h.category_id for h in hazards] == [items[1].category_id, items[3].category_id]
    assert all(h.enterprise_id == world.tenant1.pk and h.status == HazardStatus.REPORTED for h in hazards)
    assert hazards[0].description.startswith(items[1].text) and "灭火器过期" in hazards[0].description
    assert Photo.objects.filter(inspection=inspection).count() == 1
    page = client.get(response["Location"])
    assert "检查已记录：2 项不合格" in " ".join(messages_of(page))


def test_an_inspection_with_an_item_left_unticked_writes_nothing(client, world):
    checklist = Checklist.objects.get(code="industrial-routine")
    login(client, world.inspector)
    data = item_data(checklist)
    data.pop(f"item_{checklist.items.order_by('order').first().pk}")
    response = client.post(reverse("cases:inspection_create", args=["enterprise", world.tenant1.pk]), data)
    assert response.status_code == 400
    assert "请选择“合格”“不合格”或“不涉及”。" in response.content.decode()
    assert not Inspection.objects.exists() and not Hazard.objects.exists()


def test_a_visit_without_a_checklist_counts_as_visited(client, world):
    login(client, world.inspector)
    url = reverse("cases:inspection_create", args=["parcel", world.parcel.pk])
    assert "仅登记走访" in client.get(url).content.decode()
    response = client.post(url, {"checklist": "0", "notes": "走访，无异常"})
    assert response.status_code == 302
    inspection = Inspection.objects.get()
    assert inspection.parcel_id == world.parcel.pk and inspection.checklist is None and not inspection.hazards.exists()


# --- a hazard report ------------------------------------------------------------------------------


def test_hazard_report_with_real_jpeg_photos_creates_the_hazard(client, world, major_category):
    login(client, world.inspector)
    url = f"{reverse('cases:hazard_report')}?enterprise={world.tenant1.pk}"
    page = client.get(url).content.decode()
    assert 'accept="image/*"' in page and 'capture="environment"' in page and "multiple" in page
    assert 'data-severity="major"' in page and "上报隐患" in page
    response = client.post(
        url,
        {
            "category": major_category.pk,
            "severity": "",
            "description": "除尘器积尘严重",
            "location_detail": "抛光车间",
            "photos": [f.photo_upload("a.jpg"), f.photo_upload("b.jpg")],
        },
    )
    assert response.status_code == 302
    hazard = Hazard.objects.get()
    assert hazard.enterprise_id == world.tenant1.pk and hazard.parcel_id == world.parcel.pk
    assert hazard.severity == "major"  # the category's default
    assert hazard.location_detail == "抛光车间" and hazard.reporter_id == world.inspector.pk
    photos = list(hazard.photos.all())
    assert len(photos) == 2 and all(p.content_type == "image/jpeg" and p.thumbnail for p in photos)
    world.parcel.refresh_from_db()
    assert world.parcel.closeout_state == CloseoutState.RED


def test_hazard_report_sent_by_the_upload_script_is_told_where_to_go(client, world, category):
    login(client, world.inspector)
    url = f"{reverse('cases:hazard_report')}?parcel={world.parcel.pk}"
    response = client.post(
        url,
        {
            "category": category.pk,
            "severity": "major",
            "description": "配电箱无门",
            "enterprise": world.tenant2.pk,
            "photos": [f.photo_upload()],
        },
        headers={"X-Requested-With": "XMLHttpRequest"},
    )
    assert response.status_code == 200 and response.json()["redirect"] == world.parcel.get_absolute_url()
    hazard = Hazard.objects.get()
    assert hazard.number in response.json()["message"]
    assert hazard.enterprise_id == world.tenant2.pk and hazard.severity == "major"
    assert "已上报" in " ".join(messages_of(client.get(world.parcel.get_absolute_url())))


def test_hazard_report_refuses_a_file_that_is_not_a_photo_and_writes_nothing(client, world, category):
    login(client, world.inspector)
    url = f"{reverse('cases:hazard_report')}?enterprise={world.tenant1.pk}"
    fake = SimpleUploadedFile("photo.jpg", b"not an image at all", content_type="image/jpeg")
    response = client.post(url, {"category": category.pk, "description": "隐患", "photos": [fake]})
    assert response.status_code == 400
    assert "文件不是有效的图片" in " ".join(messages_of(response))
    assert not Hazard.objects.exists() and not Photo.objects.exists()
    response = client.post(url, {"category": "", "description": ""})
    assert response.status_code == 400 and not Hazard.objects.exists()


def test_hazard_report_without_a_unit_offers_my_units(client, world):
    login(client, world.inspector)
    response = client.get(reverse("cases:hazard_report"))
    assert {e.pk for e in response.context["enterprises"]} == {world.tenant1.pk, world.tenant2.pk}
    assert [p.pk for p in response.context["parcels"]] == [world.parcel.pk]
    response = client.get(reverse("cases:hazard_report"), {"q": "乙工贸"})
    assert [e.pk for e in response.context["enterprises"]] == [world.tenant2.pk]


# --- the verification queue -----------------------------------------------------------------------


def test_verify_queue_lists_submitted_tickets_of_my_grids_with_the_action_forms(client, world, make_ticket):
    ticket = make_ticket(TicketStatus.SUBMITTED)
    make_ticket(TicketStatus.ASSIGNED)
    login(client, world.inspector)
    response = client.get(reverse("cases:verify_queue"))
    html = response.content.decode()
    assert [row["ticket"].pk for row in response.context["rows"]] == [ticket.pk]
    assert reverse("cases:ticket_verify", args=[ticket.pk]) in html
    assert 'value="pass"' in html and 'value="reject"' in html and "已整改" in html  # the party's note
    assert response.context["rows"][0]["ticket"].after_photos
    login(client, world.inspector_a2)
    assert not client.get(reverse("cases:verify_queue")).context["rows"]
    # The inline form posts to the ticket page's action, which decides.
    login(client, world.inspector)
    client.post(reverse("cases:ticket_verify", args=[ticket.pk]), {"decision": "pass", "comment": ""})
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED


def test_verify_queue_runs_the_same_queries_for_one_ticket_and_five(
    client, world, make_ticket, django_assert_max_num_queries
):
    make_ticket(TicketStatus.SUBMITTED)
    login(client, world.inspector)
    one = count_queries(client, reverse("cases:verify_queue"))
    for _ in range(4):
        make_ticket(TicketStatus.SUBMITTED)
    assert_at_most(django_assert_max_num_queries, client, reverse("cases:verify_queue"), one)


# --- cross-checks ---------------------------------------------------------------------------------


def test_crosscheck_pass_closes_the_parcel_out(client, world, make_ticket):
    parcel = closed_parcel(world, make_ticket)
    crosscheck = closeout_services.request_crosscheck(
        parcel, actor=world.manager, inspector=world.inspector_b, comment="请复核"
    )
    login(client, world.inspector_b)
    response = client.get(reverse("closeout:crosscheck_list"))
    assert [c.pk for c in response.context["open_checks"]] == [crosscheck.pk]
    assert "录入检查结果" in response.content.decode()
    url = reverse("closeout:crosscheck_record", args=[crosscheck.pk])
    page = client.get(url)
    assert page.status_code == 200 and "录入检查结果" in page.content.decode()
    response = client.post(
        url, {"passed": "passed", "comment": "复核无隐患", "hazards-TOTAL_FORMS": "2", "hazards-INITIAL_FORMS": "0"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("closeout:crosscheck_list")
    crosscheck.refresh_from_db()
    parcel.refresh_from_db()
    assert crosscheck.status == CrossCheckStatus.PASSED and parcel.closeout_state == CloseoutState.GREEN
    assert crosscheck.inspection.source == InspectionSource.CROSS_CHECK
    # Recording twice is refused with the message.
    again = client.post(url, {"passed": "passed", "hazards-TOTAL_FORMS": "0", "hazards-INITIAL_FORMS": "0"})
    assert again.status_code == 409 and "该交叉检查已完成，不能重复录入。" in messages_of(again)


def test_crosscheck_fail_reports_the_new_hazards_and_the_parcel_stays_red(client, world, make_ticket, parcel_category):
    parcel = closed_parcel(world, make_ticket)
    crosscheck = closeout_services.request_crosscheck(parcel, actor=world.manager, inspector=world.inspector_b)
    login(client, world.inspector_b)
    url = reverse("closeout:crosscheck_record", args=[crosscheck.pk])
    data = {
        "passed": "failed",
        "comment": "消防通道仍被占用",
        "hazards-TOTAL_FORMS": "3",
        "hazards-INITIAL_FORMS": "0",
        "hazards-0-category": parcel_category.pk,
        "hazards-0-description": "东侧消防通道堆放货物",
        "hazards-1-category": "",
        "hazards-1-description": "",
        "hazards-2-category": parcel_category.pk,
        "hazards-2-description": "乙工贸门口堆物",
        "hazards-2-enterprise": world.tenant2.pk,
        "hazards-2-severity": "major",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    crosscheck.refresh_from_db()
    parcel.refresh_from_db()
    assert crosscheck.status == CrossCheckStatus.FAILED and parcel.closeout_state == CloseoutState.RED
    new = list(Hazard.objects.filter(inspection=crosscheck.inspection).order_by("pk"))
    assert [h.description for h in new] == ["东侧消防通道堆放货物", "乙工贸门口堆物"]
    assert new[1].enterprise_id == world.tenant2.pk and new[1].severity == "major"


def test_crosscheck_pass_with_hazards_is_refused_with_the_services_message(client, world, make_ticket, category):
    parcel = closed_parcel(world, make_ticket)
    crosscheck = closeout_services.request_crosscheck(parcel, actor=world.manager, inspector=world.inspector_b)
    login(client, world.inspector_b)
    response = client.post(
        reverse("closeout:crosscheck_record", args=[crosscheck.pk]),
        {
            "passed": "passed",
            "hazards-TOTAL_FORMS": "1",
            "hazards-INITIAL_FORMS": "0",
            "hazards-0-category": category.pk,
            "hazards-0-description": "隐患",
        },
    )
    assert response.status_code == 400 and "发现隐患时不能判定为通过。" in messages_of(response)
    crosscheck.refresh_from_db()
    assert crosscheck.status == CrossCheckStatus.REQUESTED and not Hazard.objects.filter(status="reported").exists()
    # A row with a description but no category is refused by the form.
    response = client.post(
        reverse("closeout:crosscheck_record", args=[crosscheck.pk]),
        {
            "passed": "failed",
            "hazards-TOTAL_FORMS": "1",
            "hazards-INITIAL_FORMS": "0",
            "hazards-0-description": "缺类别",
        },
    )
    assert response.status_code == 400 and "请选择隐患类别。" in response.content.decode()


def test_crosscheck_list_runs_the_same_queries_for_one_task_and_thirty(client, world, django_assert_max_num_queries):
    def send(n):
        for _ in range(n):
            parcel = f.ParcelFactory(grid=world.grid_a1)
            f.EnterpriseFactory(parcel=parcel)
            type(parcel).objects.filter(pk=parcel.pk).update(closeout_state=CloseoutState.RED)
            done = closeout_services.request_crosscheck(parcel, actor=world.manager_all, inspector=world.inspector_b)
            closeout_services.record_crosscheck(done, actor=world.inspector_b, passed=True)
            parcel.refresh_from_db()
            type(parcel).objects.filter(pk=parcel.pk).update(closeout_state=CloseoutState.RED)
            closeout_services.request_crosscheck(parcel, actor=world.manager_all, inspector=world.inspector_b)

    send(1)
    login(client, world.inspector_b)
    one = count_queries(client, reverse("closeout:crosscheck_list"))
    send(29)
    response = client.get(reverse("closeout:crosscheck_list"))
    assert len(response.context["open_checks"]) == 30 and len(response.context["finished_checks"]) == 20
    assert_at_most(django_assert_max_num_queries, client, reverse("closeout:crosscheck_list"), one)


# --- enterprise and landlord: my tickets ----------------------------------------------------------


def test_my_tickets_lists_open_tickets_first_with_deadlines_and_measures(client, world, make_ticket):
    assigned = make_ticket(TicketStatus.ASSIGNED)
    closed = make_ticket(TicketStatus.CLOSED)
    overdue = make_ticket(TicketStatus.ASSIGNED)
    type(overdue).objects.filter(pk=overdue.pk).update(
        deadline=timezone.localdate() - timedelta(days=3), measures="立即清理通道"
    )
    login(client, world.enterprise_user)
    response = client.get(reverse("cases:my_tickets"))
    html = response.content.decode()
    assert [row["ticket"].pk for row in response.context["open_rows"]] == [overdue.pk, assigned.pk]
    assert response.context["open_rows"][0]["deadline_state"] == "overdue"
    assert [row["ticket"].pk for row in response.context["closed_rows"]] == [closed.pk]
    assert "立即清理通道" in html and "逾期 3 天" in html and "查看并提交整改" in html
    assert response.context["figures"]["overdue"] == 1


def test_landlord_sees_every_tenants_tickets_grouped_by_parcel(client, world, make_ticket, parcel_category):
    make_ticket(TicketStatus.ASSIGNED)  # tenant1's
    hazard = services.report_hazard(
        actor=world.inspector, category=parcel_category, description="通道堵塞", parcel=world.parcel
    )
    own = services.assign_ticket(services.create_ticket([hazard], actor=world.manager), actor=world.manager)
    login(client, world.landlord)
    response = client.get(reverse("cases:my_tickets"))
    (group,) = response.context["groups"]
    assert group["parcel"].pk == world.parcel.pk
    assert [party["kind"] for party in group["parties"]] == ["landlord", "enterprise"]
    assert group["parties"][0]["rows"][0]["ticket"].pk == own.pk
    assert group["parties"][1]["name"] == world.tenant1.name
    html = response.content.decode()
    assert "（租户，由租户整改）" in html


def test_my_tickets_runs_the_same_queries_for_one_ticket_and_thirty(
    client, world, make_ticket, django_assert_max_num_queries
):
    make_ticket(TicketStatus.ASSIGNED)
    make_ticket(TicketStatus.CLOSED)
    login(client, world.landlord)
    one = count_queries(client, reverse("cases:my_tickets"))
    for i in range(28):
        make_ticket(TicketStatus.ASSIGNED if i % 2 else TicketStatus.CLOSED)
    assert_at_most(django_assert_max_num_queries, client, reverse("cases:my_tickets"), one)


# --- the owner self-check -------------------------------------------------------------------------


def test_self_check_by_the_enterprise_user_creates_a_self_check_inspection(client, world):
    checklist = Checklist.objects.get(is_self_check=True)
    login(client, world.enterprise_user)
    page = client.get(reverse("cases:self_check"))
    assert page.status_code == 200 and "企业主履职自查表" in page.content.decode()
    data = item_data(checklist, failed=(3,))
    data["unit"] = f"e{world.tenant1.pk}"
    response = client.post(reverse("cases:self_check"), data)
    assert response.status_code == 302
    inspection = Inspection.objects.get()
    assert inspection.source == InspectionSource.SELF_CHECK and inspection.inspector_id == world.enterprise_user.pk
    assert inspection.enterprise_id == world.tenant1.pk
    (hazard,) = inspection.hazards.all()
    assert hazard.category_id == checklist.items.order_by("order", "pk")[3].category_id
    history = client.get(reverse("cases:self_check")).context["history"]
    assert [i.pk for i in history] == [inspection.pk] and history[0].hazard_count == 1


def test_self_check_refuses_a_unit_that_is_not_the_users(client, world):
    checklist = Checklist.objects.get(is_self_check=True)
    login(client, world.enterprise_user)
    data = item_data(checklist)
    data["unit"] = f"e{world.tenant2.pk}"
    response = client.post(reverse("cases:self_check"), data)
    assert response.status_code == 400 and not Inspection.objects.exists()


def test_landlord_self_checks_the_parcel_with_the_parcel_checklist(client, world):
    checklist = Checklist.objects.get(code="parcel-multi-tenant")
    login(client, world.landlord)
    page = client.get(reverse("cases:self_check"), {"checklist": checklist.pk})
    assert page.context["checklist"].pk == checklist.pk
    data = item_data(checklist, failed=(0,))
    data["unit"] = f"p{world.parcel.pk}"
    response = client.post(reverse("cases:self_check"), data)
    assert response.status_code == 302
    inspection = Inspection.objects.get()
    assert inspection.source == InspectionSource.SELF_CHECK and inspection.parcel_id == world.parcel.pk
    assert inspection.hazards.get().parcel_id == world.parcel.pk
