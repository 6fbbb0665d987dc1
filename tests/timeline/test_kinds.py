"""Event kinds: one typed enumeration, each kind with a label in both languages, shown on the timeline."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from cases import services
from tests import factories as f
from timeline.chain import append_event, compute_hash
from timeline.kinds import EventKind, event_label
from timeline.models import Event

CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_stored_values_are_the_dotted_names_events_already_carry():
    # Event.kind is covered by each event's hash: these values never change (a new kind may be added).
    assert {kind.name: kind.value for kind in EventKind} == {
        "INSPECTION_RECORDED": "inspections.inspection.recorded",
        "HAZARD_REPORTED": "inspections.hazard.reported",
        "HAZARD_MARKED_DUPLICATE": "inspections.hazard.marked_duplicate",
        "HAZARD_MARKED_INVALID": "inspections.hazard.marked_invalid",
        "HAZARD_RESTORED": "inspections.hazard.restored",
        "HAZARD_RECTIFIED_ON_SPOT": "inspections.hazard.rectified_on_spot",
        "HAZARD_PHOTOS_ADDED": "inspections.hazard.photos_added",
        "HAZARD_EDITED_IN_ADMIN": "inspections.hazard.edited_in_admin",
        "TICKET_CREATED": "inspections.ticket.created",
        "TICKET_ASSIGNED": "inspections.ticket.assigned",
        "TICKET_SUBMITTED": "inspections.ticket.submitted",
        "TICKET_CLOSED": "inspections.ticket.closed",
        "TICKET_REJECTED": "inspections.ticket.rejected",
        "TICKET_ESCALATED": "inspections.ticket.escalated",
        "TICKET_COMMENTED": "inspections.ticket.commented",
        "TICKET_REOPENED": "inspections.ticket.reopened",
        "TICKET_EDITED_IN_ADMIN": "inspections.ticket.edited_in_admin",
        "TICKET_EXTENSION_REQUESTED": "cases.ticket.extension_requested",
        "TICKET_EXTENSION_APPROVED": "cases.ticket.extension_approved",
        "TICKET_EXTENSION_REFUSED": "cases.ticket.extension_refused",
        "TICKET_REASSIGNED": "cases.ticket.reassigned",
        "TICKET_PARTY_CHANGED": "cases.ticket.party_changed",
        "TICKET_AWAITING_CLOSEOUT": "cases.ticket.awaiting_closeout",
        "TICKET_CLOSEOUT_APPROVED": "cases.ticket.closeout_approved",
        "TICKET_CLOSEOUT_RETURNED": "cases.ticket.closeout_returned",
        "PARCEL_CROSSCHECK_REQUESTED": "enterprises.parcel.crosscheck_requested",
        "PARCEL_CROSSCHECK_FAILED": "enterprises.parcel.crosscheck_failed",
        "PARCEL_CROSSCHECK_CANCELLED": "enterprises.parcel.crosscheck_cancelled",
        "PARCEL_CLOSED_OUT": "enterprises.parcel.closed_out",
        "RISK_POINT_DECLARED": "risk.point.declared",
        "RISK_POINT_CHANGED": "risk.point.changed",
        "RISK_POINT_REVIEWED": "risk.point.reviewed",
        "RISK_POINT_REGRADED": "risk.point.regraded",
        "RISK_POINT_RETIRED": "risk.point.retired",
        "PATROL_PLAN_CHANGED": "risk.patrol_plan.changed",
        "SERVICE_REQUEST_RAISED": "servicedesk.request.raised",
        "SERVICE_REQUEST_DISPATCHED": "servicedesk.request.dispatched",
        "SERVICE_REQUEST_ANSWERED": "servicedesk.request.answered",
        "SERVICE_REQUEST_CONFIRMED": "servicedesk.request.confirmed",
        "SERVICE_REQUEST_RETURNED": "servicedesk.request.returned",
        "SERVICE_REQUEST_REOPENED": "servicedesk.request.reopened",
        "SERVICE_REQUEST_ESCALATED": "servicedesk.request.escalated",
    }


@pytest.mark.parametrize("kind", EventKind, ids=lambda kind: kind.value)
def test_every_kind_has_a_label_in_both_languages(kind):
    with translation.override("zh-hans"):
        chinese = str(kind.label)
    with translation.override("en"):
        english = str(kind.label)
    assert chinese and CJK.search(chinese) and chinese != kind.value
    assert english and not CJK.search(english) and english != kind.value


def test_an_unknown_kind_shows_as_it_is():
    assert event_label("inspections.ticket.unheard_of") == "inspections.ticket.unheard_of"
    assert str(event_label("inspections.ticket.reopened")) == str(EventKind.TICKET_REOPENED.label)


def test_an_event_written_with_a_kind_keeps_its_hash_when_read_back(db):
    event = append_event(kind=EventKind.HAZARD_REPORTED, comment="x")
    stored = Event.objects.get(pk=event.pk)
    assert type(stored.kind) is str and stored.kind == "inspections.hazard.reported"
    assert compute_hash(stored, stored.prev_hash) == stored.hash == event.hash


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_kind_renders_with_its_label_on_a_ticket_page(client, world, language):
    ticket = f.TicketFactory(enterprise=world.tenant1, created_by=world.manager)
    for kind in EventKind:
        append_event(kind=kind, actor=world.manager, ticket=ticket, parcel=world.parcel, comment=kind.name)
    client.force_login(world.manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get(reverse("cases:ticket_detail", args=[ticket.pk])).content.decode()
    with translation.override(language):
        for kind in EventKind:
            assert f"<strong>{kind.label}</strong>" in html, kind
    for kind in EventKind:
        assert kind.value not in html, kind


def test_a_follow_up_reopen_shows_its_words_not_its_code(client, world):
    category = f.HazardCategoryFactory(code="TE01", name="电气线路私拉乱接", deadline_days=7)
    hazard = services.report_hazard(
        actor=world.inspector, category=category, description="电线私拉乱接", enterprise=world.tenant1
    )
    ticket = services.assign_ticket(services.create_ticket([hazard], actor=world.manager), actor=world.manager)
    ticket = services.submit_rectification(
        ticket, actor=world.enterprise_user, comment="已整改", photos=[f.photo_upload()]
    )
    ticket = services.verify_ticket(ticket, actor=world.inspector, passed=True)
    services.reopen_ticket(ticket, actor=world.manager, comment="复查发现电线又私拉乱接")

    client.force_login(world.manager)
    html = client.get(reverse("cases:ticket_detail", args=[ticket.pk])).content.decode()
    assert "<strong>复查重开</strong>" in html
    assert "inspections.ticket.reopened" not in html


def test_no_kind_is_spelled_as_a_bare_string_in_the_apps():
    """Write EventKind.X: in the apps' code a kind's value appears in timeline/kinds.py only (migrations
    keep what they were written with)."""
    root = Path(settings.BASE_DIR)
    apps = {path.parent.name for path in root.glob("*/apps.py")}
    assert {"cases", "closeout", "briefing", "demo", "timeline"} <= apps
    values = set(EventKind.values)
    found = []
    for path in root.rglob("*.py"):
        relative = path.relative_to(root)
        if relative.parts[0] not in apps or "migrations" in relative.parts:
            continue
        if relative == Path("timeline/kinds.py"):
            continue
        text = path.read_text(encoding="utf-8")
        found += [f"{relative}: {value}" for value in values if f'"{value}"' in text or f"'{value}'" in text]
    assert found == []
