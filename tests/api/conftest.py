"""Fixtures of the API tests: a client per role (token auth), categories, tickets made by the services."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cases import services
from cases.choices import TicketStatus
from catalogue.choices import CategoryLevel, Severity
from tests import factories as f

API = "/api/v1/"


@pytest.fixture(autouse=True)
def api_isolation(settings, tmp_path):
    """Photos under tmp; a private cache per test, so the token throttle starts empty."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": f"api-{tmp_path.name}"}
    }


@pytest.fixture
def category(db):
    return f.HazardCategoryFactory(code="TE01", name="电气线路私拉乱接", deadline_days=7)


@pytest.fixture
def parcel_category(db):
    return f.HazardCategoryFactory(code="TP01", name="消防通道堵塞", level=CategoryLevel.PARCEL, deadline_days=3)


@pytest.fixture
def major_category(db):
    return f.HazardCategoryFactory(
        code="TM01", name="粉尘防爆措施缺失", default_severity=Severity.MAJOR, deadline_days=30
    )


def client_for(user):
    client = APIClient()
    if user is not None:
        token, _created = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def clients(world):
    """``clients.inspector``, ``clients.manager`` … one token-authenticated APIClient per world user;
    ``clients.anonymous`` sends no credentials."""

    class Clients:
        anonymous = APIClient()

        def __getattr__(self, name):
            client = client_for(getattr(world, name))
            setattr(self, name, client)
            return client

    return Clients()


@pytest.fixture
def make_ticket(world, category):
    """A ticket of tenant1 brought to ``status`` through the services."""

    def make(status=TicketStatus.PENDING, hazards=1, enterprise=None, manager=None, inspector=None):
        enterprise = enterprise or world.tenant1
        inspector = inspector or world.inspector
        manager = manager or world.manager
        found = [
            services.report_hazard(
                actor=inspector,
                category=category if i == 0 else f.HazardCategoryFactory(),
                description=f"隐患{i}",
                enterprise=enterprise,
            )
            for i in range(hazards)
        ]
        ticket = services.create_ticket(found, actor=manager)
        if status == TicketStatus.PENDING:
            return ticket
        ticket = services.assign_ticket(ticket, actor=manager)
        if status == TicketStatus.ASSIGNED:
            return ticket
        party = world.enterprise_user if enterprise == world.tenant1 else world.admin
        ticket = services.submit_rectification(ticket, actor=party, comment="已整改", photos=[f.photo_upload()])
        if status == TicketStatus.SUBMITTED:
            return ticket
        verifier = world.inspector if enterprise == world.tenant1 else world.admin
        return services.verify_ticket(ticket, actor=verifier, passed=True)

    return make
