"""Evidence of the verifier and of the cross-check: photos taken on site are kept on the event,
shown in the timeline and on the unit's page with when and where they were taken."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cases.choices import PhotoKind, TicketStatus
from cases.models import Photo
from closeout import services as closeout_services
from closeout.choices import CrossCheckStatus
from tests import factories as f
from tests.cases.test_photos import image_bytes, phone_exif, upload
from timeline.kinds import EventKind

pytestmark = pytest.mark.django_db


def exif_photo(name="site.jpg"):
    return upload(image_bytes("JPEG", exif=phone_exif(taken="2024:03:05 14:20:00")), name)


def test_the_verifier_s_photos_are_kept_on_the_event_and_shown_in_the_timeline(client, world, make_ticket):
    ticket = make_ticket(TicketStatus.SUBMITTED)
    client.force_login(world.inspector)

    response = client.post(
        reverse("cases:ticket_verify", args=[ticket.pk]),
        {"decision": "pass", "comment": "复查到位", "photos": [exif_photo("a.jpg"), f.photo_upload("b.jpg")]},
    )

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED
    photos = Photo.objects.filter(kind=PhotoKind.VERIFICATION, ticket=ticket)
    assert photos.count() == 2
    assert {p.event.kind for p in photos} == {EventKind.TICKET_CLOSED}
    page = client.get(reverse("cases:ticket_detail", args=[ticket.pk])).content.decode()
    assert "拍摄 2024-03-05 14:20" in page  # the timeline's entry of the verification, captioned


def test_a_bad_photo_refuses_the_verification_and_changes_nothing(client, world, make_ticket):
    ticket = make_ticket(TicketStatus.SUBMITTED)
    client.force_login(world.inspector)
    not_a_photo = upload(b"not an image", "x.jpg")

    response = client.post(
        reverse("cases:ticket_verify", args=[ticket.pk]), {"decision": "pass", "photos": [not_a_photo]}
    )

    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SUBMITTED
    assert not Photo.objects.filter(kind=PhotoKind.VERIFICATION).exists()


def test_the_api_takes_the_verifier_s_photos(world, make_ticket):
    ticket = make_ticket(TicketStatus.SUBMITTED)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=world.inspector).key}")

    response = api.post(
        f"/api/v1/tickets/{ticket.pk}/verify/", {"passed": "true", "photos": [exif_photo()]}, format="multipart"
    )

    assert response.status_code == 200, response.content
    assert response.json()["status"] == TicketStatus.CLOSED
    assert Photo.objects.filter(kind=PhotoKind.VERIFICATION, ticket=ticket).count() == 1


def test_the_cross_check_s_photos_are_kept_and_shown_on_the_parcel_page(client, world, make_ticket):
    make_ticket(TicketStatus.CLOSED)
    crosscheck = closeout_services.request_crosscheck(world.parcel, actor=world.manager, inspector=world.inspector_b)
    client.force_login(world.inspector_b)

    response = client.post(
        reverse("closeout:crosscheck_record", args=[crosscheck.pk]),
        {
            "passed": "passed",
            "comment": "复核无隐患",
            "photos": [exif_photo()],
            "hazards-TOTAL_FORMS": "0",
            "hazards-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    crosscheck.refresh_from_db()
    assert crosscheck.status == CrossCheckStatus.PASSED
    photo = Photo.objects.get(inspection=crosscheck.inspection)
    assert photo.event.kind == EventKind.PARCEL_CLOSED_OUT
    client.force_login(world.manager)
    page = client.get(reverse("cases:parcel_detail", args=[world.parcel.pk])).content.decode()
    assert "拍摄 2024-03-05 14:20" in page
