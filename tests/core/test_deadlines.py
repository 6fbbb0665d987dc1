"""One deadline rule (cases.deadlines.validate_deadline), read by the service, the forms and the API alike."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cases import services
from cases.deadlines import validate_deadline
from cases.forms import AggregateForm, AssignForm, BulkAssignForm
from core.errors import ValidationFailed
from tests import factories as f

pytestmark = pytest.mark.django_db

API = "/api/v1/"
CODE = "deadline_in_past"


def yesterday():
    return timezone.localdate() - timedelta(days=1)


@pytest.fixture
def pending(world):
    category = f.HazardCategoryFactory(code="TE01", name="电气线路私拉乱接", deadline_days=7)
    hazard = services.report_hazard(
        actor=world.inspector, category=category, description="配电箱前堆放纸箱", enterprise=world.tenant1
    )
    return services.create_ticket([hazard], actor=world.manager)


def test_the_rule():
    today = timezone.localdate()
    assert validate_deadline(today) == today
    assert validate_deadline(None) is None
    with pytest.raises(ValidationFailed) as refused:
        validate_deadline(yesterday())
    assert refused.value.code == CODE and list(refused.value.errors) == ["deadline"]


def test_the_service_refuses_a_past_deadline(world, pending):
    with pytest.raises(ValidationFailed) as refused:
        services.assign_ticket(pending, actor=world.manager, deadline=yesterday())
    assert refused.value.code == CODE


@pytest.mark.parametrize("form_class", [AssignForm, AggregateForm, BulkAssignForm])
def test_the_forms_refuse_a_past_deadline_with_the_same_code(world, pending, form_class):
    kwargs = {"ticket": pending} if form_class is AssignForm else {"user": world.manager}
    form = form_class(data={"deadline": yesterday().isoformat()}, **kwargs)
    assert not form.is_valid()
    assert [error.code for error in form.errors.as_data()["deadline"]] == [CODE]


def test_the_api_answers_a_past_deadline_like_the_service(world, pending):
    client = APIClient()
    client.force_authenticate(world.manager)
    day = yesterday().isoformat()
    response = client.post(f"{API}tickets/{pending.pk}/assign/", {"deadline": day}, format="json")
    assert response.status_code == 400 and response.data["code"] == CODE and "deadline" in response.data
    hazard = services.report_hazard(
        actor=world.inspector,
        category=pending.hazards.first().category,
        description="灭火器过期",
        enterprise=world.tenant2,
    )
    response = client.post(f"{API}tickets/", {"hazards": [hazard.pk], "deadline": day}, format="json")
    assert response.status_code == 400 and response.data["code"] == CODE
    pending.refresh_from_db()
    assert pending.status == "pending" and pending.deadline is None
