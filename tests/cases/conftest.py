import pytest

from cases import services
from cases.choices import TicketStatus
from catalogue.choices import CategoryLevel, Severity
from tests import factories as f


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


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


@pytest.fixture
def make_ticket(world, category):
    """A ticket for tenant1 brought to ``status`` through the services."""

    def make(status=TicketStatus.PENDING, hazards=1):
        found = [
            services.report_hazard(
                actor=world.inspector,
                category=category if i == 0 else f.HazardCategoryFactory(),
                description=f"隐患{i}",
                enterprise=world.tenant1,
            )
            for i in range(hazards)
        ]
        ticket = services.create_ticket(found, actor=world.manager)
        if status == TicketStatus.PENDING:
            return ticket
        ticket = services.assign_ticket(ticket, actor=world.manager)
        if status == TicketStatus.ASSIGNED:
            return ticket
        ticket = services.submit_rectification(
            ticket, actor=world.enterprise_user, comment="已整改", photos=[f.photo_upload()]
        )
        if status == TicketStatus.SUBMITTED:
            return ticket
        return services.verify_ticket(ticket, actor=world.inspector, passed=True)

    return make
