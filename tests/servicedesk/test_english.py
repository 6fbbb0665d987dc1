"""The service request pages in English: every label translated (the data is renamed to ASCII here)."""

import pytest
from django.urls import reverse

from accounts.models import Department
from servicedesk.choices import ServiceRequestStatus as S
from servicedesk.models import ServiceCategory
from tests.test_translations import chinese_left, english_client, english_world  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def ascii_desk(english_world, desk):  # noqa: F811 - the fixture imported above
    for department in Department.objects.all():
        department.name = f"Department {department.code}"
        department.save()
    for category in ServiceCategory.objects.all():
        category.name = f"Category {category.code}"
        category.save()
    for clerk in (desk.clerk, desk.road_clerk):
        clerk.first_name = clerk.username
        clerk.save()
    return desk


@pytest.mark.parametrize(
    ("who", "status", "page"),
    [
        ("manager", S.OPEN, "detail"),
        ("manager", S.DISPATCHED, "list"),
        ("clerk", S.DISPATCHED, "detail"),
        ("clerk", S.DISPATCHED, "home"),
        ("enterprise_user", S.ANSWERED, "detail"),
        ("enterprise_user", S.CLOSED, "detail"),
        ("enterprise_user", S.OPEN, "create"),
        ("enterprise_user", S.ANSWERED, "home"),
    ],
)
def test_english_pages_show_no_chinese(client, english_world, ascii_desk, make_request, who, status, page):  # noqa: F811
    sr = make_request(status, title="Transformer too small", answer="Capacity doubled")
    user = ascii_desk.clerk if who == "clerk" else getattr(english_world, who)
    url = {
        "detail": reverse("servicedesk:request_detail", args=[sr.pk]),
        "list": reverse("servicedesk:request_list"),
        "create": reverse("servicedesk:request_create"),
        "home": reverse("home"),
    }[page]
    response = english_client(client, user).get(url)
    assert response.status_code == 200
    assert chinese_left(response.content.decode()) == []
