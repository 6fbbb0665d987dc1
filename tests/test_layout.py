"""The layout every page shares: home per role, the header's to-do counts, the menu, the assets."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.choices import TicketStatus
from cases.models import Ticket
from closeout.models import CrossCheck
from home import todo
from register.choices import CloseoutState
from register.models import Parcel
from tests import factories as f

BASE_DIR = Path(settings.BASE_DIR)


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def category(db):
    return f.HazardCategoryFactory(code="TE01", name="电气线路私拉乱接", deadline_days=7)


def report(world, category, enterprise, actor=None, **kwargs):
    return services.report_hazard(
        actor=actor or world.inspector, category=category, description="现场发现隐患", enterprise=enterprise, **kwargs
    )


def submitted_ticket(world, category, enterprise, verifier_grid_user=None):
    ticket = services.create_ticket([report(world, category, enterprise)], actor=world.manager)
    services.assign_ticket(ticket, actor=world.manager)
    return services.submit_rectification(
        ticket, actor=world.enterprise_user, comment="已整改", photos=[f.photo_upload()]
    )


def fresh(user):
    """The user as a request would load it (no cached scope or to-do counts)."""
    return type(user).objects.get(pk=user.pk)


# --- home per role -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "headline"),
    [
        ("inspector", ["我的网格", "中申达一网格", 'data-kpi="coverage"', "我最近上报的隐患"]),
        ("manager", ['data-kpi="reported"', 'data-kpi="overdue"', "逾期最久的整改单", "宗地销号"]),
        ("manager_all", ['data-kpi="reported"', "逾期最久的整改单"]),
        ("enterprise_user", ["我的整改单", "需要处理的整改单", 'data-kpi="assigned"']),
        ("landlord", ["我的整改单", "租户的整改单"]),
        ("admin", ["系统概览", 'data-kpi="found"', "常用入口"]),
    ],
)
def test_home_fits_the_role(client, world, who, headline):
    client.force_login(getattr(world, who))
    response = client.get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    for text in headline:
        assert text in html, f"{who}: {text!r} missing"


def test_leader_home_leads_to_the_dashboard(client, world):
    client.force_login(world.leader)
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("briefing:dashboard")
    assert "隐患排查整改驾驶舱" in response.content.decode()


def test_home_needs_login(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_inspector_home_counts_this_rounds_coverage(client, world, category):
    services.record_inspection(actor=world.inspector, enterprise=world.tenant1)
    report(world, category, world.tenant2)
    client.force_login(world.inspector)
    context = client.get(reverse("home")).context
    row = context["grid_rows"][0]
    assert row["grid"] == world.grid_a1
    assert (row["enterprises_visited"], row["enterprises"]) == (1, 2)
    assert row["open_hazards"] == 1
    assert row["red"] == 1
    assert context["totals"]["coverage"] == 0.5


def test_enterprise_home_lists_open_tickets_with_deadlines(client, world, category):
    ticket = services.create_ticket([report(world, category, world.tenant1)], actor=world.manager)
    services.assign_ticket(ticket, actor=world.manager)
    Ticket.objects.filter(pk=ticket.pk).update(deadline=timezone.localdate() - timedelta(days=2))
    client.force_login(world.enterprise_user)
    html = client.get(reverse("home")).content.decode()
    assert ticket.number in html
    assert "逾期 2 天" in html
    assert reverse("cases:ticket_detail", args=[ticket.pk]) in html


def test_landlord_home_shows_tenant_tickets_read_only(client, world, category):
    ticket = services.create_ticket([report(world, category, world.tenant2)], actor=world.manager)
    services.assign_ticket(ticket, actor=world.manager)
    client.force_login(world.landlord)
    context = client.get(reverse("home")).context
    assert [row["ticket"].pk for row in context["tenant_rows"]] == [ticket.pk]
    assert context["my_rows"] == []


# --- the header's to-do counts ----------------------------------------------------------------------------


def test_inspector_todo_counts_submitted_tickets_in_their_grid(client, world, category):
    submitted_ticket(world, category, world.tenant1)
    assert todo.todo_counts(fresh(world.inspector))["verify"] == 1
    assert todo.todo_counts(fresh(world.inspector_a2))["verify"] == 0
    assert todo.todo_counts(fresh(world.inspector_b))["verify"] == 0
    client.force_login(world.inspector)
    html = client.get(reverse("home")).content.decode()
    assert 'data-todo="verify">1<' in html
    assert 'data-todo-total="1"' in html


def test_inspector_todo_counts_crosscheck_tasks(world):
    Parcel.objects.filter(pk=world.parcel_b.pk).update(closeout_state=CloseoutState.RED)
    CrossCheck.objects.create(parcel=world.parcel_b, requested_by=world.manager_all, inspector=world.inspector)
    counts = todo.todo_counts(fresh(world.inspector))
    assert counts["crosscheck"] == 1 and counts["total"] == 1


def test_manager_todo_counts_reported_hazards_in_their_zones(client, world, category):
    report(world, category, world.tenant1)
    report(world, category, world.other_a2, actor=world.inspector_a2)
    report(world, category, world.other_b, actor=world.inspector_b)
    assert todo.todo_counts(fresh(world.manager))["aggregate"] == 2
    assert todo.todo_counts(fresh(world.manager_all))["aggregate"] == 3
    client.force_login(world.manager)
    html = client.get(reverse("home")).content.decode()
    assert 'data-todo="aggregate">2<' in html


def test_manager_todo_counts_pending_submitted_and_overdue(world, category):
    pending = services.create_ticket([report(world, category, world.tenant2)], actor=world.manager)
    submitted_ticket(world, category, world.tenant1)
    late = services.create_ticket(
        [report(world, category, world.other_a2, actor=world.inspector_a2)], actor=world.manager
    )
    services.assign_ticket(late, actor=world.manager)
    Ticket.objects.filter(pk=late.pk).update(deadline=timezone.localdate() - timedelta(days=1))
    counts = todo.todo_counts(fresh(world.manager))
    assert (counts["assign"], counts["verify"], counts["overdue"]) == (1, 1, 1)
    assert counts["total"] == 2  # overdue is a reminder, not added
    assert pending.status == TicketStatus.PENDING


def test_enterprise_todo_counts_assigned_tickets_and_near_deadlines(client, world, category, settings):
    settings.REMINDER_DAYS = 2
    today = timezone.localdate()
    for enterprise, deadline in (
        (world.tenant1, today + timedelta(days=1)),
        (world.tenant1, today + timedelta(days=9)),
        (world.tenant2, today),
    ):
        ticket = services.create_ticket([report(world, f.HazardCategoryFactory(), enterprise)], actor=world.manager)
        services.assign_ticket(ticket, actor=world.manager, deadline=deadline)
    counts = todo.todo_counts(fresh(world.enterprise_user))
    assert (counts["fix"], counts["due_soon"], counts["overdue"], counts["total"]) == (2, 1, 0, 2)
    client.force_login(world.enterprise_user)
    html = client.get(reverse("home")).content.decode()
    assert 'data-todo="fix">2<' in html and 'data-todo="due_soon">1<' in html


@pytest.mark.parametrize(
    "who", ["inspector", "manager", "manager_all", "leader", "enterprise_user", "landlord", "admin"]
)
def test_todo_counts_take_one_query_and_are_cached_per_request(world, category, who):
    submitted_ticket(world, category, world.tenant1)
    user = fresh(getattr(world, who))
    _ = (user.scope_zone_ids, user.scope_grid_ids)  # the user's scope is loaded once per request anyway
    with CaptureQueriesContext(connection) as first:
        counts = todo.todo_counts(user)
    assert len(first.captured_queries) <= 1
    with CaptureQueriesContext(connection) as second:
        assert todo.todo_counts(user) is counts
    assert len(second.captured_queries) == 0


# --- the menu ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "labels"),
    [
        ("inspector", ["地图"]),
        ("manager", ["隐患汇总", "整改单", "台账", "驾驶舱"]),
        ("leader", ["驾驶舱", "地图", "每日简报", "整改单"]),
        ("enterprise_user", ["我的整改单"]),
        ("landlord", ["我的整改单"]),
        ("admin", ["驾驶舱", "系统管理"]),
    ],
)
def test_menu_per_role(client, world, who, labels):
    user = getattr(world, who)
    names = [str(item["label"]) for item in todo.nav_items(user)]
    for label in labels:
        assert label in names, f"{who}: {label} not in {names}"
    client.force_login(user)
    html = client.get(reverse("accounts:password_change")).content.decode()
    nav = html.split('<nav class="nav"', 1)[1].split("</nav>", 1)[0]
    for label in labels:
        assert f">{label}</a>" in nav


def test_menu_skips_pages_that_do_not_exist(world, monkeypatch):
    monkeypatch.setitem(
        todo.NAV,
        world.leader.role,
        [
            ("missing", "不存在", ("cases:no_such_page",), None),
            ("dashboard", "驾驶舱", ("briefing:dashboard",), None),
        ],
    )
    items = todo.nav_items(world.leader, reverse("briefing:dashboard"))
    assert [(i["key"], i["active"]) for i in items] == [("dashboard", True)]


def test_other_roles_do_not_get_the_managers_menu(world):
    keys = {item["key"] for item in todo.nav_items(world.enterprise_user)}
    assert keys.isdisjoint({"desk", "import", "dashboard"})


# --- the page frame ------------------------------------------------------------------------------------


def test_login_page_is_phone_friendly_and_has_the_language_switch(client, db):
    html = client.get(reverse("accounts:login")).content.decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert 'action="/i18n/setlang/"' in html and 'value="en"' in html and 'value="zh-hans"' in html
    assert 'autocomplete="current-password"' in html


def test_bad_login_shows_the_error(client, world):
    response = client.post(reverse("accounts:login"), {"username": "inspector-a1", "password": "wrong"})
    assert response.status_code == 200
    assert "errorlist nonfield" in response.content.decode()


def test_password_change_leads_to_the_done_page(client, world):
    client.force_login(world.manager)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "pass-2023-word",
            "new_password1": "Qx7-long-enough-pw",
            "new_password2": "Qx7-long-enough-pw",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "密码已修改" in response.content.decode()


def test_messages_are_shown_with_their_level(rf, world):
    request = rf.get("/")
    request.user = world.manager
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    messages.error(request, "该整改单已被他人验收，请刷新。")
    messages.success(request, "已交办。")
    html = render_to_string("home.html", request=request)
    assert '<li class="message error"><span class="message-text">该整改单已被他人验收，请刷新。</span>' in html
    assert '<li class="message success">' in html


def test_logged_in_header_has_todo_user_menu_and_logout(client, world):
    client.force_login(world.inspector)
    html = client.get(reverse("home")).content.decode()
    assert 'class="dropdown todo-menu"' in html
    assert f'action="{reverse("accounts:logout")}"' in html
    assert reverse("accounts:password_change") in html
    assert 'id="nav-toggle"' in html  # the phone menu


URL_RE = re.compile(r"""https?://[^\s"'<>)]+""")
ALLOWED_URL_PREFIXES = ("http://www.w3.org/",)  # XML namespaces in SVG, not requests


def served_text_files():
    for root in (BASE_DIR / "templates", BASE_DIR / "static"):
        for path in root.rglob("*"):
            if not path.is_file() or "vendor" in path.relative_to(BASE_DIR).parts:
                continue
            if path.suffix in {".html", ".txt", ".css", ".js", ".svg", ".json", ".xml"}:
                yield path


def test_no_template_or_static_file_loads_from_the_internet():
    offenders = []
    for path in served_text_files():
        for url in URL_RE.findall(path.read_text(encoding="utf-8", errors="replace")):
            if not url.startswith(ALLOWED_URL_PREFIXES):
                offenders.append(f"{path.relative_to(BASE_DIR)}: {url}")
    assert offenders == [], "external URLs (use SITE_URL / MAP_TILE_URL or a vendored file):\n" + "\n".join(offenders)


def test_vendored_libraries_are_there_with_their_licences():
    vendor = BASE_DIR / "static" / "vendor"
    for path in (
        "echarts/echarts.min.js",
        "echarts/LICENSE",
        "leaflet/leaflet.js",
        "leaflet/leaflet.css",
        "leaflet/LICENSE",
        "leaflet/images/layers.png",
        "htmx/htmx.min.js",
        "htmx/LICENSE",
    ):
        assert (vendor / path).is_file(), path
    assets = (BASE_DIR / "docs" / "ASSETS.md").read_text(encoding="utf-8")
    for name in ("echarts", "leaflet", "htmx.org"):
        assert name in assets


def test_pages_reference_only_local_scripts_and_styles(client, world):
    client.force_login(world.leader)
    for url in (reverse("briefing:dashboard"), reverse("closeout:map")):
        html = client.get(url).content.decode()
        for src in re.findall(r"""<(?:script|link)[^>]+(?:src|href)="([^"]+)\"""", html):
            assert src.startswith("/"), f"{url}: {src}"


def test_refused_and_missing_pages_explain_themselves(client, world):
    client.force_login(world.inspector)
    refused = client.get(reverse("briefing:dashboard"))
    assert refused.status_code == 403
    assert "只有领导和交办人员可以查看此页面。" in refused.content.decode()
    missing = client.get("/cases/no-such-page/")
    assert missing.status_code == 404
    assert "不在您的管辖范围内" in missing.content.decode()
