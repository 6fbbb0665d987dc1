"""Every tile of every role's home shows the length of the list it opens (home.tiles): the test reads
each tile's number and link from the page, follows the link and counts the list's rows.

A landlord's tiles used to count the landlord's own tickets and open lists with the tenants' too
(待整改 1 → 7, 已逾期 0 → 2). The header's to-do items are checked the same way, and its badge is
the sum of the items it lists as work.
"""

import html as htmllib
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.policy import Action, allows
from cases.choices import EscalationLevel, HazardStatus, ResponsibleKind, TicketStatus
from cases.models import Ticket
from closeout.models import CrossCheck
from register.choices import CloseoutState
from register.models import Parcel
from tests import factories as f

pytestmark = pytest.mark.django_db

DEADLINES = {"past": -3, "today": 0, "tomorrow": 1, "later": 30, "none": None}


@pytest.fixture(autouse=True)
def own_cache(settings, request):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": request.node.nodeid}
    }


@pytest.fixture
def ledger(world):
    """Tickets of a tenant, of the landlord and of zone B in every status and deadline (some under
    督办 or 挂牌督办), hazards in every status (and withdrawn), parcels in every close-out state, a
    cross-check sent to inspector B."""
    today = timezone.localdate()
    made = timezone.now() - timedelta(days=5)
    parties = {
        "tenant": {"responsible_kind": ResponsibleKind.ENTERPRISE, "enterprise": world.tenant1},
        "tenant2": {"responsible_kind": ResponsibleKind.ENTERPRISE, "enterprise": world.tenant2},
        "landlord": {"responsible_kind": ResponsibleKind.LANDLORD, "enterprise": None, "parcel": world.parcel},
        "zone_b": {"responsible_kind": ResponsibleKind.ENTERPRISE, "enterprise": world.other_b},
    }
    for i, unit in enumerate(parties.values()):
        for status in TicketStatus.values:
            for j, (_name, offset) in enumerate(DEADLINES.items()):
                f.TicketFactory(
                    **unit,
                    status=status,
                    deadline=None if offset is None else today + timedelta(days=offset),
                    escalation_level=(i + j) % 3 if status != TicketStatus.CLOSED else EscalationLevel.NONE,
                    created_at=made,
                    assigned_at=made if status != TicketStatus.PENDING else None,
                    submitted_at=made if status in (TicketStatus.SUBMITTED, TicketStatus.CLOSED) else None,
                    closed_at=made + timedelta(days=1) if status == TicketStatus.CLOSED else None,
                    created_by=world.manager_all,
                )
    units = {
        "tenant": {"enterprise": world.tenant1},
        "zone_a2": {"enterprise": world.other_a2},
        "zone_b": {"enterprise": world.other_b},
    }
    for unit in units.values():
        for status in HazardStatus.values:
            f.HazardFactory(
                **unit,
                status=status,
                reported_at=made,
                rectified_at=made + timedelta(days=1) if status == HazardStatus.RECTIFIED else None,
                reporter=world.inspector,
            )
        f.HazardFactory(
            **unit, status=HazardStatus.REPORTED, withdrawn=True, reported_at=made, reporter=world.inspector
        )
    f.ParcelFactory(grid=world.grid_a1, code="ZSD-NEW")  # never inspected
    pending = f.ParcelFactory(grid=world.grid_a2, code="ZSD-PEND", closeout_state=CloseoutState.CROSSCHECK)
    CrossCheck.objects.create(parcel=pending, requested_by=world.manager, inspector=world.inspector_b)
    Parcel.objects.filter(pk=world.parcel_b.pk).update(closeout_state=CloseoutState.RED)
    return today


NUMBER = r"\+?([\d,]+)"


def tiles_of(html):
    """[(key, url, number)] of the page's linked tiles (``data-kpi``): an <a> tile, or a tile whose
    number is a link (``a.kpi-value``)."""
    found = []
    for attrs, inner in re.findall(r"<a\b([^>]*)>(.*?)</a>", html, re.S):
        key, href = re.search(r'data-kpi="(\w+)"', attrs), re.search(r'href="([^"]+)"', attrs)
        if not key or not href:
            continue
        number = (
            re.search(r'class="kpi-value[^"]*">' + NUMBER + "<", inner)
            or re.search(r"<strong>" + NUMBER + "</strong>", inner)
            or re.search(r'class="pill[^"]*">' + NUMBER + "<", inner)
            or re.fullmatch(r"\s*" + NUMBER + r"\s*", inner)
        )
        if number:
            found.append((key.group(1), htmllib.unescape(href.group(1)), int(number.group(1).replace(",", ""))))
    for key, href, number in re.findall(
        r'data-kpi="(\w+)">\s*<span class="kpi-label">[^<]*</span>\s*<a class="kpi-value kpi-link" href="([^"]+)">'
        + NUMBER
        + "</a>",
        html,
    ):
        found.append((key, htmllib.unescape(href), int(number.replace(",", ""))))
    return found


def todo_items_of(html):
    """[(key, url, number, counted in the badge)] of the header's to-do list, and the badge's number."""
    panel = re.search(r'<ul class="todo-list">(.*?)</ul>', html, re.S)
    items = []
    reminders = False
    for line in re.findall(r"<li[^>]*>.*?</li>", panel.group(1) if panel else "", re.S):
        if "data-todo-reminders" in line:
            reminders = True
            continue
        key = re.search(r'data-todo="(\w+)">(\d+)<', line)
        href = re.search(r'href="([^"]+)"', line)
        if key and href:
            items.append((key.group(1), htmllib.unescape(href.group(1)), int(key.group(2)), not reminders))
    badge = re.search(r'data-todo-total="(\d+)"', html)
    return items, int(badge.group(1)) if badge else 0


def rows_of(response):
    """How many rows the list page lists (all its pages)."""
    context = response.context
    if context.get("paginator") is not None:
        return context["paginator"].count
    if "open_checks" in context:  # the cross-checks sent to an inspector
        return len(context["open_checks"])
    raise AssertionError(f"no list on {response.request['PATH_INFO']}")


def home(client, user):
    client.force_login(user)
    response = client.get("/", follow=True)  # a leader's home is the dashboard
    assert response.status_code == 200
    return response.content.decode()


ROLES = ["inspector", "inspector_b", "manager", "manager_all", "leader", "enterprise_user", "landlord", "admin"]


@pytest.mark.parametrize("role", ROLES)
def test_every_tile_number_is_the_length_of_the_list_it_opens(client, world, ledger, role):
    user = getattr(world, role)
    tiles = tiles_of(home(client, user))
    assert tiles, "no linked tile"
    for key, url, number in tiles:
        response = client.get(url)
        assert response.status_code == 200, (key, url)
        assert rows_of(response) == number, (key, url, number)


@pytest.mark.parametrize("role", ROLES)
def test_every_to_do_item_is_the_length_of_its_list_and_the_badge_their_sum(client, world, ledger, role):
    user = getattr(world, role)
    items, badge = todo_items_of(home(client, user))
    assert items, "no to-do item"
    for key, url, number, _counted in items:
        response = client.get(url)
        assert response.status_code == 200, (key, url)
        assert rows_of(response) == number, (key, url, number)
    assert badge == sum(number for _key, _url, number, counted in items if counted)


def test_the_landlords_tiles_count_their_own_tickets_as_the_lists_do(client, world, ledger):
    tiles = {key: (url, number) for key, url, number in tiles_of(home(client, world.landlord))}
    url, number = tiles["assigned"]
    assert "responsible_kind=landlord" in url and number == 5  # the landlord's, not the tenants' 15
    url, number = tiles["overdue"]
    own = Ticket.objects.visible_to(world.landlord).overdue(ledger).filter(responsible_kind=ResponsibleKind.LANDLORD)
    assert "responsible_kind=landlord" in url and number == own.count() >= 3
    assert Ticket.objects.visible_to(world.landlord).overdue(ledger).count() > number  # the tenants' too


@pytest.mark.parametrize("role", ["manager", "manager_all", "admin", "inspector", "leader"])
def test_the_home_page_links_only_to_pages_the_user_may_open(client, world, role):
    user = getattr(world, role)
    html = home(client, user)
    import_url = reverse("register:import")
    assert (f'href="{import_url}"' in html) == allows(user, Action.REGISTER_IMPORT)
    for url in set(re.findall(r'href="(/[^"#?]*)"', html)) - {"/", "/accounts/logout/"}:
        if url.startswith(("/static/", "/media/", "/admin/", "/api/")):
            continue
        assert client.get(url).status_code == 200, url
