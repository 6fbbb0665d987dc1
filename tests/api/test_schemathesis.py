"""Property-based run over every operation of the OpenAPI schema (schemathesis, in process through WSGI).

Authenticated as a superuser (who may reach every operation) and as an enterprise user (whose scope
is one enterprise), with valid and invalid input: no answer may be a 5xx, and every documented
answer must match its schema. ``SCHEMATHESIS_MAX_EXAMPLES`` sets the examples per operation (about
450 cases in all by default).
"""

import os

import pytest
import schemathesis
from django.test import override_settings
from hypothesis import HealthCheck, Phase, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from cases import services
from tests import factories as f

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "6"))
# SCHEMATHESIS_COVERAGE=1 adds schemathesis's coverage phase (boundary and invalid values for every
# parameter: ~90 cases per operation, several minutes); CI runs the random phase only.
PHASES = [Phase.explicit, Phase.generate] if os.environ.get("SCHEMATHESIS_COVERAGE") else [Phase.generate]


@pytest.fixture
def cases_world(world, category, parcel_category):
    """The world with something in every list: hazards, tickets at each status, an inspection, a briefing."""
    from briefing.models import DailyReport

    reported = services.report_hazard(
        actor=world.inspector,
        category=category,
        description="电线私拉",
        enterprise=world.tenant1,
        photos=[f.photo_upload()],
    )
    services.report_hazard(actor=world.inspector, category=parcel_category, description="通道堵塞", parcel=world.parcel)
    ticket = services.create_ticket([reported], actor=world.manager)
    services.assign_ticket(ticket, actor=world.manager)
    services.submit_rectification(ticket, actor=world.enterprise_user, comment="已整改", photos=[f.photo_upload()])
    services.record_inspection(actor=world.inspector, enterprise=world.tenant2, notes="例行检查")
    DailyReport.objects.create(
        date="2023-12-30",
        scope="all",
        data={
            "date": "2023-12-30",
            "found": 2,
            "rectified_general": 1,
            "rectified_major": 0,
            "rectification_rate": "50.00",
            "overdue": 0,
            "zones": [],
        },
    )
    return world


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Calls go through the real WSGI handler, whose request signals close the database connection
    the test's transaction lives on; the test client disconnects them the same way."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def load_schema():
    """The schema as the app serves it (generated without the database), called through WSGI in process."""
    from config.wsgi import application

    with override_settings(API_DOCS_PUBLIC=True):  # loaded at import, before any user exists
        loaded = schemathesis.openapi.from_wsgi("/api/schema/", application)
    # Revoking the token would end the run's authentication.
    return loaded.exclude(path="/api/v1/auth/token/", method="DELETE")


schema = load_schema()


def token_for(user):
    return Token.objects.get_or_create(user=user)[0].key


def headers_for(user):
    """The token, and plain (not gzipped) answers: called through WSGI, schemathesis reads the raw
    body, while its HTTP client would ask for gzip (compression has its own tests)."""
    return {"Authorization": f"Token {token_for(user)}", "Accept-Encoding": "identity"}


CHECKS = [not_a_server_error, response_schema_conformance]
HYPOTHESIS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    phases=PHASES,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)


@schema.parametrize()
@HYPOTHESIS
def test_api_as_a_superuser(case, cases_world):
    case.call_and_validate(headers=headers_for(cases_world.admin), checks=CHECKS)


@schema.parametrize()
@HYPOTHESIS
def test_api_as_an_enterprise_user(case, cases_world):
    case.call_and_validate(headers=headers_for(cases_world.enterprise_user), checks=CHECKS)
