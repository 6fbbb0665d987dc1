"""A NUL byte is bad input everywhere: 400 with a message, never a 500 (PostgreSQL refuses NUL in text)."""

import pytest
from rest_framework.test import APIClient

from cases.models import Hazard

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "body",
    [
        {"category": "E01\x00", "description": "x"},
        {"category": "E01", "description": "x\x00y"},
        {"category": "E01", "description": "x", "location_detail": "\x00"},
    ],
)
def test_api_refuses_nul_in_a_new_hazard(world, body):
    client = APIClient()
    client.force_authenticate(world.enterprise_user)
    for fmt in ("json", "multipart"):
        response = client.post("/api/v1/hazards/", {**body, "enterprise": world.tenant1.pk}, format=fmt)
        assert response.status_code == 400, response.content
    assert Hazard.objects.count() == 0


def test_pages_and_api_refuse_nul_in_filters(client, world):
    client.force_login(world.manager)
    response = client.get("/cases/tickets/?category=E01%00")
    assert response.status_code == 400 and "NUL" in response.content.decode()
    api = APIClient()
    api.force_authenticate(world.manager)
    assert api.get("/api/v1/hazards/?category=E01%00").status_code == 400
