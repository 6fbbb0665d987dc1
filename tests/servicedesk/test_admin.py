"""The admin: categories and departments are data the office edits; requests are only read there."""

import pytest
from django.urls import reverse

from servicedesk.models import ServiceCategory

pytestmark = pytest.mark.django_db


def test_categories_and_departments_are_edited_in_the_admin(client, world, desk):
    client.force_login(world.admin)
    assert "供电用电" in client.get(reverse("admin:servicedesk_servicecategory_changelist")).content.decode()
    assert "供电所" in client.get(reverse("admin:accounts_department_changelist")).content.decode()
    url = reverse("admin:servicedesk_servicecategory_change", args=["power"])
    response = client.post(
        url,
        {
            "code": "power",
            "name": "供电用电",
            "department": desk.roads.pk,
            "time_limit_days": 5,
            "order": 1,
            "active": "on",
        },
    )
    assert response.status_code == 302
    category = ServiceCategory.objects.get(pk="power")
    assert (category.department, category.time_limit_days) == (desk.roads, 5)


def test_requests_are_read_only_in_the_admin(client, world, desk, make_request):
    request = make_request()
    client.force_login(world.admin)
    assert request.number in client.get(reverse("admin:servicedesk_servicerequest_changelist")).content.decode()
    url = reverse("admin:servicedesk_servicerequest_change", args=[request.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(url, {"title": "改掉"}).status_code == 403
    assert client.get(reverse("admin:servicedesk_servicerequest_add")).status_code == 403
    request.refresh_from_db()
    assert request.title == "厂区变压器容量不足"
