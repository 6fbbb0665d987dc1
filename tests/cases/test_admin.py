import pytest
from django.apps import apps
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.choices import HazardStatus, PhotoKind, ResponsibleKind, TicketStatus
from cases.models import Hazard, Ticket
from cases.photos import save_photo
from catalogue.models import HazardCategory
from tests import factories as f
from timeline.chain import append_event, verify_chain
from timeline.kinds import EventKind
from timeline.models import Event

CASE_APPS = ("catalogue", "timeline", "cases", "closeout", "briefing")
APP_OF = {"hazard": "cases", "ticket": "cases", "event": "timeline"}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.admin)
    return client


def make_hazards(world, count, start=0):
    """Hazards of tenant1, each with a ticket, built directly: the admin only displays them."""
    category = HazardCategory.objects.get(code="E03")
    rows = []
    for i in range(start, start + count):
        ticket = Ticket.objects.create(
            number=f"ZG20231201{i:04d}",
            responsible_kind=ResponsibleKind.ENTERPRISE,
            enterprise=world.tenant1,
            grid=world.grid_a1,
            zone=world.zone_a,
            status=TicketStatus.ASSIGNED,
            created_by=world.manager,
            assignee=world.enterprise_user,
        )
        hazard = Hazard.objects.create(
            number=f"YH20231201{i:04d}",
            enterprise=world.tenant1 if i % 2 else None,
            parcel=None if i % 2 else world.parcel,
            grid=world.grid_a1,
            zone=world.zone_a,
            category=category,
            description=f"配电箱旁私拉电线{i}",
            status=HazardStatus.AGGREGATED,
            reporter=world.inspector,
            ticket=ticket,
        )
        append_event(kind=EventKind.HAZARD_REPORTED, actor=world.inspector, hazard=hazard, to_status="reported")
        append_event(
            kind=EventKind.TICKET_ASSIGNED,
            actor=world.manager,
            ticket=ticket,
            from_status="pending",
            to_status="assigned",
        )
        rows.append(hazard)
    return rows


def queries_for(client, url):
    client.get(url)  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("model", ["hazard", "ticket", "event"])
def test_changelist_query_count_does_not_grow_with_rows(admin_client, world, django_assert_max_num_queries, model):
    # Given the changelist's query count with one row
    url = reverse(f"admin:{APP_OF[model]}_{model}_changelist")
    make_hazards(world, 1)
    with_one = queries_for(admin_client, url)

    # When thirty more rows exist
    make_hazards(world, 30, start=1)

    # Then the page still renders every row with no more queries
    with django_assert_max_num_queries(with_one):
        response = admin_client.get(url)
    assert response.status_code == 200
    assert response.context["cl"].result_count > 30


def test_every_changelist_and_change_page_renders(admin_client, world):
    hazard = make_hazards(world, 1)[0]
    save_photo(
        SimpleUploadedFile("a.jpg", f.jpeg_bytes()), uploaded_by=world.inspector, kind=PhotoKind.BEFORE, hazard=hazard
    )
    for model in admin.site._registry:
        if model._meta.app_label not in CASE_APPS:
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = admin_client.get(url)
        assert response.status_code == 200, url
        response = admin_client.get(url, {"q": "E03"})
        assert response.status_code == 200, url
        first = model._default_manager.first()
        if first is not None:
            change_url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[first.pk])
            assert admin_client.get(change_url).status_code == 200, change_url


def test_every_case_model_is_in_admin():
    inline_models = {inline.model for model_admin in admin.site._registry.values() for inline in model_admin.inlines}
    for app in CASE_APPS:
        for model in apps.get_app_config(app).get_models():
            assert admin.site.is_registered(model) or model in inline_models, model.__name__


def test_events_cannot_be_added_changed_or_deleted(admin_client, world):
    make_hazards(world, 1)
    event = Event.objects.first()
    change_url = reverse("admin:timeline_event_change", args=[event.pk])

    assert admin_client.get(reverse("admin:timeline_event_add")).status_code == 403
    assert admin_client.get(reverse("admin:timeline_event_delete", args=[event.pk])).status_code == 403
    view = admin_client.get(change_url)
    assert view.status_code == 200  # viewable
    assert b'name="_save"' not in view.content
    assert admin_client.post(change_url, {"comment": "改写历史"}).status_code == 403
    changelist = admin_client.get(reverse("admin:timeline_event_changelist"))
    assert b"delete_selected" not in changelist.content

    event.refresh_from_db()
    assert event.comment == ""
    assert verify_chain().ok


def inline_management_data(response):
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        for field in inline.formset.management_form:
            data[field.html_name] = field.value()
    return data


def test_hazard_status_is_read_only_and_an_edit_is_on_the_timeline(admin_client, world):
    hazard = make_hazards(world, 1)[0]
    url = reverse("admin:cases_hazard_change", args=[hazard.pk])
    page = admin_client.get(url)
    data = inline_management_data(page)
    data.update(
        {
            "description": "配电箱旁私拉电线，插座串接三个",
            "location_detail": "二楼车间东侧",
            "status": HazardStatus.RECTIFIED,  # not a form field: ignored
            "severity": "major",
        }
    )

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.AGGREGATED
    assert hazard.severity == "general"
    assert hazard.description == "配电箱旁私拉电线，插座串接三个"
    event = Event.objects.filter(hazard=hazard, kind=EventKind.HAZARD_EDITED_IN_ADMIN).get()
    assert event.actor == world.admin
    assert event.internal is True
    assert event.data["changes"]["description"] == ["配电箱旁私拉电线0", "配电箱旁私拉电线，插座串接三个"]
    assert verify_chain().ok


def test_hazards_and_tickets_are_not_added_or_deleted_in_admin(admin_client, world):
    hazard = make_hazards(world, 1)[0]

    assert admin_client.get(reverse("admin:cases_hazard_add")).status_code == 403
    assert admin_client.get(reverse("admin:cases_ticket_add")).status_code == 403
    assert admin_client.get(reverse("admin:cases_hazard_delete", args=[hazard.pk])).status_code == 403
    assert admin_client.get(reverse("admin:cases_ticket_delete", args=[hazard.ticket_id])).status_code == 403
    ticket_page = admin_client.get(reverse("admin:cases_ticket_change", args=[hazard.ticket_id]))
    assert ticket_page.status_code == 200
    form = ticket_page.context["adminform"].form
    assert "status" not in form.fields and "escalation_level" not in form.fields
    assert "measures" in form.fields


def test_checklist_page_shows_its_items(admin_client, world):
    checklist_id = HazardCategory.objects.get(code="P02").checklist_items.first().checklist_id

    response = admin_client.get(reverse("admin:catalogue_checklist_change", args=[checklist_id]))

    assert response.status_code == 200
    assert "生产、储存、经营场所内无违规住人" in response.content.decode()
