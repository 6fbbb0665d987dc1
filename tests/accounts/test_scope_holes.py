"""The scope breaks found by the deployment audit: each one, as a user would meet it.

Scope fails closed; cross-check access ends with the cross-check; an internal note's photos follow
the note; API tokens are never shown after creation; a GET of a briefing never writes; admin edits
go through a locked service saving only the changed fields; every admin is scoped; every event is
visible exactly to who sees its subject.
"""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.choices import Role
from briefing import reports
from briefing.models import DailyReport, Delivery
from cases import services
from cases.choices import HazardStatus, TicketStatus
from cases.models import Hazard, Photo, Ticket
from catalogue.choices import Severity
from closeout import services as closeout_services
from core.errors import ValidationFailed
from register.models import Enterprise, Grid, Parcel, Zone
from tests import factories as f
from timeline.models import Event

pytestmark = pytest.mark.django_db
API = "/api/v1/"


@pytest.fixture(autouse=True)
def isolated(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": f"holes-{tmp_path.name}"}
    }


@pytest.fixture
def category(db):
    return f.HazardCategoryFactory(code="TE01", name="电气线路私拉乱接", deadline_days=7)


def api(user):
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def page(client, user):
    client.force_login(user)
    return client


def open_ticket(world, category, *, severity=None):
    hazard = services.report_hazard(
        actor=world.inspector, category=category, description="配电箱敞开", enterprise=world.tenant1, severity=severity
    )
    return services.create_ticket([hazard], actor=world.manager)


# --- 1. scope fails closed --------------------------------------------------------------------------


def test_a_manager_or_leader_without_zones_sees_nothing_and_may_not_import(world, client):
    # Given a manager and a leader with no zones and not marked as responsible for the whole area,
    # and a staff account without a role
    manager = f.UserFactory(username="manager-nozone", role=Role.MANAGER)
    leader = f.UserFactory(username="leader-nozone", role=Role.LEADER)
    staff = f.UserFactory(username="staff-norole", role="", is_staff=True)

    for user in (manager, leader, staff):
        # Then they see no unit, in the querysets and through the API
        assert not user.sees_everything
        assert Parcel.objects.visible_to(user).count() == 0
        assert Enterprise.objects.visible_to(user).count() == 0
        assert Zone.objects.visible_to(user).count() == 0
        response = api(user).get(f"{API}parcels/")
        assert response.status_code == 200 and response.data["count"] == 0

    # And the manager without zones may not import the register; the API says they see no whole area
    assert page(client, manager).get(reverse("register:import")).status_code == 403
    me = api(manager).get(f"{API}auth/me/").data
    assert me["whole_area"] is False and me["sees_everything"] is False and me["zones"] == []


def test_only_whole_area_managers_and_leaders_and_superusers_see_everything(world, client):
    assert world.manager_all.whole_area and world.manager_all.sees_everything
    assert world.leader.sees_everything and world.admin.sees_everything
    assert Parcel.objects.visible_to(world.manager_all).count() == 3
    me = api(world.manager_all).get(f"{API}auth/me/").data
    assert me["whole_area"] is True and me["sees_everything"] is True
    assert page(client, world.manager_all).get(reverse("register:import")).status_code == 200
    # an inspector marked whole-area (a meaningless mark) is still scoped to their grids
    world.inspector.whole_area = True
    world.inspector.save()
    assert not world.inspector.sees_everything
    assert Parcel.objects.visible_to(world.inspector).count() == 1
    # a superuser who was deactivated sees nothing
    world.admin.is_active = False
    assert not world.admin.sees_everything
    assert Parcel.objects.visible_to(world.admin).count() == 0


# --- 2. cross-check access ends with the cross-check ------------------------------------------------


def closed_out_parcel(world, category):
    """world.parcel cross-checked by the inspector of zone B: the hazard rectified, the check passed."""
    ticket = open_ticket(world, category)
    services.assign_ticket(ticket, actor=world.manager)
    services.submit_rectification(ticket, actor=world.enterprise_user, comment="已整改", photos=[f.photo_upload()])
    services.verify_ticket(ticket, actor=world.inspector, passed=True)
    crosscheck = closeout_services.request_crosscheck(world.parcel, actor=world.manager, inspector=world.inspector_b)
    return crosscheck


def test_an_inspector_of_another_grid_loses_the_parcel_when_the_cross_check_passes(world, client, category):
    crosscheck = closed_out_parcel(world, category)
    parcel_url = reverse("cases:parcel_detail", args=[world.parcel.pk])
    # While the cross-check is open, the cross-checker sees the parcel
    assert page(client, world.inspector_b).get(parcel_url).status_code == 200

    # When the cross-check passes, and later a new hazard is reported on the parcel by its own inspector
    closeout_services.record_crosscheck(crosscheck, actor=world.inspector_b, passed=True, comment="复查合格")
    hazard = services.report_hazard(
        actor=world.inspector, category=category, description="又见私拉电线", enterprise=world.tenant2
    )

    # Then the cross-checker no longer sees the parcel (page and API)...
    outsider = world.inspector_b
    client = page(client, outsider)
    assert client.get(parcel_url).status_code == 404
    assert api(outsider).get(f"{API}parcels/{world.parcel.pk}/").status_code == 404
    # ...cannot mark its hazards invalid (page and API)...
    invalid_url = reverse("cases:hazard_invalid", args=[hazard.pk])
    assert client.post(invalid_url, {"reason": "不属实"}).status_code == 404
    assert api(outsider).post(f"{API}hazards/{hazard.pk}/invalid/", {"reason": "不属实"}).status_code == 404
    # ...cannot report a hazard on it (page and API)...
    report_url = reverse("cases:hazard_report") + f"?parcel={world.parcel.pk}"
    assert client.get(report_url).status_code == 404
    response = api(outsider).post(
        f"{API}hazards/", {"parcel": world.parcel.pk, "category": category.code, "description": "x"}, format="json"
    )
    assert response.status_code == 400 and "parcel" in response.data
    # ...and cannot inspect it (page and API)
    assert client.get(reverse("cases:inspection_create", args=["parcel", world.parcel.pk])).status_code == 404
    response = api(outsider).post(f"{API}inspections/", {"parcel": world.parcel.pk, "results": []}, format="json")
    assert response.status_code == 400 and "parcel" in response.data
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.REPORTED
    assert Hazard.objects.filter(parcel=world.parcel).count() == 2
    # The cross-checker keeps their own record of the cross-check
    assert api(outsider).get(f"{API}crosschecks/{crosscheck.pk}/").status_code == 200


# --- 3. an internal note's photos follow the note ---------------------------------------------------


def test_photos_of_an_internal_note_are_hidden_from_the_party(world, client, category):
    # Given an assigned ticket of tenant 1 and a manager's internal note with a photo
    ticket = open_ticket(world, category)
    services.assign_ticket(ticket, actor=world.manager)
    event = services.comment_ticket(
        ticket, actor=world.manager, comment="内部：企业负责人态度消极", internal=True, photos=[f.photo_upload()]
    )
    photo = Photo.objects.get(event=event)
    ticket_url = reverse("cases:ticket_detail", args=[ticket.pk])

    for party in (world.enterprise_user, world.landlord):
        # Then the enterprise and the landlord see neither the note nor its photo, on the page...
        content = page(client, party).get(ticket_url).content.decode()
        assert "态度消极" not in content and photo.image.url not in content and photo.thumbnail.url not in content
        # ...nor in the API's ticket and timeline...
        body = api(party).get(f"{API}tickets/{ticket.pk}/").data
        assert photo.pk not in [p["id"] for p in body["photos"]]
        events = api(party).get(f"{API}tickets/{ticket.pk}/events/").data["results"]
        assert event.pk not in [e["id"] for e in events]
        assert photo.pk not in [p["id"] for e in events for p in e["photos"]]
        # ...and the files answer 404 (the media URL and the API's file endpoints)
        assert client.get(photo.image.url).status_code == 404
        assert client.get(photo.thumbnail.url).status_code == 404
        assert api(party).get(f"{API}photos/{photo.pk}/").status_code == 404
        assert api(party).get(f"{API}photos/{photo.pk}/image/").status_code == 404
        assert not Photo.objects.visible_to(party).filter(pk=photo.pk).exists()
        assert not Event.objects.visible_to(party).filter(pk=event.pk).exists()

    # while office staff of the zone see the note and its photo
    assert page(client, world.inspector).get(photo.image.url).status_code == 200
    content = page(client, world.manager).get(ticket_url).content.decode()
    assert "态度消极" in content and photo.thumbnail.url in content
    assert photo.pk in [p["id"] for p in api(world.manager).get(f"{API}tickets/{ticket.pk}/").data["photos"]]


# --- 4. tokens are never shown after creation -------------------------------------------------------


def token_admins():
    return [model for model in admin.site._registry if issubclass(model, Token)]


def test_the_admin_never_shows_an_api_token(world, client):
    # Given tokens of a superuser and a manager, and a staff user allowed to view tokens
    keys = [Token.objects.create(user=user).key for user in (world.admin, world.manager)]
    viewer = f.UserFactory(username="staff-viewer", role=Role.MANAGER, whole_area=True, is_staff=True)
    viewer.user_permissions.add(*Permission.objects.filter(content_type__app_label__in=["authtoken", "accounts"]))
    assert token_admins(), "tokens are listed in the admin (to revoke them)"

    for model in token_admins():
        changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        change = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[world.manager.pk])
        # The staff viewer gets nothing
        client.force_login(viewer)
        assert client.get(changelist).status_code == 403
        assert client.get(change).status_code == 403
        # The superuser sees who holds a token and since when, never the key, and cannot search by it
        client.force_login(world.admin)
        listing = client.get(changelist)
        assert listing.status_code == 200
        assert "manager-a" in listing.content.decode()
        detail = client.get(change)
        assert detail.status_code == 200
        searched = client.get(changelist, {"q": keys[1]})
        assert searched.context["cl"].result_count == 0
        deleting = client.get(
            reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_delete", args=[world.manager.pk])
        )
        for response in (listing, detail, deleting):  # (the search box shows what was typed)
            for key in keys:
                assert key not in response.content.decode()
    # The admin index does not list tokens for the staff viewer
    client.force_login(viewer)
    assert "authtoken" not in client.get(reverse("admin:index")).content.decode()


def test_a_superuser_revokes_a_token_in_the_admin(world, client):
    Token.objects.create(user=world.manager)
    model = token_admins()[0]
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_delete", args=[world.manager.pk])
    client.force_login(world.admin)
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Token.objects.filter(user=world.manager).exists()


# --- 5. a GET of a briefing never writes ------------------------------------------------------------


@pytest.fixture
def stored_day(world):
    """A ledger that began three days ago, the briefings of two days ago stored, then a new hazard
    that regenerating that day would count."""
    f.HazardFactory(enterprise=world.tenant1, reported_at=timezone.now() - timedelta(days=3))
    day = timezone.localdate() - timedelta(days=2)
    reports.generate_daily_reports(day)
    f.HazardFactory(enterprise=world.other_b, reported_at=timezone.now() - timedelta(days=2, hours=1))
    DailyReport.objects.filter(date=day, scope=f"zone:{world.zone_a.pk}").delete()
    return day


def stored(day):
    return {r.scope: (r.generated_at, r.data) for r in DailyReport.objects.filter(date=day)}


def test_a_briefing_read_by_an_outsider_writes_nothing(world, stored_day):
    before = stored(stored_day)
    url = f"{API}reports/daily/{stored_day}/"

    # When an inspector of zone B asks for zone A's briefing (not stored), and for a grid that does not exist
    assert api(world.inspector_b).get(url, {"scope": f"zone:{world.zone_a.pk}"}).status_code == 404
    assert api(world.inspector_b).get(url, {"scope": "grid:999999"}).status_code == 404

    # Then no briefing was written or changed
    assert stored(stored_day) == before


def test_a_missing_briefing_read_by_an_insider_is_computed_not_stored(world, stored_day):
    before = stored(stored_day)
    url = f"{API}reports/daily/{stored_day}/"

    response = api(world.manager).get(url, {"scope": f"zone:{world.zone_a.pk}"})

    assert response.status_code == 200, response.data
    assert response.data["stored"] is False and response.data["found"] == 1
    assert stored(stored_day) == before
    # the stored whole-area briefing keeps the figures it was generated (and sent) with
    response = api(world.leader).get(url)
    assert response.data["stored"] is True and response.data["found"] == 1
    assert stored(stored_day) == before


def test_only_an_office_admin_regenerates_stored_briefings(world, stored_day):
    url = f"{API}reports/daily/{stored_day}/regenerate/"
    before = stored(stored_day)

    for user in (world.manager, world.leader, world.inspector, world.enterprise_user):
        response = api(user).post(url)
        assert response.status_code == 403 and response.data["code"] == "not_office_admin"
    assert stored(stored_day) == before

    response = api(world.manager_all).post(url)
    assert response.status_code == 200, response.data
    assert f"zone:{world.zone_a.pk}" in response.data["scopes"]
    assert DailyReport.objects.get(date=stored_day, scope="all").data["found"] == 2
    future = timezone.localdate() + timedelta(days=1)
    assert api(world.admin).post(f"{API}reports/daily/{future}/regenerate/").status_code == 400


# --- 6. admin edits go through a locked service that saves only the changed fields ------------------


def admin_form(client, url, **values):
    response = client.get(url)
    form = response.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    for inline in response.context["inline_admin_formsets"]:
        for field in inline.formset.management_form:
            data[field.html_name] = field.value()
    data.update(values)
    return data


def test_an_admin_edit_of_a_ticket_saves_only_the_changed_fields(world, client, category):
    ticket = open_ticket(world, category)
    url = reverse("admin:cases_ticket_change", args=[ticket.pk])
    client.force_login(world.admin)
    data = admin_form(client, url, measures="更换老化电线，加装漏电保护器")

    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, data)

    assert response.status_code == 302
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "cases_ticket"')]
    assert len(updates) == 1
    assert '"measures"' in updates[0] and '"status"' not in updates[0] and '"deadline"' not in updates[0]
    ticket.refresh_from_db()
    assert ticket.measures == "更换老化电线，加装漏电保护器" and ticket.status == TicketStatus.PENDING
    event = Event.objects.get(ticket=ticket, kind="inspections.ticket.edited_in_admin")
    assert event.internal and event.actor == world.admin and list(event.data["changes"]) == ["measures"]


def test_an_admin_edit_may_not_blank_a_major_tickets_plan(world, client, category):
    ticket = open_ticket(world, category, severity=Severity.MAJOR)
    services.assign_ticket(
        ticket,
        actor=world.manager,
        measures="停产整改",
        funds=5000,
        responsible_person="张三",
        contingency="设置警戒区",
    )
    url = reverse("admin:cases_ticket_change", args=[ticket.pk])
    client.force_login(world.admin)

    response = client.post(url, admin_form(client, url, measures="", contingency=""))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors.keys() >= {"measures", "contingency"}
    ticket.refresh_from_db()
    assert ticket.measures == "停产整改" and ticket.contingency == "设置警戒区"
    assert not Event.objects.filter(ticket=ticket, kind="inspections.ticket.edited_in_admin").exists()
    # the service refuses it too, whoever calls it
    with pytest.raises(ValidationFailed) as refused:
        services.edit_ticket_plan(ticket, actor=world.admin, measures=" ")
    assert refused.value.code == "plan_incomplete"
    # and refuses fields the workflow owns
    with pytest.raises(ValidationFailed) as refused:
        services.edit_ticket_plan(ticket, actor=world.admin, status=TicketStatus.CLOSED)
    assert refused.value.code == "not_editable"


def test_the_edit_services_write_nothing_when_nothing_changed_and_stay_in_scope(world, category):
    ticket = open_ticket(world, category)
    hazard = ticket.hazards.get()
    count = Event.objects.count()

    services.edit_hazard(hazard, actor=world.manager, description=f"  {hazard.description}  ")
    services.edit_ticket_plan(ticket, actor=world.manager, measures=ticket.measures)
    assert Event.objects.count() == count

    with pytest.raises(services.NotPermitted):
        services.edit_hazard(hazard, actor=world.inspector_b, description="别区改写")
    hazard.refresh_from_db()
    assert hazard.description == "配电箱敞开"


# --- 7. every admin is scoped -----------------------------------------------------------------------


@pytest.fixture
def zone_staff(world):
    """Zone A's manager with staff status and the permissions to view and change the register and users."""
    world.manager.is_staff = True
    world.manager.save()
    codenames = [
        f"{verb}_{model}"
        for verb in ("view", "change", "add")
        for model in ("zone", "grid", "parcel", "enterprise", "user", "delivery")
    ]
    world.manager.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return world.manager


def listed(client, name):
    response = client.get(reverse(f"admin:{name}_changelist"))
    assert response.status_code == 200
    return {str(obj) for obj in response.context["cl"].result_list}


def test_zone_staff_see_only_their_zone_in_every_admin(world, client, zone_staff, category):
    client.force_login(zone_staff)
    b_ticket = f.TicketFactory(enterprise=world.other_b)
    a_ticket = open_ticket(world, category)
    Delivery.objects.create(key="a", ticket=a_ticket, channel="sms", recipient="13800000001")
    Delivery.objects.create(key="b", ticket=b_ticket, channel="sms", recipient="13800000002")
    Delivery.objects.create(key="c", channel="webhook", recipient="https://robot.example/all")

    assert listed(client, "register_zone") == {"中申达"}
    assert listed(client, "register_grid") == {"中申达 / 中申达一网格", "中申达 / 中申达二网格"}
    users = listed(client, "accounts_user")
    assert {"inspector-a1", "inspector-a2", "tenant1-owner", "landlord"} <= {
        u.split(" (")[-1].rstrip(")") for u in users
    }
    assert not any(name in text for text in users for name in ("inspector-b1", "admin)", "manager-all", "leader)"))
    assert listed(client, "briefing_delivery") == {"a"}
    # a foreign row answers as missing
    response = client.get(reverse("admin:register_zone_change", args=[world.zone_b.pk]))
    assert response.status_code == 302  # the admin's "does not exist" redirect
    # the filters offer only the zone's own choices
    page_ = client.get(reverse("admin:register_grid_changelist")).content.decode()
    assert "花川" not in page_


def test_zone_staff_cannot_move_a_unit_or_account_into_another_zone(world, client, zone_staff):
    client.force_login(zone_staff)

    # The grid autocomplete offers only zone A's grids
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "register", "model_name": "enterprise", "field_name": "grid", "term": ""},
    )
    assert response.status_code == 200
    assert {item["text"] for item in response.json()["results"]} == {"中申达 / 中申达一网格", "中申达 / 中申达二网格"}

    # Moving an enterprise into zone B's grid is refused like a grid that does not exist
    enterprise = world.other_a2
    url = reverse("admin:register_enterprise_change", args=[enterprise.pk])
    response = client.post(url, admin_form(client, url, grid=world.grid_b1.pk, parcel=""))
    assert response.status_code == 200 and "grid" in response.context["adminform"].form.errors
    enterprise.refresh_from_db()
    assert enterprise.grid == world.grid_a2

    # Moving a grid into zone B is refused
    url = reverse("admin:register_grid_change", args=[world.grid_a2.pk])
    response = client.post(url, admin_form(client, url, zone=world.zone_b.pk))
    assert response.status_code == 200 and "zone" in response.context["adminform"].form.errors
    assert Grid.objects.get(pk=world.grid_a2.pk).zone == world.zone_a

    # An account of the zone cannot be given zone B, nor the whole area, nor superuser status
    url = reverse("admin:accounts_user_change", args=[world.inspector.pk])
    form = client.get(url).context["adminform"].form
    assert set(form.fields["zones"].queryset) == {world.zone_a}
    assert not {"is_superuser", "whole_area", "user_permissions", "groups"} & set(form.fields)
    response = client.post(url, admin_form(client, url, zones=[world.zone_b.pk]))
    assert response.status_code == 200 and "zones" in response.context["adminform"].form.errors
    world.inspector.refresh_from_db()
    assert not world.inspector.zones.exists() and not world.inspector.is_superuser


# --- 8. every event is visible exactly to who sees its subject --------------------------------------


def test_parcel_close_out_events_are_seen_by_who_sees_the_parcel(world, category):
    crosscheck = closed_out_parcel(world, category)
    closeout_services.record_crosscheck(crosscheck, actor=world.inspector_b, passed=True, comment="复查合格")
    manager_b = f.UserFactory(username="manager-b", role=Role.MANAGER)
    manager_b.zones.add(world.zone_b)
    kinds = ("enterprises.parcel.crosscheck_requested", "enterprises.parcel.closed_out")
    parcel_events = Event.objects.filter(parcel=world.parcel, ticket=None, hazard=None)
    assert set(parcel_events.values_list("kind", flat=True)) == set(kinds)

    for user in (world.manager, world.inspector, world.landlord, world.enterprise_user, world.manager_all):
        assert parcel_events.visible_to(user).count() == 2, user
    for user in (manager_b, world.inspector_a2, world.inspector_b):
        assert parcel_events.visible_to(user).count() == 0, user
    # each event is visible exactly when its parcel is
    for user in (world.manager, manager_b, world.inspector, world.inspector_b, world.landlord, world.enterprise_user):
        assert (
            parcel_events.visible_to(user).exists()
            == Parcel.objects.visible_to(user).filter(pk=world.parcel.pk).exists()
        )
    # the ticket's events are still seen through the ticket
    ticket = Ticket.objects.get()
    assert Event.objects.filter(ticket=ticket).visible_to(world.manager).exists()
    assert not Event.objects.filter(ticket=ticket).visible_to(manager_b).exists()
