"""The service request pages: who may do what from which status (400 bad input, 403 role, 404 foreign,
409 status), the department's scope, the list's constant queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.choices import EscalationLevel
from servicedesk.choices import ServiceRequestStatus as S
from servicedesk.models import ServiceRequest
from tests import factories as f
from timeline.kinds import EventKind
from timeline.models import Event

pytestmark = pytest.mark.django_db


def detail(sr):
    return reverse("servicedesk:request_detail", args=[sr.pk])


def action(sr, name):
    return reverse(f"servicedesk:request_{name}", args=[sr.pk])


def events(sr):
    return list(Event.objects.filter(stream=sr.stream).order_by("pk").values_list("kind", flat=True))


def unchanged(sr):
    """The row and its timeline as they were (nothing written by a refused action)."""
    before = ServiceRequest.objects.filter(pk=sr.pk).values().get(), events(sr)

    def check():
        assert (ServiceRequest.objects.filter(pk=sr.pk).values().get(), events(sr)) == before

    return check


# --- raising ------------------------------------------------------------------------------------


def test_an_enterprise_raises_a_request_for_itself(client, world, desk):
    client.force_login(world.enterprise_user)
    page = client.get(reverse("servicedesk:request_create"))
    assert page.status_code == 200
    assert 'type="hidden" name="enterprise"' in page.content.decode()  # one enterprise: not asked
    response = client.post(
        reverse("servicedesk:request_create"),
        {"enterprise": world.tenant1.pk, "category": "power", "title": "停电频繁", "description": "每周两次"},
    )
    created = ServiceRequest.objects.get()
    assert response.status_code == 302 and response.url == detail(created)
    assert (created.enterprise, created.status, created.raised_by) == (world.tenant1, S.OPEN, world.enterprise_user)
    assert events(created) == [EventKind.SERVICE_REQUEST_RAISED]
    page = client.get(detail(created)).content.decode()
    assert "停电频繁" in page and "待派发" in page and "提出服务问题" in page


def test_bad_input_is_refused_in_chinese_and_nothing_is_raised(client, world, desk):
    client.force_login(world.enterprise_user)
    response = client.post(reverse("servicedesk:request_create"), {"enterprise": world.tenant1.pk, "category": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert "请选择问题类别。" in html and "请填写问题。" in html
    assert not ServiceRequest.objects.exists()


def test_an_inspector_raises_for_an_enterprise_of_the_grid_only(client, world, desk):
    client.force_login(world.inspector)
    form = client.get(reverse("servicedesk:request_create")).content.decode()
    assert world.tenant1.name in form and world.other_b.name not in form
    url = reverse("servicedesk:request_create")
    response = client.post(url, {"enterprise": world.other_b.pk, "category": "road", "title": "道路破损"})
    assert response.status_code == 400 and "请选择管辖范围内的企业。" in response.content.decode()
    response = client.post(url, {"enterprise": world.tenant2.pk, "category": "road", "title": "道路破损"})
    assert response.status_code == 302
    assert ServiceRequest.objects.get().raised_by == world.inspector


@pytest.mark.parametrize("who", ["leader", "landlord"])
def test_other_roles_may_not_raise(client, world, desk, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("servicedesk:request_create")).status_code == 403
    response = client.post(
        reverse("servicedesk:request_create"), {"enterprise": world.tenant1.pk, "category": "power", "title": "x"}
    )
    assert response.status_code == 403 and not ServiceRequest.objects.exists()


def test_a_department_user_may_not_raise(client, world, desk):
    client.force_login(desk.clerk)
    assert client.get(reverse("servicedesk:request_create")).status_code == 403


# --- dispatch -----------------------------------------------------------------------------------


def test_the_dispatch_form_defaults_to_the_categorys_department_and_time_limit(client, world, desk, make_request):
    sr = make_request()
    client.force_login(world.manager)
    form = client.get(detail(sr)).context["forms"]["dispatch"]
    assert form.initial["department"] == desk.power.pk
    assert form.initial["deadline"] == timezone.localdate() + timedelta(days=desk.category.time_limit_days)
    deadline = timezone.localdate() + timedelta(days=3)
    response = client.post(action(sr, "dispatch"), {"department": desk.roads.pk, "deadline": deadline.isoformat()})
    assert response.status_code == 302
    sr.refresh_from_db()
    assert (sr.status, sr.department, sr.deadline, sr.dispatched_by) == (
        S.DISPATCHED,
        desk.roads,
        deadline,
        world.manager,
    )
    page = client.get(detail(sr)).content.decode()
    assert "分类派发" in page and "建设交通局" in page


def test_dispatch_refusals(client, world, desk, make_request):
    sr = make_request()
    check = unchanged(sr)
    client.force_login(world.manager)
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client.post(action(sr, "dispatch"), {"department": desk.power.pk, "deadline": yesterday})
    assert response.status_code == 400 and "办结期限不能早于今天。" in response.content.decode()
    response = client.post(action(sr, "dispatch"), {"department": "", "deadline": ""})
    assert response.status_code == 400 and "请选择承办部门。" in response.content.decode()
    check()
    client.force_login(world.enterprise_user)
    response = client.post(action(sr, "dispatch"), {"department": desk.power.pk, "deadline": ""})
    assert response.status_code == 403 and "只有交办人员可以派发服务问题。" in response.content.decode()
    assert "dispatch" not in client.get(detail(sr)).context["forms"]
    check()
    answered = make_request(S.ANSWERED)
    client.force_login(world.manager)
    check = unchanged(answered)
    response = client.post(action(answered, "dispatch"), {"department": desk.power.pk, "deadline": ""})
    assert response.status_code == 409
    check()


def test_a_manager_of_another_zone_gets_404(client, world, desk, make_request):
    sr = make_request(enterprise=world.other_b)
    client.force_login(world.manager)  # zone A only
    assert client.get(detail(sr)).status_code == 404
    assert client.post(action(sr, "dispatch"), {"department": desk.power.pk}).status_code == 404


# --- answer ------------------------------------------------------------------------------------


def test_the_department_answers_what_was_dispatched_to_it(client, world, desk, make_request):
    sr = make_request(S.DISPATCHED)
    client.force_login(desk.clerk)
    page = client.get(detail(sr))
    assert set(page.context["forms"]) == {"answer"}
    response = client.post(action(sr, "answer"), {"answer": "已安排扩容，下周施工"})
    assert response.status_code == 302
    sr.refresh_from_db()
    assert (sr.status, sr.answer, sr.answered_by) == (S.ANSWERED, "已安排扩容，下周施工", desk.clerk)
    check = unchanged(sr)
    assert client.post(action(sr, "answer"), {"answer": "again"}).status_code == 409
    check()


def test_answer_refusals(client, world, desk, make_request):
    sr = make_request(S.DISPATCHED)
    check = unchanged(sr)
    client.force_login(desk.clerk)
    response = client.post(action(sr, "answer"), {"answer": "  "})
    assert response.status_code == 400 and "请填写办理答复。" in response.content.decode()
    client.force_login(world.manager)
    assert client.post(action(sr, "answer"), {"answer": "x"}).status_code == 403
    client.force_login(desk.road_clerk)  # another department: not even seen
    assert client.get(detail(sr)).status_code == 404
    assert client.post(action(sr, "answer"), {"answer": "x"}).status_code == 404
    check()


def test_a_department_sees_nothing_before_dispatch(client, world, desk, make_request):
    sr = make_request()
    client.force_login(desk.clerk)
    assert client.get(detail(sr)).status_code == 404
    assert list(client.get(reverse("servicedesk:request_list")).context["object_list"]) == []


# --- confirm ------------------------------------------------------------------------------------


def test_the_enterprise_confirms_and_rates(client, world, desk, make_request):
    sr = make_request(S.ANSWERED)
    client.force_login(world.enterprise_user)
    assert set(client.get(detail(sr)).context["forms"]) == {"confirm"}
    response = client.post(action(sr, "confirm"), {"decision": "satisfied", "rating": "5", "feedback": "很满意"})
    assert response.status_code == 302
    sr.refresh_from_db()
    assert (sr.status, sr.rating, sr.feedback) == (S.CLOSED, 5, "很满意")
    page = client.get(detail(sr)).content.decode()
    assert "已办结" in page and "5 分" in page and "评分 5 分" in page


def test_not_satisfied_returns_it_to_the_department(client, world, desk, make_request):
    sr = make_request(S.ANSWERED)
    client.force_login(world.enterprise_user)
    response = client.post(action(sr, "confirm"), {"decision": "not_satisfied", "feedback": "施工未开始"})
    assert response.status_code == 302
    sr.refresh_from_db()
    assert (sr.status, sr.return_count) == (S.DISPATCHED, 1)
    assert events(sr)[-1] == EventKind.SERVICE_REQUEST_RETURNED


def test_confirm_refusals(client, world, desk, make_request):
    sr = make_request(S.ANSWERED)
    check = unchanged(sr)
    client.force_login(world.enterprise_user)
    response = client.post(action(sr, "confirm"), {"decision": "satisfied"})
    assert response.status_code == 400 and "请为办理结果评分（1–5 分）。" in response.content.decode()
    response = client.post(action(sr, "confirm"), {"decision": "satisfied", "rating": "9"})
    assert response.status_code == 400
    response = client.post(action(sr, "confirm"), {"decision": "not_satisfied", "feedback": ""})
    assert response.status_code == 400 and "请说明不满意的原因。" in response.content.decode()
    client.force_login(world.manager)
    assert client.post(action(sr, "confirm"), {"decision": "satisfied", "rating": "5"}).status_code == 403
    other = f.UserFactory(role="enterprise")
    other.enterprises.add(world.tenant2)
    client.force_login(other)  # another enterprise of the same parcel
    assert client.post(action(sr, "confirm"), {"decision": "satisfied", "rating": "5"}).status_code == 404
    check()
    dispatched = make_request(S.DISPATCHED, title="另一个问题")
    client.force_login(world.enterprise_user)
    assert client.post(action(dispatched, "confirm"), {"decision": "satisfied", "rating": "5"}).status_code == 409


# --- reopen and escalate --------------------------------------------------------------------------


def test_reopen_a_closed_request(client, world, desk, make_request):
    sr = make_request(S.CLOSED)
    client.force_login(world.enterprise_user)
    check = unchanged(sr)
    assert client.post(action(sr, "reopen"), {"comment": ""}).status_code == 400
    client.force_login(desk.clerk)
    assert client.post(action(sr, "reopen"), {"comment": "又坏了"}).status_code == 403
    check()
    client.force_login(world.enterprise_user)
    assert client.post(action(sr, "reopen"), {"comment": "又跳闸了"}).status_code == 302
    sr.refresh_from_db()
    assert (sr.status, sr.deadline) == (S.OPEN, None)
    assert client.post(action(sr, "reopen"), {"comment": "again"}).status_code == 409


def test_escalate_up_to_the_highest_level(client, world, desk, make_request):
    sr = make_request(S.DISPATCHED)
    client.force_login(world.enterprise_user)
    assert client.post(action(sr, "escalate"), {"comment": "x"}).status_code == 403
    client.force_login(world.manager)
    assert client.post(action(sr, "escalate"), {"comment": "尽快办理"}).status_code == 302
    assert client.post(action(sr, "escalate"), {}).status_code == 302
    sr.refresh_from_db()
    assert sr.escalation_level == EscalationLevel.LISTED
    check = unchanged(sr)
    response = client.post(action(sr, "escalate"), {})
    assert response.status_code == 409 and "已是最高督办级别。" in response.content.decode()
    check()
    closed = make_request(S.CLOSED, title="已办结的")
    assert client.post(action(closed, "escalate"), {}).status_code == 409
    page = client.get(detail(sr)).content.decode()
    assert "挂牌督办" in page


def test_the_page_shows_the_deadline_state_from_the_shared_rule(client, world, desk, make_request):
    sr = make_request(S.DISPATCHED)
    ServiceRequest.objects.filter(pk=sr.pk).update(deadline=timezone.localdate() - timedelta(days=3))
    client.force_login(desk.clerk)
    page = client.get(detail(sr))
    assert page.context["overdue_days"] == 3 and "逾期 3 天" in page.content.decode()


# --- the list -------------------------------------------------------------------------------------


def test_the_list_is_scoped_and_filtered(client, world, desk, make_request):
    mine = make_request(S.DISPATCHED)
    make_request(enterprise=world.other_b, title="花川的问题")
    url = reverse("servicedesk:request_list")
    client.force_login(world.enterprise_user)
    assert [r.pk for r in client.get(url).context["object_list"]] == [mine.pk]
    client.force_login(desk.clerk)
    assert [r.pk for r in client.get(url).context["object_list"]] == [mine.pk]
    client.force_login(desk.road_clerk)
    assert list(client.get(url).context["object_list"]) == []
    client.force_login(world.manager_all)
    assert len(client.get(url).context["object_list"]) == 2
    assert [r.pk for r in client.get(url, {"status": "dispatched"}).context["object_list"]] == [mine.pk]
    assert [r.pk for r in client.get(url, {"department": desk.power.pk}).context["object_list"]] == [mine.pk]
    assert [r.title for r in client.get(url, {"q": "花川"}).context["object_list"]] == ["花川的问题"]
    assert list(client.get(url, {"overdue": "true"}).context["object_list"]) == []
    ServiceRequest.objects.filter(pk=mine.pk).update(
        deadline=timezone.localdate() - timedelta(days=1), escalation_level=EscalationLevel.SUPERVISED
    )
    assert [r.pk for r in client.get(url, {"overdue": "true"}).context["object_list"]] == [mine.pk]
    assert [r.pk for r in client.get(url, {"escalated": "true"}).context["object_list"]] == [mine.pk]
    assert [
        r.pk for r in client.get(url, {"category": "power", "zone_id": world.zone_a.pk}).context["object_list"]
    ] == [mine.pk]


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


@pytest.mark.parametrize("who", ["manager_all", "enterprise_user", "clerk"])
def test_list_queries_do_not_grow_with_rows(client, world, desk, make_request, who, django_assert_max_num_queries):
    make_request(S.DISPATCHED)
    client.force_login(desk.clerk if who == "clerk" else getattr(world, who))
    url = reverse("servicedesk:request_list")
    one, response = _count(client, url)
    assert len(response.context["object_list"]) == 1
    for i in range(29):
        sr = make_request((S.OPEN, S.DISPATCHED, S.ANSWERED, S.CLOSED)[i % 4] if who != "clerk" else S.DISPATCHED)
        if i % 3 == 0:
            ServiceRequest.objects.filter(pk=sr.pk).update(escalation_level=1)
    with django_assert_max_num_queries(one):
        response = client.get(url)
    assert len(response.context["object_list"]) == 30


# --- homes ---------------------------------------------------------------------------------------------


def test_the_department_home_lists_its_open_requests_with_deadlines(client, world, desk, make_request):
    sr = make_request(S.DISPATCHED)
    ServiceRequest.objects.filter(pk=sr.pk).update(deadline=timezone.localdate() - timedelta(days=2))
    make_request(S.ANSWERED, title="已答复的")
    client.force_login(desk.clerk)
    response = client.get(reverse("home"))
    html = response.content.decode()
    assert "供电所" in html and sr.number in html and "逾期 2 天" in html and "已答复的" not in html
    assert response.context["figures"] == {"waiting": 1, "overdue": 1, "escalated": 0, "answered": 1}
    nav = html.split('<nav class="nav"', 1)[1].split("</nav>", 1)[0]
    assert reverse("servicedesk:request_list") in nav
    client.force_login(desk.road_clerk)
    assert sr.number not in client.get(reverse("home")).content.decode()


def test_the_enterprise_home_has_a_service_block(client, world, desk, make_request):
    make_request(S.ANSWERED)
    client.force_login(world.enterprise_user)
    response = client.get(reverse("home"))
    assert response.context["service"]["open"] == 1 and response.context["service"]["answered"] == 1
    html = response.content.decode()
    assert 'id="service-block"' in html and reverse("servicedesk:request_create") in html
