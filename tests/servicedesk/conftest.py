import pytest
from rest_framework.test import APIClient

from accounts.choices import Role
from accounts.models import Department
from servicedesk import services as sr
from servicedesk.choices import ServiceRequestStatus as S
from servicedesk.models import ServiceCategory
from tests import factories as f


@pytest.fixture
def desk(world):
    """The power department's clerk and the roads department's, on the world of tests/conftest.py."""

    class Desk:
        power = Department.objects.get(code="power")
        roads = Department.objects.get(code="roads")
        clerk = f.UserFactory(username="power-clerk", role=Role.DEPARTMENT, department=power)
        road_clerk = f.UserFactory(username="road-clerk", role=Role.DEPARTMENT, department=roads)
        category = ServiceCategory.objects.get(code="power")

    return Desk


@pytest.fixture
def make_request(world, desk):
    """A request of tenant1 (power category) brought to ``status`` through the services."""

    def make(status=S.OPEN, *, enterprise=None, title="厂区变压器容量不足", actor=None, answer="已安排扩容"):
        enterprise = enterprise or world.tenant1
        request = sr.raise_request(
            actor=actor or (world.enterprise_user if enterprise == world.tenant1 else world.manager_all),
            enterprise=enterprise,
            category=desk.category,
            title=title,
        )
        if status == S.OPEN:
            return request
        request = sr.dispatch_request(request, actor=world.manager_all)
        if status == S.DISPATCHED:
            return request
        request = sr.answer_request(request, actor=desk.clerk, answer=answer)
        if status == S.ANSWERED:
            return request
        enterprise_user = world.enterprise_user
        if enterprise != world.tenant1:
            enterprise_user = f.UserFactory(role=Role.ENTERPRISE)
            enterprise_user.enterprises.add(enterprise)
        return sr.confirm_request(request, actor=enterprise_user, satisfied=True, rating=4)

    return make


def api_client(user):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client
